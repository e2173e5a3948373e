"""Address families a session carries: only those both OPENs listed
(RFC 4760 8), with GoBGP 3.10 and BIRD 2.0.12 as peers of one family.

kldnet (r1) keeps its plain configuration: IPv4 unicast is active for
every neighbor (as in FRR), IPv6 unicast where `activate`d. GoBGP (r2) has
an IPv4-only neighbor (ipv4-unicast) and an IPv6-only one (ipv6-unicast,
the issue-12 case: GoBGP resets a session that gets an UPDATE of a family
it did not advertise). BIRD (r3) has one protocol per session with one
channel each: an IPv4 session with an ipv4 channel, towards which kldnet
also activates IPv6, and an IPv6 session with an ipv6 channel. All four
sessions run at once, stay up 30 s with no reset (counters on both sides,
the logs, `ip monitor route` in r1), routes flow both ways and withdrawals
follow. The raw speaker then sends what a session did not negotiate.
"""
import json
import os
import re
import subprocess
import time

import pytest

import kldlab

SPEAKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bgp", "speaker.py")

pytestmark = pytest.mark.skipif(
    not (os.path.exists("/usr/bin/gobgpd") and os.path.exists("/usr/sbin/bird")),
    reason="GoBGP and BIRD (Debian packages gobgpd, bird2) are the peers")

def gobgp_neighbor(addr, family):
    return f"""[[neighbors]]
  [neighbors.config]
    neighbor-address = "{addr}"
    peer-as = 65001
  [neighbors.timers.config]
    connect-retry = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "{family}"
"""


GOBGP_CONF = """[global.config]
  as = 65002
  router-id = "10.0.12.2"
""" + gobgp_neighbor("10.0.12.1", "ipv4-unicast") + gobgp_neighbor("fd00:12::1", "ipv6-unicast")

BIRD_CONF = """router id 10.0.13.3;
log stderr all;
protocol device {}
protocol static s4 { ipv4; route 10.100.40.0/24 unreachable; }
protocol static s6 { ipv6; route 2001:db8:40::/48 unreachable; }
protocol bgp kld4 {
  local 10.0.13.3 as 65003;
  neighbor 10.0.13.1 as 65001;
  connect retry time 2;
  ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp kld6 {
  local fd00:13::3 as 65003;
  neighbor fd00:13::1 as 65001;
  connect retry time 2;
  ipv6 { import all; export where source = RTS_STATIC; };
}
"""

R1_CONF = [
    "router bgp 65001",
    "bgp router-id 10.0.0.1",
    "neighbor 10.0.12.2 remote-as 65002",
    "neighbor fd00:12::2 remote-as 65002",
    "neighbor 10.0.13.3 remote-as 65003",
    "neighbor fd00:13::3 remote-as 65003",
    "address-family ipv4 unicast",
    "network 10.100.10.0/24",
    "exit-address-family",
    "address-family ipv6 unicast",
    "network 2001:db8:10::/48",
    "neighbor fd00:12::2 activate",
    "neighbor fd00:13::3 activate",
    "neighbor 10.0.13.3 activate",
    "exit-address-family",
    "end",
]

PEERS = ("10.0.12.2", "fd00:12::2", "10.0.13.3", "fd00:13::3")


