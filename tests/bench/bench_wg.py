#!/usr/bin/python3
"""
wgd benchmark (issue: WireGuard planes, meshes, hubs and relays).

1. One interface with N peers (10,000 by default), each with its own /32:
   - kldnet: the peers are in the integrated configuration file; we time
     from wgd's start (zebra-lite already running) until `wg show` lists
     all N peers on the device, and then until all N allowed-ips routes
     are in the kernel;
   - wg(8): in a fresh namespace of the same run, `wireguard-go wg0`
     followed by `wg setconf wg0` of the same peers, the address and
     `ip link set up` (wg-quick's steps), timed until the same `wg show`
     check passes.
   Both start from no interface, so both include creating it (wireguard-go
   in both cases). Ratio = kldnet / wg.
2. A full mesh of M nodes (16 by default) from one `wireguard mesh`
   declaration with persistent keepalives: time from starting wgd on every
   node until every node has a handshake with every other one.

Not a test: it prints numbers and ratios. Run as root:
    tests/bench/bench_wg.py [--peers 10000] [--mesh 16] [--repeat 3]
"""
import argparse
import base64
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "topo"))
import kldlab  # noqa: E402


def peers_on(h, ifname="wg0"):
    out = h.cmd(f"wg show {ifname} peers 2>/dev/null | wc -l", check=False).strip()
    return int(out or 0)


def routes_on(h):
    return int(h.cmd("ip -4 route show dev wg0 proto 240 2>/dev/null | wc -l",
                     check=False).strip() or 0)


def gen_peers(n):
    keys = [base64.b64encode(os.urandom(32)).decode() for _ in range(n)]
    aips = [f"10.{64 + i // 65536}.{i // 256 % 256}.{i % 256}/32" for i in range(n)]
    return list(zip(keys, aips))


def bench_kldnet(lab, peers):
    h = lab.host("kld")
    key = os.path.join(h.dir, "wg0.key")
    h.cmd(f"umask 077 && wg genkey > {key}")
    lines = ["wireguard wg0", f" private-key file {key}", " listen-port 51820",
             " address 10.63.0.1/16"]
    for k, a in peers:
        lines += [f" peer {k}", f"  allowed-ips {a}", " exit"]
    lines.append("exit")
    h.write_config("\n".join(lines) + "\n")
    h.start("zebra-lite")
    t0 = time.monotonic()
    h.start("wgd", wait=False)
    kldlab.wait_for(lambda: peers_on(h) == len(peers), 600, interval=0.05, what="peers on wg0")
    dev = time.monotonic() - t0
    kldlab.wait_for(lambda: routes_on(h) == len(peers), 600, interval=0.1, what="routes")
    routes = time.monotonic() - t0
    return dev, routes


def bench_wg_setconf(lab, peers):
    h = lab.host("wgq")
    key = os.path.join(h.dir, "wg0.key")
    h.cmd(f"umask 077 && wg genkey > {key}")
    conf = os.path.join(h.dir, "wg0.conf")
    with open(conf, "w") as f:
        f.write(f"[Interface]\nPrivateKey = {open(key).read().strip()}\nListenPort = 51820\n")
        for k, a in peers:
            f.write(f"\n[Peer]\nPublicKey = {k}\nAllowedIPs = {a}\n")
    t0 = time.monotonic()
    # The same job as kldnet's, in wg-quick's order: device, peers, address,
    # up (bringing a device with 10,000 peers up costs wireguard-go real
    # work). In the background, so that both sides are judged by the same
    # polling of `wg show` while the device fills (polls cost CPU too).
    h.cmd(f"wireguard-go wg0 && {{ wg setconf wg0 {conf} && ip address add 10.63.0.1/16 dev wg0 "
          f"&& ip link set wg0 up; }} >/dev/null 2>&1 &", timeout=600)
    kldlab.wait_for(lambda: peers_on(h) == len(peers), 600, interval=0.05, what="peers (wg)")
    return time.monotonic() - t0


def all_handshakes(hosts):
    for h in hosts:
        out = h.cmd("wg show wg0 latest-handshakes", check=False).split()
        stamps = out[1::2]
        if len(stamps) != len(hosts) - 1 or any(s == "0" for s in stamps):
            return False
    return True


def bench_mesh(lab, m):
    hosts = [lab.host(f"m{i}") for i in range(1, m + 1)]
    sw = lab.host("msw")
    sw.cmd("ip link add br0 type bridge && ip link set br0 up")
    members = []
    for i, h in enumerate(hosts, 1):
        lab.link(h, "eth0", sw, f"p{i}")
        sw.cmd(f"ip link set p{i} master br0")
        h.cmd(f"ip addr add 192.0.2.{i}/24 dev eth0")
        key = os.path.join(h.dir, "wg0.key")
        h.cmd(f"umask 077 && wg genkey > {key}")
        pub = h.cmd(f"wg pubkey < {key}").strip()
        members.append(f" member {h.name} public-key {pub} endpoint 192.0.2.{i}:51820 "
                       f"address 10.200.{i // 256}.{i % 256}/16")
    for h in hosts:
        h.write_config("\n".join([
            "wireguard wg0", f" private-key file {os.path.join(h.dir, 'wg0.key')}", "exit",
            "wireguard mesh bench", " interface wg0", f" self {h.name}",
            " persistent-keepalive 25", *members, "exit"]) + "\n")
        h.start("zebra-lite")
    t0 = time.monotonic()
    for h in hosts:
        h.start("wgd", wait=False)
    kldlab.wait_for(lambda: all_handshakes(hosts), 300, interval=0.2, what="all handshakes")
    return time.monotonic() - t0


def median(xs):
    return sorted(xs)[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", type=int, default=10000)
    ap.add_argument("--mesh", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3,
                    help="alternate the two sides this many times, report medians")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    with tempfile.TemporaryDirectory(prefix="bench-wg-") as tmp:
        lab = None
        try:
            peers = gen_peers(args.peers)
            wg, dev, routes = [], [], []
            # Alternating the sides spreads a busy machine's noise over both.
            for _ in range(args.repeat):
                lab = kldlab.Lab(tmp)
                wg.append(bench_wg_setconf(lab, peers))
                d, r = bench_kldnet(lab, peers)
                dev.append(d)
                routes.append(r)
                lab.close()
            print(f"{args.peers} peers on one interface (interface creation included), "
                  f"median of {args.repeat}:")
            print(f"  wg (wireguard-go, wg setconf, address, up): {median(wg):8.3f} s"
                  f"   runs {' '.join(f'{x:.3f}' for x in wg)}")
            print(f"  kldnet (config file -> wgd -> zebra-lite -> device): {median(dev):8.3f} s"
                  f"   runs {' '.join(f'{x:.3f}' for x in dev)}")
            print(f"  ratio kldnet/wg = {median(dev) / median(wg):.2f}")
            print(f"  kldnet, until all {args.peers} allowed-ips routes are in the kernel: "
                  f"{median(routes):8.3f} s")
            lab = kldlab.Lab(tmp)
            mesh = bench_mesh(lab, args.mesh)
            print(f"{args.mesh}-node full mesh from one declaration: all "
                  f"{args.mesh * (args.mesh - 1)} handshakes done {mesh:.3f} s after wgd start")
        finally:
            if lab:
                lab.close()


if __name__ == "__main__":
    main()
