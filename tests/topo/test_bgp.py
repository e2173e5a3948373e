"""bgpd between kldnet sites: the seed's BGP snippets typed verbatim into
vtysh (comments included), routes in the kernel as `proto bgp`, write
memory + restart, zebra-lite restarts, the SAFE prefix-list."""
import json

import kldlab

SITE_A = """configure terminal
router bgp 65001
bgp router-id 10.200.0.1
neighbor 10.200.0.2 remote-as 65002 # Site B over WireGuard
address-family ipv4 unicast
network 10.100.10.0/24 # announce Site A's network
neighbor 10.200.0.2 activate
exit-address-family
end
write memory
"""

SITE_B = """configure terminal
router bgp 65002
bgp router-id 10.200.0.2
neighbor 10.200.0.1 remote-as 65001 # Site A over WireGuard
address-family ipv4 unicast
network 10.100.20.0/24 # announce Site B's network
neighbor 10.200.0.1 activate
exit-address-family
end
write memory
"""

FILTER_A = """configure terminal
ip prefix-list ALLOWED seq 10 permit 10.100.0.0/16 le 24
ip prefix-list ALLOWED seq 100 deny any
router bgp 65001
address-family ipv4 unicast
neighbor 10.200.0.2 prefix-list ALLOWED in
exit-address-family
end
write memory
"""


def vtysh_script(h, script):
    return h.vtysh(stdin=script)


def kernel_bgp(h):
    return {r["dst"]: r for r in h.routes() if r.get("protocol") == "bgp"}


def bgp_table(h):
    return set(json.loads(h.vtysh("show bgp ipv4 unicast json")).get("routes", {}))


def peers(h):
    return json.loads(h.vtysh("show bgp summary json"))["ipv4Unicast"]["peers"]


def two_sites(lab):
    a, b = lab.host("a"), lab.host("b")
    lab.link(a, "wg0", b, "wg0")
    a.cmd("ip addr add 10.200.0.1/24 dev wg0 && ip addr add 10.100.10.1/24 dev lo")
    b.cmd("ip addr add 10.200.0.2/24 dev wg0 && ip addr add 10.100.20.1/24 dev lo")
    for h in (a, b):
        h.start("zebra-lite")
        h.start("bgpd")
    return a, b


def test_seed_two_sites_routes_and_restart(lab):
    a, b = two_sites(lab)
    vtysh_script(a, SITE_A)
    vtysh_script(b, SITE_B)
    # The seed's "Result": each site's network in the other's kernel.
    kldlab.wait_for(lambda: "10.100.20.0/24" in kernel_bgp(a), 30, what="B's network at A")
    kldlab.wait_for(lambda: "10.100.10.0/24" in kernel_bgp(b), 30, what="A's network at B")
    assert "10.100.20.0/24 via 10.200.0.2 dev wg0 proto bgp" in a.cmd("ip route")
    assert "10.100.10.0/24 via 10.200.0.1 dev wg0 proto bgp" in b.cmd("ip route")
    assert "B>* 10.100.20.0/24 [20/0] via 10.200.0.2, wg0" in a.vtysh("show ip route")
    text = a.vtysh("show bgp summary")
    assert "BGP router identifier 10.200.0.1, local AS number 65001" in text
    row = [l for l in text.splitlines() if l.startswith("10.200.0.2")][0].split()
    assert row[1:3] == ["4", "65002"] and row[-3:] == ["1", "1", "N/A"]
    detail = a.vtysh("show bgp ipv4 unicast 10.100.20.0/24")
    assert "BGP routing table entry for 10.100.20.0/24" in detail
    assert "10.200.0.2 from 10.200.0.2 (10.200.0.2)" in detail
    assert "Origin IGP, metric 0, valid, external, best" in detail
    js = json.loads(a.vtysh("show bgp ipv4 unicast json"))
    assert js["routes"]["10.100.20.0/24"][0]["path"] == "65002"
    adv = a.vtysh("show bgp ipv4 unicast neighbors 10.200.0.2 advertised-routes")
    assert "*> 10.100.10.0/24   10.200.0.1" in adv and "Total number of prefixes 1" in adv
    assert "10.100.20.0/24" not in adv
    got = json.loads(a.vtysh("show bgp neighbors 10.200.0.2 routes json"))
    assert list(got["routes"]) == ["10.100.20.0/24"] and got["totalPrefixCounter"] == 1

    # write memory + restart: the same configuration, the session back.
    before = a.running_config()
    assert "router bgp 65001\n bgp router-id 10.200.0.1\n neighbor 10.200.0.2 remote-as 65002\n" \
        in before
    assert "  network 10.100.10.0/24\n" in before
    a.stop("bgpd")
    a.start("bgpd")
    assert a.running_config() == before
    kldlab.wait_for(lambda: peers(a)["10.200.0.2"]["state"] == "Established", 30,
                    what="session after restart")
    kldlab.wait_for(lambda: "10.100.20.0/24" in kernel_bgp(a), 30, what="route after restart")

    # zebra-lite restarts: bgpd replays and the route stays.
    a.stop("zebra-lite")
    a.start("zebra-lite")
    kldlab.wait_for(lambda: "B>* 10.100.20.0/24" in a.vtysh("show ip route"), 20,
                    what="replayed route in zebra-lite")
    assert "10.100.20.0/24" in kernel_bgp(a)


