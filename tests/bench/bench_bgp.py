#!/usr/bin/python3
"""
BGP propagation benchmark (issue 4).

A feeder sends N IPv4 prefixes with realistic diversity (thousands of
distinct AS paths and community sets, pre-encoded before the clock starts)
to the device under test, which passes them to a monitor peer. We measure
the time from the feeder's first UPDATE to the last prefix at the monitor
(CLOCK_MONOTONIC is shared by all namespaces of the machine), and the DUT's
peak RSS (VmHWM). DUTs in the same run: kldnet bgpd, FRR bgpd 8.4, BIRD
2.0.12 (and OpenBGPD / GoBGP when installed).

Topology: feeder (10.0.1.2, AS 65100) -- dut (10.0.1.1 / 10.0.2.1, AS 65000)
-- monitor (10.0.2.2, AS 65200), each a namespace.

Not a test: it prints numbers and ratios. Run as root:
    tests/bench/bench_bgp.py [--prefixes 100000] [--dut kldnet,frr,bird]
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


def make_attr_sets(n, asn, nexthop, rnd):
    """n distinct attribute blocks: AS paths of 1-6 hops behind the
    feeder's AS, about half with 1-4 communities."""
    sets = []
    for i in range(n):
        path = [asn] + [rnd.randrange(1000, 64000) for _ in range(rnd.randrange(1, 6))]
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


def encode_updates(n_prefixes, n_sets, asn, nexthop, seed):
    rnd = random.Random(seed)
    sets = make_attr_sets(n_sets, asn, nexthop, rnd)
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
    def __init__(self, peer):
        for _ in range(300):
            try:
                self.s = socket.create_connection((peer, 179), timeout=2)
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


def role_feeder(args):
    data, nmsg = encode_updates(args.prefixes, args.sets, 65100, "10.0.1.2", args.seed)
    c = Conn(args.peer)
    c.establish(65100, "10.0.1.2")
    t0 = time.monotonic()
    print(json.dumps({"t0": t0, "messages": nmsg, "bytes": len(data)}), flush=True)
    c.s.sendall(data)
    # Keep the session up (keepalives) until the bench kills us.
    c.s.settimeout(20)
    while True:
        try:
            c.read_msgs()
        except socket.timeout:
            pass
        c.s.sendall(keepalive())


def role_monitor(args):
    c = Conn(args.peer)
    c.establish(65200, "10.0.2.2")
    print(json.dumps({"ready": True}), flush=True)
    seen = 0
    while seen < args.prefixes:
        for m in c.read_msgs():
            if m[18] == 2:
                seen += count_nlri(m)
            elif m[18] == 4:
                c.s.sendall(keepalive())
    print(json.dumps({"t_end": time.monotonic(), "seen": seen}), flush=True)


# ---- the devices under test ----

def dut_kldnet(h):
    h.write_config("""router bgp 65000
 bgp router-id 10.0.1.1
 neighbor 10.0.1.2 remote-as 65100
 neighbor 10.0.2.2 remote-as 65200
exit
""")
    p = h.start("bgpd")
    return p.pid


def dut_frr(h):
    p = h.start_frr_bgpd("""frr defaults traditional
router bgp 65000
 bgp router-id 10.0.1.1
 no bgp ebgp-requires-policy
 neighbor 10.0.1.2 remote-as 65100
 neighbor 10.0.2.2 remote-as 65200
""")
    return p.pid


def dut_bird(h):
    p = h.start_bird("""router id 10.0.1.1;
protocol device {}
protocol bgp feeder { local 10.0.1.1 as 65000; neighbor 10.0.1.2 as 65100;
  ipv4 { import all; export none; }; }
protocol bgp monitor { local 10.0.2.1 as 65000; neighbor 10.0.2.2 as 65200;
  ipv4 { import none; export all; }; }
""")
    return p.pid


DUTS = {"kldnet": dut_kldnet, "frr": dut_frr, "bird": dut_bird}


def rss_hwm_kb(h, pid):
    # The harness runs daemons through nsenter; the daemon is its child.
    kids = h.cmd(f"pgrep -P {pid} || true").split()
    for p in [pid] + [int(k) for k in kids]:
        try:
            status = open(f"/proc/{p}/status").read()
        except FileNotFoundError:
            continue
        if "nsenter" in status.split("\n", 1)[0]:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run_one(name, args):
    import kldlab
    lab = kldlab.Lab(tempfile.mkdtemp(prefix="bgpbench"))
    try:
        f, d, m = lab.host("feeder"), lab.host("dut"), lab.host("monitor")
        lab.link(f, "eth0", d, "eth0")
        lab.link(d, "eth1", m, "eth0")
        f.cmd("ip addr add 10.0.1.2/24 dev eth0")
        d.cmd("ip addr add 10.0.1.1/24 dev eth0 && ip addr add 10.0.2.1/24 dev eth1")
        m.cmd("ip addr add 10.0.2.2/24 dev eth0")
        pid = DUTS[name](d)
        me = os.path.abspath(__file__)
        common = ["--prefixes", str(args.prefixes), "--sets", str(args.sets),
                  "--seed", str(args.seed)]
        mon = m.popen(["python3", me, "monitor", "--peer", "10.0.2.1", *common],
                      stdout=subprocess.PIPE, text=True)
        assert json.loads(mon.stdout.readline()).get("ready")
        feed = f.popen(["python3", me, "feeder", "--peer", "10.0.1.1", *common],
                       stdout=subprocess.PIPE, text=True)
        start = json.loads(feed.stdout.readline())
        end = json.loads(mon.stdout.readline())
        secs = end["t_end"] - start["t0"]
        rss = rss_hwm_kb(d, pid)
        feed.kill()
        mon.kill()
        return {"dut": name, "seconds": secs, "rss_kb": rss, "messages": start["messages"]}
    finally:
        lab.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", nargs="?", default="bench", choices=("bench", "feeder", "monitor"))
    ap.add_argument("--prefixes", type=int, default=100000)
    ap.add_argument("--sets", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--peer")
    ap.add_argument("--dut", default="kldnet,frr,bird")
    args = ap.parse_args()
    if args.role == "feeder":
        return role_feeder(args)
    if args.role == "monitor":
        return role_monitor(args)
    rows = [run_one(n, args) for n in args.dut.split(",")]
    print(f"\n{args.prefixes} IPv4 prefixes, {args.sets} attribute sets, "
          f"{rows[0]['messages']} UPDATEs; time = feeder's first UPDATE -> last prefix at monitor")
    base = next((r for r in rows if r["dut"] == "kldnet"), rows[0])
    print(f"{'DUT':<8} {'seconds':>9} {'ratio':>7} {'peak RSS MiB':>13} {'B/path':>7} {'ratio':>7}")
    for r in rows:
        print(f"{r['dut']:<8} {r['seconds']:9.2f} {r['seconds'] / base['seconds']:7.2f} "
              f"{r['rss_kb'] / 1024:13.1f} {r['rss_kb'] * 1024 / args.prefixes:7.0f} "
              f"{r['rss_kb'] / max(base['rss_kb'], 1):7.2f}")


if __name__ == "__main__":
    main()
