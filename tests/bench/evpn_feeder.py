#!/usr/bin/env python3
"""An EVPN feeder for bench_evpn.py: an iBGP speaker (AS 65001) that
announces one type-3 route and N type-2 routes (MACs 02:..:01 behind VTEP
FEEDER) for VNI 100 with RT 65001:100 and encapsulation VXLAN.

Run inside the feeder's namespace: evpn_feeder.py DUT FEEDER N. It
connects, establishes (OPEN with the L2VPN EVPN capability), prints "up",
waits for a line "go" on stdin, sends everything (as many NLRI per UPDATE
as fit), prints "sent", then sends keepalives until it is killed.
"""
import socket
import struct
import sys
import threading
import time

MARKER = b"\xff" * 16


def msg(mtype, body):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg(asn, bgp_id):
    cap = (b"\x01\x04" + struct.pack("!HBB", 25, 0, 70) +   # L2VPN EVPN
           b"\x41\x04" + struct.pack("!I", asn))            # 4-octet AS
    opt = b"\x02" + bytes([len(cap)]) + cap
    return msg(1, struct.pack("!BHH4sB", 4, asn, 180, socket.inet_aton(bgp_id), len(opt)) + opt)


def attr(flags, code, value):
    if len(value) > 255 or flags & 0x10:
        return bytes([flags | 0x10, code]) + struct.pack("!H", len(value)) + value
    return bytes([flags, code, len(value)]) + value


def rd(vtep):
    return struct.pack("!H", 1) + socket.inet_aton(vtep) + struct.pack("!H", 1)


def imet(vtep):
    body = rd(vtep) + b"\0\0\0\0" + bytes([32]) + socket.inet_aton(vtep)
    return bytes([3, len(body)]) + body


def macip(vtep, i):
    mac = bytes([2, i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255, 1])
    body = rd(vtep) + bytes(10) + b"\0\0\0\0" + bytes([48]) + mac + b"\0" + bytes([0, 0, 100])
    return bytes([2, len(body)]) + body


def update(vtep, nlris, pmsi=False):
    mp = struct.pack("!HBB", 25, 70, 4) + socket.inet_aton(vtep) + b"\0" + b"".join(nlris)
    ecomm = bytes.fromhex("0002fde900000064") + bytes.fromhex("030c000000000008")
    attrs = (attr(0x90, 14, mp) + attr(0x40, 1, b"\0") + attr(0x40, 2, b"") +
             attr(0x40, 5, struct.pack("!I", 100)) + attr(0xc0, 16, ecomm))
    if pmsi:
        attrs += attr(0xc0, 22, bytes([0, 6, 0, 0, 100]) + socket.inet_aton(vtep))
    return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs)


def updates(vtep, n):
    out = [update(vtep, [imet(vtep)], pmsi=True)]
    per = (4096 - 19 - 4 - 100) // 39
    for start in range(0, n, per):
        out.append(update(vtep, [macip(vtep, i) for i in range(start, min(n, start + per))]))
    return b"".join(out)


def reader(s):
    """Drain what the DUT sends (its routes, keepalives)."""
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass


def main():
    dut, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = updates(me, n)
    for _ in range(600):
        try:
            s = socket.create_connection((dut, 179), timeout=5)
            break
        except OSError:
            time.sleep(0.5)
    s.sendall(open_msg(65001, me))
    time.sleep(0.5)
    s.sendall(msg(4, b""))
    threading.Thread(target=reader, args=(s,), daemon=True).start()
    print("up", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    s.sendall(data)
    print("sent", flush=True)
    while True:  # until the bench kills it
        time.sleep(10)
        try:
            s.sendall(msg(4, b""))
        except OSError:
            return


if __name__ == "__main__":
    main()
