#!/usr/bin/env python3
"""Seed corpus for fuzz_nl_vxlink: real kernel messages.

Builds VXLAN devices, a bridge and FDB entries in a throw-away network
namespace, dumps links (RTM_GETLINK) and the bridge FDB (RTM_GETNEIGH,
AF_BRIDGE) over a raw netlink socket, and writes each message with the
harness's leading type byte (0 NEWLINK, 2 NEWNEIGH). Needs root.

    tests/fuzz/gen_vxlink_corpus.py tests/fuzz/corpus/nl_vxlink
"""
import os
import socket
import struct
import subprocess
import sys

NS = f"kldfz{os.getpid()}"
SETUP = """
ip link add br-overlay type bridge
ip link add vxlan100 type vxlan id 100 local 10.200.0.1 dstport 4789 nolearning ttl 64 tos inherit srcport 5000 6000 noudpcsum
ip link add vxlan200 type vxlan id 200 group 239.1.1.1 dev lo dstport 4790
ip link add vxlan300 type vxlan id 300 local fd00::1 remote fd00::2 udp6zerocsumtx
ip link set vxlan100 master br-overlay
ip link set vxlan100 up
bridge fdb append 00:00:00:00:00:00 dev vxlan100 dst 10.200.0.2
bridge fdb append 00:00:00:00:00:00 dev vxlan100 dst 10.200.0.3
bridge fdb add 52:54:00:12:34:56 dev vxlan100 dst 10.200.0.3
bridge fdb add 52:54:00:12:34:56 dev vxlan100 master static
bridge fdb add 52:54:00:12:34:57 dev vxlan300 dst fd00::3
"""


def dump(msgtype, family, hdr):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    body = struct.pack("B", family) + b"\0" * (hdr - 1)
    s.send(struct.pack("=LHHLL", 16 + len(body), msgtype, 0x301, 1, 0) + body)
    out = []
    while True:
        data = s.recv(1 << 16)
        off = 0
        while off < len(data):
            ln, t = struct.unpack_from("=LH", data, off)
            if t == 3:  # NLMSG_DONE
                return out
            out.append(data[off:off + ln])
            off += (ln + 3) & ~3


def write(outdir):
    os.makedirs(outdir, exist_ok=True)
    n = 0
    for tag, msgs in ((0, dump(18, 0, 16)), (2, dump(30, 7, 12))):
        for m in msgs:
            with open(os.path.join(outdir, f"msg{n:02d}"), "wb") as f:
                f.write(bytes([tag]) + m)
            n += 1


def main(outdir):
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        for line in SETUP.strip().splitlines():
            subprocess.run(["ip", "netns", "exec", NS] + line.split(), check=True,
                           stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, __file__, "--inside",
                        os.path.abspath(outdir)], check=True)
    finally:
        subprocess.run(["ip", "netns", "del", NS])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inside"]:
        write(sys.argv[2])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/nl_vxlink")
