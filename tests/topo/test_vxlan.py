"""vxland: VXLAN segments and bridges, with ip(8), bridge(8) and ping as the judges.

Every seed snippet of the VXLAN chapter, expressed as vxland configuration,
must give the kernel state the seed's own commands give: a reference host
is built with those commands and `ip -d link` / `bridge fdb` are compared
field by field. Then traffic: two sites point to point, three sites with
head-end replication over a WireGuard mesh of wgd; restarts that delete
nothing; bad input that changes nothing.
"""
import json
import os
import signal
import subprocess
import time

import kldlab

SEED = "/work/shared/seeds/000_fcf168c387ff17bd.txt"


# ---- helpers ----

def start(*hosts, daemons=("zebra-lite", "vxland")):
    for h in hosts:
        for d in daemons:
            h.start(d)


def link_info(h, dev):
    """The fields of `ip -d -j link show DEV` that configuration decides."""
    js = json.loads(h.cmd(f"ip -d -j link show dev {dev}"))[0]
    li = js.get("linkinfo", {})
    info = dict(li.get("info_data", {}))
    info.pop("ageing", None)
    # A bridge's identity and running timers differ from host to host.
    info = {k: v for k, v in info.items()
            if "timer" not in k and k not in ("bridge_id", "root_id", "designated_root")}
    return dict(kind=li.get("info_kind"), mtu=js["mtu"], master=js.get("master"),
                up="UP" in js["flags"], data=info)


def addrs(h, dev):
    js = json.loads(h.cmd(f"ip -j addr show dev {dev}"))[0]
    return sorted(f"{a['local']}/{a['prefixlen']}" for a in js["addr_info"]
                  if a.get("scope") != "link")


def fdb(h, dev):
    """Static FDB entries of a device (its own and its bridge's), without
    the MACs of the devices themselves (random on each host)."""
    own = {l.get("address") for l in json.loads(h.cmd("ip -j link show"))}
    own.discard("00:00:00:00:00:00")  # lo's, and the flood entries' MAC
    out = set()
    for e in json.loads(h.cmd(f"bridge -j fdb show dev {dev}")):
        mcast = int(e["mac"][:2], 16) & 1  # the kernel's multicast list
        if e["mac"] in own or mcast or e.get("state", "") not in ("permanent", "static"):
            continue
        out.add((e["mac"], e.get("dst", ""), tuple(sorted(e.get("flags", []))), e.get("state", "")))
    return out


def kernel(h):
    """Every link's configured fields, addresses and static FDB."""
    names = [l["ifname"] for l in json.loads(h.cmd("ip -j link show"))]
    return {n: (link_info(h, n), addrs(h, n), fdb(h, n)) for n in names}


def same_state(vx, ref, devs):
    for d in devs:
        x, y = link_info(vx, d), link_info(ref, d)
        assert x == y, (d, {k: (v, y["data"].get(k)) for k, v in x["data"].items() if y["data"].get(k) != v}, {k: v for k, v in y["data"].items() if k not in x["data"]})
        assert addrs(vx, d) == addrs(ref, d), d
        assert fdb(vx, d) == fdb(ref, d), d


def ping(h, addr, timeout=20):
    kldlab.wait_for(lambda: " 0% packet loss" in h.cmd(f"ping -c1 -W1 {addr}", check=False),
                    timeout, interval=0.2, what=f"{h.name} pinging {addr}")


def wait_up(h, vni=100, timeout=15):
    def up():
        js = json.loads(h.vtysh(f"show vxlan {vni} json"))
        return js.get(str(vni), {}).get("state") == "up"
    kldlab.wait_for(up, timeout, interval=0.1, what=f"vxlan {vni} up on {h.name}")


def seed_text():
    return open(SEED).read() if os.path.exists(SEED) else ""


# ---- the seed's snippets, side by side with its own commands ----

def pair(lab, name):
    """A host with vxland and a reference host, each with eth0 192.168.1.10."""
    vx, ref, peer = lab.host(name), lab.host(name + "r"), lab.host(name + "p")
    lab.link(vx, "eth0", peer, "e1")
    lab.link(ref, "eth0", peer, "e2")
    for h in (vx, ref):
        h.cmd("ip addr add 192.168.1.10/24 dev eth0")
    start(vx)
    return vx, ref


