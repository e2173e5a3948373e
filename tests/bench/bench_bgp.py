#!/usr/bin/python3
"""
BGP propagation benchmark (issue 4).

A feeder sends N IPv4 prefixes with realistic diversity (thousands of
distinct AS paths and community sets, pre-encoded before the clock starts)
to the device under test, which passes them to a monitor peer. We measure
the time from the feeder's first UPDATE to the last prefix at the monitor
(CLOCK_MONOTONIC is shared by all namespaces of the machine), and the DUT's
peak RSS (VmHWM, summed over every process of the DUT's namespace, so
OpenBGPD's parent/session engine/RDE/RTR and kldnet's bgpd + zebra-lite
count whole). DUTs in the same run: kldnet bgpd, FRR bgpd 8.4, BIRD 2.0.12,
OpenBGPD 7.7 and GoBGP 3.10 (Debian packages; openbgpd and gobgpd are
installed with apt-get when missing, their system services kept disabled).

Topology: feeders (10.0.1.2.., AS 65100..) -- dut (10.0.1.1 / 10.0.2.1,
AS 65000) -- monitor (10.0.2.2, AS 65200), each side a namespace.

Scenarios:
  single  1 feeder x N prefixes.
  multi   10 feeders x the same N prefixes (10 N paths at the DUT). Feeder
          i prepends its AS 5 i times, so feeder 0's path is best everywhere;
          the clock stops when the monitor holds feeder 0's path for all N
          prefixes, whatever order the DUT got them in.
  multi-noexport
          multi, with nothing sent back to the feeders (an outbound
          route-map that denies everything; BIRD: export none), so only
          the monitor gets routes. kldnet, FRR and BIRD only.
  fanout  1 feeder x N to 10 monitors (10.0.2.2-11, all AS 65200, one
          outbound policy): the clock stops when the last monitor holds
          the last prefix. kldnet packs the UPDATEs once for its update
          group of ten; FRR groups too; BIRD exports per peer.
  kernel  1 x N, kldnet bgpd installs the routes through zebra-lite
          (BIRD through its kernel protocol); a netlink listener in the
          DUT's namespace also records when the last route reached the
          kernel. FRR (needs its zebra), OpenBGPD and GoBGP skip it.

Not a test: it prints numbers and ratios. Run as root:
    tests/bench/bench_bgp.py [--prefixes 100000] [--scenario single,multi,fanout,kernel]
                             [--dut kldnet,frr,bird,openbgpd,gobgp] [--soft-in]
(--soft-in: kldnet and FRR keep the feeders' routes as received, with
soft-reconfiguration inbound, to measure what that copy costs.)
"""
import argparse
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "topo"))

MARKER = b"\xff" * 16


# ---- the speakers (run inside the namespaces as `bench_bgp.py feeder|monitor`) ----

def msg(mtype, body):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg(asn, bgp_id, hold=180):
    cap = b"\x01\x04\x00\x01\x00\x01" + b"\x41\x04" + struct.pack("!I", asn)
    opt = b"\x02" + bytes([len(cap)]) + cap
    return msg(1, struct.pack("!BHH4sB", 4, asn if asn < 65536 else 23456, hold,
                              socket.inet_aton(bgp_id), len(opt)) + opt)


def keepalive():
    return msg(4, b"")


