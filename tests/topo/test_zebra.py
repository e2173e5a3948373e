"""zebra-lite: the RIB and the kernel, checked with ip(8) as the judge."""
import json
import os
import signal
import socket
import struct
import subprocess
import time

import kldlab


def two_hosts(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r2.cmd("ip addr add 10.0.0.2/24 dev eth0")
    return r1, r2


def bgp_routes(h):
    return [r for r in h.routes() if r.get("protocol") == "bgp"]


def test_address_and_static_route_reach_the_kernel(lab):
    r1, r2 = two_hosts(lab)
    r1.start("zebra-lite")
    r1.conf("interface eth0", "ip address 10.0.0.1/24", "ipv6 address 2001:db8::1/64", "exit",
            "ip route 10.1.0.0/16 10.0.0.2", "ip route 10.2.0.0/16 blackhole",
            "ipv6 route 2001:db8:1::/48 2001:db8::2")
    addrs = r1.cmd("ip -o addr show dev eth0")
    assert "inet 10.0.0.1/24" in addrs and "inet6 2001:db8::1/64" in addrs
    kernel = {r["dst"]: r for r in r1.routes()}
    assert kernel["10.1.0.0/16"]["gateway"] == "10.0.0.2"
    assert kernel["10.1.0.0/16"]["dev"] == "eth0"
    assert kernel["10.2.0.0/16"]["type"] == "blackhole"
    v6 = {r["dst"]: r for r in r1.routes("-6")}
    assert v6["2001:db8:1::/48"]["gateway"] == "2001:db8::2"
    out = r1.vtysh("show ip route")
    assert "C>* 10.0.0.0/24 is directly connected, eth0" in out
    assert "S>* 10.1.0.0/16 [1/0] via 10.0.0.2, eth0, weight 1" in out
    assert "S>* 10.2.0.0/16 [1/0] unreachable (blackhole)" in out
    # The route really forwards: r2 answers through it.
    r2.cmd("ip addr add 10.1.0.1/32 dev eth0")
    r1.cmd("ping -c1 -W2 10.1.0.1")


def test_interface_configured_before_it_exists(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    r1.start("zebra-lite")
    r1.conf("interface late0", "ip address 10.9.0.1/24", "mtu 1400")
    lab.link(r1, "late0", r2, "late1")
    kldlab.wait_for(lambda: "10.9.0.1/24" in r1.cmd("ip -o addr show dev late0"), 5,
                    what="address on late0")
    assert "mtu 1400" in r1.cmd("ip link show dev late0")


def test_unreachable_nexthop_is_held_then_installed(lab):
    r1, r2 = two_hosts(lab)
    r1.start("zebra-lite")
    r1.conf("ip route 10.3.0.0/16 10.5.0.2")
    assert "S   10.3.0.0/16 [1/0] via 10.5.0.2 inactive" in r1.vtysh("show ip route")
    assert "10.3.0.0/16" not in [r["dst"] for r in r1.routes()]
    r1.conf("interface eth0", "ip address 10.5.0.1/24")
    kldlab.wait_for(lambda: "10.3.0.0/16" in [r["dst"] for r in r1.routes()], 5,
                    what="route installed once its nexthop resolves")
    assert "S>* 10.3.0.0/16 [1/0] via 10.5.0.2, eth0" in r1.vtysh("show ip route")


def test_client_routes_are_proto_bgp_and_shown(lab):
    r1, r2 = two_hosts(lab)
    r1.start("zebra-lite")
    r1.conf("interface eth0", "ip address 10.0.0.1/24")
    out = r1.zclient("--count", 100, "--prefix", "20.0.0.0/24", "--via", "10.0.0.2",
                     "--hold", "0.5")
    assert "done 100" in out
    assert len(bgp_routes(r1)) == 100
    assert "20.0.0.0/24 via 10.0.0.2 dev eth0 proto bgp" in r1.cmd("ip route")
    text = r1.vtysh("show ip route bgp")
    assert "B>* 20.0.0.0/24 [20/0] via 10.0.0.2, eth0, weight 1" in text
    js = json.loads(r1.vtysh("show ip route 20.0.99.0/24 json"))
    route = js["20.0.99.0/24"][0]
    assert route["protocol"] == "bgp" and route["selected"] and route["installed"]
    assert route["nexthops"][0]["ip"] == "10.0.0.2"


def test_kill9_restart_with_replay_deletes_nothing(lab):
    r1, r2 = two_hosts(lab)
    r1.write_config("interface eth0\n ip address 10.0.0.1/24\nexit\n")
    r1.start("zebra-lite")
    r1.zclient("--count", 10000, "--prefix", "20.0.0.0/24", "--via", "10.0.0.2", "--quiet")
    assert len(bgp_routes(r1)) == 10000
    mon = r1.popen(["ip", "monitor", "route"], stdout=subprocess.PIPE, text=True)
    try:
        r1.stop("zebra-lite", signal.SIGKILL)
        assert len(bgp_routes(r1)) == 10000  # nobody removed them
        r1.start("zebra-lite")
        out = r1.vtysh("show ip route 20.0.0.0/24 json")
        assert json.loads(out)["20.0.0.0/24"][0]["stale"] is True
        client = r1.zclient_bg("--count", 10000, "--prefix", "20.0.0.0/24", "--via", "10.0.0.2",
                               "--replay", "--quiet", "--hold", "3")
        assert client.stdout.readline().strip() == "done 10000"
        # While the client is connected its replayed routes are its own again.
        js = json.loads(r1.vtysh("show ip route 20.0.0.0/24 json"))
        assert "stale" not in js["20.0.0.0/24"][0]
        client.wait(10)
    finally:
        mon.terminate()
        seen = mon.communicate(timeout=5)[0]
    assert "Deleted" not in seen, seen[:2000]
    assert len(bgp_routes(r1)) == 10000


def test_without_replay_routes_are_swept_after_grace(lab):
    r1, r2 = two_hosts(lab)
    r1.write_config("zebra graceful-restart time 2\n!\n"
                    "interface eth0\n ip address 10.0.0.1/24\nexit\n")
    r1.start("zebra-lite")
    r1.zclient("--count", 500, "--prefix", "20.0.0.0/24", "--via", "10.0.0.2", "--quiet")
    r1.stop("zebra-lite", signal.SIGKILL)
    r1.start("zebra-lite")
    assert len(bgp_routes(r1)) == 500
    kldlab.wait_for(lambda: len(bgp_routes(r1)) == 0, 10, what="stale routes swept")
    assert "20.0.0.0/24" not in r1.vtysh("show ip route")


def test_client_disconnect_keeps_routes_for_grace(lab):
    r1, r2 = two_hosts(lab)
    r1.write_config("zebra graceful-restart time 3\n!\n"
                    "interface eth0\n ip address 10.0.0.1/24\nexit\n")
    r1.start("zebra-lite")
    r1.zclient("--count", 50, "--prefix", "21.0.0.0/24", "--via", "10.0.0.2", "--quiet")
    # The client is gone; its routes stay while it may come back...
    assert len(bgp_routes(r1)) == 50
    assert "routes kept: grace time" in r1.vtysh("show zebra client")
    # ...it comes back with half of them: the other half goes at once.
    r1.zclient("--count", 25, "--prefix", "21.0.0.0/24", "--via", "10.0.0.2", "--replay",
               "--quiet")
    kldlab.wait_for(lambda: len(bgp_routes(r1)) == 25, 5, what="unreplayed routes removed")


def test_kernel_refusal_reaches_the_owner(lab):
    r1, r2 = two_hosts(lab)
    r1.start("zebra-lite")
    r1.conf("interface eth0", "ip address 10.0.0.1/24")
    # A gateway that is not on eth0's subnet: the kernel refuses it.
    out = r1.zclient("--count", 1, "--prefix", "30.0.0.0/24", "--via", "192.168.77.1",
                     "--dev", "eth0", "--hold", "0.5")
    assert "notify 30.0.0.0/24 1 " in out  # RouteStatus FAILED with the kernel's reason
    assert "unreachable" in out.lower() or "invalid" in out.lower()
    assert "B>r 30.0.0.0/24" in r1.vtysh("show ip route")
    assert "zebra-lite" in r1.vtysh("show daemons")


def test_better_distance_wins_and_owner_is_told(lab):
    r1, r2 = two_hosts(lab)
    r1.start("zebra-lite")
    r1.conf("interface eth0", "ip address 10.0.0.1/24", "exit",
            "ip route 40.0.0.0/24 10.0.0.2")
    out = r1.zclient("--count", 1, "--prefix", "40.0.0.0/24", "--via", "10.0.0.2",
                     "--hold", "0.3")
    assert "notify 40.0.0.0/24 2" in out  # BETTER_ADMIN_WON
    routes = {r["dst"]: r for r in r1.routes()}
    assert routes["40.0.0.0/24"]["protocol"] == "static"


def test_redistribution_and_nexthop_tracking(lab):
    r1, r2 = two_hosts(lab)
    r1.start("zebra-lite")
    r1.conf("interface eth0", "ip address 10.0.0.1/24", "exit",
            "ip route 10.1.0.0/16 10.0.0.2")
    p = r1.zclient_bg("--redist", "static", "--nht", "10.7.0.9", "--hold", "5")
    time.sleep(0.5)
    r1.conf("ip route 10.7.0.0/16 10.0.0.2")
    time.sleep(0.5)
    r1.conf("no ip route 10.1.0.0/16 10.0.0.2")
    out = p.communicate(timeout=10)[0]
    assert "redist add static 10.1.0.0/16" in out
    assert "redist add static 10.7.0.0/16" in out
    assert "redist del static 10.1.0.0/16" in out
    assert "nht 10.7.0.9/32 unresolved" in out
    assert "nht 10.7.0.9/32 resolved" in out


def _raw_route_add(prefix_len):
    """A RouteAdd whose prefix length does not fit its family."""
    def field(num, wt, payload):
        tag = bytes([num << 3 | wt]) if num < 16 else bytes([(num << 3 | wt) & 0x7f | 0x80, (num << 3 | wt) >> 7])
        return tag + bytes([len(payload)]) + payload
    prefix = b"\x08\x02" + field(2, 2, b"\x0a\x00\x00\x00") + bytes([0x18, prefix_len])
    nh = field(1, 2, b"\x0a\x00\x00\x02")
    route = field(1, 2, prefix) + b"\x10\x04" + field(6, 2, nh)
    body = field(30, 2, field(1, 2, route))
    return struct.pack(">I", len(body)) + body


def test_misbehaving_client_is_disconnected_others_go_on(lab):
    r1, r2 = two_hosts(lab)
    r1.start("zebra-lite")
    r1.conf("interface eth0", "ip address 10.0.0.1/24")
    r1.zclient("--name", "wgd", "--type", "wireguard", "--count", 10, "--prefix",
               "22.0.0.0/24", "--via", "10.0.0.2", "--quiet")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(os.path.join(r1.rundir, "zserv.sock"))
    hello = bytes.fromhex("52080801120462677064")  # hello{version=1, daemon="bgpd"}
    s.sendall(struct.pack(">I", len(hello)) + hello + _raw_route_add(40))
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    assert r1.alive("zebra-lite")
    assert "malformed route" in open(os.path.join(r1.dir, "zebra-lite.log")).read()
    wg = [r for r in r1.routes() if r.get("protocol") in ("240", "wireguard")]
    assert len(wg) == 10
    assert "done 1" in r1.zclient("--count", 1, "--prefix", "23.0.0.0/24", "--via", "10.0.0.2")


def test_show_interface(lab):
    r1, r2 = two_hosts(lab)
    r1.start("zebra-lite")
    r1.conf("interface eth0", "description to r2", "ip address 10.0.0.1/24")
    kldlab.wait_for(lambda: "10.0.0.1/24" in r1.vtysh("show interface eth0"), 5,
                    what="the address event")
    js = json.loads(r1.vtysh("show interface json"))
    assert js["eth0"]["description"] == "to r2"
    assert {"address": "10.0.0.1/24"} in js["eth0"]["ipAddresses"]
    brief = r1.vtysh("show interface brief")
    assert any(l.split()[:2] == ["eth0", "up"] and "10.0.0.1/24" in l for l in brief.splitlines())
    assert "Interface eth0 is up, line protocol is up" in r1.vtysh("show interface eth0")


def test_ecmp_static_and_tables(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    lab.link(r1, "eth1", r2, "eth1")
    r1.start("zebra-lite")
    r1.conf("interface eth0", "ip address 10.0.0.1/24", "exit",
            "interface eth1", "ip address 10.0.1.1/24", "exit",
            "ip route 10.8.0.0/16 10.0.0.2", "ip route 10.8.0.0/16 10.0.1.2",
            "ip route 10.9.0.0/16 10.0.0.2 table 100",
            "ip route 10.10.0.0/16 10.0.0.2", "ip route 10.10.0.0/16 10.0.1.2 50")
    ecmp = {r["dst"]: r for r in r1.routes()}["10.8.0.0/16"]
    gws = sorted(nh["gateway"] for nh in ecmp["nexthops"])
    assert gws == ["10.0.0.2", "10.0.1.2"]
    assert [r["dst"] for r in r1.routes(table="100")] == ["10.9.0.0/16"]
    assert "10.9.0.0/16" not in [r["dst"] for r in r1.routes()]
    # A second line at a higher distance is a floating backup.
    floating = {r["dst"]: r for r in r1.routes()}["10.10.0.0/16"]
    assert floating["gateway"] == "10.0.0.2"
    r1.conf("no ip route 10.10.0.0/16 10.0.0.2")
    kldlab.wait_for(lambda: {r["dst"]: r for r in r1.routes()}["10.10.0.0/16"].get("gateway")
                    == "10.0.1.2", 5, what="the backup taking over")
    text = r1.vtysh("show ip route 10.8.0.0/16")
    assert "via 10.0.0.2, eth0" in text and "via 10.0.1.2, eth1" in text
    assert "S>* 10.9.0.0/16" in r1.vtysh("show ip route table 100")


def _pb_str(field, text):
    data = text.encode()
    return bytes([field << 3 | 2, len(data)]) + data


def _frame(body):
    return struct.pack(">I", len(body)) + body


def test_long_show_streams_and_does_not_block(lab):
    """A show of 200,000 routes goes out in chunks: a shell that stops
    reading does not stop zebra-lite from serving others, and everything
    arrives once it reads again."""
    r1, r2 = two_hosts(lab)
    r1.start("zebra-lite")
    r1.conf("interface eth0", "ip address 10.0.0.1/24")
    r1.zclient_bg("--count", 200000, "--prefix", "20.0.0.0/24", "--via", "10.0.0.2",
                  "--quiet", "--hold", "120")
    kldlab.wait_for(lambda: len(bgp_routes(r1)) == 200000, 60, what="200k routes")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(os.path.join(r1.rundir, "zebra-lite.vty"))
    hello = bytes.fromhex("520908011205") + b"slowr"
    exec_ = b"\x08\x07" + bytes([0xb2, 0x01]) + bytes(
        [len(_pb_str(1, "view") + _pb_str(3, "show ip route"))]) + _pb_str(1, "view") + \
        _pb_str(3, "show ip route")
    s.sendall(_frame(hello) + _frame(exec_))
    time.sleep(1.0)  # the slow shell reads nothing for a while...
    t0 = time.monotonic()
    assert "Running on Linux" in r1.vtysh("show version")  # ...others are served
    assert time.monotonic() - t0 < 5
    s.settimeout(60)
    data = b""
    while b"C>* 127.0.0.0/8" not in data:  # the last line of the walk
        chunk = s.recv(1 << 20)
        assert chunk, "stream ended early"
        data += chunk
    s.close()
    assert data.count(b"B>* ") == 200000
    # json streams too, and is one document in FRR's layout.
    routes = json.loads(r1.vtysh("show ip route json"))
    bgp = {p for p, rs in routes.items() if rs[0]["protocol"] == "bgp"}
    assert len(bgp) == 200000 and routes["20.0.0.0/24"][0]["selected"]
    assert "10.0.0.0/24" in routes and "127.0.0.0/8" in routes
    assert set(json.loads(r1.vtysh("show ip route bgp json"))) == bgp


def test_lost_kernel_events_are_corrected_by_the_resync(lab):
    """While zebra-lite is stopped, a flood of kernel events overflows its
    event socket (ENOBUFS). Meanwhile someone deletes a route of someone
    else's and one of ours: the re-dump must forget the first and put the
    second back."""
    r1, r2 = two_hosts(lab)
    r1.cmd("ip addr add 10.0.0.1/24 dev eth0")
    r1.start("zebra-lite")
    r1.conf("ip route 10.66.0.0/16 10.0.0.2")
    r1.cmd("ip route add 10.55.0.0/16 via 10.0.0.2")
    kldlab.wait_for(lambda: "K>* 10.55.0.0/16" in r1.vtysh("show ip route"), 10,
                    what="the kernel route learned")
    batch = os.path.join(r1.dir, "flood.batch")
    with open(batch, "w") as f:
        for op in ("add", "del"):
            for i in range(60000):
                f.write(f"route {op} blackhole 10.{128 + i // 65536 % 64}.{i // 256 % 256}.{i % 256}/32\n")
    pid = r1.pid("zebra-lite")
    os.kill(pid, signal.SIGSTOP)
    try:
        r1.cmd("ip route del 10.55.0.0/16 && ip route del 10.66.0.0/16 proto 196")
        r1.cmd(f"ip -batch {batch}", timeout=120)
    finally:
        os.kill(pid, signal.SIGCONT)
    log = os.path.join(r1.dir, "zebra-lite.log")
    kldlab.wait_for(lambda: "route(s) corrected" in open(log).read(), 30,
                    what="the resync after ENOBUFS")
    assert "kernel events were lost (ENOBUFS)" in open(log).read()
    kldlab.wait_for(lambda: "10.55.0.0/16" not in r1.vtysh("show ip route"), 10,
                    what="the deleted kernel route forgotten")
    kldlab.wait_for(lambda: "10.66.0.0/16 via 10.0.0.2 dev eth0 proto static" in r1.cmd("ip route"),
                    10, what="our static route installed again")
    assert "S>* 10.66.0.0/16 [1/0] via 10.0.0.2, eth0" in r1.vtysh("show ip route")
    assert r1.alive("zebra-lite")
