"""fwd: the XDP firewall, with traffic, bpftool and ip as the judges.

One site: host `fw` (zebra-lite + fwd) has eth0 on a switch with two
clients, 192.168.1.100 (the seed's host to block) and 192.168.1.101.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

import kldlab

TRAFFIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fwtraffic.py")
BAD = "192.168.1.100"
GOOD = "192.168.1.101"
FW = "192.168.1.1"


def site(lab, daemons=("zebra-lite", "fwd")):
    fw, c1, c2, sw = lab.host("fw"), lab.host("c1"), lab.host("c2"), lab.host("sw")
    sw.cmd("ip link add br0 type bridge && ip link set br0 up")
    for i, (h, addr) in enumerate(((fw, FW), (c1, BAD), (c2, GOOD)), 1):
        lab.link(h, "eth0", sw, f"p{i}")
        sw.cmd(f"ip link set p{i} master br0")
        h.cmd(f"ip addr add {addr}/24 dev eth0 && ip addr add 2001:db8:1::{i}/64 dev eth0 nodad")
    for d in daemons:
        fw.start(d)
    return fw, c1, c2


def seed_policy(extra=()):
    """The seed's firewall snippets as fwd configuration."""
    return ["firewall", "zone public", "interface eth0", "default drop", "allow tcp 2222",
            "allow udp 5000,5002-5003", f"block prefix {BAD}/32", "allow icmp", *extra,
            "exit", "exit"]


def show(fw, what="show firewall json"):
    return json.loads(fw.vtysh(what))


def wait_attached(fw, ifname="eth0", zone="public"):
    def ok():
        z = show(fw)["zones"].get(zone)
        i = z and next((i for i in z["interfaces"] if i["name"] == ifname), None)
        return i if i and i["attached"] else None
    return kldlab.wait_for(ok, 20, 0.2, f"XDP on {ifname}")


def wait_gen(fw, gen):
    kldlab.wait_for(lambda: show(fw)["generation"] != gen, 20, 0.1, "a new generation")


class Receiver:
    """udp-recv in the background on a host; .result() is {source: count}."""

    def __init__(self, h, port, secs):
        self.p = h.popen([sys.executable, TRAFFIC, "udp-recv", str(port), str(secs)],
                         stdout=subprocess.PIPE, text=True)
        assert self.p.stdout.readline().strip() == "ready"

    def result(self):
        out, _ = self.p.communicate(timeout=120)
        return json.loads(out.strip().splitlines()[-1])


def send(h, addr, port, n, pps=0, sport=0):
    h.cmd(f"{sys.executable} {TRAFFIC} udp-send {addr} {port} {n} {pps} {sport}", timeout=300)


def probe(h, addr, port, timeout=2):
    return h.cmd(f"{sys.executable} {TRAFFIC} tcp-probe {addr} {port} {timeout}").strip()


def map_dump(fw, name):
    return json.loads(fw.cmd(f"bpftool -j map dump pinned /sys/fs/bpf/kldnet/{name}"))


def kernel_state(fw):
    """What the dataplane holds: the live generation's entries and the links."""
    active = map_dump(fw, "fw_active")[0]["value"]
    maps = {m: map_dump(fw, m) for m in ("fw_iface", "fw_port", "fw_src4", "fw_src6", "fw_host4", "fw_host6")}
    links = fw.cmd("ls /sys/fs/bpf/kldnet | grep ^xdp_ || true")
    gen = active if isinstance(active, int) else int.from_bytes(bytes(int(b, 16) for b in active), "little")
    live = {}
    for m, entries in maps.items():
        rows = []
        for e in entries:
            key = e.get("formatted", {}).get("key", e["key"])
            rows.append(json.dumps(key, sort_keys=True) + json.dumps(e.get("formatted", {}).get("value", e["value"]), sort_keys=True))
        live[m] = sorted(rows)
    return gen, live, links


def live_verdicts(fw):
    """The live generation's entries without generation and rule ids: what
    decides a packet."""
    gen, live, _ = kernel_state(fw)
    out = set()
    for m, rows in live.items():
        for r in rows:
            k, v = json.loads(r[:r.index("}") + 1]), json.loads(r[r.index("}") + 1:])
            if k.get("gen") != gen:
                continue
            k.pop("gen")
            v = {x: y for x, y in v.items() if not x.endswith("rule")}
            out.add((m, json.dumps(k, sort_keys=True), json.dumps(v, sort_keys=True)))
    return out


def xdp_prog_id(fw, ifname="eth0"):
    info = json.loads(fw.cmd(f"ip -j link show dev {ifname}"))[0]
    xdp = info.get("xdp") or {}
    return xdp.get("prog", {}).get("id") or next(
        (p["prog"]["id"] for p in xdp.get("attached", []) if "prog" in p), None), xdp.get("mode")


# ---- tests ----