def test_seed_allowed_filter(lab):
    a, b = two_sites(lab)
    vtysh_script(a, SITE_A)
    vtysh_script(b, SITE_B)
    vtysh_script(b, "configure terminal\nrouter bgp 65002\naddress-family ipv4 unicast\n"
                    "network 0.0.0.0/0\nnetwork 10.100.64.0/25\nnetwork 10.101.0.0/24\nend\n")
    kldlab.wait_for(lambda: "default" in kernel_bgp(a), 30, what="unfiltered routes at A")
    vtysh_script(a, FILTER_A)
    kldlab.wait_for(lambda: set(kernel_bgp(a)) == {"10.100.20.0/24"}, 20,
                    what="ALLOWED leaving only 10.100.20.0/24")
    assert "ip prefix-list ALLOWED seq 10 permit 10.100.0.0/16 le 24" in a.running_config()
    assert "  neighbor 10.200.0.2 prefix-list ALLOWED in\n" in a.running_config()


def test_seed_safe_three_sites(lab):
    a, b, c = lab.host("a"), lab.host("b"), lab.host("c")
    lab.link(a, "wg0", b, "wg0")
    lab.link(a, "wg1", c, "wg0")
    a.cmd("ip addr add 10.200.0.1/24 dev wg0 && ip addr add 10.200.1.1/24 dev wg1")
    b.cmd("ip addr add 10.200.0.2/24 dev wg0")
    c.cmd("ip addr add 10.200.1.3/24 dev wg0")
    for h in (a, b, c):
        h.start("zebra-lite")
        h.start("bgpd")
    # The seed's block, verbatim but for C's address (a second link).
    vtysh_script(a, """vtysh
configure terminal
router bgp 65001
bgp router-id 10.200.0.1
neighbor 10.200.0.2 remote-as 65002
neighbor 10.200.1.3 remote-as 65003
address-family ipv4 unicast
network 192.168.1.0/24 # physical network
network 172.16.0.0/24 # overlay network
neighbor 10.200.0.2 activate
neighbor 10.200.1.3 activate
# Safety: only accept /16 or longer from peers
neighbor 10.200.0.2 prefix-list SAFE in
neighbor 10.200.1.3 prefix-list SAFE in
exit-address-family
ip prefix-list SAFE seq 10 permit 10.0.0.0/8 le 24
ip prefix-list SAFE seq 20 permit 172.16.0.0/12 le 24
ip prefix-list SAFE seq 30 permit 192.168.0.0/16 le 24
ip prefix-list SAFE seq 100 deny any
end
write memory
""".replace("vtysh\n", "", 1))
    vtysh_script(b, "configure terminal\nrouter bgp 65002\nbgp router-id 10.200.0.2\n"
                    "neighbor 10.200.0.1 remote-as 65001\naddress-family ipv4 unicast\n"
                    "network 192.168.2.0/24\nnetwork 10.2.0.0/24\nnetwork 203.0.113.0/24\n"
                    "end\n")
    vtysh_script(c, "configure terminal\nrouter bgp 65003\nbgp router-id 10.200.1.3\n"
                    "neighbor 10.200.1.1 remote-as 65001\naddress-family ipv4 unicast\n"
                    "network 192.168.3.0/24\nnetwork 172.17.0.0/24\nnetwork 10.3.0.0/25\n"
                    "end\n")
    want = {"192.168.2.0/24", "10.2.0.0/24", "192.168.3.0/24", "172.17.0.0/24"}
    kldlab.wait_for(lambda: set(kernel_bgp(a)) == want, 30, what="SAFE-filtered routes at A")
    p = peers(a)
    assert p["10.200.0.2"]["pfxRcd"] == 2 and p["10.200.1.3"]["pfxRcd"] == 2
    # B learns C's routes through A, and A's own networks.
    kldlab.wait_for(lambda: {"192.168.1.0/24", "172.16.0.0/24", "192.168.3.0/24"}
                    <= set(kernel_bgp(b)), 30, what="routes at B")
    assert "10.3.0.0/25" not in kernel_bgp(b)
    table = b.vtysh("show bgp ipv4 unicast")
    assert "*> 192.168.3.0/24   10.200.0.1" in table and "65001 65003 i" in table


