#!/usr/bin/python3
"""
wgd benchmark (issue: WireGuard planes, meshes, hubs and relays).

1. One interface with N peers (10,000 by default), each with its own /32:
   - kldnet: the peers are in the integrated configuration file; we time
     from wgd's start (zebra-lite already running) until `wg show` lists
     all N peers on the device, and then until all N allowed-ips routes
     are in the kernel;
   - wg(8): in a fresh namespace of the same run, `wireguard-go wg0`
     followed by `wg setconf wg0` of the same peers, timed until the same
     `wg show` check passes.
   Both start from no interface, so both include creating it (wireguard-go
   in both cases). Ratio = kldnet / wg.
2. A full mesh of M nodes (16 by default) from one `wireguard mesh`
   declaration with persistent keepalives: time from starting wgd on every
   node until every node has a handshake with every other one.

Not a test: it prints numbers and ratios. Run as root:
    tests/bench/bench_wg.py [--peers 10000] [--mesh 16]
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
    h.cmd(f"wireguard-go wg0 && wg setconf wg0 {conf}", timeout=600)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", type=int, default=10000)
    ap.add_argument("--mesh", type=int, default=16)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    with tempfile.TemporaryDirectory(prefix="bench-wg-") as tmp:
        lab = kldlab.Lab(tmp)
        try:
            peers = gen_peers(args.peers)
            wg = bench_wg_setconf(lab, peers)
            dev, routes = bench_kldnet(lab, peers)
            print(f"{args.peers} peers on one interface (interface creation included):")
            print(f"  wg setconf (wireguard-go + wg setconf): {wg:8.3f} s")
            print(f"  kldnet (config file -> wgd -> zebra-lite -> device): {dev:8.3f} s"
                  f"   ratio kldnet/wg = {dev / wg:.2f}")
            print(f"  kldnet, until all {args.peers} allowed-ips routes are in the kernel: "
                  f"{routes:8.3f} s")
            lab.close()
            lab = kldlab.Lab(tmp)
            mesh = bench_mesh(lab, args.mesh)
            print(f"{args.mesh}-node full mesh from one declaration: all "
                  f"{args.mesh * (args.mesh - 1)} handshakes done {mesh:.3f} s after wgd start")
        finally:
            lab.close()


if __name__ == "__main__":
    main()
