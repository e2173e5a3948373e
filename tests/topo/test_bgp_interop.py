"""bgpd against FRR's bgpd 8.4 and BIRD 2.0.12 as peers, in namespaces.

r1 runs kldnet (zebra-lite + bgpd) with the seed's ALLOWED prefix-list on
its session to FRR (r2); BIRD (r3) is unfiltered. Routes flow both ways:
the peers' routes end up in r1's kernel as `proto bgp`, r1's `network`
reaches both peers, and r1 passes FRR's routes to BIRD and back.
"""
import json
import os
import time

import pytest

import kldlab

pytestmark = pytest.mark.skipif(
    not (os.path.exists("/usr/lib/frr/bgpd") and os.path.exists("/usr/sbin/bird")),
    reason="FRR and BIRD (Debian packages frr, bird2) are the peers")

FRR_CONF = """frr defaults traditional
hostname r2
log stdout debugging
router bgp 65002
 bgp router-id 10.0.12.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.12.1 remote-as 65001
 neighbor 10.0.12.1 timers connect 2
 address-family ipv4 unicast
  network 10.100.20.0/24
  network 10.99.0.0/16
  network 10.100.30.0/25
 exit-address-family
"""

BIRD_CONF = """router id 10.0.13.3;
protocol device {}
protocol static {
  ipv4;
  route 10.100.40.0/24 unreachable;
  route 192.0.2.0/24 unreachable;
}
protocol bgp kld {
  local 10.0.13.3 as 65003;
  neighbor 10.0.13.1 as 65001;
  connect retry time 2;
  ipv4 { import all; export where source = RTS_STATIC; };
}
"""

R1_CONF = [
    "ip prefix-list ALLOWED seq 10 permit 10.100.0.0/16 le 24",
    "ip prefix-list ALLOWED seq 100 deny any",
    "router bgp 65001",
    "bgp router-id 10.0.12.1",
    "neighbor 10.0.12.2 remote-as 65002 # FRR",
    "neighbor 10.0.13.3 remote-as 65003 # BIRD",
    "address-family ipv4 unicast",
    "network 10.100.10.0/24 # announce r1's network",
    "neighbor 10.0.12.2 activate",
    "neighbor 10.0.13.3 activate",
    "neighbor 10.0.12.2 prefix-list ALLOWED in",
    "exit-address-family",
    "end",
]


