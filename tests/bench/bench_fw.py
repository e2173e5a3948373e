#!/usr/bin/python3
"""
fwd benchmark (issue 19: the eBPF/XDP firewall).

1. BPF_PROG_RUN (bpftool prog run ... repeat R): ns per packet of kldnet's
   XDP program for an allowed and a dropped packet, with N rules (half
   source prefixes, /32 and /24 mixed, half destination ports), N in
   1, 1,000, 10,000, 100,000; in the same run, xdp-tools' xdp-filter with
   the same source addresses (its ports are a bitmap, its addresses a
   hash of at most 10,000 entries: also O(1), no prefixes), where they fit.
   Each program is found through its own namespace's `ip link`.
2. Time to compile and make N rules live: fwd started on a configuration
   file of N rules (zebra-lite running), until zebra-lite reports the set
   live; zebra-lite's own apply time (write beside, switch) too.
3. Packets per second dropped on one core, through a veth pair between
   namespaces (--veth-rules, 10,000 by default): kldnet with the rule set
   of 1. vs nftables with the same rules as a linear chain and with sets
   (netdev ingress hook: nftables' earliest, so its best case). The
   sender is tests/bench/fwblast.c (AF_PACKET, qdisc bypass, sendmmsg; no
   pktgen module on the test machines), pinned with taskset to one core;
   veth runs the receiver's XDP or ingress hook in the softirq of the
   sending core, so one core does all. What counts is what the receiver's
   filter dropped (its counters), not what was sent. Median of --rounds
   paired rounds (kldnet, linear, sets back to back). Two floors beside
   them: an XDP program that drops everything (xdp-filter, policy deny,
   empty) and nftables' ingress chain with policy drop, no rule; with one core for sender and receiver,
   the sender's cost is in every number.

Not a test: it prints numbers and ratios. Run as root:
    tests/bench/bench_fw.py [--rules 1,1000,10000,100000] [--repeat 1000000]
        [--veth-rules 10000 --rounds 3 --secs 3 --cpu 1] [--only-veth]
"""
import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "topo"))
import kldlab  # noqa: E402


BLAST = f"/tmp/fwblast.{os.getpid()}"


def csum(b):
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s & 0xFFFF) + (s >> 16)
    return ~((s & 0xFFFF) + (s >> 16)) & 0xFFFF


def udp_packet(src, dst, dport):
    payload = b"x" * 18
    udp = struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
    return eth + ip + udp


def src_of(i):
    """The i-th blocked source: /32s in 10.64/10, every 8th a /24 in 10.128/9."""
    if i % 8 == 7:
        return f"10.{128 + i // 65536 % 128}.{i // 256 % 256}.0/24", f"10.{128 + i // 65536 % 128}.{i // 256 % 256}.9"
    return f"10.{64 + i // 65536}.{i // 256 % 256}.{i % 256}/32", f"10.{64 + i // 65536}.{i // 256 % 256}.{i % 256}"


def policy(n):
    nports = n // 2
    npfx = n - nports
    lines = ["firewall", " zone public", "  interface eth0", "  default drop"]
    lines += [f"  block prefix {src_of(i)[0]}" for i in range(npfx)]
    # ports 1..nports, in lines of up to 100 ports; 40000 is kept for the
    # allowed probe
    p = 1
    while p <= nports:
        hi = min(p + 99, nports)
        lines.append(f"  allow udp {p}-{hi}" if hi > p else f"  allow udp {p}")
        p = hi + 1
    lines += ["  allow udp 50000", " exit", "exit"]
    return "\n".join(lines) + "\n", max(npfx, 1)


def prog_run(h, prog_id, pkt, ifindex, repeat):
    with open(os.path.join(h.dir, "pkt.bin"), "wb") as f:
        f.write(pkt)
    with open(os.path.join(h.dir, "ctx.bin"), "wb") as f:
        f.write(struct.pack("IIIIII", 0, len(pkt), 0, ifindex, 0, 0))
    out = h.cmd(f"bpftool prog run id {prog_id} data_in {h.dir}/pkt.bin ctx_in {h.dir}/ctx.bin "
                f"repeat {repeat}", timeout=600)
    ret = int(out.split("Return value:")[1].split(",")[0])
    ns = int(out.split("duration (average):")[1].split("ns")[0])
    return ret, ns


def ifindex(h, name):
    return json.loads(h.cmd(f"ip -j link show dev {name}"))[0]["ifindex"]


