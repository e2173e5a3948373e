"""A peer without the route-refresh capability (ExaBGP 4.2 does not
advertise it), as FRR 8.4 treats one:

- a new inbound policy cannot be re-learned: `clear bgp X soft in` fails
  with FRR's error; a policy change applies to what the peer sends later,
  with one warning in the log per session;
- turning on `soft-reconfiguration inbound` resets the session, so the
  copy gets filled (and it is logged);
- the summary and neighbor views answer with or without `ipv4|ipv6
  [unicast]`, and TblVer is the table's version.
"""
import json
import os
import re
import subprocess

import pytest

import kldlab

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/sbin/exabgp"),
                                reason="ExaBGP (Debian package exabgp) is the peer")

SENT = {"10.100.20.0/24", "10.99.0.0/16"}

EXA_CONF = """
neighbor 10.0.12.1 {
    router-id 10.0.12.2;
    local-address 10.0.12.2;
    local-as 65002;
    peer-as 65001;
    hold-time 30;
    family { ipv4 unicast; }
    static {
        route 10.100.20.0/24 next-hop 10.0.12.2;
        route 10.99.0.0/16 next-hop 10.0.12.2;
    }
}
"""


def start_exabgp(h):
    conf = os.path.join(h.dir, "exabgp.conf")
    with open(conf, "w") as f:
        f.write(EXA_CONF)
    env = dict(os.environ, **{"exabgp.daemon.user": "root", "exabgp.daemon.drop": "false",
                              "exabgp.tcp.bind": "", "exabgp.tcp.port": "179",
                              "exabgp.api.cli": "false", "exabgp.log.destination": "stdout",
                              "exabgp.daemon.pid": ""})
    log = open(os.path.join(h.dir, "exabgp.log"), "a")
    h.procs["exabgp"] = h.popen(["/usr/sbin/exabgp", conf], stdout=log,
                                stderr=subprocess.STDOUT, env=env)


def rib(h):
    return json.loads(h.vtysh("show bgp ipv4 unicast json")).get("routes", {})


def nbr(h):
    return json.loads(h.vtysh("show bgp neighbors 10.0.12.2 json"))["10.0.12.2"]


def established(h):
    js = json.loads(h.vtysh("show bgp ipv4 summary json"))["ipv4Unicast"]
    return js["peers"]["10.0.12.2"]["connectionsEstablished"]


def bgpd_log(h):
    with open(os.path.join(h.dir, "bgpd.log")) as f:
        return f.read()


