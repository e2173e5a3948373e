"""write memory, then restarting any or all daemons, gives back the same
running configuration."""
import os
import signal
import stat


def configure(h):
    h.conf("hostname site-a", "interface eth0", "description uplink to core", "exit",
           "router bgp 65001", "bgp router-id 10.0.0.1", "end")


def test_write_memory_then_kill_everything(lab):
    h = lab.host("r1")
    h.start_all()
    configure(h)
    before = h.running_config()
    out = h.vtysh("write memory")
    assert f"Configuration saved to {h.config}" in out
    st = os.stat(h.config)
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert st.st_gid == os.stat(os.path.dirname(h.config)).st_gid
    h.stop_all(signal.SIGKILL)
    h.start_all()
    assert h.running_config() == before


def test_restart_one_daemon(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    configure(h)
    h.vtysh("write memory")
    before = h.running_config()
    h.stop("bgpd")
    h.start("bgpd")
    assert h.running_config() == before


def test_write_memory_keeps_backup(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    h.conf("hostname first")
    h.vtysh("write memory")
    first = open(h.config).read()
    h.conf("hostname second")
    h.vtysh("copy running-config startup-config")
    assert open(h.config + ".bak").read() == first
    assert "hostname second" in open(h.config).read()
    leftovers = [f for f in os.listdir(os.path.dirname(h.config)) if ".conf." in f and
                 not f.endswith(".bak")]
    assert leftovers == []


def test_boot_file_with_an_error_applies_nothing(lab):
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    before = h.running_config()
    bad = os.path.join(h.dir, "bad.conf")
    with open(bad, "w") as f:
        f.write("hostname booted\n!\nrouter bgp 65001\n bgp router-id 10.0.0.9\n"
                " neighbour 10.0.0.2 remote-as 65002\nexit\n")
    out = h.vtysh(extra=("-f", bad), check=False)
    assert h.last_rc != 0
    assert "line 5: % Unknown command: neighbour 10.0.0.2 remote-as 65002" in out
    assert "nothing applied" in out
    assert h.running_config() == before


def test_boot_applies_integrated_file(lab):
    h = lab.host("r1")
    with open(h.config, "w") as f:
        f.write("hostname booted\n!\ninterface eth1\n description lan\nexit\n!\n")
    h.start_all(("zebra-lite", "bgpd"))
    # The daemons read their part at start; -b applies it again, idempotently.
    h.vtysh(extra=("-b",))
    cfg = h.running_config()
    assert "hostname booted" in cfg and "interface eth1\n description lan\nexit" in cfg


def test_daemons_reconnect_when_zebra_lite_restarts(lab):
    """Clients reconnect with backoff (100 ms doubling to 5 s): after a
    zebra-lite restart every protocol daemon is its client again."""
    import kldlab
    h = lab.host("r1")
    h.start_all()
    names = ("bgpd", "wgd", "vxland", "fwd")

    def connected():
        out = h.vtysh("show zebra client")
        blocks = out.split("Client: ")[1:]
        return all(any(b.startswith(n + "\n") and "PID:" in b for b in blocks) for n in names)

    kldlab.wait_for(connected, 10, what="all clients connected")
    h.stop("zebra-lite", signal.SIGKILL)
    h.start("zebra-lite")
    kldlab.wait_for(connected, 15, what="all clients back after the restart")