def topology(lab):
    r1, r2, r3 = lab.host("r1"), lab.host("r2"), lab.host("r3")
    lab.link(r1, "eth0", r2, "eth0")
    lab.link(r1, "eth1", r3, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth0 && ip addr add 10.0.13.1/24 dev eth1")
    r1.cmd("ip addr add 10.100.10.1/24 dev lo")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0")
    r3.cmd("ip addr add 10.0.13.3/24 dev eth0")
    return r1, r2, r3


def kernel_bgp(h):
    return {r["dst"]: r for r in h.routes() if r.get("protocol") == "bgp"}


def summary(h):
    return json.loads(h.vtysh("show bgp summary json"))["ipv4Unicast"]["peers"]


def established(h, peer):
    return summary(h).get(peer, {}).get("state") == "Established"


def test_interop_frr_and_bird_both_directions(lab):
    r1, r2, r3 = topology(lab)
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf(*R1_CONF)
    r2.start_frr_bgpd(FRR_CONF)
    r3.start_bird(BIRD_CONF)

    kldlab.wait_for(lambda: established(r1, "10.0.12.2"), 30, what="session with FRR")
    kldlab.wait_for(lambda: established(r1, "10.0.13.3"), 30, what="session with BIRD")

    # Peers' routes in our kernel, the seed's ALLOWED list applied to FRR's.
    kldlab.wait_for(lambda: {"10.100.20.0/24", "10.100.40.0/24", "192.0.2.0/24"}
                    <= set(kernel_bgp(r1)), 20, what="learned routes in r1's kernel")
    k = kernel_bgp(r1)
    assert k["10.100.20.0/24"]["gateway"] == "10.0.12.2"
    assert k["10.100.40.0/24"]["gateway"] == "10.0.13.3"
    assert "10.99.0.0/16" not in k, "outside 10.100.0.0/16: ALLOWED must deny it"
    assert "10.100.30.0/25" not in k, "longer than /24: ALLOWED must deny it"
    assert "10.100.20.0/24 via 10.0.12.2 dev eth0 proto bgp" in r1.cmd("ip route")

    route = r1.vtysh("show ip route")
    assert "B>* 10.100.20.0/24" in route
    table = r1.vtysh("show bgp ipv4 unicast")
    assert "*> 10.100.10.0/24   0.0.0.0                  0         32768 i" in table
    assert "*> 10.100.20.0/24   10.0.12.2                0             0 65002 i" in table
    assert "10.99.0.0/16" not in table
    peers = summary(r1)
    assert peers["10.0.12.2"]["pfxRcd"] == 1
    assert peers["10.0.13.3"]["pfxRcd"] == 2
    text = r1.vtysh("show bgp summary")
    assert "Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down" in text
    assert "Total number of neighbors 2" in text

    # Our network and the transit routes at FRR.
    def frr_routes():
        out = r2.frr_vtysh("show bgp ipv4 unicast json")
        try:
            return json.loads(out).get("routes", {})
        except ValueError:
            return {}
    kldlab.wait_for(lambda: {"10.100.10.0/24", "10.100.40.0/24"} <= set(frr_routes()), 20,
                    what="r1's routes at FRR")
    frr = frr_routes()
    assert frr["10.100.10.0/24"][0]["path"] == "65001"
    assert frr["10.100.40.0/24"][0]["path"] == "65001 65003"
    assert frr["10.100.10.0/24"][0]["nexthops"][0]["ip"] == "10.0.12.1"

    # ...and at BIRD.
    kldlab.wait_for(lambda: "10.100.10.0/24" in r3.birdc("show route"), 20,
                    what="r1's network at BIRD")
    kldlab.wait_for(lambda: "10.100.20.0/24" in r3.birdc("show route"), 20,
                    what="FRR's route at BIRD via r1")
    detail = r3.birdc("show route 10.100.20.0/24 all")
    assert "65001 65002" in detail
    assert "10.99.0.0/16" not in r3.birdc("show route")

    # A withdrawal travels: FRR drops its network, r1's kernel and BIRD follow.
    r2.cmd(f"vtysh --vty_socket {r2.dir}/frr -d bgpd -c 'configure terminal' "
           "-c 'router bgp 65002' -c 'address-family ipv4 unicast' "
           "-c 'no network 10.100.20.0/24'", check=False)
    kldlab.wait_for(lambda: "10.100.20.0/24" not in kernel_bgp(r1), 20,
                    what="withdrawn route leaving r1's kernel")
    kldlab.wait_for(lambda: "10.100.20.0/24" not in r3.birdc("show route"), 20,
                    what="withdrawal reaching BIRD")


def test_prefix_list_change_and_clear(lab):
    r1, r2, r3 = topology(lab)
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf(*R1_CONF)
    r2.start_frr_bgpd(FRR_CONF)
    kldlab.wait_for(lambda: "10.100.20.0/24" in kernel_bgp(r1), 30, what="FRR's route")
    assert "10.99.0.0/16" not in kernel_bgp(r1)

    # Widen the list: the route refresh brings 10.99.0.0/16 in.
    r1.conf("ip prefix-list ALLOWED seq 20 permit 10.99.0.0/16")
    kldlab.wait_for(lambda: "10.99.0.0/16" in kernel_bgp(r1), 20, what="route after refresh")
    plist = r1.vtysh("show ip prefix-list ALLOWED")
    assert "BGP: ip prefix-list ALLOWED: 3 entries" in plist
    assert "   seq 10 permit 10.100.0.0/16 le 24" in plist
    assert "   seq 100 deny any" in plist

    # Narrow it again: the route goes at once.
    r1.conf("no ip prefix-list ALLOWED seq 20")
    kldlab.wait_for(lambda: "10.99.0.0/16" not in kernel_bgp(r1), 20, what="route removed")

    # A list no policy of FRR's session uses: FRR is not asked again, and
    # sees no resend; ALLOWED is FRR's, so a change to it asks FRR.
    def refresh_rcvd():
        nb = json.loads(r2.frr_vtysh("show bgp neighbors 10.0.12.1 json"))["10.0.12.1"]
        return nb["messageStats"]["routeRefreshRecv"], nb["messageStats"]["updatesRecv"]
    before = refresh_rcvd()
    r1.conf("ip prefix-list UNUSED seq 5 permit 192.0.2.0/24",
            "route-map LONELY permit 10", "match ip address prefix-list UNUSED", "exit",
            "bgp community-list standard NOBODY permit 65535:1")
    time.sleep(1.0)  # the policy walk runs 200 ms after the last line
    assert refresh_rcvd() == before, "an unused list changed: FRR asked or sent again"
    r1.conf("ip prefix-list ALLOWED seq 30 permit 10.98.0.0/16")
    kldlab.wait_for(lambda: refresh_rcvd()[0] == before[0] + 1, 10,
                    what="one ROUTE-REFRESH, for ALLOWED")

    # Hard clear: the session comes back with the same routes.
    r1.vtysh("clear bgp 10.0.12.2")
    kldlab.wait_for(lambda: established(r1, "10.0.12.2") and
                    "10.100.20.0/24" in kernel_bgp(r1), 30, what="session after clear")
    r1.vtysh("clear bgp 10.0.12.2 soft in")
    r1.vtysh("clear bgp 10.0.12.2 soft out")
    assert established(r1, "10.0.12.2")


FRR6_CONF = """frr defaults traditional
hostname r2
router bgp 65002
 bgp router-id 10.0.12.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor fd00:12::1 remote-as 65001
 neighbor fd00:12::1 timers connect 2
 address-family ipv6 unicast
  network 2001:db8:20::/48
  network 2001:db8:99::/48
  neighbor fd00:12::1 activate
 exit-address-family
"""


def test_interop_frr_ipv6(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth0 && ip -6 addr add fd00:12::1/64 dev eth0 nodad")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0 && ip -6 addr add fd00:12::2/64 dev eth0 nodad")
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf("ipv6 prefix-list SAFE6 seq 10 permit 2001:db8:20::/48",
            "ipv6 prefix-list SAFE6 seq 20 deny any",
            "router bgp 65001", "bgp router-id 10.0.12.1",
            "neighbor fd00:12::2 remote-as 65002",
            "address-family ipv6 unicast", "network 2001:db8:10::/48",
            "neighbor fd00:12::2 activate", "neighbor fd00:12::2 prefix-list SAFE6 in",
            "exit-address-family")
    r2.start_frr_bgpd(FRR6_CONF)

    def v6_bgp():
        return {r["dst"]: r for r in r1.routes("-6") if r.get("protocol") == "bgp"}
    kldlab.wait_for(lambda: "2001:db8:20::/48" in v6_bgp(), 30, what="FRR's IPv6 route at r1")
    assert v6_bgp()["2001:db8:20::/48"]["gateway"] == "fd00:12::2"
    assert "2001:db8:99::/48" not in v6_bgp(), "SAFE6 denies it"
    summ = json.loads(r1.vtysh("show bgp ipv6 unicast summary json"))["ipv6Unicast"]
    assert summ["peers"]["fd00:12::2"]["pfxRcd"] == 1
    assert "IPv6 Unicast Summary (VRF default):" in r1.vtysh("show bgp summary")
    table = r1.vtysh("show bgp ipv6 unicast")
    assert "*> 2001:db8:20::/48 fd00:12::2" in table
    assert "ipv6 prefix-list SAFE6 seq 10 permit 2001:db8:20::/48" in r1.running_config()
    assert "  neighbor fd00:12::2 activate\n" in r1.running_config()

    def frr6():
        try:
            return json.loads(r2.frr_vtysh("show bgp ipv6 unicast json")).get("routes", {})
        except ValueError:
            return {}
    kldlab.wait_for(lambda: "2001:db8:10::/48" in frr6(), 20, what="our IPv6 network at FRR")
    nh = [n["ip"] for n in frr6()["2001:db8:10::/48"][0]["nexthops"]]
    assert "fd00:12::1" in nh


BIRD6_CONF = """router id 10.0.13.3;
protocol device {}
protocol static {
  ipv6;
  route 2001:db8:40::/48 unreachable;
  route 2001:db8:98::/48 unreachable;
}
protocol bgp kld {
  local fd00:13::3 as 65003;
  neighbor fd00:13::1 as 65001;
  connect retry time 2;
  ipv6 { import all; export where source = RTS_STATIC; };
}
"""


def test_interop_bird_ipv6(lab):
    """IPv6 unicast with BIRD over an IPv6 session, both directions: BIRD's
    routes (filtered by an ipv6 prefix-list) in our kernel, ours in BIRD's
    table with our global address as next hop, and a withdrawal."""
    r1, r3 = lab.host("r1"), lab.host("r3")
    lab.link(r1, "eth1", r3, "eth0")
    r1.cmd("ip -6 addr add fd00:13::1/64 dev eth1 nodad")
    r3.cmd("ip -6 addr add fd00:13::3/64 dev eth0 nodad")
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf("ipv6 prefix-list FROM_BIRD seq 10 permit 2001:db8:40::/48",
            "ipv6 prefix-list FROM_BIRD seq 20 deny any",
            "router bgp 65001", "bgp router-id 10.0.13.1",
            "neighbor fd00:13::3 remote-as 65003",
            "address-family ipv6 unicast", "network 2001:db8:10::/48",
            "neighbor fd00:13::3 activate", "neighbor fd00:13::3 prefix-list FROM_BIRD in",
            "exit-address-family")
    r3.start_bird(BIRD6_CONF)

    def v6_bgp():
        return {r["dst"]: r for r in r1.routes("-6") if r.get("protocol") == "bgp"}
    kldlab.wait_for(lambda: "2001:db8:40::/48" in v6_bgp(), 30, what="BIRD's IPv6 route at r1")
    assert v6_bgp()["2001:db8:40::/48"]["gateway"] == "fd00:13::3"
    assert "2001:db8:98::/48" not in v6_bgp(), "FROM_BIRD denies it"
    assert json.loads(r1.vtysh("show bgp ipv6 unicast summary json"))["ipv6Unicast"]["peers"][
        "fd00:13::3"]["pfxRcd"] == 1
    kldlab.wait_for(lambda: "2001:db8:10::/48" in r3.birdc("show route"), 20,
                    what="our IPv6 network at BIRD")
    detail = r3.birdc("show route 2001:db8:10::/48 all")
    assert "BGP.next_hop: fd00:13::1" in detail and "BGP.as_path: 65001" in detail
    # We withdraw it: BIRD follows.
    r1.conf("router bgp 65001", "address-family ipv6 unicast", "no network 2001:db8:10::/48")
    kldlab.wait_for(lambda: "2001:db8:10::/48" not in r3.birdc("show route"), 20,
                    what="the withdrawal at BIRD")
