"""BGP EVPN (RFC 7432 / RFC 8365) for vxland's segments, with bridge(8),
ping and FRR 8.4 as the judges.

kldnet <-> FRR (FRR's bgpd and zebra in a namespace with its own VXLAN
device and bridge): type-3 routes make flood entries on both sides, a MAC
learned on one side is in the other's FDB (both entries, extern_learn) and
in FRR's `show evpn mac vni`, hosts behind the two VTEPs ping each other,
and a shutdown withdraws. Then three kldnet sites with no flood list typed
form VNI 100 by themselves, a MAC moves between sites (MAC mobility), and
kill -9 of bgpd on one site deletes no FDB entry anywhere.
"""
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import kldlab

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/lib/frr/zebra"),
                                reason="FRR (Debian package frr) is the peer")

ZERO = "00:00:00:00:00:00"


def kld_site(h, addr, peers, asn=65001, gr=False, extra=(), extra_bgp=()):
    """zebra-lite, vxland and bgpd with VNI 100 on bridge br100 (port p1,
    no flood list typed) and EVPN to peers [(address, AS)]; extra lines in
    the l2vpn evpn block, extra_bgp in router bgp."""
    lines = ["router bgp %d" % asn, "bgp router-id %s" % addr, *extra_bgp]
    if gr:
        lines.append("bgp graceful-restart")
    for p, pas in peers:
        lines += ["neighbor %s remote-as %d" % (p, pas)]
    lines.append("address-family l2vpn evpn")
    lines += ["neighbor %s activate" % p for p, _ in peers]
    lines += ["advertise-all-vni", *extra, "exit-address-family", "exit",
              "vxlan 100", "local %s" % addr, "dstport 4789", "no learning", "flood evpn",
              "bridge br100", "exit", "bridge br100", "member p1", "exit"]
    h.write_config("")
    for d in ("zebra-lite", "vxland", "bgpd"):
        h.start(d)
    out = h.conf(*lines, check=False)
    assert h.last_rc == 0, out


def attach_host(lab, site, name, ip):
    """A host namespace on the site's bridge port p1."""
    h = lab.host(name)
    lab.link(h, "eth0", site, "p1")
    h.cmd("ip addr add %s/24 dev eth0" % ip)
    return h


def mac_of(h, dev="eth0"):
    return json.loads(h.cmd("ip -j link show dev %s" % dev))[0]["address"]


def fdb(h, dev="vxlan100"):
    """{(mac, dst or '', 'self'/'master', extern_learn?)} of a device."""
    out = set()
    text = h.cmd("bridge -j fdb show dev %s 2>/dev/null" % dev, check=False)
    for e in json.loads(text if text.startswith("[") else "[]"):
        flags = e.get("flags", [])
        where = "master" if e.get("master") else "self"
        out.add((e["mac"], e.get("dst", ""), where, "extern_learn" in flags))
    return out


def flood(h, dev="vxlan100"):
    return {e[1] for e in fdb(h, dev) if e[0] == ZERO and e[1]}


def has_remote_mac(h, mac, vtep, dev="vxlan100"):
    f = fdb(h, dev)
    return (mac, vtep, "self", True) in f and any(e[0] == mac and e[2] == "master" for e in f)


def ping(h, addr, timeout=30):
    kldlab.wait_for(lambda: " 0% packet loss" in h.cmd("ping -c1 -W1 %s" % addr, check=False),
                    timeout, interval=0.3, what="%s pinging %s" % (h.name, addr))


# ---- FRR ----

FRR_BGPD = """frr defaults datacenter
hostname frr
log stdout debugging
router bgp 65001
 bgp router-id 10.0.0.2
 no bgp default ipv4-unicast
 neighbor 10.0.0.1 remote-as 65001
 neighbor 10.0.0.1 timers connect 2
 address-family l2vpn evpn
  neighbor 10.0.0.1 activate
  advertise-all-vni
 exit-address-family
"""


