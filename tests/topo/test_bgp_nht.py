"""Nexthop tracking in bgpd: zebra-lite says whether each BGP next hop
resolves and at what IGP metric. A path whose next hop does not resolve is
not a candidate (RFC 4271 9.1.2): not best, not in the kernel, not passed
on; the IGP metric to the next hop breaks ties before the router id.

r1 runs kldnet (zebra-lite + bgpd, AS 65001); r2 and r3 run FRR's bgpd as
iBGP peers (AS 65001) that set next hops which are not on a connected
network; r4 runs BIRD as an eBGP peer (AS 65004), the witness of what r1
passes on.
"""
import json
import os

import pytest

import kldlab

pytestmark = pytest.mark.skipif(
    not (os.path.exists("/usr/lib/frr/bgpd") and os.path.exists("/usr/sbin/bird")),
    reason="FRR and BIRD (Debian packages frr, bird2) are the peers")


def frr_conf(me, rid, far_nh):
    return f"""frr defaults traditional
hostname {me}
log stdout debugging
ip prefix-list SHARED seq 5 permit 10.100.50.0/24
route-map FAR permit 10
 match ip address prefix-list SHARED
 set ip next-hop {far_nh}
route-map FAR permit 20
router bgp 65001
 bgp router-id {rid}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.{rid.split('.')[2]}.1 remote-as 65001
 neighbor 10.0.{rid.split('.')[2]}.1 timers connect 2
 address-family ipv4 unicast
  network 10.100.50.0/24
  network 10.100.{rid.split('.')[3]}0.0/24
  neighbor 10.0.{rid.split('.')[2]}.1 route-map FAR out
 exit-address-family
"""


BIRD_CONF = """router id 10.0.14.4;
protocol device {}
protocol bgp kld {
  local 10.0.14.4 as 65004;
  neighbor 10.0.14.1 as 65001;
  connect retry time 2;
  ipv4 { import all; export none; };
}
"""


def topology(lab):
    r1, r2, r3, r4 = (lab.host(n) for n in ("r1", "r2", "r3", "r4"))
    lab.link(r1, "eth2", r2, "eth0")
    lab.link(r1, "eth3", r3, "eth0")
    lab.link(r1, "eth4", r4, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth2 && ip addr add 10.0.13.1/24 dev eth3 && "
           "ip addr add 10.0.14.1/24 dev eth4")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0")
    r3.cmd("ip addr add 10.0.13.3/24 dev eth0")
    r4.cmd("ip addr add 10.0.14.4/24 dev eth0")
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf("router bgp 65001", "bgp router-id 10.0.0.1",
            "neighbor 10.0.12.2 remote-as 65001", "neighbor 10.0.13.3 remote-as 65001",
            "neighbor 10.0.14.4 remote-as 65004")
    r2.start_frr_bgpd(frr_conf("r2", "10.0.12.2", "10.98.0.2"))
    r3.start_frr_bgpd(frr_conf("r3", "10.0.13.3", "10.97.0.3"))
    r4.start_bird(BIRD_CONF)
    return r1, r2, r3, r4


def kernel_bgp(h):
    return {r["dst"]: r for r in h.routes() if r.get("protocol") == "bgp"}


def paths(h, prefix):
    routes = json.loads(h.vtysh("show bgp ipv4 unicast json")).get("routes", {})
    return {p["peerId"]: p for p in routes.get(prefix, [])}


def best_from(h, prefix):
    return [peer for peer, p in paths(h, prefix).items() if p.get("bestpath")]


def nexthops(h):
    return json.loads(h.vtysh("show bgp nexthop json"))["ipv4"]