def attr(flags, code, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def make_attr_sets(n, asn, nexthop, rnd, prepend=0):
    """n distinct attribute blocks: AS paths of 1-6 hops behind the
    feeder's AS, about half with 1-4 communities."""
    sets = []
    for i in range(n):
        path = [asn] * (1 + prepend) + [rnd.randrange(1000, 64000)
                                        for _ in range(rnd.randrange(1, 6))]
        path.append(100000 + i)  # 4-octet origin AS: makes every set distinct
        seg = b"\x02" + bytes([len(path)]) + b"".join(struct.pack("!I", a) for a in path)
        a = (attr(0x40, 1, bytes([rnd.choice((0, 0, 0, 2))])) + attr(0x40, 2, seg) +
             attr(0x40, 3, socket.inet_aton(nexthop)))
        if rnd.random() < 0.5:
            comms = b"".join(struct.pack("!HH", rnd.choice((asn & 0xffff, 3356, 174)),
                                         rnd.randrange(1, 1000))
                             for _ in range(rnd.randrange(1, 5)))
            a += attr(0xC0, 8, comms)
        sets.append(a)
    return sets


def prefixes(n):
    """n distinct /24s from 11.0.0.0 upwards."""
    out = []
    base = 11 << 24
    for i in range(n):
        out.append((base + (i << 8), 24))
    return out


def nlri_bytes(p):
    addr, plen = p
    return bytes([plen]) + struct.pack("!I", addr)[:(plen + 7) // 8]


def encode_updates(n_prefixes, n_sets, asn, nexthop, seed, prepend=0):
    rnd = random.Random(seed)
    sets = make_attr_sets(n_sets, asn, nexthop, rnd, prepend)
    pfx = prefixes(n_prefixes)
    # Runs of 1-40 consecutive prefixes share a set, as in real tables.
    msgs = []
    i = 0
    while i < len(pfx):
        a = sets[rnd.randrange(len(sets))]
        run = pfx[i:i + rnd.randrange(1, 41)]
        i += len(run)
        room = 4096 - 19 - 4 - len(a)
        chunk = b""
        for p in run:
            nb = nlri_bytes(p)
            if len(chunk) + len(nb) > room:
                msgs.append(msg(2, b"\x00\x00" + struct.pack("!H", len(a)) + a + chunk))
                chunk = b""
            chunk += nb
        if chunk:
            msgs.append(msg(2, b"\x00\x00" + struct.pack("!H", len(a)) + a + chunk))
    return b"".join(msgs), len(msgs)


class Conn:
    def __init__(self, peer, local=None):
        for _ in range(300):
            try:
                self.s = socket.create_connection((peer, 179), timeout=2,
                                                  source_address=(local, 0) if local else None)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("cannot connect")
        self.s.settimeout(None)
        self.buf = bytearray()

    def read_msgs(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise SystemExit("closed")
        self.buf += d
        out = []
        off = 0
        while len(self.buf) - off >= 19:
            ln = (self.buf[off + 16] << 8) | self.buf[off + 17]
            if len(self.buf) - off < ln:
                break
            out.append(bytes(self.buf[off:off + ln]))
            off += ln
        del self.buf[:off]
        return out

    def establish(self, asn, bgp_id):
        self.s.sendall(open_msg(asn, bgp_id))
        got_open = got_ka = False
        while not (got_open and got_ka):
            for m in self.read_msgs():
                if m[18] == 1:
                    got_open = True
                    self.s.sendall(keepalive())
                elif m[18] == 4:
                    got_ka = got_open
                elif m[18] == 3:
                    raise SystemExit(f"NOTIFICATION {m[19]}/{m[20]}")


def count_nlri(m):
    """Prefixes announced in an UPDATE (IPv4 NLRI field). The feeder sends
    only /24s (4 bytes each in NLRI), so the monitor counts by length and
    costs next to nothing; it must not be what the benchmark measures."""
    wl = (m[19] << 8) | m[20]
    off = 21 + wl
    al = (m[off] << 8) | m[off + 1]
    return (len(m) - off - 2 - al) // 4


def feeder_addr(i):
    return f"10.0.1.{2 + i}"


def role_feeder(args):
    i = args.index
    asn, me = 65100 + i, feeder_addr(i)
    data, nmsg = encode_updates(args.prefixes, args.sets, asn, me, args.seed + i, prepend=5 * i)
    c = Conn(args.peer, me)
    c.establish(asn, me)
    # Everyone established: wait for the bench's go so that all feeders
    # start together and no session setup is inside the measurement.
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()
    t0 = time.monotonic()
    print(json.dumps({"t0": t0, "messages": nmsg, "bytes": len(data)}), flush=True)
    c.s.sendall(data)
    # Keep the session up (keepalives) until the bench kills us. What the
    # DUT sends back (with 10 feeders, everyone's best paths) is dropped
    # unparsed: the feeders share the DUT's two cores.
    c.s.settimeout(20)
    last = time.monotonic()
    while True:
        try:
            if not c.s.recv(1 << 20):
                return
        except socket.timeout:
            pass
        if time.monotonic() - last >= 20:
            c.s.sendall(keepalive())
            last = time.monotonic()


def first_hop_as(m):
    """The AS after the DUT's in an UPDATE's AS_PATH (4-octet: the monitor
    announces the capability), or 0."""
    wl = (m[19] << 8) | m[20]
    off = 21 + wl
    end = off + 2 + ((m[off] << 8) | m[off + 1])
    off += 2
    while off < end:
        flags, code = m[off], m[off + 1]
        if flags & 0x10:
            ln, off = (m[off + 2] << 8) | m[off + 3], off + 4
        else:
            ln, off = m[off + 2], off + 3
        if code == 2 and ln >= 10:
            return struct.unpack_from("!I", m, off + 6)[0]
        off += ln
    return 0


def monitor_multi(c, args):
    """Done when every prefix's latest announcement is feeder 0's path."""
    n = args.prefixes
    best = bytearray(n)
    good = 0
    base = 11 << 16
    while good < n:
        for m in c.read_msgs():
            if m[18] == 4:
                c.s.sendall(keepalive())
                continue
            if m[18] != 2:
                continue
            wl = (m[19] << 8) | m[20]
            off = 21 + wl
            nl = off + 2 + ((m[off] << 8) | m[off + 1])
            is0 = 1 if first_hop_as(m) == 65100 else 0
            for o in range(nl, len(m), 4):
                k = ((m[o + 1] << 16) | (m[o + 2] << 8) | m[o + 3]) - base
                if best[k] != is0:
                    best[k] = is0
                    good += 1 if is0 else -1
    return n


def monitor_addr(j):
    return f"10.0.2.{2 + j}"


def role_monitor(args):
    me = monitor_addr(args.index)
    c = Conn(args.peer, me)
    c.establish(65200, me)
    print(json.dumps({"ready": True}), flush=True)
    if args.feeders > 1:
        seen = monitor_multi(c, args)
        print(json.dumps({"t_end": time.monotonic(), "seen": seen}), flush=True)
        return
    seen = 0
    while seen < args.prefixes:
        for m in c.read_msgs():
            if m[18] == 2:
                seen += count_nlri(m)
            elif m[18] == 4:
                c.s.sendall(keepalive())
    print(json.dumps({"t_end": time.monotonic(), "seen": seen}), flush=True)


# ---- the devices under test ----
# Each starter gets the DUT host, the number of feeders and the scenario,
# and returns once the DUT listens on port 179.

def feeders_of(nf):
    return [(feeder_addr(i), 65100 + i) for i in range(nf)]


def monitors_of(scenario):
    return [(monitor_addr(j), 65200) for j in range(MONITORS.get(scenario, 1))]


def feeder_deny(nf, scenario):
    """FRR-syntax lines that send the feeders nothing (multi-noexport)."""
    if scenario != "multi-noexport":
        return "", ""
    af = "".join(f"  neighbor {a} route-map NONE out\n" for a, _ in feeders_of(nf))
    return "route-map NONE deny 10\nexit\n", f" address-family ipv4 unicast\n{af} exit-address-family\n"


SOFT_IN = False  # --soft-in: kldnet and FRR keep the feeders' routes as received


def soft_in_af(nf):
    """The address-family block that turns soft-reconfiguration on, or ""."""
    if not SOFT_IN:
        return ""
    lines = "".join(f"  neighbor {a} soft-reconfiguration inbound\n" for a, _ in feeders_of(nf))
    return f" address-family ipv4 unicast\n{lines} exit-address-family\n"


def dut_kldnet(h, nf, scenario):
    nbrs = "".join(f" neighbor {a} remote-as {asn}\n"
                   for a, asn in feeders_of(nf) + monitors_of(scenario))
    rmap, af = feeder_deny(nf, scenario)
    h.write_config(f"""{rmap}router bgp 65000
 bgp router-id 10.0.1.1
{nbrs}{af}{soft_in_af(nf)}exit
""")
    if scenario == "kernel":
        h.start("zebra-lite")
    h.start("bgpd")


def dut_frr(h, nf, scenario):
    nbrs = "".join(f" neighbor {a} remote-as {asn}\n"
                   for a, asn in feeders_of(nf) + monitors_of(scenario))
    rmap, af = feeder_deny(nf, scenario)
    h.start_frr_bgpd(f"""frr defaults traditional
{rmap}router bgp 65000
 bgp router-id 10.0.1.1
 no bgp ebgp-requires-policy
{nbrs}{af}{soft_in_af(nf)}""")


def dut_bird(h, nf, scenario):
    export = "none" if scenario == "multi-noexport" else "all"
    feeds = "".join(f"""protocol bgp feeder{i} {{ local 10.0.1.1 as 65000; neighbor {a} as {asn};
  ipv4 {{ import all; export {export}; }}; }}
""" for i, (a, asn) in enumerate(feeders_of(nf)))
    # In the kernel scenario BIRD exports its table into the kernel's main
    # table itself (proto bird), the nearest like-for-like to zebra-lite.
    kernel = ("protocol kernel { ipv4 { export all; }; }\n"
              if scenario == "kernel" else "")
    mons = "".join(f"""protocol bgp monitor{j} {{ local 10.0.2.1 as 65000; neighbor {a} as {asn};
  ipv4 {{ import none; export all; }}; }}
""" for j, (a, asn) in enumerate(monitors_of(scenario)))
    h.start_bird(f"""router id 10.0.1.1;
protocol device {{}}
{kernel}{feeds}{mons}""")


def ensure_packages():
    """OpenBGPD and GoBGP come from Debian; their services must not run
    in the host's namespace."""
    missing = [pkg for pkg, exe in (("openbgpd", "/usr/sbin/bgpd"), ("gobgpd", "/usr/bin/gobgpd"))
               if not os.path.exists(exe)]
    if missing:
        subprocess.run(["apt-get", "install", "-y", *missing], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
                       stdout=subprocess.DEVNULL)
    subprocess.run("systemctl disable --now openbgpd gobgpd 2>/dev/null || true", shell=True)


def dut_openbgpd(h, nf, scenario):
    """bgpd -d: foreground, three privsep processes (parent, session
    engine, RDE) plus RTR; the session engine chroots into _openbgpd's
    home. fib-update no: nothing goes into the kernel (kldnet does not
    install either outside the kernel scenario)."""
    d = os.path.join(h.dir, "openbgpd")
    os.makedirs(d, exist_ok=True)
    os.makedirs("/run/openbgpd", exist_ok=True)
    conf = os.path.join(d, "bgpd.conf")
    nbrs = "".join(f"neighbor {a} {{\n\tremote-as {asn}\n\tlocal-address 10.0.1.1\n}}\n"
                   for a, asn in feeders_of(nf))
    nbrs += "".join(f"neighbor {a} {{\n\tremote-as {asn}\n\tlocal-address 10.0.2.1\n}}\n"
                    for a, asn in monitors_of(scenario))
    with open(conf, "w") as f:
        f.write(f"""AS 65000
router-id 10.0.1.1
socket "{d}/bgpd.sock"
fib-update no
{nbrs}allow from any
allow to any
""")
    os.chmod(conf, 0o600)
    h.cmd(f"bgpd -n -f {conf}")
    log = open(os.path.join(h.dir, "openbgpd.log"), "a")
    h.procs["openbgpd"] = h.popen(["bgpd", "-d", "-f", conf], stdout=log,
                                  stderr=subprocess.STDOUT)


def dut_gobgp(h, nf, scenario):
    d = os.path.join(h.dir, "gobgp")
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "gobgpd.toml")
    nbrs = "".join(f"""[[neighbors]]
  [neighbors.config]
    neighbor-address = "{a}"
    peer-as = {asn}
""" for a, asn in feeders_of(nf) + monitors_of(scenario))
    with open(conf, "w") as f:
        f.write(f"""[global.config]
  as = 65000
  router-id = "10.0.1.1"
[global.apply-policy.config]
  default-import-policy = "accept-route"
  default-export-policy = "accept-route"
{nbrs}""")
    log = open(os.path.join(h.dir, "gobgpd.log"), "a")
    h.procs["gobgpd"] = h.popen(["gobgpd", "-f", conf, "-t", "toml", "-l", "warn",
                                 "--api-hosts", "127.0.0.1:50051", "--pprof-disable"],
                                stdout=log, stderr=subprocess.STDOUT)


DUTS = {"kldnet": dut_kldnet, "frr": dut_frr, "bird": dut_bird,
        "openbgpd": dut_openbgpd, "gobgp": dut_gobgp}
NAMES = {"kldnet": "kldnet bgpd", "frr": "FRR bgpd 8.4", "bird": "BIRD 2.0.12",
         "openbgpd": "OpenBGPD 7.7", "gobgp": "GoBGP 3.10"}
FEEDERS = {"single": 1, "multi": 10, "multi-noexport": 10, "kernel": 1, "fanout": 1}
MONITORS = {"fanout": 10}
KERNEL_PROTO = {"kldnet": 186, "bird": 12}  # rtm_protocol of their kernel routes


def dut_pids(h):
    """The DUT's processes: everything in its namespace but the nsenter
    wrappers and the Python helpers of the harness."""
    from kldlab import sh
    for pid in sh(["ip", "netns", "pids", h.ns], check=False).stdout.split():
        try:
            status = open(f"/proc/{pid}/status").read()
        except FileNotFoundError:
            continue
        if status.split("\n", 1)[0].split()[-1] not in ("nsenter", "sh", "python3"):
            yield pid, status


def rss_hwm_kb(h):
    """Peak RSS summed over the DUT's processes."""
    total = 0
    for _, status in dut_pids(h):
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total


def cpu_seconds(h):
    """User + system CPU time the DUT's processes have used so far: unlike
    the wall clock, it barely moves when the machine is busy with other
    work, so it compares two builds on a shared machine."""
    ticks = 0
    for pid, _ in dut_pids(h):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def role_kernel(args):
    """In the DUT's namespace: count distinct IPv4 routes of protocol
    --rtproto arriving over rtnetlink; print when the last one is in."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    # Each notification costs about 1 KiB of receive buffer: room for a
    # million, so a slow Python reader loses none.
    s.setsockopt(socket.SOL_SOCKET, 33, 1536 << 20)  # SO_RCVBUFFORCE
    s.bind((0, 0x40))  # RTMGRP_IPV4_ROUTE
    print(json.dumps({"ready": True}), flush=True)
    seen = set()
    while len(seen) < args.prefixes:
        try:
            data = s.recv(1 << 20)
        except OSError:
            # ENOBUFS: notifications were lost; count the table instead
            # (coarser: the time is when a dump first shows them all).
            cmd = f"ip -4 -o route show table main proto {args.rtproto} | wc -l"
            while int(subprocess.run(cmd, shell=True, capture_output=True,
                                     text=True).stdout or 0) < args.prefixes:
                time.sleep(0.2)
            break
        off = 0
        while off + 16 <= len(data):
            ln, typ = struct.unpack_from("=IH", data, off)
            if ln < 16:
                break
            # rtmsg: family, dst_len, src_len, tos, table, protocol, ...
            if typ == 24 and data[off + 16 + 5] == args.rtproto:
                a = off + 28
                while a + 4 <= off + ln:
                    alen, atyp = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    if atyp == 1:  # RTA_DST
                        seen.add(data[a + 4:a + 8])
                        break
                    a += (alen + 3) & ~3
            off += (ln + 3) & ~3
    print(json.dumps({"t_end": time.monotonic(), "seen": len(seen)}), flush=True)


def read_json(p, timeout, what):
    """One JSON line from a child, or an error naming what never came."""
    import threading
    out = []
    t = threading.Thread(target=lambda: out.append(p.stdout.readline()), daemon=True)
    t.start()
    t.join(timeout)
    if not out or not out[0]:
        raise TimeoutError(f"no {what} within {timeout:.0f}s")
    return json.loads(out[0])


def run_one(name, scenario, args):
    import kldlab
    nf = FEEDERS[scenario]
    lab = kldlab.Lab(tempfile.mkdtemp(prefix="bgpbench"))
    procs = []
    try:
        f, d, m = lab.host("feeder"), lab.host("dut"), lab.host("monitor")
        lab.link(f, "eth0", d, "eth0")
        lab.link(d, "eth1", m, "eth0")
        for i in range(nf):
            f.cmd(f"ip addr add {feeder_addr(i)}/24 dev eth0")
        d.cmd("ip addr add 10.0.1.1/24 dev eth0 && ip addr add 10.0.2.1/24 dev eth1")
        nm = MONITORS.get(scenario, 1)
        for j in range(nm):
            m.cmd(f"ip addr add {monitor_addr(j)}/24 dev eth0")
        DUTS[name](d, nf, scenario)
        kldlab.wait_for(lambda: ":179 " in d.cmd("ss -Hltn"), 20, what=f"{name} listening")
        me = os.path.abspath(__file__)
        common = ["--prefixes", str(args.prefixes), "--sets", str(args.sets),
                  "--seed", str(args.seed), "--feeders", str(nf)]
        kern = None
        if scenario == "kernel":
            kern = d.popen(["python3", me, "kernel", "--rtproto", str(KERNEL_PROTO[name]),
                            *common], stdout=subprocess.PIPE, text=True)
            procs.append(kern)
            assert json.loads(kern.stdout.readline()).get("ready")

        def speakers(host, role, n, peer):
            ps = [host.popen(["python3", me, role, "--peer", peer, "--index", str(i), *common],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                  for i in range(n)]
            procs.extend(ps)
            for p in ps:
                assert read_json(p, 60, f"{role} session").get("ready")
            return ps
        mons = speakers(m, "monitor", nm, "10.0.2.1")
        feeds = speakers(f, "feeder", nf, "10.0.1.1")
        cpu0 = cpu_seconds(d)
        for p in feeds:
            p.stdin.write("go\n")
            p.stdin.flush()
        starts = [json.loads(p.stdout.readline()) for p in feeds]
        limit = 60 + 3e-4 * args.prefixes * nf
        t_end = max(read_json(p, limit, "last prefix at the monitor")["t_end"] for p in mons)
        t0 = min(s["t0"] for s in starts)
        row = {"dut": name, "scenario": scenario, "seconds": t_end - t0,
               "messages": sum(s["messages"] for s in starts), "feeders": nf}
        if kern:
            row["kernel_seconds"] = read_json(kern, limit, "last kernel route")["t_end"] - t0
        row["cpu_seconds"] = cpu_seconds(d) - cpu0
        row["rss_kb"] = rss_hwm_kb(d)
        return row
    finally:
        for p in procs:
            p.kill()
        lab.close()


def print_table(rows, args):
    print(f"\nN = {args.prefixes} IPv4 prefixes per feeder, {args.sets} attribute sets per "
          f"feeder; time = first UPDATE -> last prefix at the monitor")
    print(f"{'scenario':<14} {'DUT':<13} {'seconds':>8} {'x kldnet':>8} {'kernel s':>8} "
          f"{'CPU s':>7} {'RSS MiB':>8} {'B/path':>7} {'x kldnet':>8}")
    for sc in dict.fromkeys(r["scenario"] for r in rows):
        rs = [r for r in rows if r["scenario"] == sc]
        base = next((r for r in rs if r["dut"] == "kldnet" and "error" not in r), None)
        for r in rs:
            if "error" in r:
                print(f"{sc:<14} {NAMES[r['dut']]:<13} failed: {r['error']}")
                continue
            paths = args.prefixes * r["feeders"]
            ks = f"{r['kernel_seconds']:8.2f}" if "kernel_seconds" in r else f"{'-':>8}"
            tr = f"{r['seconds'] / base['seconds']:8.2f}" if base else f"{'-':>8}"
            mr = f"{r['rss_kb'] / max(base['rss_kb'], 1):8.2f}" if base else f"{'-':>8}"
            print(f"{sc:<14} {NAMES[r['dut']]:<13} {r['seconds']:8.2f} {tr} {ks} "
                  f"{r['cpu_seconds']:7.2f} {r['rss_kb'] / 1024:8.1f} {r['rss_kb'] * 1024 / paths:7.0f} {mr}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", nargs="?", default="bench",
                    choices=("bench", "feeder", "monitor", "kernel"))
    ap.add_argument("--prefixes", type=int, default=100000)
    ap.add_argument("--sets", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--peer")
    ap.add_argument("--index", type=int, default=0)
    ap.add_argument("--feeders", type=int, default=1)
    ap.add_argument("--rtproto", type=int, default=186)
    ap.add_argument("--dut", default="kldnet,frr,bird,openbgpd,gobgp")
    ap.add_argument("--scenario", default="single,multi,kernel")
    ap.add_argument("--json", help="also write the rows to this file")
    ap.add_argument("--soft-in", action="store_true",
                    help="kldnet and FRR with soft-reconfiguration inbound on the feeders")
    args = ap.parse_args()
    global SOFT_IN
    SOFT_IN = args.soft_in
    if args.role == "feeder":
        return role_feeder(args)
    if args.role == "monitor":
        return role_monitor(args)
    if args.role == "kernel":
        return role_kernel(args)
    duts = args.dut.split(",")
    if {"openbgpd", "gobgp"} & set(duts):
        ensure_packages()
    rows = []
    for sc in args.scenario.split(","):
        for n in duts:
            if sc == "kernel" and n not in KERNEL_PROTO:
                continue  # FRR would need its zebra; the others are not set up for it
            if sc == "multi-noexport" and n not in ("kldnet", "frr", "bird"):
                continue
            try:
                rows.append(run_one(n, sc, args))
            except Exception as e:  # one DUT failing must not lose the others' rows
                rows.append({"dut": n, "scenario": sc, "error": str(e)[:200]})
            print(json.dumps(rows[-1]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print_table(rows, args)


if __name__ == "__main__":
    main()