def start_frr(h, bgpd_conf=FRR_BGPD):
    """FRR's zebra and bgpd in the host, a zserv socket and vty sockets of
    their own under the host's directory."""
    # FRR drops to user frr: its files live where frr can reach them
    # (pytest's directories are 0700).
    d = tempfile.mkdtemp(prefix="%s-frr-" % h.ns)
    os.chmod(d, 0o777)
    h.frr_dir = d
    close = h.close

    def close_and_clean():
        close()
        shutil.rmtree(d, ignore_errors=True)
    h.close = close_and_clean
    zs = os.path.join(d, "zserv.api")
    for name, conf in (("zebra", "hostname frr\n"), ("bgpd", bgpd_conf)):
        path = os.path.join(d, name + ".conf")
        with open(path, "w") as f:
            f.write(conf)
        log = open(os.path.join(h.dir, "frr-%s.log" % name), "a")
        argv = ["/usr/lib/frr/" + name, "-u", "frr", "-g", "frr", "-P", "0", "-f", path, "-z", zs,
                "-i", os.path.join(d, name + ".pid"), "--vty_socket", d,
                "--log", "stdout", "--log-level", "debug"]
        h.procs["frr-" + name] = h.popen(argv, stdout=log, stderr=subprocess.STDOUT)
        kldlab.wait_for(lambda: os.path.exists(os.path.join(d, name + ".vty")), 15,
                        what="FRR %s" % name)


def frr(h, daemon, command):
    d = h.frr_dir
    return h.cmd("vtysh --vty_socket %s -d %s -c '%s'" % (d, daemon, command), check=False)


def frr_json(h, daemon, command):
    out = frr(h, daemon, command + " json")
    try:
        return json.loads(out)
    except ValueError:
        return {}


def frr_vxlan(f, local):
    """FRR's side by hand, as FRR's EVPN guide has it."""
    f.cmd("ip link add br100 type bridge && ip link set br100 up && "
          "ip link add vxlan100 type vxlan id 100 local %s dstport 4789 nolearning && "
          "ip link set vxlan100 master br100 && ip link set vxlan100 up && "
          "ip link set p1 master br100 && ip link set p1 up" % local)


def frr_topology(lab):
    k, f = lab.host("k"), lab.host("f")
    lab.link(k, "eth0", f, "eth0")
    k.cmd("ip addr add 10.0.0.1/24 dev eth0")
    f.cmd("ip addr add 10.0.0.2/24 dev eth0")
    h1 = attach_host(lab, k, "h1", "192.168.100.1")
    h2 = attach_host(lab, f, "h2", "192.168.100.2")
    frr_vxlan(f, "10.0.0.2")
    start_frr(f)
    kld_site(k, "10.0.0.1", [("10.0.0.2", 65001)])
    return k, f, h1, h2