def test_fw_seed_policy(lab):
    """The seed's snippets: blocked host dropped, listed ports in, the rest
    dropped, ICMP answered; counters count; bpftool and ip agree with show."""
    fw, c1, c2 = site(lab)
    fw.conf(*seed_policy())
    att = wait_attached(fw)
    assert att["mode"] == "native"  # veth has driver XDP
    prog, mode = xdp_prog_id(fw)
    assert prog == att["progId"], (prog, att)
    assert json.loads(fw.cmd(f"bpftool -j prog show id {prog}")).get("name") == "kld_fw"
    fw.vtysh("clear firewall counters")

    lst = fw.popen([sys.executable, TRAFFIC, "tcp-listen", "2222", "30"], stdout=subprocess.PIPE, text=True)
    assert lst.stdout.readline().strip() == "ready"
    rx = Receiver(fw, 5000, 12)
    rx1 = Receiver(fw, 5001, 12)
    rx3 = Receiver(fw, 5003, 12)
    send(c2, FW, 5000, 200)
    send(c2, FW, 5001, 200)
    send(c2, FW, 5003, 50)
    send(c1, FW, 5000, 150)
    assert probe(c2, FW, 2222) == "open"
    assert probe(c1, FW, 2222) == "filtered"
    assert probe(c2, FW, 2223) == "filtered"  # not allowed: no RST either
    assert " 0% packet loss" in c2.cmd(f"ping -c2 -i0.2 -W1 {FW}", check=False)
    assert "100% packet loss" in c1.cmd(f"ping -c2 -i0.2 -W1 {FW}", check=False)
    # IPv6 neighbour discovery passes a drop-everything zone: ping6 needs it
    assert " 0% packet loss" in c2.cmd("ping -6 -c2 -i0.2 -W1 2001:db8:1::1", check=False)
    got, got1, got3 = rx.result(), rx1.result(), rx3.result()
    lst.kill()
    assert got.get(GOOD) == 200 and BAD not in got, got
    assert got1 == {}, got1
    assert got3.get(GOOD) == 50, got3

    z = show(fw, "show firewall counters json")
    rules = {r["rule"]: r for r in z["zones"]["public"]}
    assert rules[f"block prefix {BAD}/32"]["packets"] >= 150 + 1 + 2
    assert rules["allow udp 5000,5002-5003"]["packets"] == 250
    assert rules["default"]["packets"] >= 200
    src = {s["source"]: s for s in z["sources"]}
    assert src[BAD]["dropPackets"] >= 150 and src[BAD]["passPackets"] == 0
    assert src[GOOD]["passPackets"] >= 250 and src[GOOD]["dropPackets"] >= 200
    # the seed's pkt_count map, read with bpftool, says the same
    dump = map_dump(fw, "fw_src_cnt")
    bad_key = [2, 0, 0, 0] + [192, 168, 1, 100] + [0] * 12
    row = next(e for e in dump if [int(b, 16) for b in e["key"]] == bad_key)
    drop_packets = int.from_bytes(bytes(int(b, 16) for b in row["value"][16:24]), "little")
    assert drop_packets == src[BAD]["dropPackets"]

    # the sample of dropped packets: the newest, with the rule that dropped them
    drops = show(fw, "show firewall drops json")
    assert 0 < len(drops) <= 16 * os.cpu_count()
    assert all(d["interface"] == "eth0" for d in drops)
    assert {d["rule"] for d in drops} <= {f"block prefix {BAD}/32", "zone public default"}
    assert any(d["source"] == BAD for d in drops) or any(d["port"] == 2223 for d in drops)
    fw.vtysh("clear firewall counters")
    z = show(fw, "show firewall counters json")
    assert all(r["packets"] == 0 for r in z["zones"]["public"]) and z["sources"] == []
    assert show(fw, "show firewall drops json") == []

    # running-config round trip through `write memory` and a restart of fwd
    rc = fw.running_config()
    assert f"  block prefix {BAD}/32" in rc and "  allow udp 5000,5002-5003" in rc
    fw.vtysh("write memory")
    fw.stop("fwd")
    fw.start("fwd")
    assert fw.running_config() == rc


def test_fw_stateful_replies(lab):
    """A zone that lets nothing in still lets in the replies of connections
    the host opened (conntrack kfunc), and nothing else."""
    fw, c1, c2 = site(lab)
    fw.conf("firewall", "zone public", "interface eth0", "default drop", "exit", "exit")
    wait_attached(fw)
    # conntrack must track in this namespace (nf_conntrack hooks are
    # registered on demand): zebra-lite turns it on with the firewall
    lst = c2.popen([sys.executable, TRAFFIC, "tcp-listen", "8080", "20"], stdout=subprocess.PIPE, text=True)
    assert lst.stdout.readline().strip() == "ready"
    fw_lst = fw.popen([sys.executable, TRAFFIC, "tcp-listen", "8080", "20"], stdout=subprocess.PIPE, text=True)
    assert fw_lst.stdout.readline().strip() == "ready"
    assert probe(fw, GOOD, 8080) == "open"       # out and back in: a reply
    assert probe(c2, FW, 8080) == "filtered"     # in: dropped
    lst.kill()
    fw_lst.kill()
    z = show(fw, "show firewall counters json")
    rules = {r["rule"]: r for r in z["zones"]["public"]}
    assert rules["replies (conntrack)"]["packets"] >= 2
    assert z["totals"]["conntrackReplies"] >= 2


class Stream:
    """A background sender: n datagrams at pps from h to FW:port."""

    def __init__(self, h, port, n, pps, sport=0):
        self.p = h.popen([sys.executable, TRAFFIC, "udp-send", FW, str(port), str(n), str(pps),
                          str(sport)], stdout=subprocess.PIPE, text=True)

    def wait(self):
        out, _ = self.p.communicate(timeout=300)
        return int(out.strip())