def fwd_live(h):
    """Start fwd on its configuration file; seconds until zebra-lite has
    acknowledged the rule set (fwd's lastEntries) and the interface carries
    the program. zebra-lite's own apply time comes with it."""
    t0 = time.monotonic()
    h.start("fwd", wait=False)

    def ready():
        if not (h.alive("fwd") and os.path.exists(os.path.join(h.rundir, "fwd.vty"))):
            return None
        try:
            j = json.loads(h.vtysh("show firewall json", check=False))
        except ValueError:
            return None  # still reading its configuration
        ok = j.get("lastEntries") and j["zones"]["public"]["interfaces"][0]["attached"]
        return j if ok else None
    js = kldlab.wait_for(ready, 900, 0.05, "the rule set live")
    return time.monotonic() - t0, js


def setup_kldnet(lab, n):
    h = lab.host(f"k{n}")
    h.cmd("ip link add eth0 type veth peer name eth0p && ip link set eth0 up && ip link set eth0p up")
    text, npfx = policy(n)
    h.write_config(text)
    h.start("zebra-lite")
    live, js = fwd_live(h)  # the first time: the program's load and verification too
    prog = js["zones"]["public"]["interfaces"][0]["progId"]
    assert prog == xdp_prog_of(h, "eth0")
    return dict(h=h, prog=prog, idx=ifindex(h, "eth0"), entries=js["lastEntries"],
                first_live_s=live, live_s=[], apply_ms=[])


def relive(k):
    """Time to compile and make the rule set live again: fwd restarted on
    its file (the program stays loaded: what an operator's restart or a
    new configuration costs)."""
    k["h"].stop("fwd")
    live, js = fwd_live(k["h"])
    k["live_s"].append(live)
    k["apply_ms"].append(js["lastApplyUsec"] / 1000)


def probes(npfx):
    """Packets: allowed (a listed port, no prefix), dropped by the last /32
    rule, dropped by the last /24 rule (none with fewer than 8 prefixes)."""
    last32 = max(i for i in range(npfx) if i % 8 != 7)
    last24 = [i for i in range(npfx) if i % 8 == 7]
    out = {"allowed": (udp_packet("192.0.2.1", "192.0.2.2", 50000), 2),
           "dropped /32": (udp_packet(src_of(last32)[1], "192.0.2.2", 50000), 1)}
    if last24:
        out["dropped /24"] = (udp_packet(src_of(last24[-1])[1], "192.0.2.2", 50000), 1)
    return out


def measure(t, npfx, repeat):
    """ns per packet of each probe on target t (XDP_PASS 2, XDP_DROP 1
    checked: a wrong verdict is a broken rule load, not a number)."""
    out = {}
    for name, (pkt, want) in probes(npfx).items():
        ret, ns = prog_run(t["h"], t["prog"], pkt, t["idx"], repeat)
        assert ret == want, (t["h"].name, name, ret)
        out[name] = ns
    return out


# ---- 3. veth: packets per second dropped on one core ----

def nft_rules(n, sets):
    """The rule set of policy(n) as nftables on a netdev ingress chain:
    source prefixes first (kldnet decides them before ports), then the
    ports, then drop what is IP. Only the rule the probe meets counts."""
    nports = n // 2
    npfx = n - nports
    pfx = [src_of(i)[0] for i in range(npfx)]
    ports = [f"{p}-{min(p + 99, nports)}" for p in range(1, nports + 1, 100)] + ["50000"]
    lines = ["table netdev kb {", " chain in {",
             "  type filter hook ingress device eth0 priority 0; policy accept;"]
    if sets:
        uniq = list(dict.fromkeys(pfx))
        lines[1:1] = [" set blk { type ipv4_addr; flags interval; elements = { " + ", ".join(uniq) + " } }",
                      " set ok { type inet_service; flags interval; elements = { " + ", ".join(ports) + " } }"]
        lines += ["  ip saddr @blk counter drop", "  udp dport @ok accept"]
    else:
        first = pfx.index(pfx[-1])
        lines += [f"  ip saddr {p}{' counter' if i == first else ''} drop" for i, p in enumerate(pfx)]
        lines += [f"  udp dport {p} accept" for p in ports]
    lines += ["  meta protocol ip drop", " }", "}"]
    return "\n".join(lines) + "\n"


def nft_dropped(h):
    rs = json.loads(h.cmd("nft -j list table netdev kb"))["nftables"]
    return sum(e["counter"]["packets"] for r in rs if "rule" in r
               for e in r["rule"]["expr"] if "counter" in e)


def kld_dropped(h):
    return json.loads(h.vtysh("show firewall counters json"))["totals"]["dropped"]