def test_frr_interop_flood_macs_ping_and_withdraw(lab):
    k, f, h1, h2 = frr_topology(lab)
    kldlab.wait_for(lambda: json.loads(k.vtysh("show bgp l2vpn evpn summary json"))["peers"]
                    .get("10.0.0.2", {}).get("state") == "Established", 60,
                    what="EVPN session with FRR")
    # type-3 both ways: each side floods to the other
    kldlab.wait_for(lambda: flood(k) == {"10.0.0.2"}, 30, what="kldnet's flood entry for FRR")
    kldlab.wait_for(lambda: flood(f) == {"10.0.0.1"}, 30, what="FRR's flood entry for kldnet")
    js = json.loads(k.vtysh("show evpn vni 100 json"))
    assert js["remoteVteps"] == [{"ip": "10.0.0.2", "flood": "HER"}], js
    assert json.loads(k.vtysh("show bgp l2vpn evpn route type multicast json"))["numPrefix"] == 2
    # traffic makes the bridges learn the hosts: type-2 both ways
    ping(h1, "192.168.100.2")
    m1, m2 = mac_of(h1), mac_of(h2)
    kldlab.wait_for(lambda: has_remote_mac(k, m2, "10.0.0.2"), 30, what="FRR's MAC on kldnet")
    kldlab.wait_for(lambda: any(e[0] == m1 and e[1] == "10.0.0.1" for e in fdb(f)), 30,
                    what="kldnet's MAC in FRR's kernel FDB")
    kldlab.wait_for(lambda: frr_json(f, "zebra", "show evpn mac vni 100").get("macs", {})
                    .get(m1, {}).get("remoteVtep") == "10.0.0.1", 30,
                    what="kldnet's MAC in FRR's show evpn mac vni")
    macs = json.loads(k.vtysh("show evpn mac vni 100 json"))["macs"]
    assert macs[m1]["type"] == "local" and macs[m2] == {"type": "remote", "remoteVtep": "10.0.0.2"}
    table = json.loads(k.vtysh("show bgp l2vpn evpn route type macip json"))
    paths = [p for rd, v in table.items() if isinstance(v, dict)
             for pfx, e in v.items() if isinstance(e, dict) and e.get("mac") == m2
             for p in e["paths"]]
    assert paths and "ET:8" in paths[0]["extendedCommunity"]["string"], paths
    assert "RT:65001:100" in paths[0]["extendedCommunity"]["string"], paths
    ping(h2, "192.168.100.1")
    # shutdown withdraws: FRR's entries leave kldnet's FDB, and the reverse
    k.conf("router bgp 65001", "neighbor 10.0.0.2 shutdown", "end")
    kldlab.wait_for(lambda: not flood(k) and not any(e[0] == m2 for e in fdb(k)), 30,
                    what="FRR's entries withdrawn from kldnet's FDB")
    kldlab.wait_for(lambda: not flood(f) and not any(e[0] == m1 and e[1] for e in fdb(f)), 30,
                    what="kldnet's entries withdrawn from FRR's FDB")


def test_running_config_round_trip_and_bad_input(lab):
    k = lab.host("k")
    k.write_config("")
    k.start("zebra-lite")
    k.start("bgpd")
    k.conf("router bgp 65001", "neighbor 10.0.0.2 remote-as 65002",
           "address-family l2vpn evpn", "neighbor 10.0.0.2 activate", "advertise-all-vni",
           "vni 100", "rd 10.0.0.1:100", "route-target import 65002:100",
           "route-target export 65001:100", "route-target both 65001:999", "exit-vni",
           "exit-address-family", "end")
    run = k.running_config()
    block = run[run.index(" address-family l2vpn evpn"):]
    assert block.startswith(" address-family l2vpn evpn\n  neighbor 10.0.0.2 activate\n"
                            "  advertise-all-vni\n  vni 100\n   rd 10.0.0.1:100\n"), block
    assert "   route-target import 65002:100\n" in block
    assert "   route-target both 65001:999\n" in block
    assert "   route-target export 65001:100\n" in block
    # bad input: refused with a reason, nothing changes
    out = k.conf("router bgp 65001", "address-family l2vpn evpn", "vni 100", "rd nonsense",
                 check=False)
    assert k.last_rc != 0 and "Malformed Route Distinguisher" in out
    out = k.conf("router bgp 65001", "address-family l2vpn evpn", "no vni 200", check=False)
    assert k.last_rc != 0 and "not configured" in out
    assert k.running_config() == run


# ---- three kldnet sites ----