def link_ids(fw):
    """The XDP links of this host only: those pinned in its own bpffs, by
    the ifindex their pin is named after (xdp_IFINDEX; this bpftool does
    not print an XDP link's ifindex). The machine-wide `bpftool link show`
    lists other tests' links too."""
    pins = fw.cmd("ls /sys/fs/bpf/kldnet | grep ^xdp_ || true").split()
    return [dict(json.loads(fw.cmd(f"bpftool -j link show pinned /sys/fs/bpf/kldnet/{p}")),
                 ifindex=int(p[4:])) for p in pins]


def test_fw_restarts_keep_filtering(lab):
    """kill -9 fwd, then zebra-lite, then both, while traffic runs: nothing
    blocked gets in, nothing allowed is lost, the link stays attached."""
    fw, c1, c2 = site(lab)
    fw.conf("firewall", "zone public", "interface eth0", "default drop", "allow udp 5000",
            f"block prefix {BAD}/32", "exit", "exit")
    att = wait_attached(fw)
    fw.vtysh("write memory")
    rc = fw.running_config()
    rx = Receiver(fw, 5000, 300)
    good, bad = Stream(c2, 5000, 3000, 150), Stream(c1, 5000, 3000, 150)
    time.sleep(2)
    fw.stop("fwd", signal.SIGKILL)
    time.sleep(1)
    fw.start("fwd")
    time.sleep(1)
    fw.stop("zebra-lite", signal.SIGKILL)
    time.sleep(1)
    assert xdp_prog_id(fw)[0] == att["progId"]  # nobody home, still attached
    fw.start("zebra-lite")
    time.sleep(1)
    fw.stop("fwd", signal.SIGKILL)
    fw.stop("zebra-lite", signal.SIGKILL)
    time.sleep(1)
    fw.start("zebra-lite")
    fw.start("fwd")
    sent_good, sent_bad = good.wait(), bad.wait()
    time.sleep(0.5)
    rx.p.send_signal(signal.SIGINT)
    got = rx.result()
    assert got.get(GOOD) == sent_good == 3000, got
    assert BAD not in got, got
    # the same link (the new zebra-lite moved it to its own program copy)
    after = wait_attached(fw)
    assert after["linkId"] == att["linkId"], (att, after)
    assert xdp_prog_id(fw)[0] == after["progId"]
    eth0 = json.loads(fw.cmd("ip -j link show dev eth0"))[0]["ifindex"]
    assert [(l["id"], l.get("type"), l.get("ifindex"), l.get("prog_id")) for l in link_ids(fw)] \
        == [(att["linkId"], "xdp", eth0, after["progId"])]
    assert fw.running_config() == rc
    z = show(fw, "show firewall counters json")
    src = {s["source"]: s for s in z["sources"]}
    assert src[BAD]["dropPackets"] == sent_bad  # every one counted, none passed
    assert src[BAD]["passPackets"] == 0


def test_fw_atomic_swap(lab):
    """Two rule sets alternated 100 times while packets stream: a packet
    from BAD to 6000 is dropped by both sets, and would pass only under a
    mix of them (BAD's block gone, port 6000 still allowed)."""
    fw, c1, c2 = site(lab)
    common = ["firewall", "zone public", "interface eth0", "default drop"]
    fw.conf(*common, f"block prefix {BAD}/32", "allow udp 6000", "exit", "exit")
    wait_attached(fw)
    # A -> B and B -> A, each line order chosen so that fwd's own
    # intermediate states are safe too: only a torn dataplane can fail
    to_b = [*common, "no allow udp 6000", f"no block prefix {BAD}/32", "allow udp 6001", "exit", "exit"]
    to_a = [*common, f"block prefix {BAD}/32", "allow udp 6000", "no allow udp 6001", "exit", "exit"]
    rx0, rx1 = Receiver(fw, 6000, 600), Receiver(fw, 6001, 600)
    s0, s1 = Stream(c1, 6000, 200000, 2000), Stream(c1, 6001, 200000, 2000, 40001)
    sg = Stream(c2, 6000, 200000, 1000)
    gen = show(fw)["generation"]
    for i in range(100):
        fw.conf(*(to_b if i % 2 == 0 else to_a))
        kldlab.wait_for(lambda: show(fw)["generation"] != gen, 20, 0.02, "the swap")
        gen = show(fw)["generation"]
    for s in (s0, s1, sg):
        s.p.kill()
        s.p.wait()
    time.sleep(0.3)
    rx0.p.send_signal(signal.SIGINT)
    rx1.p.send_signal(signal.SIGINT)
    got0, got1 = rx0.result(), rx1.result()
    assert BAD not in got0, got0                 # never judged by half a set
    assert got1.get(BAD, 0) > 0, got1            # set B was live at times
    assert got0.get(GOOD, 0) > 0, got0           # set A was live at times
    assert show(fw)["lastError"] == ""