def blast(sender, ifname, src, secs, cpu):
    out = sender.cmd(f"taskset -c {cpu} {BLAST} {ifname} {src} 192.0.2.2 50000 {secs}",
                     timeout=secs + 60)
    return int(out.split()[-1])


def bench_veth(lab, n, rounds, secs, cpu):
    """Median over paired rounds of the drop rate of kldnet, nftables'
    linear chain and its sets, and their ratios."""
    subprocess.run(["gcc", "-O2", "-o", BLAST, os.path.join(os.path.dirname(__file__), "fwblast.c")],
                   check=True)
    s = lab.host("vsend")
    k, lin, st = lab.host("vkld"), lab.host("vlin"), lab.host("vset")
    fx, fq = lab.host("vxdp"), lab.host("vnft")
    for h, ifn in ((k, "k0"), (lin, "l0"), (st, "s0"), (fx, "x0"), (fq, "q0")):
        lab.link(s, ifn, h, "eth0")
        s.cmd(f"ip link set {ifn} up")
        h.cmd("ip link set eth0 up && ip addr add 192.0.2.2/24 dev eth0")
    text, npfx = policy(n)
    k.write_config(text)
    k.start("zebra-lite")
    k.start("fwd")
    kldlab.wait_for(lambda: json.loads(k.vtysh("show firewall json"))["zones"]["public"]
                    ["interfaces"][0]["attached"], 900, 0.2, "kldnet's rule set live")
    for h, sets in ((lin, False), (st, True)):
        with open(os.path.join(h.dir, "rules.nft"), "w") as f:
            f.write(nft_rules(n, sets))
        h.cmd(f"nft -f {h.dir}/rules.nft", timeout=600)
    # floors: the cheapest drop each hook allows on veth, to read the
    # numbers against (the sender's own cost is in every one of them)
    fx.cmd("xdp-filter load -m native -p deny eth0")  # no entries: drops all
    fq.cmd("nft add table netdev kf && nft add chain netdev kf in "
           "'{ type filter hook ingress device eth0 priority 0; policy drop; }'")
    src = src_of(npfx - 1)[1]
    rows = []
    for r in range(rounds):
        row = {}
        for name, h, ifn, count in (("kldnet", k, "k0", kld_dropped), ("nft linear", lin, "l0", nft_dropped),
                                    ("nft sets", st, "s0", nft_dropped)):
            before = count(h)
            sent = blast(s, ifn, src, secs, cpu)
            dropped = count(h) - before
            row[name] = dropped / secs
            print(f"  round {r + 1} {name:<10}: {dropped / secs:>12,.0f} dropped/s (sent {sent / secs:,.0f}/s)",
                  flush=True)
        for name, ifn in (("floor: XDP drop-all", "x0"), ("floor: nft drop-all", "q0")):
            row[name] = blast(s, ifn, src, secs, cpu) / secs  # sent = dropped here (one core)
            print(f"  round {r + 1} {name:<10}: {row[name]:>12,.0f} sent/s", flush=True)
        rows.append(row)
    med = {name: statistics.median(r[name] for r in rows) for name in rows[0]}
    ratio = lambda a, b: statistics.median(r[a] / max(r[b], 1) for r in rows)
    print(f"veth, {n} rules, one core (cpu {cpu}), median of {rounds} paired rounds of {secs} s: "
          + ", ".join(f"{name} {v:,.0f} pps" for name, v in med.items()))
    print(f"ratio kldnet / nft linear chain: {ratio('kldnet', 'nft linear'):.1f}x (goal >= 10x); "
          f"kldnet / nft sets: {ratio('kldnet', 'nft sets'):.2f}x (goal >= 1x)", flush=True)


XDP_FILTER_MAX_IPV4 = 10000  # xdp-filter's filter_ipv4 map (max_entries in its source)


def xdp_prog_of(h, ifname):
    """The program the interface runs, as its own namespace's `ip link` says
    (never a machine-wide `bpftool prog show`: other namespaces run
    xdp-filter too)."""
    xdp = json.loads(h.cmd(f"ip -j link show dev {ifname}"))[0].get("xdp") or {}
    return xdp.get("prog", {}).get("id") or next(
        p["prog"]["id"] for p in xdp.get("attached", []) if "prog" in p)