def neighbor(h, addr):
    return json.loads(h.vtysh(f"show bgp neighbors {addr} json"))[addr]


def test_ibgp_timers_passive_nexthop_self_max_prefix(lab):
    """iBGP A-B (B passive, timers 3 9 on A), eBGP C behind B; next-hop-self
    on B makes C's routes usable at A; maximum-prefix stops a session that
    exceeds it until `clear bgp`."""
    a, b, c = lab.host("a"), lab.host("b"), lab.host("c")
    lab.link(a, "eth0", b, "eth0")
    lab.link(b, "eth1", c, "eth0")
    a.cmd("ip addr add 10.0.0.1/24 dev eth0")
    b.cmd("ip addr add 10.0.0.2/24 dev eth0 && ip addr add 10.0.1.2/24 dev eth1")
    c.cmd("ip addr add 10.0.1.3/24 dev eth0")
    for h in (a, b, c):
        h.start("zebra-lite")
        h.start("bgpd")
    a.conf("router bgp 65001", "bgp router-id 10.0.0.1",
           "neighbor 10.0.0.2 remote-as internal", "neighbor 10.0.0.2 timers 3 9")
    b.conf("router bgp 65001", "bgp router-id 10.0.0.2",
           "neighbor 10.0.0.1 remote-as 65001", "neighbor 10.0.0.1 passive",
           "neighbor 10.0.1.3 remote-as external", "bgp log-neighbor-changes",
           "neighbor 10.0.1.3 description site C uplink # a comment",
           "address-family ipv4 unicast", "neighbor 10.0.0.1 next-hop-self",
           "exit-address-family")
    c.conf("router bgp 65003", "bgp router-id 10.0.1.3", "neighbor 10.0.1.2 remote-as 65001",
           "address-family ipv4 unicast", "network 10.30.0.0/24", "network 10.31.0.0/24",
           "network 10.32.0.0/24", "exit-address-family")
    kldlab.wait_for(lambda: neighbor(a, "10.0.0.2")["state"] == "Established", 30,
                    what="iBGP session")
    n = neighbor(a, "10.0.0.2")
    assert n["bgpTimerHoldTimeMsecs"] == 9000 and n["bgpTimerKeepAliveIntervalMsecs"] == 3000
    assert n["nbrExternalLink"] is False
    assert neighbor(b, "10.0.0.1")["passive"] is True
    assert neighbor(b, "10.0.1.3")["remoteAs"] == 65003  # learned: remote-as external
    kldlab.wait_for(lambda: {"10.30.0.0/24", "10.31.0.0/24", "10.32.0.0/24"}
                    <= set(kernel_bgp(a)), 30, what="C's routes at A via iBGP")
    assert kernel_bgp(a)["10.30.0.0/24"]["gateway"] == "10.0.0.2"  # next-hop-self
    table = a.vtysh("show bgp ipv4 unicast")
    assert "*>i10.30.0.0/24     10.0.0.2                 0    100      0 65003 i" in table
    assert "B>* 10.30.0.0/24 [200/0] via 10.0.0.2" in a.vtysh("show ip route")
    rc = b.running_config()
    assert " neighbor 10.0.0.1 passive\n" in rc and " neighbor 10.0.1.3 remote-as external\n" in rc
    assert "  neighbor 10.0.0.1 next-hop-self\n" in rc
    assert " bgp log-neighbor-changes\n" in rc
    assert " neighbor 10.0.1.3 description site C uplink\n" in rc
    row = [l for l in b.vtysh("show bgp summary").splitlines() if l.startswith("10.0.1.3")][0]
    assert row.endswith(" site C uplink")
    assert " neighbor 10.0.0.2 timers 3 9\n" in a.running_config()

    # maximum-prefix 2: C's three routes stop the session; clear restores it.
    b.conf("router bgp 65001", "address-family ipv4 unicast",
           "neighbor 10.0.1.3 maximum-prefix 2")
    b.vtysh("clear bgp 10.0.1.3")
    kldlab.wait_for(lambda: "Maximum prefix" in neighbor(b, "10.0.1.3")["lastResetDueTo"], 20,
                    what="maximum-prefix stop")
    kldlab.wait_for(lambda: not ({"10.30.0.0/24"} & set(kernel_bgp(a))), 20,
                    what="routes withdrawn after the stop")
    assert neighbor(b, "10.0.1.3")["state"] != "Established"
    b.conf("router bgp 65001", "address-family ipv4 unicast",
           "no neighbor 10.0.1.3 maximum-prefix")
    b.vtysh("clear bgp 10.0.1.3")
    kldlab.wait_for(lambda: "10.30.0.0/24" in kernel_bgp(a), 30, what="routes after clear")

    # shutdown: Cease to the peer, routes go, config shows it.
    b.conf("router bgp 65001", "neighbor 10.0.1.3 shutdown")
    kldlab.wait_for(lambda: "10.30.0.0/24" not in kernel_bgp(a), 20, what="shutdown withdraws")
    assert "Idle (Admin)" in b.vtysh("show bgp summary")