def test_fw_bad_input_changes_nothing(lab):
    fw, c1, c2 = site(lab)
    fw.conf(*seed_policy(), "firewall", "zone trusted", "exit", "exit")
    wait_attached(fw)
    time.sleep(0.3)
    before, rc = kernel_state(fw), fw.running_config()
    zone = ["firewall", "zone public"]
    cases = [
        (["firewall", "no zone nosuch"], "Unknown zone nosuch"),
        ([*zone, "interface eth9"], "Unknown interface eth9"),
        (["firewall", "zone trusted", "interface eth0"], "already in zone public"),
        ([*zone, "allow tcp 0"], "Invalid port list 0"),
        ([*zone, "allow tcp 65536"], "Invalid port list 65536"),
        ([*zone, "allow udp 10-5"], "Invalid port range 10-5"),
        ([*zone, "allow udp 1,,2"], "Invalid port list"),
        ([*zone, "block prefix 10.0.0.1/8"], "Malformed prefix 10.0.0.1/8"),
        ([*zone, "block tcp 2222"], "could never match"),
        ([*zone, f"allow prefix {BAD}/32"], "could never match"),
        ([*zone, "no allow tcp 22"], "No rule 'allow tcp 22'"),
        (["firewall", "zone bad/name"], "Invalid zone name"),
    ]
    for lines, err in cases:
        out = fw.conf(*lines, check=False)
        assert err in out, (lines, out)
    out = fw.vtysh("show firewall zone nosuch", check=False)
    assert "Unknown zone nosuch" in out
    out = fw.conf("firewall", "zone public", "block prefix 300.1.1.1/32", check=False)
    assert "%" in out
    time.sleep(0.3)  # a push would have happened by now
    assert kernel_state(fw) == before
    assert fw.running_config() == rc


def nmap_states(h, target, ports, udp=False):
    """{port: state} as nmap sees them from h."""
    import xml.etree.ElementTree as ET
    out = h.cmd(f"nmap -n -Pn {'-sU' if udp else '-sT'} -p {ports} -T4 --max-retries 1 "
                f"--host-timeout 120s -oX - {target}", timeout=180)
    root = ET.fromstring(out[out.index("<?xml"):])
    states = {int(p.get("portid")): p.find("state").get("state") for p in root.iter("port")}
    for ep in root.iter("extraports"):  # collapsed ports: all in one state
        states.setdefault("rest", ep.get("state"))
    return states


def test_fw_stealth_shows_only_wireguard(lab):
    """`stealth` on the public interface: nmap from the internet finds no
    open TCP port and no UDP port that answers, while the WireGuard plane,
    a ping over it and the host's own TCP connections out keep working;
    the open port follows wgd's listen-port without another line."""
    import test_wg as wg
    fw, c1, c2 = site(lab, daemons=())
    for h in (fw, c2):
        h.start("zebra-lite")
        h.start("wgd")
    fw.start("fwd")
    kf, pf = wg.genkey(fw)
    kc, pc = wg.genkey(c2)
    fw.conf(*wg.plane(fw, kf, 51820, "10.99.0.1/24")[:-1],
            *wg.peer(pc, f"{GOOD}:51820", ["10.99.0.2/32"]))
    c2.conf(*wg.plane(c2, kc, 51820, "10.99.0.2/24")[:-1],
            *wg.peer(pf, f"{FW}:51820", ["10.99.0.1/32"]))
    lst = fw.popen([sys.executable, TRAFFIC, "tcp-listen", "22", "120"], stdout=subprocess.PIPE, text=True)
    assert lst.stdout.readline().strip() == "ready"
    assert probe(c1, FW, 22) == "open"  # before: the world sees ssh
    fw.conf("firewall", "zone public", "interface eth0", "stealth", "exit", "exit")
    wait_attached(fw)
    kldlab.wait_for(lambda: show(fw)["zones"]["public"].get("wireguardPorts") == [51820], 20, 0.2,
                    "stealth learning the WireGuard port")
    ports = "21-23,80,443,5000,51820"
    tcp = nmap_states(c1, FW, ports)
    assert "open" not in tcp.values() and "closed" not in tcp.values(), tcp
    udp = nmap_states(c1, FW, ports, udp=True)
    assert set(udp.values()) <= {"open|filtered", "filtered"}, udp
    assert "100% packet loss" in c1.cmd(f"ping -c2 -i0.2 -W1 {FW}", check=False)
    # the plane works through the stealth interface, and the host gets out
    wg.ping(c2, "10.99.0.1")
    out_lst = c2.popen([sys.executable, TRAFFIC, "tcp-listen", "8080", "30"], stdout=subprocess.PIPE, text=True)
    assert out_lst.stdout.readline().strip() == "ready"
    assert probe(fw, GOOD, 8080) == "open"
    out_lst.kill()
    # the backplane is a zone too: a WireGuard device has no Ethernet header
    fw.conf("firewall", "zone backplane", "interface wg0", "default drop", "allow icmp",
            "allow tcp 22", "exit", "exit")
    # no driver XDP on a tun device: the kernel's generic XDP, which sees
    # what arrives decrypted (doc/fwd.md: why no TC program)
    assert wait_attached(fw, "wg0", "backplane")["mode"] == "generic"
    wg.ping(c2, "10.99.0.1")
    assert probe(c2, "10.99.0.1", 22) == "open"
    assert probe(c2, "10.99.0.1", 23) == "filtered"
    bp = {r["rule"]: r for r in show(fw)["zones"]["backplane"]["rules"]}
    assert bp["allow tcp 22"]["packets"] > 0 and bp["default"]["packets"] > 0
    lst.kill()
    rules = {r["rule"]: r for r in show(fw)["zones"]["public"]["rules"]}
    assert rules["stealth wireguard ports"]["packets"] > 0
    # wgd moves the port: stealth follows, with no firewall line
    fw.conf("wireguard wg0", "listen-port 51821", "exit")
    kldlab.wait_for(lambda: show(fw)["zones"]["public"].get("wireguardPorts") == [51821], 20, 0.2,
                    "stealth following the new port")
    gen, live, _ = kernel_state(fw)
    keys = [json.loads(r[:r.index("}") + 1]) for r in live["fw_port"]]
    public = [k["port"] for k in keys if k["gen"] == gen and k["zone"] == 1]  # first zone
    assert public == [51821], live["fw_port"]


