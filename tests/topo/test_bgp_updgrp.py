"""Update groups: eBGP peers of one policy share their UPDATEs (one group,
each member on its own link gets its own next hop), a peer with another
outbound route-map gets its own attributes in its own group, a late peer
gets the table on its own and then joins."""
import json
import os
import subprocess

import kldlab

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "bench_bgp.py")
N = 5000


def routes(h):
    return json.loads(h.vtysh("show bgp ipv4 unicast json")).get("routes", {})


def groups(h):
    return json.loads(h.vtysh("show bgp update-groups json"))["default"]


def group_of(h, addr):
    return [g for g in groups(h).values() if addr in g["peers"]]


def nexthop(r):
    return r[0]["nexthops"][0]["ip"]


def test_update_groups(lab):
    f, d = lab.host("f"), lab.host("d")
    mons = [lab.host(f"m{i}") for i in range(1, 5)]
    lab.link(f, "eth0", d, "eth0")
    f.cmd("ip addr add 10.0.1.2/24 dev eth0")
    d.cmd("ip addr add 10.0.1.1/24 dev eth0")
    for i, m in enumerate(mons, 1):
        lab.link(d, f"eth{i}", m, "eth0")
        d.cmd(f"ip addr add 10.0.1{i}.1/24 dev eth{i}")
        m.cmd(f"ip addr add 10.0.1{i}.2/24 dev eth0")
    for h in [d] + mons:
        h.start("bgpd")
    # m1..m3 share a policy; m4 (the same AS) gets MED 44 through its map.
    d.conf("route-map MED44 permit 10", "set metric 44", "exit",
           "router bgp 65000", "bgp router-id 10.0.1.1",
           "neighbor 10.0.1.2 remote-as 65100",
           *[f"neighbor 10.0.1{i}.2 remote-as 65200" for i in range(1, 5)],
           "address-family ipv4 unicast", "neighbor 10.0.14.2 route-map MED44 out")
    feeder = f.popen(["python3", BENCH, "feeder", "--peer", "10.0.1.1", "--prefixes", str(N)],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for i in (1, 2, 4):
            mons[i - 1].conf("router bgp 65200", f"bgp router-id 10.0.1{i}.2",
                             f"neighbor 10.0.1{i}.1 remote-as 65000")
        for i in (1, 2, 4):
            kldlab.wait_for(lambda: len(routes(mons[i - 1])) == N, 60,
                            what=f"the feeder's table at m{i}")
        # m3 comes late: its initial table is its own, then it joins m1/m2.
        mons[2].conf("router bgp 65200", "bgp router-id 10.0.13.2",
                     "neighbor 10.0.13.1 remote-as 65000")
        kldlab.wait_for(lambda: len(routes(mons[2])) == N, 60, what="the table at late m3")
        kldlab.wait_for(lambda: len(group_of(d, "10.0.13.2")) == 1 and
                        len(group_of(d, "10.0.13.2")[0]["peers"]) == 3, 30,
                        what="m3 in m1 and m2's group")

        shared = group_of(d, "10.0.11.2")[0]
        assert sorted(shared["peers"]) == ["10.0.11.2", "10.0.12.2", "10.0.13.2"]
        assert shared["type"] == "external" and shared["remoteAs"] == 65200
        assert "outRouteMap" not in shared
        assert shared["adjListCount"] == N  # one table for three peers
        own = group_of(d, "10.0.14.2")
        assert len(own) == 1 and own[0]["peers"] == ["10.0.14.2"]
        assert own[0]["outRouteMap"] == "MED44"
        text = d.vtysh("show bgp update-groups")
        assert "Outgoing route map: MED44" in text
        assert "    - 10.0.13.2\n" in text

        # A change after the join reaches every member, with the next hop
        # of its own link (the UPDATE was packed once, for 10.0.11.1).
        d.conf("router bgp 65000", "address-family ipv4 unicast", "network 10.99.0.0/24")
        for i, m in enumerate(mons, 1):
            kldlab.wait_for(lambda: "10.99.0.0/24" in routes(m), 30,
                            what=f"the new network at m{i}")
            rs = routes(m)
            assert len(rs) == N + 1
            assert nexthop(rs["10.99.0.0/24"]) == f"10.0.1{i}.1"
            assert nexthop(rs["11.0.0.0/24"]) == f"10.0.1{i}.1"
            assert rs["11.0.0.0/24"][0].get("metric") == (44 if i == 4 else None)
        assert len(group_of(d, "10.0.11.2")[0]["peers"]) == 3

        # A member that leaves (session down) leaves the others grouped.
        mons[0].conf("router bgp 65200", "neighbor 10.0.11.1 shutdown")
        kldlab.wait_for(lambda: not group_of(d, "10.0.11.2"), 30, what="m1 out of its group")
        assert sorted(group_of(d, "10.0.12.2")[0]["peers"]) == ["10.0.12.2", "10.0.13.2"]
    finally:
        feeder.kill()
        feeder.wait()
