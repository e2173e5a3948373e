"""vtysh against running daemons: navigation, errors, help and completion."""
import os
import pty
import select
import signal
import subprocess
import time

import kldlab


def test_show_version_and_daemons(lab):
    h = lab.host("r1")
    h.start("zebra-lite")
    out = h.vtysh("show version", "show daemons")
    assert "kldnet" in out and "Running on Linux" in out
    assert " zebra-lite   running" in out
    assert " bgpd         not running" in out


def test_unknown_command_points_at_word_and_changes_nothing(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    h.conf("router bgp 65001", "bgp router-id 10.0.0.1")
    before = h.running_config()
    out = h.vtysh("configure terminal", "router bgpx 65002", check=False)
    assert h.last_rc != 0
    lines = out.splitlines()
    err = next(i for i, l in enumerate(lines) if l.startswith("% Unknown command: router bgpx"))
    caret = lines[err + 1]
    # The caret sits under the first letter of the offending word.
    assert caret.index("^") == lines[err].index("bgpx")
    assert h.running_config() == before


def test_incomplete_and_bad_argument(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    before = h.running_config()
    out = h.vtysh("configure terminal", "router bgp", check=False)
    assert "% Command incomplete: router bgp" in out
    out = h.vtysh("configure terminal", "router bgp 99999999999", check=False)
    assert h.last_rc != 0
    assert "% bgp: 99999999999 is out of range 1-4294967295" in out
    assert h.running_config() == before


def test_nodes_exit_end_and_parent_fallback(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    # `interface` inside `router bgp` falls back to the config node, as in FRR;
    # `exit` and `end` walk back up.
    h.conf("router bgp 65001", "interface eth9", "description from bgp node", "exit",
           "router bgp 65001", "bgp router-id 1.1.1.1", "end")
    cfg = h.running_config()
    assert "interface eth9\n description from bgp node\nexit\n" in cfg
    assert "router bgp 65001\n bgp router-id 1.1.1.1\n" in cfg


def test_shell_survives_a_daemon_going_down(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    h.stop("bgpd", signal.SIGKILL)
    out = h.vtysh("show daemons")
    assert " bgpd         not answering" in out
    assert " bgpd         not answering" in h.vtysh("show version")  # the same word
    out = h.vtysh("configure terminal", "router bgp 1", check=False)
    assert "% Not answering: bgpd" in out  # its socket is left: as show daemons says
    assert "hostname lab1" not in h.running_config()
    h.conf("hostname lab1")
    assert "hostname lab1" in h.running_config()
    out = h.vtysh("write memory", check=False)
    assert "Not saved: bgpd in use but not answering" in out
    assert not os.path.exists(h.config)


def _pty_session(h, keys, settle=0.7):
    argv = h.wrap([kldlab.binary("vtysh"), "--rundir", h.rundir, "--config", h.config])
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    out = b""
    try:
        for k in keys:
            os.write(fd, k.encode())
            end = time.monotonic() + settle
            while time.monotonic() < end:
                r, _, _ = select.select([fd], [], [], 0.05)
                if r:
                    try:
                        out += os.read(fd, 65536)
                    except OSError:
                        break
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return out.decode(errors="replace")


def test_tab_completion_and_question_help(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    h.conf("hostname site-a")
    out = _pty_session(h, ["show ver\t", "\n", "configure terminal\n", "router ?"])
    assert "show version" in out
    assert "Running on Linux" in out
    assert "site-a(config)#" in out  # the prompt follows the configured hostname
    # '?' lists what may follow with the daemon's own help text.
    assert "bgp" in out and "BGP information" in out


def test_do_runs_exec_commands_from_config_nodes(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    out = h.vtysh("configure terminal", "router bgp 65001", "do show daemons",
                  "bgp router-id 10.0.0.7")
    assert " zebra-lite   running" in out
    # The node was kept: the next line still went to router bgp.
    assert "router bgp 65001\n bgp router-id 10.0.0.7" in h.running_config()


def test_session_survives_a_daemon_restart(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    argv = h.wrap([kldlab.binary("vtysh"), "--rundir", h.rundir, "--config", h.config])
    sh = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    sh.stdin.write("configure terminal\nrouter bgp 65001\nbgp router-id 1.1.1.1\n")
    sh.stdin.flush()
    time.sleep(0.5)
    h.stop("bgpd")
    h.start("bgpd")
    # The same session, in the same node, talks to the new bgpd.
    sh.stdin.write("bgp router-id 2.2.2.2\nend\nshow running-config\n")
    out = sh.communicate(timeout=20)[0]
    assert sh.returncode == 0, out
    assert "router bgp 65001\n bgp router-id 2.2.2.2" in out


def test_exit_address_family_returns_to_router_bgp(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    h.conf("router bgp 65001", "address-family ipv4 unicast", "exit-address-family",
           "bgp router-id 10.9.9.9")
    assert "router bgp 65001\n bgp router-id 10.9.9.9" in h.running_config()