def test_fw_refuses_beside_another_xdp_program(lab):
    """xdp-filter (libxdp's dispatcher) on the interface first: the rule
    set is refused with the reason, and xdp-filter keeps filtering."""
    fw, c1, c2 = site(lab)
    fw.cmd("xdp-filter load -m native eth0 && xdp-filter ip -m src 192.168.1.100")
    fw.conf(*seed_policy())
    kldlab.wait_for(lambda: "another XDP program" in show(fw)["lastError"], 20, 0.2, "the refusal")
    assert not show(fw)["zones"]["public"]["interfaces"][0]["attached"]
    assert "100% packet loss" in c1.cmd(f"ping -c2 -i0.2 -W1 {FW}", check=False)
    assert " 0% packet loss" in c2.cmd(f"ping -c2 -i0.2 -W1 {FW}", check=False)
    # once it is gone, the next change attaches ours
    fw.cmd("xdp-filter unload eth0")
    fw.conf("firewall", "zone public", "allow tcp 2223", "exit", "exit")
    wait_attached(fw)
    assert show(fw)["lastError"] == ""


def test_fw_commit_confirm_rolls_back(lab):
    """`firewall commit confirm N`: changes made after it are undone unless
    `firewall commit` comes in time -- the cut-off shell's safety net."""
    fw, c1, c2 = site(lab)
    fw.conf(*seed_policy())
    wait_attached(fw)
    time.sleep(0.3)
    rc, before = fw.running_config(), live_verdicts(fw)
    fw.vtysh("firewall commit confirm 5")
    assert show(fw)["rollbackPending"]
    fw.conf("firewall", "zone public", "no allow tcp 2222", "block tcp 2222", "exit", "exit")
    kldlab.wait_for(lambda: "block tcp 2222" in fw.running_config(), 10, 0.1, "the change")
    # the running-config shows the change before the dataplane switches
    kldlab.wait_for(lambda: live_verdicts(fw) != before, 10, 0.1, "the change in the kernel")
    assert probe(c2, FW, 2222, 1) == "filtered"
    # nobody confirms: back to the rule set before, in the kernel too
    kldlab.wait_for(lambda: fw.running_config() == rc, 20, 0.2, "the roll-back")
    kldlab.wait_for(lambda: live_verdicts(fw) == before, 20, 0.2, "the kernel rolled back")
    assert probe(c2, FW, 2222) == "refused"  # through the firewall; nobody listens
    assert not show(fw)["rollbackPending"]
    # confirmed in time: the change stays
    fw.vtysh("firewall commit confirm 5")
    fw.conf("firewall", "zone public", "allow tcp 2224", "exit", "exit")
    assert "confirmed" in fw.vtysh("firewall commit")
    time.sleep(6)
    assert "allow tcp 2224" in fw.running_config()
    assert "No firewall change waits" in fw.vtysh("firewall commit", check=False)


def test_fw_rate_limit_per_source(lab):
    """rate-limit: a source beyond its bucket is dropped (and counted), a
    quiet source alongside is untouched."""
    fw, c1, c2 = site(lab)
    fw.conf("firewall", "zone public", "interface eth0", "default drop", "allow udp 5000",
            "rate-limit 20 burst 50", "exit", "exit")
    wait_attached(fw)
    rx = Receiver(fw, 5000, 60)
    t0 = time.monotonic()
    send(c2, FW, 5000, 2000)          # a flood, as fast as python sends
    flood_secs = time.monotonic() - t0
    send(c1, FW, 5000, 10, pps=5)     # a quiet source
    time.sleep(0.3)
    rx.p.send_signal(signal.SIGINT)
    got = rx.result()
    assert got.get(BAD) == 10, got
    allowed = 50 + 20 * (flood_secs + 0.5)
    assert 45 <= got.get(GOOD, 0) <= allowed, (got, flood_secs)
    rules = {r["rule"]: r for r in show(fw)["zones"]["public"]["rules"]}
    assert rules["rate-limit drops"]["packets"] == 2000 - got[GOOD]
    assert "  rate-limit 20 burst 50" in fw.running_config()


