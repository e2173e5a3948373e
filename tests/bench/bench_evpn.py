#!/usr/bin/python3
"""
EVPN benchmark (issue 22): a feeder (tests/bench/evpn_feeder.py, a raw
iBGP speaker) announces N type-2 routes (100,000 by default) of VNI 100
behind one VTEP, after one type-3 route, all at once; we time from the
word that starts it until the kernel has the last of the N remote MACs
in the DUT's VXLAN device's FDB, for both DUTs in one run:

- kldnet: zebra-lite + vxland (`vxlan 100` with `flood evpn`) + bgpd;
- FRR 8.4: zebra + bgpd (`advertise-all-vni`), the VXLAN device and
  bridge made with ip(8) as FRR's guide has it.

The judge is tests/bench/fdbwatch.c, started in the DUT's namespace
before the feed: it reads the kernel's FDB events (RTM_NEWNEIGH on
AF_BRIDGE) and stops at the event that completes the set of N MACs (the
device's entry to the feeder's VTEP), whose time it gives; then one full
dump checks that every MAC has its device entry and its bridge entry. No
polling: a dump of 200,000 entries takes seconds and holds the kernel's
lock while the DUT writes. A run whose judge lost events (ENOBUFS) or
whose final check misses an entry fails the benchmark.

Each repeat runs both, paired, the order alternating (kldnet first in
odd repeats, FRR first in even ones); medians are printed with the ratio
FRR / kldnet (median of the per-pair ratios) of the wall clock and of the
CPU seconds of the DUT's daemons (kldnet: bgpd, zebra-lite, vxland; FRR:
bgpd, zebra) over the run, and the RSS per MAC (the DUT's daemons with
the MACs less before the feed, divided by N).

Not a test: it prints numbers and ratios. Run as root, pinned to one CPU
with the machine's other processes on the other (see doc/evpn.md):
    taskset -c 1 tests/bench/bench_evpn.py [--macs 100000] [--repeat 3]
"""
import argparse
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "topo"))
import kldlab  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FEEDER = os.path.join(HERE, "evpn_feeder.py")
WATCH = f"/tmp/fdbwatch.{os.getpid()}"

KLD_CONF = """router bgp 65001
 bgp router-id 10.0.0.1
 neighbor 10.0.0.2 remote-as 65001
 !
 address-family l2vpn evpn
  neighbor 10.0.0.2 activate
  advertise-all-vni
 exit-address-family
exit
!
vxlan 100
 local 10.0.0.1
 dstport 4789
 no learning
 flood evpn
 bridge br100
exit
"""

FRR_BGPD = """frr defaults datacenter
hostname dut
router bgp 65001
 bgp router-id 10.0.0.1
 no bgp default ipv4-unicast
 neighbor 10.0.0.2 remote-as 65001
 address-family l2vpn evpn
  neighbor 10.0.0.2 activate
  advertise-all-vni
 exit-address-family
"""


def build_watch():
    subprocess.run(["gcc", "-O2", "-Wall", "-o", WATCH, os.path.join(HERE, "fdbwatch.c")],
                   check=True)