def test_redistribute_connected_and_static(lab):
    a, b = two_sites(lab)
    a.conf("ip route 10.77.0.0/16 blackhole")
    vtysh_script(a, "configure terminal\nrouter bgp 65001\nbgp router-id 10.200.0.1\n"
                    "neighbor 10.200.0.2 remote-as 65002\naddress-family ipv4 unicast\n"
                    "redistribute connected\nredistribute static\nend\n")
    vtysh_script(b, SITE_B)
    kldlab.wait_for(lambda: {"10.100.10.0/24", "10.77.0.0/16"} <= set(kernel_bgp(b)), 30,
                    what="redistributed routes at B")
    assert "127.0.0.0/8" not in kernel_bgp(b)
    table = a.vtysh("show bgp ipv4 unicast")
    assert "*> 10.77.0.0/16     0.0.0.0                  0         32768 ?" in table
    assert "  redistribute connected\n  redistribute static\n" in a.running_config()
    at_b = b.vtysh("show bgp ipv4 unicast 10.77.0.0/16")
    assert "Origin incomplete" in at_b
    a.conf("router bgp 65001", "address-family ipv4 unicast", "no redistribute static")
    kldlab.wait_for(lambda: "10.77.0.0/16" not in kernel_bgp(b), 20, what="withdrawal")
    assert "10.100.10.0/24" in kernel_bgp(b)
    # zebra-lite restarts: the subscription is renewed, nothing flaps away,
    # and a network that went while it was away is withdrawn.
    a.cmd("ip addr add 10.100.11.1/24 dev lo")
    kldlab.wait_for(lambda: "10.100.11.0/24" in kernel_bgp(b), 20, what="a second connected")
    a.stop("zebra-lite")
    a.cmd("ip addr del 10.100.11.1/24 dev lo")
    a.start("zebra-lite")
    kldlab.wait_for(lambda: "10.100.11.0/24" not in kernel_bgp(b), 20,
                    what="the network removed while zebra-lite was away, withdrawn")
    assert "10.100.10.0/24" in kernel_bgp(b)
    assert "10.100.11.0/24" not in bgp_table(a)


