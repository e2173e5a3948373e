"""vtysh in an FRR operator's hands (issue 21), through a real pseudo-terminal
(pexpect): the seed's blocks pasted with the user's readline asking for
bracketed paste, Ctrl-C and Ctrl-Z, history across sessions, abbreviations,
the output filters; and `vtysh -C` checking files with no daemon running."""
import os
import re

import pexpect
import pytest

import kldlab

# The seed's (shared/seeds/000_fcf168c387ff17bd.txt) BGP blocks, from the
# line after `vtysh` to `write memory`, verbatim as a reader copies them:
# comments, trailing comments and all.
SEED_BLOCKS = (
    """# ── Site A (WG IP: 10.200.0.1, local network: 10.100.10.0/24) ──
configure terminal
router bgp 65001
bgp router-id 10.200.0.1
neighbor 10.200.0.2 remote-as 65002 # Site B over WireGuard
address-family ipv4 unicast
network 10.100.10.0/24 # announce Site A's network
neighbor 10.200.0.2 activate
exit-address-family
end
write memory
""",
    """# Only accept specific prefixes from a neighbor:
configure terminal
ip prefix-list ALLOWED seq 10 permit 10.100.0.0/16 le 24
ip prefix-list ALLOWED seq 100 deny any
router bgp 65001
address-family ipv4 unicast
neighbor 10.200.0.2 prefix-list ALLOWED in
exit-address-family
end
write memory
""",
    """# ── BGP (routing layer) ──
configure terminal
router bgp 65001
bgp router-id 10.200.0.1
neighbor 10.200.0.2 remote-as 65002
neighbor 10.200.0.3 remote-as 65003
address-family ipv4 unicast
network 192.168.1.0/24 # physical network
network 172.16.0.0/24 # overlay network
neighbor 10.200.0.2 activate
neighbor 10.200.0.3 activate
# Safety: only accept /16 or longer from peers
neighbor 10.200.0.2 prefix-list SAFE in
neighbor 10.200.0.3 prefix-list SAFE in
exit-address-family
ip prefix-list SAFE seq 10 permit 10.0.0.0/8 le 24
ip prefix-list SAFE seq 20 permit 172.16.0.0/12 le 24
ip prefix-list SAFE seq 30 permit 192.168.0.0/16 le 24
ip prefix-list SAFE seq 100 deny any
end
write memory
""",
)
PROMPT = r"\S+# "
CONFIG_PROMPT = r"\S+\(config[a-z-]*\)# "


class Shell:
    """One interactive vtysh on a pty inside the host, as a terminal user
    has it: TERM=xterm, an inputrc that turns bracketed paste on (as
    Debian 12's stack does), HOME for the history file."""

    def __init__(self, h, home, **extra_env):
        inputrc = os.path.join(home, "inputrc")
        with open(inputrc, "w") as f:
            f.write("set enable-bracketed-paste on\n")
        env = dict(os.environ, TERM="xterm", HOME=home, INPUTRC=inputrc)
        env.pop("KLD_VTYSH_HISTFILE", None)
        env.pop("VTYSH_PAGER", None)
        env.update(extra_env)
        argv = h.wrap([kldlab.binary("vtysh"), "--rundir", h.rundir, "--config", h.config])
        self.p = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8",
                               timeout=30, dimensions=(50, 200))
        self.p.expect(PROMPT)
        # readline announces bracketed paste with ESC[?2004h when it is on
        assert "\x1b[?2004h" not in self.p.before + self.p.after

    def run(self, line, prompt=PROMPT):
        self.p.sendline(line)
        self.p.expect(prompt)
        return self.p.before

    def close(self):
        if self.p.isalive():
            self.p.sendline("end")
            self.p.sendline("exit")
            self.p.expect(pexpect.EOF)
        self.p.close()


