#!/usr/bin/python3
"""
zebra-lite FIB benchmark (issue: zebra-lite RIB and kernel writer).

One client pushes N IPv4 routes over zebra-lite's client API; we measure
the time until all of them are in the kernel (the client's Barrier returns
only when the kernel has acknowledged every route), zebra-lite's RSS, and,
in the same run, the time `ip -batch` takes to add the same routes in a
fresh namespace. Then the same for deleting them all.

Not a test: it prints numbers and ratios. Run as root:
    tests/bench/bench_zebra.py [--routes 1000000] [--random-seed 7]
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "topo"))
import kldlab  # noqa: E402


def rss_kb(pid, field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User + system CPU time of a process: a figure that two builds can
    be compared by on a machine busy with other work."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kernel_count(h):
    return int(h.cmd("ip -4 route show proto bgp | wc -l").strip())


def setup_host(lab, name):
    h = lab.host(name)
    peer = lab.host(name + "p")
    lab.link(h, "eth0", peer, "eth0")
    h.cmd("ip addr add 10.0.0.1/24 dev eth0")
    return h


def bench_zebra(lab, args):
    h = setup_host(lab, "zl")
    h.start("zebra-lite")
    pid = h.pid("zebra-lite")
    base = rss_kb(pid)
    gen = ["--count", args.routes, "--via", "10.0.0.2", "--quiet", "--batch", 2000]
    if args.random_seed:
        gen += ["--random", args.random_seed]
    else:
        gen += ["--prefix", "11.0.0.0/24"]
    t0, c0 = time.monotonic(), cpu_seconds(pid)
    h.zclient(*gen, "--hold", "0", timeout=3600)
    add, add_cpu = time.monotonic() - t0, cpu_seconds(pid) - c0
    installed = kernel_count(h)
    rss = rss_kb(pid)
    peak = rss_kb(pid, "VmHWM")
    rib = h.vtysh("show zebra client")
    # The client has gone: its routes stay for the grace time; delete them
    # explicitly as the owner would.
    t0, c0 = time.monotonic(), cpu_seconds(pid)
    h.zclient(*gen, "--delete", timeout=3600)
    delete, delete_cpu = time.monotonic() - t0, cpu_seconds(pid) - c0
    left = kernel_count(h)
    h.stop("zebra-lite")
    return dict(add=add, delete=delete, add_cpu=add_cpu, delete_cpu=delete_cpu,
                installed=installed, left=left, rss_kb=rss,
                peak_kb=peak, base_kb=base, clients=rib)


def bench_ip_batch(lab, args):
    h = setup_host(lab, "ipb")
    gen = ["--count", str(args.routes)]
    gen += ["--random", str(args.random_seed)] if args.random_seed else ["--prefix", "11.0.0.0/24"]
    listing = kldlab.sh([kldlab.binary("kld-zclient"), "--list", *gen]).stdout.split()
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".add") as f:
        f.writelines(f"route replace {p} via 10.0.0.2 proto bgp\n" for p in listing)
        add_file = f.name
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".del") as f:
        f.writelines(f"route del {p} proto bgp\n" for p in dict.fromkeys(listing))
        del_file = f.name
    t0 = time.monotonic()
    h.cmd(f"ip -batch {add_file}", timeout=3600)
    add = time.monotonic() - t0
    installed = kernel_count(h)
    t0 = time.monotonic()
    h.cmd(f"ip -batch {del_file}", timeout=3600)
    delete = time.monotonic() - t0
    os.unlink(add_file)
    os.unlink(del_file)
    return dict(add=add, delete=delete, installed=installed, distinct=len(set(listing)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--routes", type=int, default=1000000)
    ap.add_argument("--random-seed", type=int, default=7,
                    help="distinct /24s spread over 128.0.0.0/2 in the order of this seed; 0: consecutive /24s")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kldbench-")
    lab = kldlab.Lab(tmp)
    try:
        z = bench_zebra(lab, args)
        ip = bench_ip_batch(lab, args)
    finally:
        lab.close()
    routes = ip["distinct"]
    per_route = (z["rss_kb"] - z["base_kb"]) * 1024 / max(routes, 1)
    print(f"routes: {args.routes} requested, {routes} distinct "
          f"({'spread /24s, seed %d' % args.random_seed if args.random_seed else 'consecutive /24s'})")
    print(f"{'':24}{'add (s)':>10}{'delete (s)':>12}{'in kernel':>11}")
    print(f"{'zebra-lite (client API)':24}{z['add']:10.2f}{z['delete']:12.2f}{z['installed']:11d}")
    print(f"{'ip -batch':24}{ip['add']:10.2f}{ip['delete']:12.2f}{ip['installed']:11d}")
    print(f"zebra-lite CPU (user+system): add {z['add_cpu']:.2f} s, delete {z['delete_cpu']:.2f} s")
    print(f"ratio ip-batch/zebra-lite: add {ip['add'] / z['add']:.2f}x, "
          f"delete {ip['delete'] / z['delete']:.2f}x  (>1: zebra-lite faster)")
    print(f"zebra-lite RSS: {z['base_kb'] / 1024:.1f} MiB empty, {z['rss_kb'] / 1024:.1f} MiB "
          f"with the table, peak {z['peak_kb'] / 1024:.1f} MiB; "
          f"{per_route:.0f} bytes per route (RSS growth / routes)")
    if z["installed"] != routes or z["left"] != 0:
        print(f"WARNING: kernel had {z['installed']} routes after add, {z['left']} after delete")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