def test_ebgp_requires_policy(lab):
    a, b = two_sites(lab)
    vtysh_script(a, SITE_A)
    vtysh_script(b, SITE_B)
    kldlab.wait_for(lambda: "10.100.20.0/24" in kernel_bgp(a), 30, what="B's network at A")
    # Off by default (the seeds work as written); on, an eBGP session
    # without policy exchanges nothing and the summary says why.
    a.conf("router bgp 65001", "bgp ebgp-requires-policy")
    kldlab.wait_for(lambda: "10.100.20.0/24" not in kernel_bgp(a), 20, what="inbound blocked")
    kldlab.wait_for(lambda: "10.100.10.0/24" not in kernel_bgp(b), 20, what="outbound blocked")
    row = [l for l in a.vtysh("show bgp summary").splitlines() if l.startswith("10.200.0.2")][0]
    assert row.split()[-3:] == ["(Policy)", "(Policy)", "N/A"]
    a.conf("ip prefix-list ANY seq 5 permit any", "router bgp 65001",
           "address-family ipv4 unicast", "neighbor 10.200.0.2 prefix-list ANY in",
           "neighbor 10.200.0.2 prefix-list ANY out")
    kldlab.wait_for(lambda: "10.100.20.0/24" in kernel_bgp(a), 20, what="inbound with policy")
    kldlab.wait_for(lambda: "10.100.10.0/24" in kernel_bgp(b), 20, what="outbound with policy")
    assert " bgp ebgp-requires-policy\n" in a.running_config()


def test_route_maps(lab):
    a, b = two_sites(lab)
    vtysh_script(b, """configure terminal
ip prefix-list P21 seq 5 permit 10.100.21.0/24
route-map TAG permit 10
 match ip address prefix-list P21
 set community 65002:666
exit
route-map TAG permit 20
exit
router bgp 65002
bgp router-id 10.200.0.2
neighbor 10.200.0.1 remote-as 65001
address-family ipv4 unicast
network 10.100.20.0/24
network 10.100.21.0/24
network 10.100.22.0/24
neighbor 10.200.0.1 route-map TAG out
exit-address-family
end
""")
    vtysh_script(a, """configure terminal
ip prefix-list P20 seq 5 permit 10.100.20.0/24
bgp community-list standard BADC permit 65002:666
bgp as-path access-list FROM_B permit ^65002$
route-map IN deny 5
 match community BADC
exit
route-map IN permit 10
 match ip address prefix-list P20
 set local-preference 300
 set community 65001:20 additive
exit
route-map IN permit 20
 match as-path FROM_B
exit
route-map OUT permit 10
 set as-path prepend 65001 65001
 set metric 77
exit
router bgp 65001
bgp router-id 10.200.0.1
neighbor 10.200.0.2 remote-as 65002
address-family ipv4 unicast
network 10.100.10.0/24
neighbor 10.200.0.2 route-map IN in
neighbor 10.200.0.2 route-map OUT out
exit-address-family
end
""")
    # The session may come up before the maps are bound; binding one sends a
    # ROUTE-REFRESH, so the table converges rather than arriving filtered.
    want = {"10.100.20.0/24", "10.100.22.0/24"}
    kldlab.wait_for(lambda: set(kernel_bgp(a)) == want, 30,
                    what="routes through IN at A, 10.100.21.0/24 denied by its community")
    kldlab.wait_for(lambda: json.loads(a.vtysh("show bgp ipv4 unicast json"))["routes"]
                    ["10.100.20.0/24"][0].get("locPrf") == 300, 20, what="IN's set local-preference")
    routes = json.loads(a.vtysh("show bgp ipv4 unicast json"))["routes"]
    assert "locPrf" not in routes["10.100.22.0/24"][0]
    assert "Community: 65001:20" in a.vtysh("show bgp ipv4 unicast 10.100.20.0/24")

    def at_b():
        return json.loads(b.vtysh("show bgp ipv4 unicast json")).get("routes", {})
    # As above: B may see A's network before A's OUT map is bound, then
    # the refreshed version.
    kldlab.wait_for(lambda: at_b().get("10.100.10.0/24", [{}])[0].get("path")
                    == "65001 65001 65001", 30, what="A's network at B through OUT")
    assert at_b()["10.100.10.0/24"][0]["metric"] == 77
    rc = a.running_config()
    assert "route-map IN permit 10\n match ip address prefix-list P20\n" in rc
    assert " set local-preference 300\n" in rc and "  neighbor 10.200.0.2 route-map IN in\n" in rc
    assert "bgp as-path access-list FROM_B permit ^65002$\n" in rc
    # A map that no entry permits (the path no longer matches FROM_B) denies.
    a.conf("no route-map IN permit 20")
    kldlab.wait_for(lambda: "10.100.22.0/24" not in kernel_bgp(a), 20, what="deny by default")
    assert "10.100.20.0/24" in kernel_bgp(a)