def read_line(p, timeout):
    """A line of p's stdout within timeout seconds ('' at its end)."""
    if not select.select([p.stdout], [], [], timeout)[0]:
        raise TimeoutError("fdbwatch said nothing in %d s" % timeout)
    return p.stdout.readline().strip()


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def cpu_s(pid):
    """User + system CPU seconds of a process (robust to the machine's load,
    which the wall-clock time is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except FileNotFoundError:
        return 0.0


def pair(lab, name):
    dut, feed = lab.host(name), lab.host(name + "f")
    lab.link(dut, "eth0", feed, "eth0")
    dut.cmd("ip addr add 10.0.0.1/24 dev eth0")
    feed.cmd("ip addr add 10.0.0.2/24 dev eth0")
    return dut, feed


def start_kldnet(dut):
    dut.write_config(KLD_CONF)
    for d in ("zebra-lite", "vxland", "bgpd"):
        dut.start(d)
    kldlab.wait_for(lambda: "vxlan100" in dut.cmd("ip link show"), 30, what="vxlan100")
    return {d: dut.pid(d) for d in ("zebra-lite", "vxland", "bgpd")}


def start_frr(dut):
    dut.cmd("ip link add br100 type bridge && ip link set br100 up && "
            "ip link add vxlan100 type vxlan id 100 local 10.0.0.1 dstport 4789 nolearning && "
            "ip link set vxlan100 master br100 && ip link set vxlan100 up")
    d = tempfile.mkdtemp(prefix=dut.ns + "-frr-")
    os.chmod(d, 0o777)
    close = dut.close

    def close_and_clean():
        close()
        shutil.rmtree(d, ignore_errors=True)
    dut.close = close_and_clean
    pids = {}
    for name, conf in (("zebra", "hostname dut\n"), ("bgpd", FRR_BGPD)):
        path = os.path.join(d, name + ".conf")
        with open(path, "w") as f:
            f.write(conf)
        argv = ["/usr/lib/frr/" + name, "-u", "frr", "-g", "frr", "-P", "0", "-f", path,
                "-z", os.path.join(d, "zserv.api"), "-i", os.path.join(d, name + ".pid"),
                "--vty_socket", d, "--log", "stdout", "--log-level", "warnings"]
        if name == "zebra":
            argv += ["-s", str(64 * 1024 * 1024)]  # netlink buffer for 100k MACs
        log = open(os.path.join(dut.dir, "frr-%s.log" % name), "a")
        p = dut.popen(argv, stdout=log, stderr=subprocess.STDOUT)
        dut.procs["frr-" + name] = p
        kldlab.wait_for(lambda: os.path.exists(os.path.join(d, name + ".vty")), 15,
                        what="FRR " + name)
        pids[name] = p.pid
    return pids


def run(lab, name, kind, n):
    """One DUT fed n MACs: (seconds to the last MAC, to the first, CPU
    seconds per daemon, the judge's CPU seconds, RSS bytes per MAC, MACs
    with their device entry, MACs with their bridge entry)."""
    dut, feed = pair(lab, name)
    pids = start_kldnet(dut) if kind == "kldnet" else start_frr(dut)
    f = feed.popen(["/usr/bin/python3", FEEDER, "10.0.0.1", "10.0.0.2", str(n)],
                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert f.stdout.readline().strip() == "up", "feeder did not come up"
    time.sleep(2)  # the session settles (End-of-RIB, the DUT's own routes)
    w = dut.popen([WATCH, "vxlan100", "10.0.0.2", str(n)], stdout=subprocess.PIPE, text=True)
    assert read_line(w, 30) == "ready", "fdbwatch did not start"
    before = sum(rss_kb(p) for p in pids.values())
    cpu0 = {d: cpu_s(p) for d, p in pids.items()}
    t0 = time.monotonic()
    f.stdin.write("go\n")
    f.stdin.flush()
    last = read_line(w, 900).split()
    cpu = {d: cpu_s(p) - cpu0[d] for d, p in pids.items()}
    after = sum(rss_kb(p) for p in pids.values())
    assert last[:1] == ["last"], f"{kind}: fdbwatch: {' '.join(last)} (events lost)"
    took, first, judge = float(last[1]) - t0, float(last[2]) - t0, float(last[3])
    check = read_line(w, 120).split()
    assert check[:1] == ["check"], f"{kind}: fdbwatch's check: {check}"
    w.wait(30)
    f.kill()
    f.wait()
    dut.stop_all()
    return took, first, cpu, judge, (after - before) * 1024 / n, int(check[1]), int(check[2])


def median(xs):
    return sorted(xs)[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--macs", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    n = args.macs
    res = {"kldnet": [], "frr": []}
    build_watch()
    with tempfile.TemporaryDirectory(prefix="bench-evpn-") as tmp:
        lab = kldlab.Lab(tmp)
        try:
            for r in range(args.repeat):
                order = ("kldnet", "frr") if r % 2 == 0 else ("frr", "kldnet")
                for kind in order:
                    t, t1, cpus, judge, per, self_n, master_n = run(lab, f"{kind[:3]}{r}", kind, n)
                    cpu = sum(cpus.values())
                    res[kind].append((t, cpu, per))
                    each = ", ".join(f"{d} {c:.2f}" for d, c in cpus.items())
                    print(f"  run {r + 1} {kind}: {t:.3f} s (first MAC {t1:.3f} s), "
                          f"{cpu:.2f} s CPU ({each}; judge {judge:.2f}), "
                          f"{per:.0f} bytes/MAC; {self_n} device and {master_n} bridge entries",
                          flush=True)
                    assert self_n == n and master_n == n, f"{kind}: entries missing"
        finally:
            lab.close()
            os.unlink(WATCH)
    k, f = res["kldnet"], res["frr"]
    wall = median([b[0] / a[0] for a, b in zip(k, f)])
    cpu = median([b[1] / a[1] for a, b in zip(k, f)])
    print(f"{n} type-2 routes to the kernel FDB, median of {args.repeat} paired runs:")
    for name, rs in (("kldnet (bgpd + zebra-lite + vxland)", k), ("FRR 8.4 (bgpd + zebra)", f)):
        print(f"  {name:36s} {median([x[0] for x in rs]):8.3f} s, "
              f"{median([x[1] for x in rs]):6.2f} s CPU, "
              f"{median([x[2] for x in rs]):.0f} bytes RSS per MAC")
    print(f"  ratio FRR/kldnet = {wall:.2f} (wall clock), {cpu:.2f} (CPU), "
          f"{median([x[2] for x in f]) / median([x[2] for x in k]):.2f} (RSS per MAC); "
          f"every MAC present (both entries) in each run")


if __name__ == "__main__":
    main()
