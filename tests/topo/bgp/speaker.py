#!/usr/bin/env python3
"""A raw BGP speaker for malformed-input tests (RFC 7606, bad OPENs), and a
peer that sends no End-of-RIB (restart tests).

Run inside a test namespace: speaker.py PEER SCENARIO. It prints one JSON
object: what the device under test answered. Scenarios build exact bytes
here so the test controls every field.
"""
import json
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(mtype, body):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg(asn=65002, hold=90, bgp_id="10.0.0.2", version=4, caps=True,
             families=((1, 1),), refresh=False):
    opt = b""
    if caps:
        mp = b"".join(b"\x01\x04" + struct.pack("!HBB", afi, 0, safi)  # MP per family
                      for afi, safi in families)
        as4 = b"\x41\x04" + struct.pack("!I", asn)     # 4-octet AS
        cap = mp + as4 + (b"\x02\x00" if refresh else b"")
        opt = b"\x02" + bytes([len(cap)]) + cap
    my_as = asn if asn < 65536 else 23456
    return msg(1, struct.pack("!BHH4sB", version, my_as, hold, socket.inet_aton(bgp_id),
                              len(opt)) + opt)


def keepalive():
    return msg(4, b"")


def attr(flags, code, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def nlri(prefix):
    addr, plen = prefix.split("/")
    plen = int(plen)
    return bytes([plen]) + socket.inet_aton(addr)[:(plen + 7) // 8]


def update(prefixes=(), withdrawn=(), origin=0, aspath=(65002,), nexthop="10.0.0.2",
           extra=b"", raw_attrs=None):
    w = b"".join(nlri(p) for p in withdrawn)
    if raw_attrs is None:
        seg = b"\x02" + bytes([len(aspath)]) + b"".join(struct.pack("!I", a) for a in aspath)
        raw_attrs = (attr(0x40, 1, bytes([origin])) + attr(0x40, 2, seg) +
                     attr(0x40, 3, socket.inet_aton(nexthop)) + extra)
    n = b"".join(nlri(p) for p in prefixes)
    return msg(2, struct.pack("!H", len(w)) + w + struct.pack("!H", len(raw_attrs)) +
               raw_attrs + n)


class Session:
    def __init__(self, peer, port=179):
        self.s = socket.create_connection((peer, port), timeout=5)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def recv(self, timeout=3.0):
        """Next message as (type, body), or None on timeout, 'closed' on EOF."""
        end = time.time() + timeout
        while True:
            if len(self.buf) >= 19:
                ln = struct.unpack("!H", self.buf[16:18])[0]
                if len(self.buf) >= ln:
                    m, self.buf = self.buf[:ln], self.buf[ln:]
                    return m[18], m[19:]
            left = end - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            except ConnectionResetError:
                return "closed"
            if not d:
                return "closed"
            self.buf += d

    def until(self, want, timeout=3.0):
        """Skip messages until one of type `want` (or a NOTIFICATION)."""
        end = time.time() + timeout
        while time.time() < end:
            m = self.recv(end - time.time())
            if m is None or m == "closed":
                return m
            if m[0] == want or m[0] == 3:
                return m
        return None

    def establish(self, **kw):
        self.send(open_msg(**kw))
        m = self.until(1)
        assert m and m != "closed" and m[0] == 1, f"no OPEN: {m}"
        self.send(keepalive())
        m = self.until(4)
        assert m and m != "closed" and m[0] == 4, f"no KEEPALIVE: {m}"


def notification(m):
    if m is None:
        return None
    if m == "closed":
        return "closed"
    if m[0] == 3:
        return [m[1][0], m[1][1]]
    return f"type {m[0]}"


def alive_after(s):
    """The session is still up: a KEEPALIVE sent is not answered by a
    NOTIFICATION or a close within a short time."""
    s.send(keepalive())
    m = s.recv(1.0)
    while m not in (None, "closed") and m[0] in (2, 4):
        m = s.recv(0.5)
    return m is None


def scenario_bad_open(peer, kind):
    s = Session(peer)
    if kind == "peer_as":
        s.send(open_msg(asn=65099))
    elif kind == "version":
        s.send(open_msg(version=5))
    elif kind == "hold_time":
        s.send(open_msg(hold=2))
    elif kind == "bgp_id":
        s.send(open_msg(bgp_id="0.0.0.0"))
    elif kind == "marker":
        s.send(b"\x00" * 16 + open_msg()[16:])
    elif kind == "evpn_only":  # no family in common: RFC 4760 8
        s.send(open_msg(families=((25, 70),)))
    return {"notify": notification(s.until(3))}


def scenario_update(peer, kind, hold=0.0):
    s = Session(peer)
    s.establish()
    out = {}
    s.send(update(["10.50.0.0/24", "10.51.0.0/24"]))
    time.sleep(0.5)
    if kind == "bad_origin":          # RFC 7606 7.1: treat-as-withdraw
        s.send(update(["10.50.0.0/24"], origin=7))
    elif kind == "bad_nexthop_len":   # RFC 7606 7.3: treat-as-withdraw (length error)
        bad = (attr(0x40, 1, b"\x00") + attr(0x40, 2, b"\x02\x01" + struct.pack("!I", 65002)) +
               attr(0x40, 3, b"\x0a\x00\x00"))
        s.send(update(["10.50.0.0/24"], raw_attrs=bad))
    elif kind == "missing_aspath":    # RFC 7606 3(d): treat-as-withdraw
        bad = attr(0x40, 1, b"\x00") + attr(0x40, 3, socket.inet_aton("10.0.0.2"))
        s.send(update(["10.50.0.0/24"], raw_attrs=bad))
    elif kind == "bad_community_len":  # RFC 7606 7.8: treat-as-withdraw
        s.send(update(["10.50.0.0/24"], extra=attr(0xC0, 8, b"\x01\x02\x03")))
    elif kind == "bad_med_len":       # RFC 7606 7.4: treat-as-withdraw
        s.send(update(["10.50.0.0/24"], extra=attr(0x80, 4, b"\x00\x00\x01")))
    elif kind == "bad_nlri":          # RFC 7606 5.3: session reset
        s.send(msg(2, b"\x00\x00" + struct.pack("!H", 0) + b"\x21\x0a\x00\x00\x00\x00"))
    elif kind == "attr_overrun":      # RFC 7606 4: session reset
        s.send(msg(2, b"\x00\x00\x00\x40\x40\x01\x01\x00"))
    elif kind == "bad_type":          # RFC 4271 6.1: header error
        s.send(msg(9, b""))
    m = s.until(3, timeout=1.5)
    out["notify"] = notification(m) if m not in (None,) and m != "closed" and m[0] == 3 else \
        ("closed" if m == "closed" else None)
    if out["notify"] is None:
        out["alive"] = alive_after(s)
    print(json.dumps(out), flush=True)
    end = time.time() + hold  # keep the session while the test looks
    while time.time() < end:
        s.send(keepalive())
        s.recv(1.0)
    return None


FEED_PREFIXES = ["10.100.60.0/24", "10.100.61.0/24"]


def scenario_feed(peer, kind, hold):
    """A peer without End-of-RIB (feed:NEXTHOP:ASN): connects, sends its
    table in one UPDATE and then only KEEPALIVEs; when the session goes
    (the device under test restarts) it connects again and does the same,
    until `hold` seconds have passed. Prints one line per session."""
    nexthop, _, asn = kind.partition(":")
    asn = int(asn or 65004)
    end = time.time() + hold
    while time.time() < end:
        try:
            s = Session(peer)
            s.establish(asn=asn, bgp_id=nexthop)
            s.send(update(FEED_PREFIXES, aspath=(asn,), nexthop=nexthop))
        except (OSError, AssertionError):
            time.sleep(0.5)
            continue
        print(json.dumps({"established": True}), flush=True)
        try:
            while time.time() < end and s.recv(1.0) != "closed":
                s.send(keepalive())
        except OSError:
            pass
        s.s.close()


def families(body):
    """The AFI/SAFIs an UPDATE body carries, as "afi/safi" strings: the
    NLRI fields (and the empty UPDATE, IPv4's End-of-RIB) are 1/1, MP
    attributes say theirs."""
    wl = struct.unpack("!H", body[:2])[0]
    al = struct.unpack("!H", body[2 + wl:4 + wl])[0]
    attrs, out = body[4 + wl:4 + wl + al], set()
    if wl or len(body) > 4 + wl + al or not al:
        out.add("1/1")
    i = 0
    while i + 3 <= len(attrs):
        flags, code = attrs[i], attrs[i + 1]
        hl = 4 if flags & 0x10 else 3
        ln = struct.unpack("!H", attrs[i + 2:i + 4])[0] if hl == 4 else attrs[i + 2]
        v = attrs[i + hl:i + hl + ln]
        if code in (14, 15):
            out.add(f"{struct.unpack('!H', v[:2])[0]}/{v[2]}")
        i += hl + ln
    return out


def mp_attr(code, afi, safi, rest):
    return attr(0x80, code, struct.pack("!HB", afi, safi) + rest)


def v6_nlri(prefix):
    addr, plen = prefix.split("/")
    plen = int(plen)
    return bytes([plen]) + socket.inet_pton(socket.AF_INET6, addr)[:(plen + 7) // 8]


def listen(s, seconds, seen):
    """Read for a while: the families of UPDATEs and the ROUTE-REFRESHes
    (afi/safi) received go into seen; a NOTIFICATION or close is kept."""
    end = time.time() + seconds
    while time.time() < end:
        m = s.recv(max(0.05, end - time.time()))
        if m is None:
            continue
        if m == "closed" or m[0] == 3:
            seen["notify"] = notification(m)
            return
        if m[0] == 2:
            seen["updates"] |= families(m[1])
        elif m[0] == 5:
            seen["refresh"].add(f"{struct.unpack('!H', m[1][:2])[0]}/{m[1][3]}")


def scenario_unneg(peer, me, hold):
    """A session that negotiates IPv6 unicast only (our OPEN lists only it,
    the device's lists more). What the device sends must be IPv6 only;
    what we send of other families (IPv4 in the NLRI fields and in
    MP_REACH, EVPN) must be ignored without a NOTIFICATION; a ROUTE-REFRESH
    for IPv4 must be ignored, one for IPv6 answered."""
    s = Session(peer)
    s.establish(families=((2, 1),), refresh=True)
    fresh = lambda: {"updates": set(), "refresh": set()}  # noqa: E731
    first, rr4, rr6 = fresh(), fresh(), fresh()
    listen(s, 2.0, first)
    base = attr(0x40, 1, b"\x00") + attr(0x40, 2, b"\x02\x01" + struct.pack("!I", 65002))
    nh6 = socket.inet_pton(socket.AF_INET6, me)
    v4nh = socket.inet_aton("10.0.0.2")
    s.send(update(["10.60.0.0/24"], withdrawn=["10.100.10.0/24"]))  # IPv4 fields
    s.send(update(raw_attrs=base + mp_attr(14, 1, 1, b"\x04" + v4nh + b"\x00" +
                                            nlri("10.61.0.0/24"))))  # IPv4 in MP_REACH
    s.send(update(raw_attrs=base + mp_attr(14, 25, 70, b"\x04" + v4nh + b"\x00\x02\x05" +
                                            bytes(5))))  # EVPN
    s.send(update(raw_attrs=base + mp_attr(14, 2, 1, b"\x10" + nh6 + b"\x00" +
                                            v6_nlri("2001:db8:60::/48"))))
    s.send(msg(5, struct.pack("!HBB", 1, 0, 1)))
    listen(s, 1.5, rr4)
    s.send(msg(5, struct.pack("!HBB", 2, 0, 1)))
    listen(s, 1.5, rr6)
    out = {k: sorted(v["updates"]) for k, v in (("first", first), ("rr4", rr4), ("rr6", rr6))}
    out["notify"] = first.get("notify") or rr4.get("notify") or rr6.get("notify")
    print(json.dumps(out), flush=True)
    later = fresh()  # while the test makes the device ask us
    listen(s, hold, later)
    later = {"updates": sorted(later["updates"]), "refresh": sorted(later["refresh"]),
             "notify": later.get("notify")}
    print(json.dumps(later), flush=True)


def main():
    peer, name = sys.argv[1], sys.argv[2]
    hold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    group, _, kind = name.partition(":")
    if group == "feed":
        scenario_feed(peer, kind, hold)
    elif group == "open":
        print(json.dumps(scenario_bad_open(peer, kind)), flush=True)
    elif group == "unneg":
        scenario_unneg(peer, kind, hold)
    else:
        scenario_update(peer, kind, hold)


if __name__ == "__main__":
    main()
