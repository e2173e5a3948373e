"""`neighbor X soft-reconfiguration inbound` against FRR's bgpd.

r1 (kldnet) keeps the routes FRR (r2) sends as received, before its
inbound prefix-list: `received-routes` lists them all, and a new inbound
policy (a prefix-list removed, a route-map bound, `clear bgp X soft in`)
is applied from that copy, so FRR never receives a ROUTE-REFRESH for it.
"""
import json
import os

import pytest

import kldlab

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/lib/frr/bgpd"),
                                reason="FRR (Debian package frr) is the peer")

from test_bgp_interop import FRR_CONF  # noqa: E402  FRR announces three prefixes

SENT = {"10.100.20.0/24", "10.99.0.0/16", "10.100.30.0/25"}


def rib(h):
    return json.loads(h.vtysh("show bgp ipv4 unicast json")).get("routes", {})


def frr_refresh_rcvd(r2):
    js = json.loads(r2.frr_vtysh("show bgp neighbors 10.0.12.1 json"))["10.0.12.1"]
    return js["messageStats"]["routeRefreshRecv"]


def received(r1):
    return json.loads(r1.vtysh("show bgp ipv4 unicast neighbors 10.0.12.2 received-routes json"))


def test_soft_reconfiguration_inbound(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth0")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0")
    r1.start("bgpd")
    r1.conf("ip prefix-list ALLOWED seq 10 permit 10.100.0.0/16 le 24",
            "route-map LP permit 10", "set local-preference 250", "exit",
            "router bgp 65001", "bgp router-id 10.0.12.1",
            "neighbor 10.0.12.2 remote-as 65002",
            "address-family ipv4 unicast", "neighbor 10.0.12.2 prefix-list ALLOWED in", "end")
    r2.start_frr_bgpd(FRR_CONF)
    kldlab.wait_for(lambda: "10.100.20.0/24" in rib(r1), 30, what="FRR's routes")

    # Without the copy: FRR's error, and nothing to show.
    out = r1.vtysh("show bgp ipv4 unicast neighbors 10.0.12.2 received-routes", check=False)
    assert "% Inbound soft reconfiguration not enabled" in out

    # Turning it on asks FRR once for its table, to fill the copy.
    refresh0 = frr_refresh_rcvd(r2)
    r1.conf("router bgp 65001", "address-family ipv4 unicast",
            "neighbor 10.0.12.2 soft-reconfiguration inbound", "end")
    kldlab.wait_for(lambda: set(received(r1)["receivedRoutes"]) == SENT, 20,
                    what="the copy of what FRR sent")
    assert frr_refresh_rcvd(r2) == refresh0 + 1
    js = received(r1)
    assert js["totalPrefixCounter"] == 3
    assert js["filteredPrefixCounter"] == 2  # ALLOWED denies the /16 and the /25
    assert js["receivedRoutes"]["10.99.0.0/16"]["path"] == "65002"
    text = r1.vtysh("show bgp ipv4 unicast neighbors 10.0.12.2 received-routes")
    assert "10.99.0.0/16" in text and "Total number of prefixes 3" in text, text
    assert set(rib(r1)) == {"10.100.20.0/24"}
    nbr = r1.vtysh("show bgp neighbors 10.0.12.2")
    assert "  Inbound soft reconfiguration allowed\n" in nbr
    refresh1 = frr_refresh_rcvd(r2)

    # A policy change is applied from the copy: the denied routes come in
    # and the route-map's local-preference is set, with no ROUTE-REFRESH.
    r1.conf("router bgp 65001", "address-family ipv4 unicast",
            "no neighbor 10.0.12.2 prefix-list ALLOWED in",
            "neighbor 10.0.12.2 route-map LP in", "end")
    kldlab.wait_for(lambda: set(rib(r1)) == SENT, 10, what="the routes ALLOWED denied")
    kldlab.wait_for(lambda: all(r[0].get("locPrf") == 250 for r in rib(r1).values()), 10,
                    what="the new route-map applied")
    r1.vtysh("clear bgp 10.0.12.2 soft in")
    assert set(rib(r1)) == SENT
    assert frr_refresh_rcvd(r2) == refresh1, "policy went through a ROUTE-REFRESH"
    js = json.loads(r1.vtysh("show bgp neighbors 10.0.12.2 json"))["10.0.12.2"]
    assert js["messageStats"]["routeRefreshSent"] == refresh1
    assert received(r1)["filteredPrefixCounter"] == 0

    # A withdrawal leaves the copy too.
    r2.frr_vtysh("configure terminal\nrouter bgp 65002\naddress-family ipv4 unicast\n"
                 "no network 10.99.0.0/16")
    kldlab.wait_for(lambda: "10.99.0.0/16" not in received(r1)["receivedRoutes"], 10,
                    what="the withdrawal in the copy")
    assert "  neighbor 10.0.12.2 soft-reconfiguration inbound\n" in r1.running_config()

    # Off again: the copy is gone, policy changes ask FRR again.
    r1.conf("router bgp 65001", "address-family ipv4 unicast",
            "no neighbor 10.0.12.2 soft-reconfiguration inbound", "end")
    out = r1.vtysh("show bgp ipv4 unicast neighbors 10.0.12.2 received-routes json", check=False)
    assert json.loads(out) == {"warning": "Inbound soft reconfiguration not enabled"}
    r1.vtysh("clear bgp 10.0.12.2 soft in")
    kldlab.wait_for(lambda: frr_refresh_rcvd(r2) == refresh1 + 1, 10,
                    what="a ROUTE-REFRESH without the copy")