def three_sites(lab, gr=False):
    names = ("a", "b", "c")
    sites = [lab.host(n) for n in names]
    sw = lab.host("sw")
    sw.cmd("ip link add br0 type bridge && ip link set br0 up")
    for i, s in enumerate(sites):
        lab.link(s, "eth0", sw, "u%d" % i)
        sw.cmd("ip link set u%d master br0" % i)
        s.cmd("ip addr add 10.0.0.%d/24 dev eth0" % (i + 1))
    hosts = [attach_host(lab, s, "h" + s.name, "192.168.100.%d" % (i + 1))
             for i, s in enumerate(sites)]
    for i, s in enumerate(sites):
        peers = [("10.0.0.%d" % (j + 1), 65001) for j in range(3) if j != i]
        kld_site(s, "10.0.0.%d" % (i + 1), peers, gr=gr)
    for i, s in enumerate(sites):
        others = {"10.0.0.%d" % (j + 1) for j in range(3) if j != i}
        kldlab.wait_for(lambda: flood(s) == others, 60, what="%s's flood list" % s.name)
    return sites, hosts


def vxland_fdb(h):
    """vxland's `show vxlan fdb 100`: {(mac, vtep): origin}."""
    js = json.loads(h.vtysh("show vxlan fdb 100 json"))["100"]["macs"]
    return {(m["mac"], m.get("remoteVtep", "")): m["origin"] for m in js}


def test_three_sites_form_vni_100_and_a_mac_moves(lab):
    sites, hosts = three_sites(lab)
    a, b, c = sites
    ha, hb, hc = hosts
    # Typed and EVPN entries coexist on one device, shown by source; a
    # segment without `flood evpn` is not EVPN's.
    a.conf("vxlan 100", "flood 10.0.0.9 10.0.0.2", "exit", "vxlan 200", "local 10.0.0.1",
           "flood 10.0.0.8", "exit")
    kldlab.wait_for(lambda: flood(a) == {"10.0.0.2", "10.0.0.3", "10.0.0.9"}, 30,
                    what="typed and EVPN flood entries together")
    src = vxland_fdb(a)
    assert src[(ZERO, "10.0.0.3")] == "evpn" and src[(ZERO, "10.0.0.9")] == "vxland", src
    assert json.loads(a.vtysh("show vxlan 100 json"))["100"]["floodEvpn"] is True
    assert sorted(json.loads(a.vtysh("show evpn vni json"))) == ["100"]
    assert flood(a, "vxlan200") == {"10.0.0.8"}
    # the typed VTEP that EVPN knows too stays when the line goes
    a.conf("vxlan 100", "no flood 10.0.0.9 10.0.0.2", "exit")
    kldlab.wait_for(lambda: flood(a) == {"10.0.0.2", "10.0.0.3"}, 30,
                    what="EVPN's flood entries after the typed ones went")
    ping(ha, "192.168.100.2")
    ping(ha, "192.168.100.3")
    ping(hb, "192.168.100.3")
    ma = mac_of(ha)
    kldlab.wait_for(lambda: has_remote_mac(b, ma, "10.0.0.1") and has_remote_mac(c, ma, "10.0.0.1"),
                    30, what="a's host MAC on b and c")
    # The MAC moves from site a to site c: ha's address goes to hc's link.
    # a's bridge still has it on its port (it ages in minutes; a port
    # going down would flush it): only the sequence number (RFC 7432 15)
    # tells the sites which claim is newer.
    ha.cmd("ip link set eth0 address 02:00:00:00:0a:01")
    hc.cmd("ip link set eth0 address %s" % ma)
    hc.cmd("ping -c2 -W1 192.168.100.2", check=False)  # the bridge of c learns it
    kldlab.wait_for(lambda: has_remote_mac(b, ma, "10.0.0.3"), 30,
                    what="the moved MAC pointing to c on b")
    kldlab.wait_for(lambda: has_remote_mac(a, ma, "10.0.0.3"), 30,
                    what="the moved MAC pointing to c on a")
    macs = json.loads(c.vtysh("show evpn mac vni 100 json"))["macs"]
    assert macs[ma]["type"] == "local" and macs[ma]["localSequence"] == 1, macs[ma]
    macs = json.loads(a.vtysh("show evpn mac vni 100 json"))["macs"]
    assert macs[ma] == {"type": "remote", "remoteVtep": "10.0.0.3"}, macs[ma]
    ping(hc, "192.168.100.2")
    # b's segment leaves EVPN and comes back: the host its bridge learned
    # before (no news from the kernel) is advertised again.
    mb = mac_of(hb)
    b.conf("vxlan 100", "no flood evpn", "exit")
    kldlab.wait_for(lambda: not any(e[0] == mb for e in fdb(a)), 30, what="b's MAC withdrawn on a")
    b.conf("vxlan 100", "flood evpn", "exit")
    kldlab.wait_for(lambda: has_remote_mac(a, mb, "10.0.0.2"), 30,
                    what="b's MAC advertised again once b's segment is EVPN's again")