def test_peer_without_route_refresh(lab):
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
    start_exabgp(r2)
    kldlab.wait_for(lambda: "10.100.20.0/24" in rib(r1), 60, what="ExaBGP's routes")
    js = nbr(r1)
    assert js["neighborCapabilities"]["routeRefresh"] == "advertised", js
    assert established(r1) == 1

    # The show grammar, as FRR's: [ipv4|ipv6] [unicast] before summary/neighbors.
    for cmd in ("show bgp ipv4 summary", "show bgp ipv4 unicast summary", "show bgp summary",
                "show ip bgp summary"):
        assert "10.0.12.2" in r1.vtysh(cmd), cmd
    for cmd in ("show bgp ipv4 neighbors 10.0.12.2", "show bgp ipv6 neighbors 10.0.12.2",
                "show bgp ipv6 unicast neighbors 10.0.12.2",
                "show bgp ipv4 unicast neighbors", "show bgp neighbors 10.0.12.2"):
        assert "BGP neighbor is 10.0.12.2" in r1.vtysh(cmd), cmd
    assert "10.0.12.2" in json.loads(r1.vtysh("show bgp ipv6 unicast neighbors 10.0.12.2 json"))
    assert "ipv4Unicast" in json.loads(r1.vtysh("show bgp ipv4 summary json"))

    # TblVer: the table's version for an established peer, as the header.
    summ = r1.vtysh("show bgp ipv4 summary")
    ver = int(re.search(r"BGP table version (\d+)", summ).group(1))
    row = next(line for line in summ.splitlines() if line.startswith("10.0.12.2"))
    assert ver > 0 and int(row.split()[5]) == ver, summ
    js = json.loads(r1.vtysh("show bgp ipv4 summary json"))["ipv4Unicast"]
    assert js["peers"]["10.0.12.2"]["tableVersion"] == js["tableVersion"] > 0

    # A lone best path: FRR's bestpath object, and not multipath.
    detail = json.loads(r1.vtysh("show bgp ipv4 unicast 10.100.20.0/24 json"))["paths"]
    assert detail[0]["bestpath"] == {"overall": True, "selectionReason": "First path received"}
    assert "multipath" not in detail[0]
    assert "external, best (First path received)\n" in r1.vtysh("show bgp 10.100.20.0/24")
    assert "multipath" not in rib(r1)["10.100.20.0/24"][0]

    # clear soft in: impossible, FRR's error and a failing exit code.
    out = r1.vtysh("clear bgp 10.0.12.2 soft in", check=False)
    assert r1.last_rc != 0
    assert ("% BGP: Inbound soft reconfig for 10.0.12.2 not possible as it has neither "
            "refresh capability, nor inbound soft reconfig") in out, out
    r1.vtysh("clear bgp 10.0.12.2 soft out")  # outbound needs nothing of the peer

    # A policy change: what the new policy permits is not re-learned (the
    # session stays), and the log says so once.
    warn = "has neither route-refresh capability nor soft-reconfiguration inbound"
    r1.conf("router bgp 65001", "address-family ipv4 unicast",
            "no neighbor 10.0.12.2 prefix-list ALLOWED in", "end")
    kldlab.wait_for(lambda: warn in bgpd_log(r1), 10, what="the warning")
    assert set(rib(r1)) == {"10.100.20.0/24"}  # the /16 is not re-learned
    # A stricter one still drops what it now denies, without a second warning.
    r1.conf("ip prefix-list NO20 seq 5 deny 10.100.20.0/24",
            "ip prefix-list NO20 seq 10 permit 0.0.0.0/0 le 32",
            "route-map LP permit 10", "set local-preference 300", "exit",
            "router bgp 65001", "address-family ipv4 unicast",
            "neighbor 10.0.12.2 prefix-list NO20 in", "neighbor 10.0.12.2 route-map LP in", "end")
    kldlab.wait_for(lambda: not rib(r1), 10, what="the path NO20 denies dropped")
    assert bgpd_log(r1).count(warn) == 1
    assert established(r1) == 1

    # soft-reconfiguration inbound on: the session is reset to fill the copy.
    r1.conf("router bgp 65001", "address-family ipv4 unicast",
            "neighbor 10.0.12.2 soft-reconfiguration inbound", "end")
    assert "soft-reconfiguration inbound turned on, it has no route-refresh" in bgpd_log(r1)
    recv = "show bgp ipv4 unicast neighbors 10.0.12.2 received-routes json"
    kldlab.wait_for(lambda: set(json.loads(r1.vtysh(recv))["receivedRoutes"]) == SENT, 90,
                    what="the copy filled by a new session")
    assert established(r1) == 2
    kldlab.wait_for(lambda: set(rib(r1)) == {"10.99.0.0/16"}, 10,
                    what="the new session's routes")
    assert rib(r1)["10.99.0.0/16"][0]["locPrf"] == 300

    # Now policy changes apply in full, from the copy, and soft in works.
    r1.conf("router bgp 65001", "address-family ipv4 unicast",
            "no neighbor 10.0.12.2 prefix-list NO20 in", "end")
    kldlab.wait_for(lambda: set(rib(r1)) == SENT, 10, what="the route NO20 denied, from the copy")
    assert rib(r1)["10.100.20.0/24"][0]["locPrf"] == 300
    r1.vtysh("clear bgp 10.0.12.2 soft in")
    assert established(r1) == 2
    assert bgpd_log(r1).count(warn) == 1