def test_maximum_paths_ecmp(lab):
    a, b, c = lab.host("a"), lab.host("b"), lab.host("c")
    lab.link(a, "eth0", b, "eth0")
    lab.link(a, "eth1", c, "eth0")
    a.cmd("ip addr add 10.0.1.1/24 dev eth0 && ip addr add 10.0.2.1/24 dev eth1")
    b.cmd("ip addr add 10.0.1.2/24 dev eth0")
    c.cmd("ip addr add 10.0.2.3/24 dev eth0")
    for h in (a, b, c):
        h.start("zebra-lite")
        h.start("bgpd")
    for h, rid, peer in ((b, "10.0.1.2", "10.0.1.1"), (c, "10.0.2.3", "10.0.2.1")):
        h.conf("router bgp 65002", f"bgp router-id {rid}", f"neighbor {peer} remote-as 65001",
               "address-family ipv4 unicast", "network 10.50.0.0/24", "exit-address-family")
    a.conf("router bgp 65001", "bgp router-id 10.0.1.1", "neighbor 10.0.1.2 remote-as 65002",
           "neighbor 10.0.2.3 remote-as 65002", "address-family ipv4 unicast",
           "maximum-paths 2", "exit-address-family")

    def gws():
        r = kernel_bgp(a).get("10.50.0.0/24", {})
        return sorted(n["gateway"] for n in r.get("nexthops", [])) or [r.get("gateway")]
    kldlab.wait_for(lambda: gws() == ["10.0.1.2", "10.0.2.3"], 30, what="ECMP route")
    table = a.vtysh("show bgp ipv4 unicast")
    assert "*> 10.50.0.0/24" in table and "*=                  10.0.2.3" in table
    assert "  maximum-paths 2\n" in a.running_config()
    a.conf("router bgp 65001", "address-family ipv4 unicast", "no maximum-paths")
    kldlab.wait_for(lambda: gws() == ["10.0.1.2"], 20, what="single path again")


def test_peer_group(lab):
    """A peer-group carries remote-as and the seed's SAFE filter to two
    members; the running configuration round-trips."""
    a, b, c = lab.host("a"), lab.host("b"), lab.host("c")
    lab.link(a, "eth0", b, "eth0")
    lab.link(a, "eth1", c, "eth0")
    a.cmd("ip addr add 10.0.1.1/24 dev eth0 && ip addr add 10.0.2.1/24 dev eth1")
    b.cmd("ip addr add 10.0.1.2/24 dev eth0")
    c.cmd("ip addr add 10.0.2.3/24 dev eth0")
    for h in (a, b, c):
        h.start("zebra-lite")
        h.start("bgpd")
    for h, rid, peer, net in ((b, "10.0.1.2", "10.0.1.1", "10.2"), (c, "10.0.2.3", "10.0.2.1", "10.3")):
        h.conf("router bgp 65002", f"bgp router-id {rid}", f"neighbor {peer} remote-as 65001",
               "address-family ipv4 unicast", f"network {net}.0.0/24", "network 203.0.113.0/24",
               "exit-address-family")
    a.conf("ip prefix-list SAFE seq 10 permit 10.0.0.0/8 le 24",
           "ip prefix-list SAFE seq 100 deny any",
           "router bgp 65001", "bgp router-id 10.0.1.1", "neighbor SITES peer-group",
           "neighbor SITES remote-as 65002", "neighbor 10.0.1.2 peer-group SITES",
           "neighbor 10.0.2.3 peer-group SITES", "address-family ipv4 unicast",
           "neighbor SITES prefix-list SAFE in", "exit-address-family")
    # The BGP table is the judge here: with the filter applied while the
    # sessions come up, a route may be added and withdrawn within
    # milliseconds, and zebra-lite can then leave it in the kernel (reported).
    kldlab.wait_for(lambda: bgp_table(a) == {"10.2.0.0/24", "10.3.0.0/24"}, 30,
                    what="members' routes through the group's filter")
    kldlab.wait_for(lambda: {"10.2.0.0/24", "10.3.0.0/24"} <= set(kernel_bgp(a)), 30,
                    what="members' routes in the kernel")
    rc = a.running_config()
    assert (" neighbor SITES peer-group\n neighbor SITES remote-as 65002\n"
            " neighbor 10.0.1.2 peer-group SITES\n neighbor 10.0.2.3 peer-group SITES\n") in rc
    assert "  neighbor SITES prefix-list SAFE in\n" in rc
    a.vtysh("write memory")
    a.stop("bgpd")
    a.start("bgpd")
    assert a.running_config() == rc
    kldlab.wait_for(lambda: bgp_table(a) == {"10.2.0.0/24", "10.3.0.0/24"}, 30,
                    what="routes after restart")
    # Shutting the group down shuts its members.
    a.conf("router bgp 65001", "neighbor SITES shutdown")
    kldlab.wait_for(lambda: not bgp_table(a), 20, what="group shutdown")