def test_seed_point_to_point_over_eth0(lab):
    """`ip link add vxlan100 type vxlan id 100 remote 10.0.5.20 dstport 4789
    dev eth0`, an address on it, up."""
    assert "remote 10.0.5.20 \\\ndstport 4789 \\\ndev eth0" in seed_text() or not seed_text()
    vx, ref = pair(lab, "p")
    ref.cmd("ip link add vxlan100 type vxlan id 100 remote 10.0.5.20 dstport 4789 dev eth0 && "
            "ip addr add 172.16.0.1/24 dev vxlan100 && ip link set vxlan100 up")
    vx.conf("vxlan 100", "remote 10.0.5.20", "dstport 4789", "underlay eth0",
            "address 172.16.0.1/24", "exit")
    wait_up(vx)
    kldlab.wait_for(lambda: addrs(vx, "vxlan100") == ["172.16.0.1/24"], 10, what="address")
    same_state(vx, ref, ["vxlan100"])
    assert link_info(vx, "vxlan100")["mtu"] == 1450


def test_seed_multicast_group(lab):
    vx, ref = pair(lab, "g")
    ref.cmd("ip link add vxlan100 type vxlan id 100 group 239.1.1.1 dstport 4789 dev eth0 && "
            "ip addr add 172.16.0.1/24 dev vxlan100 && ip link set vxlan100 up")
    vx.conf("vxlan 100", "group 239.1.1.1", "dstport 4789", "underlay eth0",
            "address 172.16.0.1/24", "exit")
    wait_up(vx)
    kldlab.wait_for(lambda: addrs(vx, "vxlan100") == ["172.16.0.1/24"], 10, what="address")
    same_state(vx, ref, ["vxlan100"])


def test_seed_site_a_head_end_replication_with_bridge(lab):
    """The fabric's Site A: nolearning, two flood entries, br-overlay with
    the site's address, and one static MAC (NTF_SELF + the bridge's entry)."""
    vx, ref = pair(lab, "h")
    ref.cmd("ip link add vxlan100 type vxlan id 100 local 10.200.0.1 dstport 4789 nolearning && "
            "bridge fdb append 00:00:00:00:00:00 dev vxlan100 dst 10.200.0.2 && "
            "bridge fdb append 00:00:00:00:00:00 dev vxlan100 dst 10.200.0.3 && "
            "ip link add br-overlay type bridge && ip link set vxlan100 master br-overlay && "
            "ip addr add 172.16.0.1/24 dev br-overlay && ip link set vxlan100 up && "
            "ip link set br-overlay up && "
            "bridge fdb add 52:54:00:12:34:56 dev vxlan100 dst 10.200.0.3 && "
            "bridge fdb add 52:54:00:12:34:56 dev vxlan100 master static")
    vx.conf("bridge br-overlay", "address 172.16.0.1/24", "exit",
            "vxlan 100", "local 10.200.0.1", "dstport 4789", "no learning",
            "flood 10.200.0.2 10.200.0.3", "bridge br-overlay",
            "mac 52:54:00:12:34:56 remote 10.200.0.3", "exit")
    wait_up(vx)
    kldlab.wait_for(lambda: fdb(vx, "vxlan100") == fdb(ref, "vxlan100"), 10, what="fdb")
    kldlab.wait_for(lambda: addrs(vx, "br-overlay") == ["172.16.0.1/24"], 10, what="address")
    same_state(vx, ref, ["vxlan100", "br-overlay"])
    js = json.loads(vx.vtysh("show vxlan fdb 100 json"))["100"]
    macs = {(m["mac"], m.get("remoteVtep"), m["origin"]) for m in js["macs"]}
    assert ("00:00:00:00:00:00", "10.200.0.2", "vxland") in macs
    assert ("52:54:00:12:34:56", "10.200.0.3", "vxland") in macs


def test_seed_kvm_bridge_br0(lab):
    """`nmcli ... type bridge ifname br0 ipv4.addresses 10.100.10.50/24` and
    eth0 as its bridge-slave: one short block."""
    vx, ref = pair(lab, "k")
    for h in (vx, ref):
        h.cmd("ip addr flush dev eth0")
    ref.cmd("ip link add br0 type bridge && ip link set eth0 master br0 && "
            "ip addr add 10.100.10.50/24 dev br0 && ip link set br0 up")
    vx.conf("bridge br0", "member eth0", "address 10.100.10.50/24", "exit")
    # (not `ip link show master br0`: its "Device br0 does not exist"
    # names br0 too, and the wait ended before zebra-lite made it)
    kldlab.wait_for(lambda: "master br0" in vx.cmd("ip -o link show dev eth0"), 10,
                    what="eth0 in br0")
    kldlab.wait_for(lambda: addrs(vx, "br0") == ["10.100.10.50/24"], 10, what="address")
    same_state(vx, ref, ["br0"])
    assert link_info(vx, "eth0")["master"] == "br0"
    assert json.loads(vx.cmd("ip -d -j link show dev br0"))[0]["linkinfo"]["info_data"][
        "vlan_filtering"] == 0