def parse_metrics(text):
    """Prometheus text -> {(name, frozenset(labels)): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$', line)
        assert m, line
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def test_fw_metrics_match_counters(lab):
    """`firewall metrics listen`: a page promtool accepts, scraped from inside
    the namespace, whose numbers are those `show firewall counters json`
    prints; it goes with `no firewall metrics`, and stays with `no firewall`."""
    fw, c1, c2 = site(lab)
    fw.conf(*seed_policy(), "firewall metrics listen 127.0.0.1 port 9587")
    att = wait_attached(fw)
    fw.vtysh("clear firewall counters")
    send(c2, FW, 5000, 200)
    send(c1, FW, 5000, 150)
    send(c2, FW, 5001, 50)
    time.sleep(0.5)
    before = show(fw, "show firewall counters json")
    page = fw.cmd("curl -sf http://127.0.0.1:9587/metrics")
    after = show(fw, "show firewall counters json")
    r = subprocess.run(["promtool", "check", "metrics"], input=page, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout
    m = parse_metrics(page)
    lab_of = lambda zone, r: frozenset({("zone", zone), ("id", str(r["id"])), ("rule", r["rule"]),
                                        ("action", "drop" if r["rule"].startswith("block")
                                         or r["rule"] in ("default", "rate-limit drops") else "pass")})
    rows = {r["id"]: r for r in before["zones"]["public"]}
    for r in after["zones"]["public"]:
        for unit in ("packets", "bytes"):
            v = m[(f"firewall_rule_{unit}_total", lab_of("public", r))]
            assert rows[r["id"]][unit] <= v <= r[unit], (r, v)
    # what was sent is there, exactly (nothing else hits these rules)
    by_text = {r["rule"]: r for r in after["zones"]["public"]}
    sent = {f"block prefix {BAD}/32": 150, "allow udp 5000,5002-5003": 200}
    for text, n in sent.items():
        assert m[("firewall_rule_packets_total", lab_of("public", by_text[text]))] == n, text
    assert before["totals"]["dropped"] <= m[("firewall_dropped_packets_total", frozenset())] \
        <= after["totals"]["dropped"]
    assert m[("firewall_dropped_packets_total", frozenset())] >= 200
    assert m[("firewall_up", frozenset())] == 1
    assert m[("firewall_generation", frozenset())] == show(fw)["generation"]
    assert m[("firewall_interface_attached", frozenset({("zone", "public"), ("interface", "eth0"),
                                                        ("mode", att["mode"])}))] == 1
    # a line of its own: `no firewall` leaves it, `no firewall metrics` ends it
    assert "firewall metrics listen 127.0.0.1 port 9587" in fw.running_config()
    fw.conf("no firewall")
    m = parse_metrics(fw.cmd("curl -sf http://127.0.0.1:9587/metrics"))
    assert not [k for k in m if k[0] == "firewall_interface_attached"]
    fw.conf("no firewall metrics")
    assert fw.cmd("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9587/metrics",
                  check=False).strip() == "000"
    assert "firewall metrics" not in fw.running_config()



def test_fw_longest_prefix_across_host_and_net_maps(lab):
    """Host prefixes (/32, /128) sit in hashes, shorter ones in the tries:
    the longest match still wins either way, in IPv4 and IPv6."""
    fw, c1, c2 = site(lab)
    fw.conf("firewall", "zone public", "interface eth0", "allow udp 5000",
            "block prefix 192.168.1.0/24", f"allow prefix {GOOD}/32",
            "block prefix 2001:db8:1::/64", "allow prefix 2001:db8:1::3/128", "exit", "exit")
    wait_attached(fw)
    _, live, _ = kernel_state(fw)
    assert len(live["fw_host4"]) == 1 and len(live["fw_host6"]) == 1, live
    assert len(live["fw_src4"]) == 1 and len(live["fw_src6"]) == 1, live
    rx = Receiver(fw, 5000, 30)
    for h in (c1, c2):
        send(h, FW, 5000, 20)
        send(h, "2001:db8:1::1", 5000, 20)
    time.sleep(0.3)
    rx.p.send_signal(signal.SIGINT)
    got = rx.result()
    assert got == {GOOD: 20, "2001:db8:1::3": 20}, got
    # a zone without host prefixes: the /24 still decides (trie only)
    fw.conf("firewall", "zone public", f"no allow prefix {GOOD}/32", "exit", "exit")
    kldlab.wait_for(lambda: not any(m == "fw_host4" for m, _, _ in live_verdicts(fw)), 20, 0.2,
                    "the /32 gone from the live set")
    rx = Receiver(fw, 5000, 30)
    send(c2, FW, 5000, 20)
    time.sleep(0.3)
    rx.p.send_signal(signal.SIGINT)
    assert rx.result() == {}


def rule_counts(fw, zone="public"):
    return {r["rule"]: r["packets"] for r in show(fw, "show firewall counters json")["zones"][zone]}


def restart_fwd(fw, config=None):
    """kill -9 fwd, start it (on config when given), wait for its rule set
    to be live: it sends the set again, zebra-lite switches generation."""
    gen = show(fw)["generation"]
    fw.stop("fwd", signal.SIGKILL)
    if config:
        with open(fw.config, "w") as f:
            f.write(config)
    fw.start("fwd")
    wait_gen(fw, gen)


def test_fw_counters_follow_rules_across_restarts(lab):
    """A rule keeps its counters when fwd is killed and restarted on the
    same file, even after it was removed and added again before (ids were
    once handed out in file order); on a file with rules moved, added and
    removed, no rule shows counts (or drop samples) it did not get. The
    Prometheus page says the same as show."""
    fw, c1, c2 = site(lab)
    fw.conf("firewall", "zone public", "interface eth0", "default drop", "allow udp 5000",
            "allow udp 5001", f"block prefix {BAD}/32", "allow icmp", "no allow udp 5000",
            "allow udp 5000", "exit", "exit", "firewall metrics listen 127.0.0.1 port 9587")
    wait_attached(fw)
    time.sleep(0.3)
    fw.vtysh("clear firewall counters")
    send(c2, FW, 5000, 100)
    send(c2, FW, 5001, 40)
    send(c1, FW, 5001, 30)
    time.sleep(0.5)
    before = rule_counts(fw)
    want = {"allow udp 5000": 100, "allow udp 5001": 40, f"block prefix {BAD}/32": 30,
            "allow icmp": 0}
    assert {k: before[k] for k in want} == want, before
    fw.vtysh("write memory")

    restart_fwd(fw)
    after = rule_counts(fw)
    assert {k: after[k] for k in want} == want, after

    # the rules moved, one removed, new ones added: the new ones count nothing
    restart_fwd(fw, "firewall\n zone public\n  allow tcp 2222\n  interface eth0\n"
                "  allow udp 6000-6001\n  allow udp 5001\n  default drop\n"
                f"  block prefix {BAD}/32\n  allow udp 5002\n exit\n exit\n"
                "firewall metrics listen 127.0.0.1 port 9587\n")
    moved = rule_counts(fw)
    assert moved == {**{k: moved[k] for k in moved if not k.startswith(("allow", "block"))},
                     "allow udp 5001": 40, f"block prefix {BAD}/32": 30, "allow tcp 2222": 0,
                     "allow udp 6000-6001": 0, "allow udp 5002": 0}, moved
    assert "allow icmp" not in moved  # the zone has no such rule now
    drops = show(fw, "show firewall drops json")
    assert drops and {d["rule"] for d in drops} <= {f"block prefix {BAD}/32",
                                                    "zone public default"}, drops
    m = parse_metrics(fw.cmd("curl -sf http://127.0.0.1:9587/metrics"))
    got = {dict(k[1])["rule"]: v for k, v in m.items() if k[0] == "firewall_rule_packets_total"
           and dict(k[1])["rule"].startswith(("allow", "block"))}
    assert got == {k: v for k, v in moved.items() if k.startswith(("allow", "block"))}, got


def test_fw_warns_when_pins_cannot_survive(lab):
    """zebra-lite that finds no bpffs mounts one itself, in its own mount
    namespace (what `ip netns exec` gives it): it says loudly, in its log
    and in `show firewall`, that the pins die with it and how to fix it.
    With the harness's persistent bpffs, show says they survive."""
    fw, c1, c2 = site(lab, daemons=())
    fw.cmd("umount /sys/fs/bpf")
    fw.start("zebra-lite")
    fw.start("fwd")
    fw.conf(*seed_policy())
    wait_attached(fw)
    j = show(fw)
    assert j["pinsSurviveRestart"] is False and "persistent mount namespace" in j["pinsNote"], j
    text = fw.vtysh("show firewall")
    assert "Pins survive restart: no (zebra-lite mounted bpffs itself" in text, text
    log = open(os.path.join(fw.dir, "zebra-lite.log")).read()
    assert "pins will not survive a restart" in log


