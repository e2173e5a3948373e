#!/usr/bin/python3
"""
EVPN benchmark (issue 22): a feeder (tests/bench/evpn_feeder.py, a raw
iBGP speaker) announces N type-2 routes (100,000 by default) of VNI 100
behind one VTEP; we time from the feeder's first UPDATE until the kernel
FDB of the DUT's VXLAN device holds all N remote MACs (`bridge fdb show
dev vxlan100` polled every 0.25 s, the count must be exact; at 100,000
entries one dump takes seconds, so the wall clock is coarse, and the CPU
seconds of the DUT's daemons are printed too), for both DUTs in one run:

- kldnet: zebra-lite + vxland (`vxlan 100` with `flood evpn`) + bgpd;
- FRR 8.4: zebra + bgpd (`advertise-all-vni`), the VXLAN device and
  bridge made with ip(8) as FRR's guide has it.

Each repeat runs both, paired; medians are printed with the ratio
FRR / kldnet, and the RSS per MAC (the DUT's daemons with the MACs less
before the feed, divided by N).

Not a test: it prints numbers and ratios. Run as root:
    tests/bench/bench_evpn.py [--macs 100000] [--repeat 3]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "topo"))
import kldlab  # noqa: E402

FEEDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "evpn_feeder.py")

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


def count(h):
    out = h.cmd("bridge fdb show dev vxlan100 2>/dev/null | grep -c '^02:.* dst 10.0.0.2'",
                check=False).strip()
    return int(out or 0)


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
    return [dut.pid(d) for d in ("zebra-lite", "vxland", "bgpd")]


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
    pids = []
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
        pids.append(p.pid)
    return pids


def run(lab, name, kind, n):
    dut, feed = pair(lab, name)
    pids = start_kldnet(dut) if kind == "kldnet" else start_frr(dut)
    f = feed.popen(["/usr/bin/python3", FEEDER, "10.0.0.1", "10.0.0.2", str(n)],
                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert f.stdout.readline().strip() == "up", "feeder did not come up"
    time.sleep(2)  # the session settles (End-of-RIB, the DUT's own routes)
    before = sum(rss_kb(p) for p in pids)
    cpu0 = sum(cpu_s(p) for p in pids)
    t0 = time.monotonic()
    f.stdin.write("go\n")
    f.stdin.flush()
    kldlab.wait_for(lambda: count(dut) >= n, 900, interval=0.25, what=f"{kind}: {n} MACs")
    took = time.monotonic() - t0
    got = count(dut)
    after = sum(rss_kb(p) for p in pids)
    cpu = sum(cpu_s(p) for p in pids) - cpu0
    f.kill()
    f.wait()
    dut.stop_all()
    return took, got, (after - before) * 1024 / n, cpu


def median(xs):
    return sorted(xs)[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--macs", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    res = {"kldnet": [], "frr": []}
    with tempfile.TemporaryDirectory(prefix="bench-evpn-") as tmp:
        lab = kldlab.Lab(tmp)
        try:
            for r in range(args.repeat):
                for kind in ("kldnet", "frr"):
                    t, got, per, cpu = run(lab, f"{kind[:3]}{r}", kind, args.macs)
                    assert got == args.macs, f"{kind}: {got} of {args.macs} MACs"
                    res[kind].append((t, per, cpu))
                    print(f"  run {r + 1} {kind}: {t:.3f} s, {cpu:.2f} s CPU, {per:.0f} bytes/MAC",
                          flush=True)
        finally:
            lab.close()
    k = median([x[0] for x in res["kldnet"]])
    f = median([x[0] for x in res["frr"]])
    kc = median([x[2] for x in res["kldnet"]])
    fc = median([x[2] for x in res["frr"]])
    print(f"{args.macs} type-2 routes to the kernel FDB, median of {args.repeat} paired runs:")
    print(f"  kldnet (bgpd + zebra-lite + vxland): {k:8.3f} s, {kc:6.2f} s CPU, "
          f"{median([x[1] for x in res['kldnet']]):.0f} bytes RSS per MAC")
    print(f"  FRR 8.4 (bgpd + zebra):              {f:8.3f} s, {fc:6.2f} s CPU, "
          f"{median([x[1] for x in res['frr']]):.0f} bytes RSS per MAC")
    print(f"  ratio FRR/kldnet = {f / k:.2f} (wall clock), {fc / kc:.2f} (CPU); every MAC present "
          f"({args.macs} counted in each run)")


if __name__ == "__main__":
    main()