# ---- traffic ----

def two_sites(lab):
    a, b = lab.host("a"), lab.host("b")
    lab.link(a, "eth0", b, "eth0")
    a.cmd("ip addr add 192.168.1.10/24 dev eth0")
    b.cmd("ip addr add 192.168.1.20/24 dev eth0")
    start(a, b)
    a.conf("vxlan 100", "remote 192.168.1.20", "underlay eth0", "address 172.16.0.1/24", "exit")
    b.conf("vxlan 100", "remote 192.168.1.10", "underlay eth0", "address 172.16.0.2/24", "exit")
    wait_up(a)
    wait_up(b)
    ping(a, "172.16.0.2")
    return a, b


def test_two_sites_point_to_point_ping_and_show(lab):
    a, b = two_sites(lab)
    text = a.vtysh("show vxlan 100")
    assert "VNI: 100\n" in text and " VxLAN interface: vxlan100\n" in text
    assert " State: up\n" in text and " MTU: 1450 (eth0 1500 - 50)\n" in text
    assert "  192.168.1.20 flood: point-to-point\n" in text
    table = a.vtysh("show vxlan")
    assert table.splitlines()[1].split()[:3] == ["VNI", "Type", "VxLAN"]
    assert table.splitlines()[2].split()[:4] == ["100", "L2", "vxlan100", "up"]
    js = json.loads(a.vtysh("show vxlan fdb json"))["100"]
    learned = [m for m in js["macs"] if m["origin"] == "learned" and m.get("remoteVtep")]
    bmac = json.loads(b.cmd("ip -j link show dev vxlan100"))[0]["address"]
    assert any(m["mac"] == bmac and m["remoteVtep"] == "192.168.1.20" for m in learned)
    # ...and zebra-lite told vxland as the kernel learned it (an event, not a dump).
    kldlab.wait_for(lambda: json.loads(a.vtysh("show vxlan 100 json"))["100"]["numLearnedMacs"] >= 1,
                    10, what="learned MAC reported to vxland")
    # MTU drift by hand: show says the device's real MTU and flags it.
    assert json.loads(a.vtysh("show vxlan 100 json"))["100"]["mtuMismatch"] is False
    a.cmd("ip link set vxlan100 mtu 1400")
    kldlab.wait_for(lambda: json.loads(a.vtysh("show vxlan 100 json"))["100"]["mtu"] == 1400,
                    10, what="MTU drift reported to vxland")
    js = json.loads(a.vtysh("show vxlan 100 json"))["100"]
    assert js["mtuWanted"] == 1450 and js["mtuMismatch"] is True
    assert " MTU: 1400 (MISMATCH: wanted 1450, eth0 1500 - 50)\n" in a.vtysh("show vxlan 100")


def bridge_learned(h, dev="vxlan100"):
    """MACs the bridge learned on the VXLAN port, as `bridge fdb` has them."""
    return {e["mac"] for e in json.loads(h.cmd(f"bridge -j fdb show dev {dev}"))
            if "self" not in e.get("flags", []) and e.get("master")
            and e.get("state", "") not in ("permanent", "static")}