def test_unresolved_next_hop_is_not_used_until_it_resolves(lab):
    r1, r2, r3, r4 = topology(lab)
    kldlab.wait_for(lambda: {"10.0.12.2", "10.0.13.3"} <= set(paths(r1, "10.100.50.0/24")),
                    30, what="both iBGP paths of 10.100.50.0/24 at r1")
    # The peers' own networks carry connected next hops: used as usual.
    kldlab.wait_for(lambda: {"10.100.20.0/24", "10.100.30.0/24"} <= set(kernel_bgp(r1)), 20,
                    what="connected next hops in r1's kernel")
    kldlab.wait_for(lambda: "10.98.0.2" in nexthops(r1) and
                    nexthops(r1)["10.98.0.2"]["complete"], 20, what="zebra-lite's answer")
    nh = nexthops(r1)
    assert nh["10.98.0.2"]["valid"] is False and nh["10.97.0.3"]["valid"] is False
    assert nh["10.0.12.2"]["valid"] is True
    assert "10.98.0.2 invalid" in r1.vtysh("show bgp nexthop")
    # Neither path of 10.100.50.0/24 is valid: no best, no kernel route,
    # nothing passed to BIRD, and show says why.
    p = paths(r1, "10.100.50.0/24")
    assert not any(x.get("valid") for x in p.values()) and not best_from(r1, "10.100.50.0/24")
    assert "10.100.50.0/24" not in kernel_bgp(r1)
    assert "10.98.0.2 (inaccessible) from 10.0.12.2" in r1.vtysh("show bgp ipv4 unicast 10.100.50.0/24")
    line = [l for l in r1.vtysh("show bgp ipv4 unicast").splitlines() if "10.98.0.2" in l][0]
    assert not line.startswith("*"), line
    kldlab.wait_for(lambda: "10.100.20.0/24" in r4.birdc("show route"), 20, what="BIRD sees r1")
    assert "10.100.50.0/24" not in r4.birdc("show route")

    # A static route makes r2's next hop resolve: its path becomes best,
    # reaches the kernel (resolved through 10.0.12.2) and BIRD.
    r1.conf("ip route 10.98.0.0/24 10.0.12.2")
    kldlab.wait_for(lambda: best_from(r1, "10.100.50.0/24") == ["10.0.12.2"], 20,
                    what="r2's path best once its next hop resolves")
    kldlab.wait_for(lambda: "10.100.50.0/24" in kernel_bgp(r1), 20, what="kernel route")
    assert kernel_bgp(r1)["10.100.50.0/24"]["gateway"] == "10.0.12.2"
    kldlab.wait_for(lambda: "10.100.50.0/24" in r4.birdc("show route"), 20,
                    what="10.100.50.0/24 passed on to BIRD")
    assert nexthops(r1)["10.98.0.2"]["valid"] is True

    # The static goes: the path is unusable again and everything follows.
    r1.conf("no ip route 10.98.0.0/24 10.0.12.2")
    kldlab.wait_for(lambda: "10.100.50.0/24" not in kernel_bgp(r1), 20,
                    what="kernel route gone with its next hop")
    kldlab.wait_for(lambda: "10.100.50.0/24" not in r4.birdc("show route"), 20,
                    what="withdrawn at BIRD")
    assert not best_from(r1, "10.100.50.0/24")


def test_igp_metric_to_the_next_hop_breaks_the_tie(lab):
    r1, r2, r3, r4 = topology(lab)
    kldlab.wait_for(lambda: {"10.0.12.2", "10.0.13.3"} <= set(paths(r1, "10.100.50.0/24")),
                    30, what="both iBGP paths of 10.100.50.0/24 at r1")
    # Kernel routes with metrics are what an IGP would leave; zebra-lite
    # reports the metric of the route each next hop resolves over.
    r1.cmd("ip route add 10.98.0.0/24 via 10.0.12.2 metric 20")
    r1.cmd("ip route add 10.97.0.0/24 via 10.0.13.3 metric 10")
    # Everything else is equal and r2 has the lower router id, but r3's
    # next hop is nearer.
    kldlab.wait_for(lambda: best_from(r1, "10.100.50.0/24") == ["10.0.13.3"], 20,
                    what="the nearer next hop wins")
    assert "10.97.0.3 (metric 10) from 10.0.13.3" in r1.vtysh("show bgp ipv4 unicast 10.100.50.0/24")
    # The prefix view says why, as FRR; no maximum-paths, so no multipath.
    detail = json.loads(r1.vtysh("show bgp ipv4 unicast 10.100.50.0/24 json"))["paths"]
    assert [p["bestpath"] for p in detail if "bestpath" in p] == [
        {"overall": True, "selectionReason": "IGP Metric"}], detail
    assert not any("multipath" in p for p in detail), detail
    assert "internal, best (IGP Metric)\n" in r1.vtysh("show bgp ipv4 unicast 10.100.50.0/24")
    kldlab.wait_for(lambda: kernel_bgp(r1).get("10.100.50.0/24", {}).get("gateway") == "10.0.13.3",
                    20, what="kernel follows")
    # The IGP changes its mind: r2's next hop becomes the nearer one.
    r1.cmd("ip route replace 10.98.0.0/24 via 10.0.12.2 metric 5")
    r1.cmd("ip route del 10.98.0.0/24 via 10.0.12.2 metric 20")
    kldlab.wait_for(lambda: best_from(r1, "10.100.50.0/24") == ["10.0.12.2"], 20,
                    what="best path follows the IGP metric")
    kldlab.wait_for(lambda: kernel_bgp(r1).get("10.100.50.0/24", {}).get("gateway") == "10.0.12.2",
                    20, what="kernel follows the new best")