@pytest.fixture
def r1(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    return h


def test_paste_seed_blocks_ctrl_keys_abbreviations_pipes(r1, tmp_path):
    h = r1
    home = str(tmp_path / "home")
    os.makedirs(home)
    sh = Shell(h, home)
    try:
        # 1. Paste: each block in one write, as a terminal delivers a paste.
        for block in SEED_BLOCKS:
            sh.p.send(block)
            sh.p.expect(r"\[OK\]")
            sh.p.expect(PROMPT)
        cfg = h.running_config()
        for want in ("router bgp 65001", " neighbor 10.200.0.2 remote-as 65002",
                     " neighbor 10.200.0.3 remote-as 65003", "  network 10.100.10.0/24",
                     "  network 172.16.0.0/24", "  neighbor 10.200.0.3 prefix-list SAFE in",
                     "ip prefix-list SAFE seq 100 deny any",
                     "ip prefix-list ALLOWED seq 10 permit 10.100.0.0/16 le 24"):
            assert want in cfg.splitlines(), (want, cfg)
        assert "Unknown command" not in sh.p.before

        # 2. Ctrl-C abandons the line and the shell lives on; Ctrl-Z is `end`.
        sh.run("conf t", CONFIG_PROMPT)
        sh.p.send("router bgp 6500")
        sh.p.send("\x03")
        sh.p.expect(r"\^C")
        sh.p.expect(CONFIG_PROMPT)
        sh.run("router bgp", r"\(config-router\)# ")  # the one instance
        sh.p.send("\x1a")
        sh.p.expect(r"end\r\n")
        sh.p.expect(PROMPT)
        out = sh.run("show daemons")
        assert "zebra-lite   running" in out
        assert sh.p.isalive()
        assert "router bgp 6500 " not in h.running_config()

        # 3. `?` lists the shell's words in a configuration node; a pasted
        # '?' in a comment stays text.
        sh.run("configure terminal", CONFIG_PROMPT)
        sh.p.send("?")
        sh.p.expect(CONFIG_PROMPT)
        for word in ("end", "exit", "do", "write"):
            assert re.search(rf"^\s+{word}\s", sh.p.before, re.M), (word, sh.p.before)
        sh.p.sendline("# why? because")
        sh.p.expect(CONFIG_PROMPT)
        assert "There is no matched" not in sh.p.before
        sh.run("end")

        # 4. Abbreviations; an ambiguous one names its candidates.
        out = sh.run("sh ip bgp sum")
        assert "Unknown command" not in out
        out = sh.run("co t")
        assert 'Ambiguous command: "co" could be: configure copy' in out
        # TAB after words typed short completes as after the full words
        sh.p.send("sh ip ro\t")
        sh.p.expect("route ")
        out = sh.run("")
        assert "Unknown command" not in out, out
        # `?` describes show version as the shell runs it, not as one daemon would
        sh.p.send("show ?")
        sh.p.expect(PROMPT)
        assert re.search(r"^\s+version\s+Displays kldnet and daemon versions", sh.p.before, re.M), \
            sh.p.before
        sh.p.send("\x15")  # Ctrl-U: the line `show ` goes
        sh.run("conf t", CONFIG_PROMPT)
        sh.run("ip pref ABBR seq 5 per 10.9.0.0/16 le 24", CONFIG_PROMPT)
        sh.run("end")
        assert "ip prefix-list ABBR seq 5 permit 10.9.0.0/16 le 24" in h.running_config()

        # 5. Every filter.
        out = sh.run("show running-config | include prefix-list")
        lines = [l for l in out.splitlines()[1:] if l.strip()]
        assert lines and all("prefix-list" in l for l in lines), out
        out = sh.run("show running-config | exclude prefix-list|neighbor")
        assert "prefix-list" not in out.split("\n", 1)[1] and "router bgp 65001" in out
        out = sh.run("show running-config | begin router bgp")
        body = [l for l in out.splitlines()[1:] if l.strip()]
        assert body[0].startswith("router bgp 65001"), out
        out = sh.run("show running-config | count prefix-list")
        n = int(out.splitlines()[-1])
        assert n == sum("prefix-list" in l for l in h.running_config().splitlines())
        sh.run("conf t", CONFIG_PROMPT)  # no `show` here: the error alone, no count after it
        out = sh.run("sh run | count", CONFIG_PROMPT)
        assert "Unknown command" in out and not out.strip().splitlines()[-1].strip().isdigit(), out
        sh.run("end")
        out = sh.run("show running-config bgpd")
        assert "router bgp 65001" in out and "Current configuration" not in out
        out = sh.run("show running-config zebra-lite")
        assert "router bgp" not in out
        out = sh.run("terminal length 0")
        assert "%" not in out
        out = sh.run("show version")
        assert "Running on" in out
        sh.run("exit", pexpect.EOF)
    finally:
        sh.close()

    # 6. History across sessions: ~/.history_kldnet; Up recalls earlier lines.
    hist = open(os.path.join(home, ".history_kldnet")).read()
    assert "sh ip bgp sum" in hist
    # ... and FRR's pager, VTYSH_PAGER, off with `terminal length 0`.
    sh = Shell(h, home, VTYSH_PAGER="sed s/^/PAGED:/")
    try:
        sh.p.send("\x1b[A\x1b[A")  # the last line was `exit`
        sh.p.expect("show version")
        sh.p.send("\n")
        sh.p.expect("PAGED:Running on")
        sh.p.expect(PROMPT)
        sh.run("terminal length 0")
        out = sh.run("show daemons")
        assert "zebra-lite   running" in out and "PAGED" not in out
    finally:
        sh.close()


def test_pipe_from_stdin_line_by_line(r1):
    """A block through a pipe behaves as pasted: comments, blank lines and
    trailing comments included."""
    h = r1
    block = ("# a comment\n\nconfigure terminal\nrouter bgp 65010 # the AS\n"
             " bgp router-id 10.0.0.9\nend\n")
    h.vtysh(stdin=block)
    assert "router bgp 65010\n bgp router-id 10.0.0.9" in h.running_config()


GOOD = """! a good file, in FRR's layout, with abbreviations
hostname r9
ip prefix-list SAFE seq 10 permit 10.0.0.0/8 le 24
router bgp 65001
 bgp router-id 10.0.0.1
 neighbor 10.0.0.2 remote-as 65002 # site B
 nei 10.0.0.2 desc peer B
 address-family ipv4 unicast
  network 10.1.0.0/16
  neighbor 10.0.0.2 prefix-list SAFE in
 exit-address-family
exit
interface eth0
 description uplink
exit
"""

BAD = """hostname r9
router bgp 65001
 neighbor 10.0.0.2 remote-as 65002
 neighbor 10.0.0.3 bogus-keyword
 n 10.0.0.4 remote-as 1
ip prefix-list X seq 5 deny 10.0.0.0/8 le 40
"""


def _daemon_dir(tmp_path):
    d = tmp_path / "sbin"
    d.mkdir()
    for name in ("zebra-lite", "bgpd", "wgd", "vxland", "fwd"):
        os.symlink(kldlab.binary(name), d / name)
    return str(d)


def test_check_without_daemons(tmp_path):
    """vtysh -C checks against the daemons' binaries (--describe): no daemon
    runs, nothing is connected to, every error has its line number."""
    ddir = _daemon_dir(tmp_path)
    rundir = tmp_path / "run"
    rundir.mkdir()
    good, bad = tmp_path / "good.conf", tmp_path / "bad.conf"
    good.write_text(GOOD)
    bad.write_text(BAD)
    vtysh = [kldlab.binary("vtysh"), "--rundir", str(rundir), "--daemon-dir", ddir]
    r = kldlab.sh(vtysh + ["-C", "-f", str(good)], check=False)
    assert r.returncode == 0, r.stdout
    r = kldlab.sh(vtysh + ["-C", "-f", str(bad)], check=False)
    assert r.returncode == 1
    assert "line 4: % Unknown command: neighbor 10.0.0.3 bogus-keyword" in r.stdout
    assert 'line 5: % Ambiguous command: "n" could be:' in r.stdout
    assert "line 6:" in r.stdout
    assert "line 3:" not in r.stdout and "3 error(s), nothing applied" in r.stdout
    # -b: the integrated file; missing (a first start) is not an error
    r = kldlab.sh(vtysh + ["--config", str(good), "-C", "-b"], check=False)
    assert r.returncode == 0, r.stdout
    r = kldlab.sh(vtysh + ["--config", str(tmp_path / "none.conf"), "-C", "-b"], check=False)
    assert r.returncode == 0 and "nothing to check" in r.stdout
    # -C without a file refuses, whatever stdin holds
    r = kldlab.sh(vtysh + ["-C"], check=False, input="configure terminal\n")
    assert r.returncode == 2 and "-C checks a file" in r.stdout
    r = kldlab.sh(vtysh + ["-C", "-c", "show version"], check=False)
    assert r.returncode == 2
    assert os.listdir(rundir) == []


def test_check_never_applies_with_daemons_running(r1, tmp_path):
    h = r1
    f = tmp_path / "x.conf"
    f.write_text("ip prefix-list CHECKONLY seq 5 deny any\n")
    out = h.vtysh(extra=("-C", "-f", str(f), "--daemon-dir", _daemon_dir(tmp_path)))
    assert "error" not in out
    assert "CHECKONLY" not in h.running_config()


def test_messages_that_help(lab):
    """A value error says what the place takes (lib/command.c's explanation,
    after abbreviations are expanded); a neighbor on one of the
    router's own addresses is refused as FRR refuses it; `show logging`
    names each daemon, its destination and level in `log syslog`'s names."""
    h = lab.host("r1")
    h.cmd("ip addr add 10.9.9.9/32 dev lo")
    h.start_all(("zebra-lite", "bgpd"))
    out = h.conf("ip prefix-list X seq 5 deny 10.0.0.0/8 le 40", check=False)
    assert "% le: 40 is out of range 0-32" in out
    out = h.conf("router bgp 65001", "neighbor 10.0.0.2 remote-as 70000000000", check=False)
    assert "70000000000" in out and "1-4294967295" in out, out
    out = h.conf("router bgp 65001", "neighbor 10.0.0.2 remote-as sixty", check=False)
    assert "% remote-as: sixty is not a number (1-4294967295)" in out, out
    out = h.conf("router bgp 65001", "nei 10.9.9.9 remote-as 65002", check=False)
    assert h.last_rc == 1 and "% Can not configure the local system as neighbor" in out
    assert "10.9.9.9" not in h.running_config()
    out = h.vtysh("show logging")
    for d in ("zebra-lite", "bgpd"):
        assert f"{d}:\n Syslog logging: disabled\n Stderr logging: level debugging" in out, out


def test_daemons_read_abbreviations_in_a_file(lab, tmp_path):
    """What vtysh -C passes, the daemons take at start: a hand-written file
    with abbreviations; what they show and save is the full form."""
    h = lab.host("r1")
    h.write_config("hostname r9\nrouter bgp 65001\n bgp router-id 10.0.0.1\n"
                   " nei 10.0.0.2 remote 65002\n nei 10.0.0.2 desc peer B\n"
                   " address-family ipv4 uni\n  net 10.1.0.0/16\n exit-address-family\nexit\n")
    out = h.vtysh(extra=("-C", "-f", h.config, "--daemon-dir", _daemon_dir(tmp_path)))
    assert "error" not in out, out
    h.start_all(("zebra-lite", "bgpd"))
    cfg = h.running_config()
    for want in ("hostname r9", " neighbor 10.0.0.2 remote-as 65002",
                 " neighbor 10.0.0.2 description peer B", " address-family ipv4 unicast",
                 "  network 10.1.0.0/16"):
        assert want in cfg.splitlines(), (want, cfg)