def topology(lab):
    r1, r2, r3 = lab.host("r1"), lab.host("r2"), lab.host("r3")
    lab.link(r1, "eth0", r2, "eth0")
    lab.link(r1, "eth1", r3, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth0 && ip -6 addr add fd00:12::1/64 dev eth0 nodad")
    r1.cmd("ip addr add 10.0.13.1/24 dev eth1 && ip -6 addr add fd00:13::1/64 dev eth1 nodad")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0 && ip -6 addr add fd00:12::2/64 dev eth0 nodad")
    r3.cmd("ip addr add 10.0.13.3/24 dev eth0 && ip -6 addr add fd00:13::3/64 dev eth0 nodad")
    return r1, r2, r3


def kernel_bgp(h, family):
    return {r["dst"]: r.get("gateway") for r in h.routes(family) if r.get("protocol") == "bgp"}


def neighbors(r1):
    return json.loads(r1.vtysh("show bgp neighbors json"))


def all_established(r1):
    nb = neighbors(r1)
    return all(nb.get(p, {}).get("bgpState") == "Established" for p in PEERS)


def gobgp_adj_in(r2, peer, afi):
    try:
        return set(json.loads(r2.gobgp(f"-j neighbor {peer} adj-in -a {afi}") or "{}"))
    except ValueError:
        return set()


def gobgp_flops(r2, peer):
    m = re.search(r"Flops = (\d+)", r2.gobgp(f"neighbor {peer}"))
    return int(m.group(1)) if m else None


def bird_routes(r3, proto):
    return r3.birdc(f"show route protocol {proto}")


def bird_since(r3):
    """Each BGP protocol's state and the time it entered it. BIRD prints
    that time from its clock of now less the time gone, so the same moment
    may read a millisecond apart from one call to the next (see same_since)."""
    out = {}
    for line in r3.birdc("show protocols").splitlines():
        f = line.split()
        if f and f[0] in ("kld4", "kld6"):
            h, m, sec = f[4].split(":")
            out[f[0]] = (f[3], int(h) * 3600 + int(m) * 60 + float(sec), f[5] if len(f) > 5 else "")
    return out


def same_since(a, b):
    """The same states, entered at the same moment give or take BIRD's jitter."""
    return a.keys() == b.keys() and all(a[k][0::2] == b[k][0::2] and abs(a[k][1] - b[k][1]) < 0.5
                                        for k in a)


def test_single_family_peers_gobgp_and_bird(lab):
    r1, r2, r3 = topology(lab)
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf(*R1_CONF)
    r2.start_gobgpd(GOBGP_CONF)
    r2.gobgp("global rib add -a ipv4 10.100.20.0/24")
    r2.gobgp("global rib add -a ipv4 10.100.21.0/24")
    r2.gobgp("global rib add -a ipv6 2001:db8:20::/48")
    r3.start_bird(BIRD_CONF)

    kldlab.wait_for(lambda: all_established(r1), 40, what="four sessions Established")

    # Routes in: each peer's family, from the session that carries it.
    want4 = {"10.100.20.0/24": "10.0.12.2", "10.100.21.0/24": "10.0.12.2",
             "10.100.40.0/24": "10.0.13.3"}
    want6 = {"2001:db8:20::/48": "fd00:12::2", "2001:db8:40::/48": "fd00:13::3"}
    kldlab.wait_for(lambda: want4.items() <= kernel_bgp(r1, "-4").items() and
                    want6.items() <= kernel_bgp(r1, "-6").items(), 30,
                    what="the peers' routes in r1's kernel")

    # Routes out: ours and the transit ones, each only in its family.
    kldlab.wait_for(lambda: gobgp_adj_in(r2, "10.0.12.1", "ipv4") ==
                    {"10.100.10.0/24", "10.100.40.0/24"}, 20, what="IPv4 at GoBGP")
    kldlab.wait_for(lambda: gobgp_adj_in(r2, "fd00:12::1", "ipv6") ==
                    {"2001:db8:10::/48", "2001:db8:40::/48"}, 20, what="IPv6 at GoBGP")
    kldlab.wait_for(lambda: all(p in bird_routes(r3, "kld4") for p in
                                ("10.100.10.0/24", "10.100.20.0/24")), 20, what="IPv4 at BIRD")
    kldlab.wait_for(lambda: all(p in bird_routes(r3, "kld6") for p in
                                ("2001:db8:10::/48", "2001:db8:20::/48")), 20, what="IPv6 at BIRD")
    assert "2001:db8" not in bird_routes(r3, "kld4")
    assert "10.100." not in bird_routes(r3, "kld6")

    # What kldnet shows: per family advertised / received, as FRR does.
    nb = neighbors(r1)
    mp = {p: nb[p]["neighborCapabilities"]["multiprotocolExtensions"] for p in PEERS}
    assert mp["10.0.12.2"] == {"ipv4Unicast": {"advertisedAndReceived": True}}
    assert mp["fd00:12::2"] == {"ipv4Unicast": {"advertised": True},
                                "ipv6Unicast": {"advertisedAndReceived": True}}
    assert mp["10.0.13.3"] == {"ipv4Unicast": {"advertisedAndReceived": True},
                               "ipv6Unicast": {"advertised": True}}
    assert mp["fd00:13::3"] == mp["fd00:12::2"]
    assert "sentPrefixCounter" not in nb["fd00:12::2"]["addressFamilyInfo"]["ipv4Unicast"]
    assert nb["fd00:12::2"]["addressFamilyInfo"]["ipv6Unicast"]["sentPrefixCounter"] == 2
    text = r1.vtysh("show bgp neighbors fd00:12::2")
    assert "    Address Family IPv4 Unicast: advertised\n" in text
    assert "    Address Family IPv6 Unicast: advertised and received\n" in text
    af4 = text.split(" For address family: IPv4 Unicast\n")[1]
    assert af4.startswith("  Not part of any update group\n")
    summ = r1.vtysh("show bgp ipv4 unicast summary")
    assert re.search(r"^fd00:12::2 .* NoNeg +NoNeg N/A$", summ, re.M), summ
    assert re.search(r"^10\.0\.12\.2 .* +2 +2 N/A$", summ, re.M), summ
    js = json.loads(r1.vtysh("show bgp summary json"))
    assert js["ipv4Unicast"]["failedPeers"] == 2  # the two IPv6 sessions: NoNeg
    assert js["ipv6Unicast"]["failedPeers"] == 1  # BIRD's IPv4 session
    assert js["ipv4Unicast"]["peers"]["fd00:12::2"]["state"] == "Established"

    # 30 s with every session up: no reset on either side, no route of
    # r1's kernel withdrawn (ip monitor, not polling).
    since = bird_since(r3)
    mon = r1.popen(["ip", "monitor", "route"], stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True)
    time.sleep(30)
    mon.terminate()
    events = mon.communicate(timeout=5)[0]
    assert "Deleted" not in events, events
    nb = neighbors(r1)
    for p in PEERS:
        assert (nb[p]["bgpState"], nb[p]["connectionsEstablished"],
                nb[p]["connectionsDropped"]) == ("Established", 1, 0), (p, nb[p])
    assert gobgp_flops(r2, "10.0.12.1") == 0
    assert gobgp_flops(r2, "fd00:12::1") == 0
    now = bird_since(r3)
    assert same_since(now, since) and all(v[0] == "up" for v in since.values()), (since, now)
    with open(os.path.join(r1.dir, "bgpd.log")) as f:
        log = f.read()
    assert not re.search(r"ADJCHANGE: neighbor \S+ Down|NOTIFICATION", log), log[-3000:]
    with open(os.path.join(r2.dir, "gobgpd.log")) as f:
        glog = f.read()
    assert "malformed" not in glog.lower() and "not available" not in glog, glog[-3000:]
    with open(os.path.join(r3.dir, "bird.log")) as f:
        blog = f.read()
    assert "rror" not in blog, blog[-3000:]

    # Withdrawals both ways: GoBGP's leave r1's kernel and reach BIRD;
    # ours leave GoBGP and BIRD.
    r2.gobgp("global rib del -a ipv6 2001:db8:20::/48")
    r2.gobgp("global rib del -a ipv4 10.100.21.0/24")
    kldlab.wait_for(lambda: "2001:db8:20::/48" not in kernel_bgp(r1, "-6") and
                    "10.100.21.0/24" not in kernel_bgp(r1, "-4"), 20,
                    what="GoBGP's withdrawals in r1's kernel")
    kldlab.wait_for(lambda: "2001:db8:20::/48" not in bird_routes(r3, "kld6"), 20,
                    what="GoBGP's withdrawal at BIRD")
    r1.conf("router bgp 65001", "address-family ipv4 unicast", "no network 10.100.10.0/24",
            "exit-address-family", "address-family ipv6 unicast",
            "no network 2001:db8:10::/48")
    kldlab.wait_for(lambda: gobgp_adj_in(r2, "10.0.12.1", "ipv4") == {"10.100.40.0/24"} and
                    gobgp_adj_in(r2, "fd00:12::1", "ipv6") == {"2001:db8:40::/48"}, 20,
                    what="our withdrawals at GoBGP")
    kldlab.wait_for(lambda: "10.100.10.0/24" not in bird_routes(r3, "kld4") and
                    "2001:db8:10::/48" not in bird_routes(r3, "kld6"), 20,
                    what="our withdrawals at BIRD")
    assert "10.100.20.0/24" in kernel_bgp(r1, "-4")
    nb = neighbors(r1)
    assert all(nb[p]["connectionsDropped"] == 0 for p in PEERS), nb


def test_unnegotiated_family_from_raw_speaker(lab):
    """The speaker's OPEN lists IPv6 unicast only. kldnet sends it IPv6
    only (its routes, End-of-RIB, a ROUTE-REFRESH on `clear ... soft in`),
    ignores without a NOTIFICATION the IPv4 (NLRI fields and MP_REACH) and
    EVPN routes it is sent, ignores a ROUTE-REFRESH for IPv4 and answers
    one for IPv6. An OPEN with no family in common is refused."""
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r1.cmd("ip -6 addr add fd00::1/64 dev eth0 nodad")
    r2.cmd("ip -6 addr add fd00::2/64 dev eth0 nodad")
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf("router bgp 65001", "bgp router-id 10.0.0.1",
            "neighbor fd00::2 remote-as 65002",
            "address-family ipv4 unicast", "network 10.100.10.0/24", "exit-address-family",
            "address-family ipv6 unicast", "network 2001:db8:10::/48",
            "neighbor fd00::2 activate")
    p = r2.popen(["python3", SPEAKER, "fd00::1", "unneg:fd00::2", "4"],
                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = json.loads(p.stdout.readline())
        assert first == {"first": ["2/1"], "rr4": [], "rr6": ["2/1"], "notify": None}, first
        # the IPv6 route counts, the others left no trace
        v6 = set(json.loads(r1.vtysh("show bgp ipv6 unicast json"))["routes"])
        assert v6 == {"2001:db8:10::/48", "2001:db8:60::/48"}, v6
        v4 = set(json.loads(r1.vtysh("show bgp ipv4 unicast json"))["routes"])
        assert v4 == {"10.100.10.0/24"}, v4
        r1.vtysh("clear bgp fd00::2 soft in")
        later = json.loads(p.stdout.readline())
    finally:
        p.kill()
        p.wait()
    assert later == {"updates": [], "refresh": ["2/1"], "notify": None}, later

    # An OPEN whose only MP capability is EVPN shares no family with ours
    # (it ends the implicit IPv4 too): Unsupported Capability, as FRR.
    out = r2.cmd(f"python3 {SPEAKER} fd00::1 open:evpn_only")
    assert json.loads(out.strip().splitlines()[-1])["notify"] == [2, 7], out
    with open(os.path.join(r1.dir, "bgpd.log")) as f:
        log = f.read()
    assert ("fd00::2 sent routes of AFI 1 SAFI 1, not negotiated on this session: ignored"
            in log)
    assert "sent routes of AFI 25 SAFI 70, not negotiated" in log
