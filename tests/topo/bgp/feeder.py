#!/usr/bin/env python3
"""A feeder of well-formed routes for differential tests: several BGP
sessions from one process, each announcing exact attribute sets.

Run inside a test namespace: feeder.py SPEC.json. The spec:

  {"sessions": [{"name": "f1", "local": "10.0.1.2", "peer": "10.0.1.1",
                 "asn": 65010, "id": "10.0.1.2",
                 "routes": [{"prefix": "10.30.3.0/24", "aspath": [65010, 65011],
                             "origin": 0, "nexthop": "10.0.1.2", "med": 5,
                             "lp": 300, "comms": ["65010:1"]}]}]}

(the session's local address doubles as the next hop when a route names
none; a session from an IPv6 address speaks IPv6 unicast only, its
routes in MP_REACH_NLRI). It prints {"established": NAME} per session, then {"sent": N} once
every route is out, then keeps the sessions up (KEEPALIVEs) until killed;
a NOTIFICATION from the device is printed as {"notification": ...}.
Every route is an UPDATE of its own, so no two prefixes share attributes
by accident.
"""
import json
import selectors
import socket
import struct
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from speaker import attr, keepalive, msg, nlri  # noqa: E402

WELL_KNOWN = {"no-export": 0xFFFFFF01, "no-advertise": 0xFFFFFF02, "blackhole": 0xFFFF029A}


def comm_value(text):
    if text in WELL_KNOWN:
        return WELL_KNOWN[text]
    hi, lo = text.split(":")
    return int(hi) << 16 | int(lo)


def open_v(asn, bgp_id, afi):
    """OPEN with one MP capability (AFI afi, unicast) and 4-octet AS."""
    cap = b"\x01\x04" + struct.pack("!HBB", afi, 0, 1) + b"\x41\x04" + struct.pack("!I", asn)
    opt = b"\x02" + bytes([len(cap)]) + cap
    return msg(1, struct.pack("!BHH4sB", 4, asn if asn < 65536 else 23456, 180,
                              socket.inet_aton(bgp_id), len(opt)) + opt)


def nlri6(prefix):
    addr, plen = prefix.split("/")
    plen = int(plen)
    return bytes([plen]) + socket.inet_pton(socket.AF_INET6, addr)[:(plen + 7) // 8]


def aspath_bytes(aspath):
    """AS numbers as AS_SEQUENCE segments, a list inside as an AS_SET."""
    out, seq = b"", []

    def flush():
        return b"\x02" + bytes([len(seq)]) + b"".join(struct.pack("!I", a) for a in seq) \
            if seq else b""
    for a in aspath:
        if isinstance(a, list):
            out += flush()
            seq = []
            out += b"\x01" + bytes([len(a)]) + b"".join(struct.pack("!I", x) for x in a)
        else:
            seq.append(a)
    return out + flush()


def route_update(r, local):
    seg = aspath_bytes(r.get("aspath", []))
    v6 = ":" in r["prefix"]
    a = attr(0x40, 1, bytes([r.get("origin", 0)])) + attr(0x40, 2, seg)
    if v6:  # RFC 4760: next hop and NLRI in MP_REACH_NLRI
        nh = socket.inet_pton(socket.AF_INET6, r.get("nexthop", local))
        a += attr(0x80, 14, struct.pack("!HBB", 2, 1, 16) + nh + b"\x00" + nlri6(r["prefix"]))
    else:
        a += attr(0x40, 3, socket.inet_aton(r.get("nexthop", local)))
    if "med" in r:
        a += attr(0x80, 4, struct.pack("!I", r["med"]))
    if "lp" in r:
        a += attr(0x40, 5, struct.pack("!I", r["lp"]))
    if r.get("comms"):
        a += attr(0xC0, 8, b"".join(struct.pack("!I", comm_value(c)) for c in r["comms"]))
    n = b"" if v6 else nlri(r["prefix"])
    return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(a)) + a + n)


def connect(peer, local, timeout=60):
    end = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection((peer, 179), timeout=3, source_address=(local, 0))
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def read_msg(s, buf):
    """One whole message from buf (refilled from s), as (type, body)."""
    while True:
        if len(buf) >= 19:
            ln = struct.unpack("!H", buf[16:18])[0]
            if len(buf) >= ln:
                m = bytes(buf[:ln])
                del buf[:ln]
                return m[18], m[19:]
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed by the device")
        buf += d


def establish(sess, peer):
    """Connect, OPEN, and wait for the device's OPEN and KEEPALIVE; a
    refused or reset attempt (the device still configuring) is retried."""
    end = time.monotonic() + 60
    while True:
        s = connect(peer, sess["local"])
        # A loaded device may take seconds to answer: giving up on a
        # handshake half-way leaves it a dead connection for the peer that
        # it may resolve by closing the next one too.
        s.settimeout(30)
        buf = bytearray()
        try:
            s.sendall(open_v(sess["asn"], sess["id"], 2 if ":" in sess["local"] else 1))
            got_open = False
            while True:
                t, body = read_msg(s, buf)
                if t == 1:
                    got_open = True
                    s.sendall(keepalive())
                elif t == 4 and got_open:
                    return s, buf
                elif t == 3:
                    raise ConnectionError(f"NOTIFICATION {body[0]}/{body[1]}")
        except (ConnectionError, OSError) as e:
            s.close()
            if time.monotonic() > end:
                raise
            print(json.dumps({"retry": sess["name"], "why": str(e)}), flush=True)
            time.sleep(0.5)


def main():
    spec = json.load(open(sys.argv[1]))
    socks = []
    for sess in spec["sessions"]:
        s, buf = establish(sess, sess.get("peer", spec.get("peer")))
        print(json.dumps({"established": sess["name"], "t": time.time()}), flush=True)
        socks.append((sess, s, buf))
    n = 0
    for sess, s, _ in socks:
        data = b"".join(route_update(r, sess["local"]) for r in sess["routes"])
        s.sendall(data)
        n += len(sess["routes"])
    print(json.dumps({"sent": n}), flush=True)
    sel = selectors.DefaultSelector()
    for sess, s, buf in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, (sess, buf))
    last = time.monotonic()
    while True:
        for key, _ in sel.select(timeout=5):
            sess, buf = key.data
            try:
                d = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            if not d:
                print(json.dumps({"closed": sess["name"], "t": time.time()}), flush=True)
                sel.unregister(key.fileobj)
                continue
            buf += d
            while len(buf) >= 19 and len(buf) >= struct.unpack("!H", buf[16:18])[0]:
                ln = struct.unpack("!H", buf[16:18])[0]
                if buf[18] == 3:
                    print(json.dumps({"notification": [sess["name"], buf[19], buf[20]]}),
                          flush=True)
                del buf[:ln]
        if time.monotonic() - last >= 10:
            for sess, s, _ in socks:
                try:
                    s.sendall(keepalive())
                except OSError:
                    pass
            last = time.monotonic()


if __name__ == "__main__":
    main()
