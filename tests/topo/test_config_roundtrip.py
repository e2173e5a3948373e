"""The configuration survives a round trip whole: what was typed is what
`show running-config` shows and `write memory` saves, line for line in every
block and sub-block, and daemons started from the file (or `vtysh -b`) come
back to the same running configuration and the same kernel state.
(Issue 10: a line repeated in a second sub-block was dropped by the shell's
merge, and with it that block's closer.)"""
import os
import signal

import kldlab

ALL = ("zebra-lite", "wgd", "vxland", "fwd", "bgpd")


def keepalives(h, ifname="wg0"):
    return h.cmd(f"wg show {ifname} persistent-keepalive", check=False).count("\t25")


def body(text):
    """The configuration without the shell's header lines."""
    return "\n".join(l for l in text.splitlines() if not l.startswith("! kldnet"))


def test_repeated_lines_in_sub_blocks_survive_kill_and_restart(lab):
    h = lab.host("r1")
    h.start_all()
    peers = [h.cmd("wg genkey | wg pubkey").strip() for _ in range(3)]
    lines = ["wireguard wg0", f"private-key file {h.dir}/wg0.key", "address 10.200.0.1/24"]
    for i, k in enumerate(peers):
        lines += [f"peer {k}"] + (["description site"] if i < 2 else []) + \
            [f"allowed-ips 10.200.0.{i + 2}/32", "persistent-keepalive 25", "exit"]
    lines += ["exit", "router bgp 65001",
              "neighbor 10.0.0.2 remote-as 65002", "neighbor 10.0.0.3 remote-as 65003",
              "address-family ipv4 unicast", "neighbor 10.0.0.2 next-hop-self",
              "exit-address-family",
              "address-family ipv6 unicast", "neighbor 10.0.0.2 activate",
              "neighbor 10.0.0.2 next-hop-self", "exit-address-family", "end"]
    h.conf(*lines)
    kldlab.wait_for(lambda: keepalives(h) == 3, 10,
                    what="three keepalives in the device")
    before = h.running_config()
    h.vtysh("write memory")
    saved = open(h.config).read()
    for text in (before, saved):
        assert text.count("  persistent-keepalive 25\n") == 3
        assert text.count("  description site\n") == 2
        assert text.count("  neighbor 10.0.0.2 next-hop-self\n") == 2
        assert text.count(" exit-address-family\n") == 2
        for i, k in enumerate(peers):
            block = text.split(f" peer {k}\n", 1)[1].split(" exit\n", 1)[0]
            assert f"  allowed-ips 10.200.0.{i + 2}/32\n  persistent-keepalive 25\n" in block
        af6 = text.split(" address-family ipv6 unicast\n", 1)[1]
        assert af6.startswith("  neighbor 10.0.0.2 activate\n  neighbor 10.0.0.2 next-hop-self\n"
                              " exit-address-family\nexit\n")
    assert body(saved) == body(before.split("Current configuration:\n")[-1])
    h.stop_all(signal.SIGKILL)
    h.start_all()
    kldlab.wait_for(lambda: keepalives(h) == 3, 10,
                    what="three keepalives after the restart")
    assert h.running_config() == before