def test_fw_pins_survive_with_persistent_bpffs(lab):
    fw, c1, c2 = site(lab)
    fw.conf(*seed_policy())
    wait_attached(fw)
    assert show(fw)["pinsSurviveRestart"] is True
    assert "Pins survive restart: yes" in fw.vtysh("show firewall")


def test_fw_stealth_refuses_what_would_open_it(lab):
    """`stealth` shows the world only the WireGuard ports: an allowed port,
    `allow icmp` or `default accept` in a stealth zone is refused with a
    clear error, whichever line comes first, and nothing changes."""
    fw, c1, c2 = site(lab)
    fw.conf("firewall", "zone public", "interface eth0", "stealth", "allow prefix 10.9.0.0/24",
            "block tcp 8080", "exit", "exit")
    wait_attached(fw)
    rc = fw.running_config()
    # written before the rules: a hand-added allow is what a reload refuses
    assert rc.index("  stealth") < rc.index("  allow prefix 10.9.0.0/24"), rc
    for line in ("allow tcp 22,80", "allow udp 5000", "allow icmp", "default accept"):
        out = fw.conf("firewall", "zone public", line, "exit", "exit", check=False)
        assert fw.last_rc != 0 and f"% Zone public is stealth: '{line}' would answer" in out, out
    assert fw.running_config() == rc
    # the other order: a zone that answers cannot become stealth
    fw.conf("firewall", "zone lan", "allow tcp 22", "exit", "exit")
    out = fw.conf("firewall", "zone lan", "stealth", "exit", "exit", check=False)
    assert fw.last_rc != 0 and "% Zone lan has 'allow tcp 22', which would answer" in out, out
    fw.conf("firewall", "zone lan", "no allow tcp 22", "default accept", "exit", "exit")
    out = fw.conf("firewall", "zone lan", "stealth", "exit", "exit", check=False)
    assert "% Zone lan has 'default accept'" in out, out
    fw.conf("firewall", "zone lan", "no default", "stealth", "exit", "exit")
    assert not show(fw)["zones"]["lan"]["icmp"] and show(fw)["zones"]["lan"]["stealth"]
    # a file with both is refused line by line as well: the stealth zone stays closed
    fw.stop("fwd")
    with open(fw.config, "w") as f:
        f.write("firewall\n zone public\n  interface eth0\n  stealth\n  allow tcp 22\n"
                "  default accept\n exit\nexit\n")
    fw.start("fwd")
    rc = fw.running_config()
    assert "allow tcp 22" not in rc and "default accept" not in rc and "  stealth" in rc, rc


