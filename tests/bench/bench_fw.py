#!/usr/bin/python3
"""
fwd benchmark (issue 19: the eBPF/XDP firewall).

1. BPF_PROG_RUN (bpftool prog run ... repeat R): ns per packet of kldnet's
   XDP program for an allowed and a dropped packet, with N rules (half
   source prefixes, /32 and /24 mixed, half destination ports), N in
   1, 1,000, 10,000, 100,000; in the same run, xdp-tools' xdp-filter with
   the same source addresses (its ports are a bitmap, its addresses a
   hash: also O(1)) up to --xdp-filter-max rules (one xdp-filter call a
   rule: slow to load).
2. Time to compile and make N rules live: fwd started on a configuration
   file of N rules (zebra-lite running), until zebra-lite reports the set
   live; zebra-lite's own apply time (write beside, switch) too.

Not a test: it prints numbers and ratios. Run as root:
    tests/bench/bench_fw.py [--rules 1,1000,10000,100000] [--repeat 1000000]
"""
import argparse
import json
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "topo"))
import kldlab  # noqa: E402


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


def bench_kldnet(lab, n, repeat):
    h = lab.host(f"k{n}")
    h.cmd("ip link add eth0 type veth peer name eth0p && ip link set eth0 up && ip link set eth0p up")
    text, npfx = policy(n)
    h.write_config(text)
    h.start("zebra-lite")
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
    live = time.monotonic() - t0
    prog = js["zones"]["public"]["interfaces"][0]["progId"]
    idx = ifindex(h, "eth0")
    allowed = udp_packet("192.0.2.1", "192.0.2.2", 50000)
    dropped = udp_packet(src_of(npfx - 1)[1], "192.0.2.2", 50000)
    ra, ns_a = prog_run(h, prog, allowed, idx, repeat)
    rd, ns_d = prog_run(h, prog, dropped, idx, repeat)
    assert (ra, rd) == (2, 1), (ra, rd)  # XDP_PASS, XDP_DROP
    return dict(rules=n, entries=js["lastEntries"], allowed_ns=ns_a, dropped_ns=ns_d,
                live_s=live, apply_ms=js["lastApplyUsec"] / 1000)


def bench_xdp_filter(lab, n, repeat):
    h = lab.host(f"x{n}")
    h.cmd("ip link add eth0 type veth peer name eth0p && ip link set eth0 up && ip link set eth0p up")
    h.cmd("xdp-filter load -m native eth0")  # policy allow: what matches is dropped
    npfx = max(n - n // 2, 1)
    # xdp-filter has no prefixes: the /24s become their .9 address
    script = "\n".join(f"xdp-filter ip -m src {src_of(i)[1]}" for i in range(npfx))
    with open(os.path.join(h.dir, "rules.sh"), "w") as f:
        f.write(script + "\n")
    h.cmd(f"sh {h.dir}/rules.sh >/dev/null", timeout=3600)
    progs = json.loads(h.cmd("bpftool -j prog show"))
    idx = ifindex(h, "eth0")
    # what the interface runs: libxdp attaches xdp-filter's program
    # directly when it is alone (else its dispatcher would run it)
    prog = next(p["id"] for p in progs if p.get("name", "").startswith(("xdp_dispatcher", "xdpfilt")))
    allowed = udp_packet("192.0.2.1", "192.0.2.2", 50000)
    dropped = udp_packet(src_of(npfx - 1)[1], "192.0.2.2", 50000)
    ra, ns_a = prog_run(h, prog, allowed, idx, repeat)
    rd, ns_d = prog_run(h, prog, dropped, idx, repeat)
    # verdicts printed: xdp-filter passed the "dropped" probe under
    # BPF_PROG_RUN in our runs (not understood yet; see doc/fwd.md)
    return dict(rules=n, allowed_ns=ns_a, dropped_ns=ns_d, verdicts=(ra, rd))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", default="1,1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=1000000)
    ap.add_argument("--xdp-filter-max", type=int, default=1000)
    a = ap.parse_args()
    lab = kldlab.Lab(os.path.join("/tmp", f"bench_fw.{os.getpid()}"))
    try:
        rows = []
        for n in map(int, a.rules.split(",")):
            r = bench_kldnet(lab, n, a.repeat)
            x = bench_xdp_filter(lab, n, a.repeat) if n <= a.xdp_filter_max else None
            rows.append((r, x))
            print(f"kldnet {n:>7} rules ({r['entries']:>6} entries): allowed {r['allowed_ns']:>4} ns, "
                  f"dropped {r['dropped_ns']:>4} ns; live in {r['live_s']:.2f} s "
                  f"(zebra-lite apply {r['apply_ms']:.1f} ms)"
                  + (f" | xdp-filter: allowed {x['allowed_ns']} ns, dropped {x['dropped_ns']} ns "
                     f"(verdicts {x['verdicts']}; 2 pass, 1 drop)" if x else ""), flush=True)
        base = rows[0][0]
        for r, _ in rows[1:]:
            print(f"ratio {r['rules']} rules / {base['rules']}: allowed "
                  f"{r['allowed_ns'] / max(base['allowed_ns'], 1):.2f}x, dropped "
                  f"{r['dropped_ns'] / max(base['dropped_ns'], 1):.2f}x")
    finally:
        lab.close()


if __name__ == "__main__":
    main()