class FdbMonitor:
    def __init__(self, h):
        self.p = h.popen(["bridge", "monitor", "fdb"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
        time.sleep(0.5)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        return self.p.communicate(timeout=10)[0]


def test_kill9_bgpd_deletes_no_fdb_entry(lab):
    sites, hosts = three_sites(lab, gr=True)
    a, b, c = sites
    ping(hosts[0], "192.168.100.2")
    ping(hosts[0], "192.168.100.3")
    mb = mac_of(hosts[1])
    kldlab.wait_for(lambda: has_remote_mac(a, mb, "10.0.0.2"), 30, what="b's MAC on a")
    a.vtysh("write memory")
    def evpn_entries():
        return {s.name: {e for e in fdb(s) if e[3]} for s in sites}

    before = evpn_entries()
    mons = {s.name: FdbMonitor(s) for s in sites}
    a.stop("bgpd", signal.SIGKILL)
    time.sleep(1)
    a.start("bgpd")
    kldlab.wait_for(lambda: "EVPN FDB entries replayed" in open(os.path.join(a.dir, "bgpd.log")).read(),
                    90, what="bgpd's EVPN replay")
    time.sleep(1)
    events = {n: m.stop() for n, m in mons.items()}
    deleted = {n: [l for l in e.splitlines() if l.startswith("Deleted")] for n, e in events.items()}
    assert deleted == {"a": [], "b": [], "c": []}, deleted
    assert evpn_entries() == before
    ping(hosts[0], "192.168.100.2")


def log_count(h, daemon, text):
    return open(os.path.join(h.dir, daemon + ".log")).read().count(text)


def add_mac(h, mac, ip, dev="mv0"):
    """Another MAC behind a host: a macvlan on its link, answering ARP
    only for its own address (so the host's MACs stay apart)."""
    h.cmd("sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 && "
          "ip link add %s link eth0 address %s type macvlan mode bridge && "
          "ip addr add %s/24 dev %s && ip link set %s up" % (dev, mac, ip, dev, dev))


def forget_mac(h, site, dev, mac):
    """The MAC leaves: its macvlan goes and the site's bridge forgets it."""
    h.cmd("ip link del %s" % dev)
    site.cmd("bridge fdb del %s dev p1 master" % mac)


@contextlib.contextmanager
def zebra_lite_down(h):
    """kill -9 of zebra-lite, the body of the with, zebra-lite started
    again; returns when bgpd and vxland replayed to it."""
    done = (log_count(h, "bgpd", "EVPN FDB entries replayed"),
            log_count(h, "vxland", "replayed to zebra-lite"))
    h.stop("zebra-lite", signal.SIGKILL)
    time.sleep(1)
    yield
    h.start("zebra-lite")
    kldlab.wait_for(lambda: log_count(h, "bgpd", "EVPN FDB entries replayed") > done[0]
                    and log_count(h, "vxland", "replayed to zebra-lite") > done[1],
                    60, what="bgpd's and vxland's replays to the new zebra-lite")
    time.sleep(1)


def test_kill9_zebra_lite_deletes_no_fdb_entry(lab):
    """zebra-lite is the only writer of the kernel's FDB: killed and
    started again on one site, it adopts the extern_learn entries (remote
    MACs and flood entries) it finds as bgpd's, and bgpd's replay makes
    them fresh without a kernel write: `bridge monitor fdb` on all three
    sites sees no deletion. After, the restarted zebra-lite still follows
    the kernel (a MAC learned on a's port reaches b and c) and takes new
    remote MACs."""
    sites, hosts = three_sites(lab)
    a, b, c = sites
    ha, hb, hc = hosts
    ping(ha, "192.168.100.2")
    ping(ha, "192.168.100.3")
    ma, mb, mc = mac_of(ha), mac_of(hb), mac_of(hc)
    kldlab.wait_for(lambda: has_remote_mac(a, mb, "10.0.0.2") and has_remote_mac(a, mc, "10.0.0.3"),
                    30, what="b's and c's MACs on a")
    kldlab.wait_for(lambda: has_remote_mac(b, ma, "10.0.0.1") and has_remote_mac(c, ma, "10.0.0.1"),
                    30, what="a's MAC on b and c")

    def evpn_entries():
        return {s.name: {e for e in fdb(s) if e[3]} for s in sites}

    before = evpn_entries()
    assert {(ZERO, "10.0.0.2", "self", True), (mb, "10.0.0.2", "self", True),
            (mc, "10.0.0.3", "self", True)} <= before["a"], before["a"]
    mons = {s.name: FdbMonitor(s) for s in sites}
    with zebra_lite_down(a):
        pass
    events = {n: m.stop() for n, m in mons.items()}
    deleted = {n: [l for l in e.splitlines() if l.startswith("Deleted")] for n, e in events.items()}
    assert deleted == {"a": [], "b": [], "c": []}, deleted
    assert evpn_entries() == before
    # what the restarted zebra-lite reports: bgpd's view and vxland's
    macs = json.loads(a.vtysh("show evpn mac vni 100 json"))["macs"]
    assert macs[mb] == {"type": "remote", "remoteVtep": "10.0.0.2"}, macs
    assert macs[mc] == {"type": "remote", "remoteVtep": "10.0.0.3"}, macs
    assert macs[ma]["type"] == "local", macs
    src = vxland_fdb(a)
    for key in ((ZERO, "10.0.0.2"), (ZERO, "10.0.0.3"), (mb, "10.0.0.2"), (mc, "10.0.0.3")):
        assert src.get(key) == "evpn", (key, src)
    # MACs learned after the restart: one behind a (the new zebra-lite
    # follows a's bridge), one behind c (it writes a new remote MAC)
    na, nc = "02:00:00:00:0a:02", "02:00:00:00:0c:02"
    add_mac(ha, na, "192.168.100.11")
    add_mac(hc, nc, "192.168.100.13")
    ping(hc, "-I mv0 192.168.100.11")
    kldlab.wait_for(lambda: has_remote_mac(b, na, "10.0.0.1") and has_remote_mac(c, na, "10.0.0.1"),
                    30, what="a MAC learned on a after the restart, on b and c")
    kldlab.wait_for(lambda: has_remote_mac(a, nc, "10.0.0.3"), 30,
                    what="a MAC learned on c after the restart, on a")
    macs = json.loads(a.vtysh("show evpn mac vni 100 json"))["macs"]
    assert macs[na]["type"] == "local" and macs[nc] == {"type": "remote", "remoteVtep": "10.0.0.3"}
    assert vxland_fdb(a).get((nc, "10.0.0.3")) == "evpn"
    ping(hb, "192.168.100.11")
    # What changed while zebra-lite was down is right after its restart:
    # a remote MAC withdrawn then (c's) is removed at bgpd's replay (it was
    # adopted as bgpd's, not kept forever), one advertised then (b's) is
    # written, one learned on a's bridge then is advertised, one a's
    # bridge forgot then is withdrawn. On a's vxlan100, only the withdrawn
    # MAC's two entries are deleted.
    nb, na2 = "02:00:00:00:0b:02", "02:00:00:00:0a:03"
    mon = FdbMonitor(a)
    with zebra_lite_down(a):
        forget_mac(hc, c, "mv0", nc)
        kldlab.wait_for(lambda: nc not in json.loads(b.vtysh("show evpn mac vni 100 json"))["macs"],
                        30, what="c's MAC withdrawn on b")
        add_mac(hb, nb, "192.168.100.12")
        ping(hb, "-I mv0 192.168.100.3")
        kldlab.wait_for(lambda: has_remote_mac(c, nb, "10.0.0.2"), 30, what="b's new MAC on c")
        add_mac(ha, na2, "192.168.100.21", dev="mv1")
        ha.cmd("ping -c2 -W1 -I mv1 192.168.100.3", check=False)
        forget_mac(ha, a, "mv0", na)
    kldlab.wait_for(lambda: has_remote_mac(a, nb, "10.0.0.2"), 30,
                    what="b's MAC advertised while zebra-lite was down, on a")
    kldlab.wait_for(lambda: has_remote_mac(b, na2, "10.0.0.1") and has_remote_mac(c, na2, "10.0.0.1"),
                    30, what="a's MAC learned while zebra-lite was down, on b and c")
    kldlab.wait_for(lambda: not any(e[0] == na and e[3] for s in (b, c) for e in fdb(s)), 30,
                    what="the MAC a's bridge forgot while zebra-lite was down, gone from b and c")
    deleted = [l for l in mon.stop().splitlines() if l.startswith("Deleted") and "vxlan100" in l]
    assert len(deleted) == 2 and all(l.startswith("Deleted %s dev vxlan100" % nc) for l in deleted), \
        deleted
    assert not any(e[0] == nc for e in fdb(a))
    macs = json.loads(a.vtysh("show evpn mac vni 100 json"))["macs"]
    assert nc not in macs and macs[nb] == {"type": "remote", "remoteVtep": "10.0.0.2"}, macs
    assert macs[na2]["type"] == "local" and na not in macs, macs
    src = vxland_fdb(a)
    assert (nc, "10.0.0.3") not in src and src.get((nb, "10.0.0.2")) == "evpn", src


def test_bgpd_killed_after_a_zebra_lite_restart_keeps_its_entries(lab):
    """bgpd's grace time in zebra-lite counts from bgpd's departure: a
    timer left from zebra-lite's own start (it adopted bgpd's entries)
    does not cut it short. zebra-lite's grace is 5 s, bgpd asks for more
    (150 s); bgpd killed after zebra-lite's restart and away for longer
    than 5 s comes back to its entries, none deleted."""
    sites, hosts = three_sites(lab, gr=True)
    a = sites[0]
    ping(hosts[0], "192.168.100.2")
    ping(hosts[0], "192.168.100.3")
    mb, mc = mac_of(hosts[1]), mac_of(hosts[2])
    kldlab.wait_for(lambda: has_remote_mac(a, mb, "10.0.0.2") and has_remote_mac(a, mc, "10.0.0.3"),
                    30, what="b's and c's MACs on a")
    a.conf("zebra graceful-restart time 5")
    a.vtysh("write memory")
    before = {e for e in fdb(a) if e[3]}
    with zebra_lite_down(a):
        pass
    mon = FdbMonitor(a)
    done = log_count(a, "bgpd", "EVPN FDB entries replayed")
    a.stop("bgpd", signal.SIGKILL)
    time.sleep(7)
    a.start("bgpd")
    kldlab.wait_for(lambda: log_count(a, "bgpd", "EVPN FDB entries replayed") > done, 90,
                    what="bgpd's EVPN replay")
    time.sleep(1)
    deleted = [l for l in mon.stop().splitlines() if l.startswith("Deleted")]
    assert deleted == [], deleted
    assert before <= {e for e in fdb(a) if e[3]}
