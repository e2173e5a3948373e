#!/usr/bin/python3
"""
vxland benchmark (issue 18): N static FDB entries (100,000 by default),
unicast MACs spread over 100 remote VTEPs, on one VXLAN device.

- kldnet: the entries are `mac ... remote ...` lines of a `vxlan 100`
  block in the integrated configuration file; zebra-lite is running; we
  time from vxland's start until `bridge fdb show` counts all N entries
  on the device (zero lost: the count must be exact).
- bridge -batch: in a fresh namespace of the same run, the device is made
  with ip(8), then `bridge -batch` of the same N `fdb add` lines; timed
  until the same count.
Both are judged by the same polling of the kernel. Ratio = kldnet / bridge.
Also: the RSS of vxland + zebra-lite with the entries, less their RSS
with an empty segment, per entry.

Not a test: it prints numbers and ratios. Run as root:
    tests/bench/bench_vxlan.py [--entries 100000] [--repeat 3]
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "topo"))
import kldlab  # noqa: E402

HEAD = ["vxlan 100", " local 10.200.0.1", " dstport 4789", " no learning"]


def entries(n):
    return [(f"02:{i >> 24 & 255:02x}:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}:01",
             f"10.201.0.{1 + i % 100}") for i in range(n)]


def count(h):
    out = h.cmd("bridge fdb show dev vxlan100 2>/dev/null | grep -c ' dst 10.201.'", check=False).strip()
    return int(out or 0)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pair_rss(h):
    # nsenter execs the daemon: the Popen's pid is the daemon's.
    return sum(rss_kb(h.pid(d)) for d in ("zebra-lite", "vxland"))


def bench_kldnet(lab, ents, name):
    h = lab.host(name)
    lines = HEAD + [f" mac {m} remote {d}" for m, d in ents] + ["exit"]
    h.write_config("\n".join(lines) + "\n")
    h.start("zebra-lite")
    t0 = time.monotonic()
    h.start("vxland", wait=False)
    kldlab.wait_for(lambda: count(h) >= len(ents), 900, interval=0.2, what="FDB entries")
    took = time.monotonic() - t0
    n = count(h)
    return took, n, pair_rss(h)


def bench_idle(lab):
    h = lab.host("idle")
    h.write_config("\n".join(HEAD + ["exit"]) + "\n")
    h.start("zebra-lite")
    h.start("vxland")
    time.sleep(1)
    return pair_rss(h)


def bench_bridge_batch(lab, ents, name):
    h = lab.host(name)
    h.cmd("ip link add vxlan100 type vxlan id 100 local 10.200.0.1 dstport 4789 nolearning "
          "&& ip link set vxlan100 up")
    batch = os.path.join(h.dir, "fdb.batch")
    with open(batch, "w") as f:
        for m, d in ents:
            f.write(f"fdb add {m} dev vxlan100 dst {d}\n")
    t0 = time.monotonic()
    h.cmd(f"bridge -batch {batch} >/dev/null 2>&1 &")
    kldlab.wait_for(lambda: count(h) >= len(ents), 900, interval=0.2, what="FDB entries (bridge)")
    return time.monotonic() - t0, count(h)


def median(xs):
    return sorted(xs)[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    ents = entries(args.entries)
    kl, br, rss = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-vxlan-") as tmp:
        lab = kldlab.Lab(tmp)
        try:
            idle = bench_idle(lab)
            for r in range(args.repeat):
                t, n = bench_bridge_batch(lab, ents, f"br{r}")
                assert n == len(ents), f"bridge -batch: {n} of {len(ents)}"
                br.append(t)
                t, n, kb = bench_kldnet(lab, ents, f"kld{r}")
                assert n == len(ents), f"kldnet: {n} of {len(ents)}"
                kl.append(t)
                rss.append(kb)
        finally:
            lab.close()
    print(f"{args.entries} static FDB entries over 100 VTEPs, median of {args.repeat}:")
    print(f"  bridge -batch: {median(br):8.3f} s   runs {' '.join(f'{x:.3f}' for x in br)}")
    print(f"  kldnet (config file -> vxland -> zebra-lite -> kernel): {median(kl):8.3f} s"
          f"   runs {' '.join(f'{x:.3f}' for x in kl)}")
    print(f"  ratio kldnet/bridge = {median(kl) / median(br):.2f}; every entry present "
          f"({args.entries} counted in each run)")
    print(f"  vxland + zebra-lite RSS: {median(rss) / 1024:.1f} MiB with the entries, "
          f"{idle / 1024:.1f} MiB idle: {(median(rss) - idle) * 1024 / args.entries:.0f} bytes "
          f"per entry")


if __name__ == "__main__":
    main()