def test_no_learning_counts_the_macs_the_bridge_learns(lab):
    """`no learning` (the seed's, the demo's): the VXLAN device learns
    nothing, its bridge learns the remote hosts' MACs on the VXLAN port.
    Those are MACs behind the VTEP: `show vxlan` counts them (FRR's
    `show evpn vni` would), `show vxlan fdb` lists them as remote and
    learned on the VXLAN port, the port's own address as local. A vxland
    started again counts them at once, with no new traffic."""
    a, b, vm, vm2 = lab.host("a"), lab.host("b"), lab.host("vm"), lab.host("vm2")
    lab.link(a, "eth0", b, "eth0")
    lab.link(vm, "eth0", b, "tap0")
    lab.link(vm2, "eth0", a, "tap0")
    a.cmd("ip addr add 192.168.1.10/24 dev eth0")
    b.cmd("ip addr add 192.168.1.20/24 dev eth0")
    vm.cmd("ip addr add 172.16.0.102/24 dev eth0")
    start(a, b)
    for h, me, other in ((a, 1, "192.168.1.20"), (b, 2, "192.168.1.10")):
        h.conf("bridge br0", "member tap0", f"address 172.16.0.{me}/24", "exit",
               "vxlan 100", f"remote {other}", "underlay eth0", "no learning", "bridge br0", "exit")
    wait_up(a)
    wait_up(b)
    ping(a, "172.16.0.102")
    vmac = json.loads(vm.cmd("ip -j link show dev eth0"))[0]["address"]
    learned = bridge_learned(a)
    assert vmac in learned, learned
    assert not [e for e in json.loads(a.cmd("bridge -j fdb show dev vxlan100"))
                if "self" in e.get("flags", []) and e["mac"] != "00:00:00:00:00:00"]

    def counted():
        js = json.loads(a.vtysh("show vxlan 100 json"))["100"]
        return js["numMacs"] == js["numLearnedMacsBridge"] == len(bridge_learned(a)) and js
    js = kldlab.wait_for(counted, 10, what="the bridge's MACs counted")
    assert js["numLearnedMacsDevice"] == 0 and js["learning"] is False, js
    row = a.vtysh("show vxlan").splitlines()[2].split()
    assert row[:2] == ["100", "L2"] and row[5] == str(js["numMacs"]), row
    fdb = json.loads(a.vtysh("show vxlan fdb 100 json"))["100"]
    rows = {m["mac"]: m for m in fdb["macs"] if m["mac"] != "00:00:00:00:00:00"}
    assert rows[vmac]["type"] == "remote" and rows[vmac]["origin"] == "learned", rows[vmac]
    assert rows[vmac]["intf"] == "vxlan100" and rows[vmac]["bridge"] is True, rows[vmac]
    port_mac = json.loads(a.cmd("ip -j link show dev vxlan100"))[0]["address"]
    assert rows[port_mac]["type"] == "local" and rows[port_mac]["intf"] == "br0", rows[port_mac]
    assert fdb["numMacs"] == len(bridge_learned(a)), fdb
    assert not [m for m in rows.values() if m["type"] == "local" and m["origin"] == "learned"]
    text = a.vtysh("show vxlan fdb 100")
    assert f"{vmac} remote learned vxlan100" in " ".join(text.split()), text
    # vxland again: what the bridge learned before is counted without a
    # packet more (the bridge says nothing until an entry moves or ages)
    a.vtysh("write memory")
    a.stop("vxland", signal.SIGKILL)
    a.start("vxland")
    kldlab.wait_for(counted, 15, what="the bridge's MACs counted after a restart of vxland")
    # The VM moves to a local port of site A (same MAC, as a migration):
    # the bridge moves the entry, and the MAC is no longer behind vxlan100.
    vm.cmd("ip link set eth0 down")
    vm2.cmd(f"ip link set eth0 address {vmac} && ip addr add 172.16.0.102/24 dev eth0")
    ping(vm2, "172.16.0.1")
    assert vmac not in bridge_learned(a)
    kldlab.wait_for(counted, 15, what="the moved MAC no longer counted")
    fdb = json.loads(a.vtysh("show vxlan fdb 100 json"))["100"]
    assert vmac not in {m["mac"] for m in fdb["macs"]}, fdb