def setup_xdp_filter(lab, n):
    """xdp-filter (policy allow: what matches is dropped) with the rule
    set's source addresses. They are written into its pinned address map
    with one `bpftool batch` (the value xdp-filter itself writes for
    `ip -m src`: the flag MAP_FLAG_SRC, counter 0), not one xdp-filter
    process a rule. Its ports are a bitmap: the allowed ports need no
    entry under policy allow."""
    npfx = max(n - n // 2, 1)
    if npfx > XDP_FILTER_MAX_IPV4:
        return None  # it cannot hold them
    h = lab.host(f"x{n}")
    h.cmd("ip link add eth0 type veth peer name eth0p && ip link set eth0 up && ip link set eth0p up")
    h.cmd("xdp-filter load -m native eth0")
    h.cmd(f"xdp-filter ip -m src {src_of(0)[1]}")  # xdp-filter pins its maps
    pin = h.cmd("find /sys/fs/bpf -name filter_ipv4").split()[0]
    # xdp-filter has no prefixes: the /24s become their .9 address
    addrs = dict.fromkeys(src_of(i)[1] for i in range(npfx))
    with open(os.path.join(h.dir, "rules.batch"), "w") as f:
        for a in addrs:
            key = " ".join(a.split("."))
            f.write(f"map update pinned {pin} key {key} value 1 0 0 0 0 0 0 0\n")
    h.cmd(f"bpftool batch file {h.dir}/rules.batch >/dev/null", timeout=3600)
    got = len(json.loads(h.cmd(f"bpftool -j map dump pinned {pin}")))
    assert got == len(addrs), (got, len(addrs))
    return dict(h=h, prog=xdp_prog_of(h, "eth0"), idx=ifindex(h, "eth0"))


def bench_prog_run(lab, sizes, rounds, repeat):
    """Parts 1 and 2: every size set up once, then rounds in which every
    size and both programs are measured back to back (paired), medians."""
    kld = {n: setup_kldnet(lab, n) for n in sizes}
    xf = {n: setup_xdp_filter(lab, n) for n in sizes}
    npfx = {n: policy(n)[1] for n in sizes}
    runs = []  # per round: {(who, n, probe): ns}
    for _ in range(rounds):
        r = {}
        for n in sizes:
            r.update({("kldnet", n, p): v for p, v in measure(kld[n], npfx[n], repeat).items()})
            if xf[n]:
                r.update({("xdp-filter", n, p): v for p, v in measure(xf[n], npfx[n], repeat).items()})
            relive(kld[n])
        runs.append(r)
    med = lambda key: statistics.median(r[key] for r in runs)
    print(f"BPF_PROG_RUN, ns per packet, median of {rounds} paired rounds (repeat {repeat}):")
    for n in sizes:
        k = kld[n]
        line = ", ".join(f"{p} {med(('kldnet', n, p)):.0f}" for p in probes(npfx[n]))
        xline = (", ".join(f"{p} {med(('xdp-filter', n, p)):.0f}" for p in probes(npfx[n]))
                 if xf[n] else "cannot hold the addresses (10,000 at most)")
        print(f"  {n:>7} rules ({k['entries']:>6} entries): kldnet {line} | xdp-filter {xline}")
        print(f"          live: first {k['first_live_s']:.2f} s (program load included), then "
              f"{statistics.median(k['live_s']):.2f} s (median; zebra-lite apply "
              f"{statistics.median(k['apply_ms']):.0f} ms)")
    base = sizes[0]
    for n in sizes[1:]:
        ratios = []
        for p in probes(npfx[n]):
            bp = p if p in probes(npfx[base]) else "dropped /32"
            q = statistics.median(r[("kldnet", n, p)] / max(r[("kldnet", base, bp)], 1) for r in runs)
            ratios.append(f"{p} {q:.2f}x" + ("" if bp == p else f" (of {base} rule's {bp})"))
        print(f"ratio {n} rules / {base}: " + ", ".join(ratios) + " (goal <= 1.2x)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", default="1,1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=1000000)
    ap.add_argument("--veth-rules", type=int, default=10000, help="0: skip the veth benchmark")
    ap.add_argument("--rounds", type=int, default=3, help="paired rounds, medians")
    ap.add_argument("--secs", type=float, default=3)
    ap.add_argument("--cpu", type=int, default=1)
    ap.add_argument("--only-veth", action="store_true")
    a = ap.parse_args()
    lab = kldlab.Lab(os.path.join("/tmp", f"bench_fw.{os.getpid()}"))
    try:
        if a.veth_rules:
            bench_veth(lab, a.veth_rules, a.rounds, a.secs, a.cpu)
        if a.only_veth:
            return
        bench_prog_run(lab, list(map(int, a.rules.split(","))), a.rounds, a.repeat)
    finally:
        lab.close()
        if os.path.exists(BLAST):
            os.unlink(BLAST)


if __name__ == "__main__":
    main()