def test_large_table_to_a_late_peer(lab):
    """50,000 routes from a feeder (the benchmark's), then a peer comes up:
    it gets the whole table (sent in slices) and the feeder's session
    stays up meanwhile."""
    import os
    import subprocess
    bench = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench",
                         "bench_bgp.py")
    f, d, m = lab.host("f"), lab.host("d"), lab.host("m")
    lab.link(f, "eth0", d, "eth0")
    lab.link(d, "eth1", m, "eth0")
    f.cmd("ip addr add 10.0.1.2/24 dev eth0")
    d.cmd("ip addr add 10.0.1.1/24 dev eth0 && ip addr add 10.0.2.1/24 dev eth1")
    m.cmd("ip addr add 10.0.2.2/24 dev eth0")
    d.start("bgpd")
    m.start("bgpd")
    d.conf("router bgp 65000", "bgp router-id 10.0.1.1", "neighbor 10.0.1.2 remote-as 65100")
    feeder = f.popen(["python3", bench, "feeder", "--peer", "10.0.1.1", "--prefixes", "50000"],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        kldlab.wait_for(lambda: peers(d).get("10.0.1.2", {}).get("pfxRcd") == 50000, 60,
                        what="the feeder's table at the DUT")
        d.conf("router bgp 65000", "neighbor 10.0.2.2 remote-as 65200")
        m.conf("router bgp 65200", "bgp router-id 10.0.2.2", "neighbor 10.0.2.1 remote-as 65000")
        kldlab.wait_for(lambda: peers(m).get("10.0.2.1", {}).get("pfxRcd") == 50000, 60,
                        what="the whole table at the late peer")
        assert peers(d)["10.0.1.2"]["connectionsEstablished"] == 1
        assert peers(d)["10.0.2.2"]["pfxSnt"] == 50000
        # The json table streams in slices too, and is still one document.
        table = json.loads(m.vtysh("show bgp ipv4 unicast json"))
        assert len(table["routes"]) == 50000 and table["localAS"] == 65200
        assert all(paths[0]["path"] == "65000 65100" or paths[0]["path"].startswith("65000 65100 ")
                   for paths in table["routes"].values())
        ended = d.vtysh("show bgp ipv4 unicast json")
        assert ended.count('"bestpath":true') == 50000
        adv = json.loads(d.vtysh("show bgp ipv4 unicast neighbors 10.0.2.2 advertised-routes json"))
        assert adv["totalPrefixCounter"] == 50000 and len(adv["advertisedRoutes"]) == 50000
        text = d.vtysh("show bgp neighbors 10.0.1.2 routes")
        assert text.rstrip().endswith("Total number of prefixes 50000")
    finally:
        feeder.kill()
        feeder.wait()