class Monitor:
    """`ip monitor link address` and `bridge monitor fdb` in a host, collected."""

    def __init__(self, h):
        # IPv6 duplicate address detection ends with an address event of
        # the kernel's own: wait it out first.
        kldlab.wait_for(lambda: not h.cmd("ip -6 addr show tentative").strip(), 15,
                        what="DAD done")
        # stderr apart: iproute2 complains about veth peers in other netns.
        self.procs = [h.popen(["ip", "monitor", "link", "address"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True),
                      h.popen(["bridge", "monitor", "fdb"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)]
        time.sleep(0.5)

    def stop(self):
        out = []
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
            out.append(p.communicate(timeout=10)[0])
        return out


def test_kill9_vxland_zebra_lite_both_deletes_nothing(lab):
    a, b = two_sites(lab)
    a.conf("vxlan 100", "mac 52:54:00:aa:bb:cc remote 192.168.1.20", "flood 192.168.1.30", "exit",
           "bridge br-test", "address 10.9.9.1/24", "exit")
    kldlab.wait_for(lambda: any(e[0] == "52:54:00:aa:bb:cc" for e in fdb(a, "vxlan100")), 10,
                    what="static mac")
    kldlab.wait_for(lambda: addrs(a, "br-test") == ["10.9.9.1/24"], 10, what="bridge")
    a.vtysh("write memory")
    before = (link_info(a, "vxlan100"), fdb(a, "vxlan100"), addrs(a, "vxlan100"),
              link_info(a, "br-test"), addrs(a, "br-test"))
    running = a.running_config()
    pinger = a.popen(["ping", "-i", "0.1", "-W", "1", "172.16.0.2"], stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, text=True)
    mon = Monitor(a)
    for victims in (["vxland"], ["zebra-lite"], ["zebra-lite", "vxland"]):
        for d in victims:
            a.stop(d, signal.SIGKILL)
        time.sleep(0.5)
        for d in ("zebra-lite", "vxland"):
            if not a.alive(d):
                a.start(d)
        kldlab.wait_for(lambda: "replayed to zebra-lite" in open(os.path.join(a.dir, "vxland.log")).read()
                        .rsplit("started", 1)[-1] or "replayed" in open(os.path.join(a.dir, "vxland.log")).read()
                        .rsplit("connected to zebra-lite", 1)[-1], 15, what="replay")
        time.sleep(1)
        assert a.running_config() == running
    events = mon.stop()
    pinger.send_signal(signal.SIGINT)
    out = pinger.communicate(timeout=10)[0]
    assert events == ["", ""], events
    assert (link_info(a, "vxlan100"), fdb(a, "vxlan100"), addrs(a, "vxlan100"),
            link_info(a, "br-test"), addrs(a, "br-test")) == before
    assert " 0% packet loss" in out, out.splitlines()[-3:]


def test_removed_while_down_is_swept_and_held_segment_comes_up(lab):
    """A segment dropped from the file while vxland was down goes at the
    replay; a segment whose underlay does not exist is held, then created
    when the device appears."""
    a = lab.host("a")
    start(a)
    a.conf("vxlan 200", "remote 192.0.2.2", "exit", "vxlan 300", "remote 192.0.2.3",
           "underlay wgx", "exit")
    kldlab.wait_for(lambda: json.loads(a.vtysh("show vxlan json"))["300"]["state"] == "held",
                    10, what="held")
    assert "underlay wgx does not exist" in a.vtysh("show vxlan 300")
    wait_up(a, 200)
    a.vtysh("write memory")
    a.stop("vxland", signal.SIGKILL)
    cfg = open(a.config).read()
    a.write_config(cfg.replace("vxlan 200\n remote 192.0.2.2\nexit\n", ""))
    a.start("vxland")
    kldlab.wait_for(lambda: "vxlan200" not in a.cmd("ip -o link show"), 10, what="swept")
    a.cmd("ip link add wgx type veth peer name wgxp && ip link set wgx mtu 1420 up")
    wait_up(a, 300)
    assert link_info(a, "vxlan300")["mtu"] == 1370
    assert link_info(a, "vxlan300")["data"]["link"] == "wgx"


# ---- bad input ----

BAD = [
    (["vxlan 0"], "% vxlan: 0 is out of range 1-16777215"),
    (["vxlan 16777216"], "% vxlan: 16777216 is out of range 1-16777215"),
    (["vxlan 100", "interface vxlan101"], "vxlan101 is kept for the device of vxlan 101"),
    (["vxlan 100", "interface vxlan7"], "vxlan7 is kept for the device of vxlan 7"),
    (["vxlan 100", "underlay br-x"], "br-x is bridge br-x: an underlay is"),
    (["vxlan 101", "interface br-x"], "is used by bridge br-x"),
    (["vxlan 100", "mac 52:54:00:zz:00:01 remote 10.0.0.2"], "Malformed MAC"),
    (["vxlan 100", "mac 01:00:5e:00:00:01 remote 10.0.0.2"], "not a unicast MAC"),
    (["vxlan 100", "remote 10.0.0.300"], "Malformed address"),
    (["vxlan 100", "local 10.0.0.1/24"], "Malformed address"),
    (["vxlan 100", "dstport 65536"], "% dstport: 65536 is out of range 1-65535"),
    (["vxlan 100", "dstport 0"], "% dstport: 0 is out of range 1-65535"),
    (["vxlan 100", "srcport 5000 4000"], "is empty"),
    (["vxlan 100", "srcport 0 4000"], "% srcport: 0 is out of range 1-65535"),
    (["vxlan 100", "ttl 256"], "% ttl: 256 is out of range 1-255"),
    (["vxlan 100", "tos 300"], "is out of range 0-255"),
    (["vxlan 100", "group 239.1.1.1"], "remote or a group, not both"),
    (["vxlan 100", "flood 10.0.0.3 nonsense"], "Malformed address"),
    (["vxlan 100", "flood fd00::3"], "not of the segment's underlay family"),
    (["vxlan 100", "address 300.1.1.1/24"], "Malformed address"),
    (["vxlan 100", "bridge wgq"], "is a veth device, not vxland's bridge"),
    (["vxlan 100", "mtu 40"], "% mtu: 40 is out of range 68-65535"),
    (["bridge vxlan100"], "vxlan100 is kept for the device of vxlan 100"),
    (["bridge eth9"], "is a veth device, not vxland's bridge"),
    # a VXLAN device made by hand: zebra-lite would refuse it later, so the prompt does now
    (["vxlan 400"], "% vxlan400 exists and was not made by vxland (a vxlan device)"),
    (["vxlan 100", "interface vxhand"], "% vxhand exists and was not made by vxland"),
]


def test_bad_input_is_refused_and_changes_nothing(lab):
    a = lab.host("a")
    a.cmd("ip link add wgq type veth peer name wgqp && ip link add eth9 type veth peer name eth9p")
    a.cmd("ip link add vxlan400 type vxlan id 400 dstport 4789")
    a.cmd("ip link add vxhand type vxlan id 401 dstport 4789")
    start(a)
    a.conf("vxlan 100", "remote 10.0.0.2", "exit", "vxlan 101", "remote 10.0.0.3",
           "bridge br-x", "exit")
    wait_up(a)
    wait_up(a, 101)
    running = a.running_config()
    links = kernel(a)
    for lines, err in BAD:
        out = a.conf(*lines, check=False)
        assert err in out, (lines, out)
    time.sleep(0.5)
    assert a.running_config() == running
    assert kernel(a) == links


def test_check_refuses_bad_numbers_without_daemons(tmp_path):
    """vtysh -C judges vxland's numbers by the ranges its tree declares
    (vxland --describe, no daemon running): each bad line is named and
    the check fails, so `vtysh -f` never applies half of such a file."""
    ddir = tmp_path / "sbin"
    ddir.mkdir()
    for name in ("zebra-lite", "bgpd", "wgd", "vxland", "fwd"):
        os.symlink(kldlab.binary(name), ddir / name)
    rundir = tmp_path / "run"
    rundir.mkdir()
    f = tmp_path / "vx.conf"
    f.write_text("vxlan 100\n remote 10.0.0.2\n dstport 70000\n mtu 10\n"
                 "exit\nvxlan 0\n ttl 1\nexit\n")
    vtysh = [kldlab.binary("vtysh"), "--rundir", str(rundir), "--daemon-dir", str(ddir)]
    r = kldlab.sh(vtysh + ["-C", "-f", str(f)], check=False)
    assert r.returncode != 0, r.stdout
    assert "line 3: % dstport: 70000 is out of range 1-65535" in r.stdout, r.stdout
    assert "line 4: % mtu: 10 is out of range 68-65535" in r.stdout, r.stdout
    assert "line 6: % vxlan: 0 is out of range 1-16777215" in r.stdout, r.stdout
    assert "line 2:" not in r.stdout and "line 1:" not in r.stdout
    assert os.listdir(rundir) == []


# ---- three sites over the WireGuard mesh of wgd ----

def test_three_sites_head_end_replication_over_wireguard_mesh(lab):
    """The fabric of the seed: VXLAN 100 over wg0 on three sites, head-end
    replication to the two others, br-overlay on each; a host behind site
    A's bridge ARPs for and pings one behind site C's. vxland is configured
    before wg0 exists: the segment is held, then made when wgd brings the
    plane up, with the MTU derived from wg0's."""
    from test_wg import mesh_hosts, mesh_lines
    hosts, members = mesh_hosts(lab, 3)
    vms = []
    for i, h in enumerate(hosts, 1):
        h.start("vxland")
        vm = lab.host(f"vm{i}")
        lab.link(vm, "eth0", h, "tap0")
        vm.cmd(f"ip addr add 172.16.0.{100 + i}/24 dev eth0")
        vms.append(vm)
        others = " ".join(f"10.200.0.{j}" for j in range(1, 4) if j != i)
        # Sites 1 and 2 follow the mesh; site 3 lists its VTEPs as the seed does.
        flood = "flood mesh backplane" if i < 3 else f"flood {others}"
        h.conf("bridge br-overlay", "member tap0", f"address 172.16.0.{i}/24", "exit",
               "vxlan 100", f"local 10.200.0.{i}", "dstport 4789", "no learning",
               "underlay wg0", flood, "bridge br-overlay", "exit")
    kldlab.wait_for(lambda: json.loads(hosts[0].vtysh("show vxlan json"))["100"]["state"] == "held",
                    10, what="held while wg0 is missing")
    for h in hosts:
        h.conf("wireguard wg0", f"private-key file {h.key}", "exit",
               *mesh_lines("backplane", members, h.name))
    for h in hosts:
        wait_up(h, timeout=30)
    for h in hosts:
        assert link_info(h, "vxlan100")["mtu"] == 1370
        assert link_info(h, "vxlan100")["data"]["link"] == "wg0"
    # Site A's host reaches site C's across the overlay: ARP is flooded by
    # head-end replication (no learning, no multicast in WireGuard).
    ping(vms[0], "172.16.0.103", timeout=30)
    ping(vms[2], "172.16.0.101")
    ping(hosts[1], "172.16.0.1")
    neigh = vms[0].cmd("ip neigh show 172.16.0.103")
    mac_c = json.loads(vms[2].cmd("ip -j link show dev eth0"))[0]["address"]
    assert mac_c in neigh
    flood = {e[1] for e in fdb(hosts[0], "vxlan100") if e[0] == "00:00:00:00:00:00"}
    assert flood == {"10.200.0.2", "10.200.0.3"}
    text = hosts[0].vtysh("show vxlan 100")
    assert " MTU: 1370 (wg0 1420 - 50)\n" in text
    assert ("  10.200.0.2 flood: HER mesh backplane\n"
            "  10.200.0.3 flood: HER mesh backplane\n") in text
    assert "flood 10.200.0.2 10.200.0.3" not in hosts[0].running_config()
    js = json.loads(hosts[0].vtysh("show vxlan fdb 100 json"))["100"]
    assert {(m["remoteVtep"], m["origin"]) for m in js["macs"] if m["type"] == "flood"} == \
        {("10.200.0.2", "vxland"), ("10.200.0.3", "vxland")}
    # A fourth member joins the mesh: it joins the flood list of the
    # segments that name the mesh, and no vxland line is typed.
    from test_wg import genkey
    _, pub4 = genkey(hosts[0], "n4")
    vx_before = hosts[0].vtysh("show running-config")
    vx_before = vx_before[vx_before.index("vxlan 100"):]
    for h in hosts:
        h.conf("wireguard mesh backplane",
               f"member n4 public-key {pub4} endpoint 192.0.2.4:51820 address 10.200.0.4/24")
    for h, want in ((hosts[0], {"10.200.0.2", "10.200.0.3", "10.200.0.4"}),
                    (hosts[1], {"10.200.0.1", "10.200.0.3", "10.200.0.4"}),
                    (hosts[2], {"10.200.0.1", "10.200.0.2"})):
        kldlab.wait_for(lambda: {e[1] for e in fdb(h, "vxlan100")
                                 if e[0] == "00:00:00:00:00:00"} == want, 15,
                        what=f"{h.name}'s flood list follows the mesh")
    after = hosts[0].vtysh("show running-config")
    assert after[after.index("vxlan 100"):] == vx_before
    ping(vms[0], "172.16.0.103")


def test_every_option_and_an_ipv6_underlay_match_ip_commands(lab):
    """TTL, TOS, source-port range, checksum, learning, port: the options
    of Deliver 1, and an IPv6 underlay, each against ip(8)."""
    vx, ref = pair(lab, "o")
    for h in (vx, ref):
        h.cmd("ip -6 addr add fd00::1/64 dev eth0 nodad")
    ref.cmd("ip link add vxlan100 type vxlan id 100 local 192.168.1.10 remote 192.168.1.20 "
            "dstport 4790 srcport 5000 6000 ttl 64 tos inherit noudpcsum nolearning dev eth0 && "
            "ip link set vxlan100 mtu 1400 up && "
            "ip link add vxlan600 type vxlan id 600 local fd00::1 remote fd00::2 dstport 4789 "
            "udp6zerocsumtx udp6zerocsumrx dev eth0 && ip link set vxlan600 up && "
            "bridge fdb append 00:00:00:00:00:00 dev vxlan600 dst fd00::3")
    vx.conf("vxlan 100", "local 192.168.1.10", "remote 192.168.1.20", "dstport 4790",
            "srcport 5000 6000", "ttl 64", "tos inherit", "no udp-checksum", "no learning",
            "underlay eth0", "mtu 1400", "exit",
            "vxlan 600", "local fd00::1", "remote fd00::2", "flood fd00::3", "underlay eth0",
            "udp6-zero-checksum-tx", "udp6-zero-checksum-rx", "exit")
    wait_up(vx)
    wait_up(vx, 600)
    kldlab.wait_for(lambda: fdb(vx, "vxlan600") == fdb(ref, "vxlan600"), 10, what="fdb")
    same_state(vx, ref, ["vxlan100", "vxlan600"])
    info = link_info(vx, "vxlan600")
    assert info["mtu"] == 1430  # eth0 1500 - 70 (IPv6)
    assert info["data"]["local6"] == "fd00::1" and info["data"]["remote6"] == "fd00::2"


def test_grace_time_over_removes_what_a_departed_vxland_had(lab):
    """Kill -9 keeps everything for the grace time; a vxland that never
    comes back loses its links when it ends."""
    a = lab.host("a")
    start(a)
    a.conf("zebra graceful-restart time 3")
    a.conf("vxlan 100", "remote 192.0.2.2", "bridge br-g", "exit")
    wait_up(a)
    a.stop("vxland", signal.SIGKILL)
    time.sleep(1)
    assert "vxlan100" in a.cmd("ip -o link show")
    kldlab.wait_for(lambda: "vxlan100" not in a.cmd("ip -o link show") and
                    "br-g" not in a.cmd("ip -o link show"), 15, what="swept after the grace time")


def test_live_changes_and_deletions(lab):
    """MTU changes in place (same ifindex); a new remote re-creates the
    device (the kernel cannot change it in place) with its FDB; `no`
    lines remove entries; `no vxlan` and `no bridge` delete the links."""
    a = lab.host("a")
    start(a)
    a.conf("vxlan 100", "remote 192.0.2.2", "flood 192.0.2.3 192.0.2.4", "bridge br-l",
           "mac 52:54:00:00:00:09 remote 192.0.2.3", "exit", "bridge br-l", "exit")
    wait_up(a)
    idx = lambda: json.loads(a.cmd("ip -j link show dev vxlan100"))[0]["ifindex"]  # noqa: E731
    def flood():
        # The re-creation below has a moment without vxlan100.
        if "vxlan100" not in a.cmd("ip -o link show"):
            return None
        try:
            return {e[1] for e in fdb(a, "vxlan100") if e[0] == "00:00:00:00:00:00"}
        except AssertionError:
            return None
    kldlab.wait_for(lambda: flood() == {"192.0.2.2", "192.0.2.3", "192.0.2.4"}, 10, what="fdb")
    first = idx()
    a.conf("vxlan 100", "mtu 1400", "exit")
    kldlab.wait_for(lambda: link_info(a, "vxlan100")["mtu"] == 1400, 10, what="mtu")
    assert idx() == first
    a.conf("vxlan 100", "remote 192.0.2.9", "no flood 192.0.2.4", "no mac 52:54:00:00:00:09",
           "exit")
    kldlab.wait_for(lambda: flood() == {"192.0.2.9", "192.0.2.3"}, 10, what="new remote")
    assert idx() != first
    assert link_info(a, "vxlan100")["master"] == "br-l"
    assert link_info(a, "vxlan100")["mtu"] == 1400
    assert not any(e[0] == "52:54:00:00:00:09" for e in fdb(a, "vxlan100"))
    a.conf("no vxlan 100")
    kldlab.wait_for(lambda: "vxlan100" not in a.cmd("ip -o link show"), 10, what="deleted")
    assert "br-l" in a.cmd("ip -o link show")  # declared on its own
    a.conf("no bridge br-l")
    kldlab.wait_for(lambda: "br-l" not in a.cmd("ip -o link show"), 10, what="bridge deleted")
    assert "vxlan" not in a.running_config() and "bridge" not in a.running_config()
