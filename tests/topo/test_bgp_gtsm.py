"""GTSM (RFC 5082, `neighbor X ttl-security hops N`) against FRR's bgpd.

r1 (kldnet) peers with r2 (FRR) on a shared link, and with r3 (FRR) two
hops away through the router namespace rt, over IPv4 and IPv6. FRR
accepts r3's sessions from up to two hops; r1 first allows one hop only,
so the sessions can come up only when r1's own TTL floor lets them.
"""
import json
import os

import pytest

import kldlab

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/lib/frr/bgpd"),
                                reason="FRR (Debian package frr) is the peer")

FRR_R2 = """frr defaults traditional
hostname r2
log stdout debugging
router bgp 65002
 bgp router-id 10.0.12.2
 no bgp ebgp-requires-policy
 neighbor 10.0.12.1 remote-as 65001
 neighbor 10.0.12.1 ttl-security hops 1
 neighbor 10.0.12.1 timers connect 2
"""

FRR_R3 = """frr defaults traditional
hostname r3
log stdout debugging
router bgp 65003
 bgp router-id 10.0.2.3
 no bgp ebgp-requires-policy
 neighbor 10.0.1.1 remote-as 65001
 neighbor 10.0.1.1 ttl-security hops 2
 neighbor 10.0.1.1 timers connect 2
 neighbor fd00:1::1 remote-as 65001
 neighbor fd00:1::1 ttl-security hops 2
 neighbor fd00:1::1 timers connect 2
"""

FAR = ("10.0.2.3", "fd00:2::3")


def topology(lab):
    r1, r2, r3, rt = (lab.host(n) for n in ("r1", "r2", "r3", "rt"))
    lab.link(r1, "eth0", r2, "eth0")
    lab.link(r1, "eth1", rt, "eth0")
    lab.link(rt, "eth1", r3, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth0")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0")
    r1.cmd("ip addr add 10.0.1.1/24 dev eth1 && ip -6 addr add fd00:1::1/64 dev eth1 nodad")
    rt.cmd("ip addr add 10.0.1.254/24 dev eth0 && ip -6 addr add fd00:1::fe/64 dev eth0 nodad")
    rt.cmd("ip addr add 10.0.2.254/24 dev eth1 && ip -6 addr add fd00:2::fe/64 dev eth1 nodad")
    r3.cmd("ip addr add 10.0.2.3/24 dev eth0 && ip -6 addr add fd00:2::3/64 dev eth0 nodad")
    rt.cmd("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1")
    r1.cmd("ip route add 10.0.2.0/24 via 10.0.1.254 && ip -6 route add fd00:2::/64 via fd00:1::fe")
    r3.cmd("ip route add 10.0.1.0/24 via 10.0.2.254 && ip -6 route add fd00:1::/64 via fd00:2::fe")
    return r1, r2, r3


def min_ttl_drops(h):
    """The namespace's TcpExt TCPMinTTLDrop counter (RFC 5082 drops)."""
    head, vals = [ln.split() for ln in h.cmd("cat /proc/net/netstat").splitlines()
                  if ln.startswith("TcpExt:")][:2]
    return int(vals[head.index("TCPMinTTLDrop")])


def state(h, peer):
    js = json.loads(h.vtysh(f"show bgp neighbors {peer} json"))
    return js.get(peer, {}).get("bgpState")


def test_ttl_security(lab):
    r1, r2, r3 = topology(lab)
    assert "1 received" in r1.cmd("ping -c1 -W2 10.0.2.3", check=False), "rt must forward"
    r1.start("bgpd")
    r1.conf("router bgp 65001", "bgp router-id 10.0.12.1",
            "neighbor 10.0.12.2 remote-as 65002", "neighbor 10.0.12.2 ttl-security hops 1",
            *[f"neighbor {a} remote-as 65003" for a in FAR],
            *[f"neighbor {a} ttl-security hops 1" for a in FAR], "end")
    r2.start_frr_bgpd(FRR_R2)
    r3.start_frr_bgpd(FRR_R3)

    # Directly connected, one hop allowed at both ends: up.
    kldlab.wait_for(lambda: state(r1, "10.0.12.2") == "Established", 30,
                    what="the GTSM session with FRR on the shared link")
    ours = r1.vtysh("show bgp neighbors 10.0.12.2")
    assert "  External BGP neighbor may be up to 1 hops away.\n" in ours, ours
    assert "External BGP neighbor may be up to 1 hops away." in \
        r2.frr_vtysh("show bgp neighbors 10.0.12.1")
    js = json.loads(r1.vtysh("show bgp neighbors 10.0.12.2 json"))["10.0.12.2"]
    assert js["externalBgpNbrMaxHopsAway"] == 1

    # Two hops away: FRR's segments reach r1 with TTL 254, under r1's
    # floor of 255, and r1's kernel drops them (its TCPMinTTLDrop counter
    # counts them). Connections are tried (FRR every 2 s), none gets up.
    kldlab.wait_for(lambda: min_ttl_drops(r1) > 0, 10, what="segments dropped by r1's floor")
    for _ in range(2):
        try:
            kldlab.wait_for(lambda: any(state(r1, a) == "Established" for a in FAR), 6)
            pytest.fail("a session two hops away came up with ttl-security hops 1")
        except TimeoutError:
            pass
    frr = json.loads(r3.frr_vtysh("show bgp neighbors json"))
    assert all(frr[a]["bgpState"] != "Established" for a in ("10.0.1.1", "fd00:1::1"))

    # Two hops allowed: both families come up.
    r1.conf("router bgp 65001", *[f"neighbor {a} ttl-security hops 2" for a in FAR], "end")
    for a in FAR:
        kldlab.wait_for(lambda: state(r1, a) == "Established", 40,
                        what=f"the two-hop GTSM session with {a}")
    assert "External BGP neighbor may be up to 2 hops away." in \
        r1.vtysh(f"show bgp neighbors {FAR[0]}")
    assert f" neighbor {FAR[0]} ttl-security hops 2\n" in r1.running_config()