def test_fw_write_memory_waits_for_commit(lab):
    """`write memory` while `firewall commit confirm` waits would save a
    change that may roll back: refused, the file untouched; once confirmed
    it saves."""
    fw, c1, c2 = site(lab)
    fw.conf(*seed_policy())
    wait_attached(fw)
    fw.vtysh("write memory")
    saved = open(fw.config).read()
    fw.vtysh("firewall commit confirm 300")
    fw.conf("firewall", "zone public", "allow tcp 2224", "exit", "exit")
    out = fw.vtysh("write memory", check=False)
    assert fw.last_rc != 0, out
    assert '% Not saved: a firewall change waits for "firewall commit"' in out, out
    assert open(fw.config).read() == saved
    assert "Not saved" not in fw.running_config()
    fw.vtysh("firewall commit")
    assert "[OK]" in fw.vtysh("write memory")
    assert "allow tcp 2224" in open(fw.config).read()


def test_fw_metrics_listen_failure_is_said(lab):
    """`firewall metrics listen` on a port in use or an address the host
    does not have: the error says why, the old endpoint stays and serves,
    and the log says the move failed (not "metrics on" as if it worked)."""
    fw, c1, c2 = site(lab)
    fw.conf("firewall metrics listen 127.0.0.1 port 9587")
    busy = fw.popen([sys.executable, "-c", "import socket,time; s=socket.socket(); "
                     "s.bind(('127.0.0.1', 9588)); s.listen(); print('ready', flush=True); "
                     "time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    assert busy.stdout.readline().strip() == "ready"
    log = os.path.join(fw.dir, "fwd.log")
    mark = len(open(log).read())
    out = fw.conf("firewall metrics listen 127.0.0.1 port 9588", check=False)
    assert fw.last_rc != 0 and "% Cannot listen for metrics on 127.0.0.1 port 9588: " \
        "Address already in use (nothing changed)" in out, out
    out = fw.conf("firewall metrics listen 10.99.99.99 port 9587", check=False)
    assert "Cannot assign requested address" in out, out
    busy.kill()
    assert "firewall metrics listen 127.0.0.1 port 9587" in fw.running_config()
    assert "firewall_up" in fw.cmd("curl -sf http://127.0.0.1:9587/metrics")
    new = open(log).read()[mark:]
    assert "cannot listen on http://127.0.0.1:9588/metrics: Address already in use" in new, new
    assert "metrics on http" not in new and "metrics stay on http://127.0.0.1:9587" in new, new


def live_gen(fw):
    """The generation the dataplane reads (fw_active[0]), as bpftool has it."""
    d = json.loads(fw.cmd("bpftool -j map dump pinned /sys/fs/bpf/kldnet/fw_active"))
    v = d[0].get("formatted", {}).get("value", d[0].get("value"))
    return v if isinstance(v, int) else int.from_bytes(bytes(int(b, 16) for b in v), "little")


def test_fw_generation_shown_is_the_live_one_across_zebra_restart(lab):
    """kill -9 zebra-lite: the pinned set goes on filtering, and `show
    firewall` says its generation (the one zebra-lite last reported, as
    bpftool reads it in fw_active), not a made-up 0; started again, fwd
    sends its set, zebra-lite switches, and show follows the maps."""
    fw, c1, c2 = site(lab)
    fw.conf(*seed_policy(), "firewall metrics listen 127.0.0.1 port 9587")
    wait_attached(fw)
    # fresh maps start at 0: the first set made live is generation 1
    assert show(fw)["generation"] == live_gen(fw) == 1
    fw.stop("zebra-lite", signal.SIGKILL)
    j = show(fw)
    assert j["generation"] == live_gen(fw) == 1 and j["generationReported"] is True, j
    text = fw.vtysh("show firewall").splitlines()[0]
    assert text.endswith("generation 1 (as zebra-lite last said)"), text
    m = parse_metrics(fw.cmd("curl -sf http://127.0.0.1:9587/metrics"))
    assert m[("firewall_up", frozenset())] == 0 and m[("firewall_generation", frozenset())] == 1, m
    fw.start("zebra-lite")
    kldlab.wait_for(lambda: show(fw)["generation"] == 0, 20, 0.1, "fwd's set made live again")
    assert live_gen(fw) == 0 and show(fw)["generationReported"] is False
    assert fw.vtysh("show firewall").splitlines()[0].endswith("; generation 0")
    # fwd restarted while zebra-lite is away has heard nothing: unknown
    fw.stop("zebra-lite", signal.SIGKILL)
    fw.stop("fwd", signal.SIGKILL)
    fw.start("fwd")
    assert show(fw)["generation"] is None
    assert "generation unknown" in fw.vtysh("show firewall")