def test_ttl_security_excludes_ebgp_multihop(lab):
    r1 = lab.host("r1")
    r1.start("bgpd")
    r1.conf("router bgp 65001", "bgp router-id 10.0.0.1",
            "neighbor 10.0.0.2 remote-as 65002", "neighbor 10.0.0.2 ttl-security hops 1",
            "neighbor 10.0.0.3 remote-as 65003", "neighbor 10.0.0.3 ebgp-multihop 3", "end")
    before = r1.running_config()
    for line in ("neighbor 10.0.0.2 ebgp-multihop 2", "neighbor 10.0.0.3 ttl-security hops 2"):
        out = r1.vtysh("configure terminal", "router bgp 65001", line, check=False)
        assert "% ebgp-multihop and ttl-security cannot be configured together" in out, out
    assert r1.running_config() == before
    # Once the other is gone, each is accepted.
    r1.conf("router bgp 65001", "no neighbor 10.0.0.2 ttl-security hops 1",
            "neighbor 10.0.0.2 ebgp-multihop 2", "end")
    conf = r1.running_config()
    assert " neighbor 10.0.0.2 ebgp-multihop 2\n" in conf
    assert "ttl-security" not in conf


def test_ttl_security_removed_and_changed_between_kldnet_routers(lab):
    """GTSM on both kldnet ends, then `no` on both: the session comes back
    (no floor left on the listener or on new sockets); hops 1 -> 2 too."""
    a, b = lab.host("a"), lab.host("b")
    lab.link(a, "eth0", b, "eth0")
    a.cmd("ip addr add 10.0.12.1/24 dev eth0")
    b.cmd("ip addr add 10.0.12.2/24 dev eth0")
    for h, me, peer, asn, pas in ((a, "10.0.12.1", "10.0.12.2", 65001, 65002),
                                  (b, "10.0.12.2", "10.0.12.1", 65002, 65001)):
        h.start("bgpd")
        h.conf(f"router bgp {asn}", f"bgp router-id {me}",
               f"neighbor {peer} remote-as {pas}",
               f"neighbor {peer} ttl-security hops 1", "end")
    up = lambda: state(a, "10.0.12.2") == "Established" and \
        state(b, "10.0.12.1") == "Established"
    kldlab.wait_for(up, 40, what="the GTSM session between two kldnet routers")

    a.conf("router bgp 65001", "no neighbor 10.0.12.2 ttl-security hops 1", "end")
    b.conf("router bgp 65002", "no neighbor 10.0.12.1 ttl-security hops 1", "end")
    for h in (a, b):
        assert "ttl-security" not in h.running_config()
    kldlab.wait_for(up, 30, what="the session once GTSM is removed on both ends")

    a.conf("router bgp 65001", "neighbor 10.0.12.2 ttl-security hops 1", "end")
    b.conf("router bgp 65002", "neighbor 10.0.12.1 ttl-security hops 1", "end")
    kldlab.wait_for(up, 30, what="the session with GTSM hops 1 again")
    a.conf("router bgp 65001", "neighbor 10.0.12.2 ttl-security hops 2", "end")
    b.conf("router bgp 65002", "neighbor 10.0.12.1 ttl-security hops 2", "end")
    kldlab.wait_for(up, 30, what="the session with GTSM hops 2")
    assert "External BGP neighbor may be up to 2 hops away." in \
        a.vtysh("show bgp neighbors 10.0.12.2")
