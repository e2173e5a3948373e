#!/usr/bin/env python3
"""Write the seed corpus for fuzz_bgp_packet into tests/fuzz/corpus/bgp/.

Each seed is [session flags][message type][message body] (the harness adds
the 19-byte header). Flags: 1 = 4-octet AS session, 2 = external peer,
4 = confederation peer, 8 = IPv4 in MP_REACH, 16 = IPv4 unicast only,
32 = IPv6 unicast only, 64 = EVPN (AFI 25 / SAFI 70) negotiated too.

The seeds are valid messages of every type and one UPDATE per RFC 7606
case, so the fuzzer starts from every branch the unit tests know about.
Run it again after changing it; the output is deterministic.
"""
import os
import struct

OPEN, UPDATE, NOTIFICATION, KEEPALIVE, REFRESH = 1, 2, 3, 4, 5
AS4, EBGP, CONFED, V4MP, V4ONLY, V6ONLY, EVPN = 1, 2, 4, 8, 16, 32, 64

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "bgp")


def attr(flags, typ, val):
    if len(val) > 255 or flags & 0x10:
        return bytes([flags | 0x10, typ]) + struct.pack("!H", len(val)) + val
    return bytes([flags, typ, len(val)]) + val


def asns(seq, size=4):
    fmt = "!I" if size == 4 else "!H"
    return b"".join(struct.pack(fmt, a) for a in seq)


def seg(typ, seq, size=4):
    return bytes([typ, len(seq)]) + asns(seq, size)


def pfx(addr, plen):
    return bytes([plen]) + bytes(addr[: (plen + 7) // 8])


ORIGIN = attr(0x40, 1, b"\x00")
PATH4 = attr(0x40, 2, seg(2, [65002, 65003]))
PATH2 = attr(0x40, 2, seg(2, [65002, 65003], 2))
NH = attr(0x40, 3, bytes([192, 0, 2, 1]))
BASE4 = ORIGIN + PATH4 + NH
BASE2 = ORIGIN + PATH2 + NH
NLRI = pfx([10, 1, 0, 0], 16) + pfx([192, 168, 7, 0], 24) + pfx([0], 0)
V6NH = bytes.fromhex("20010db8000000000000000000000001")
V6LL = bytes.fromhex("fe800000000000000000000000000001")


def update(attrs=b"", nlri=b"", withdrawn=b""):
    return (struct.pack("!H", len(withdrawn)) + withdrawn +
            struct.pack("!H", len(attrs)) + attrs + nlri)


def mp_reach(afi, nh, nlri):
    return attr(0x80, 14, struct.pack("!HBB", afi, 1, len(nh)) + nh + b"\x00" + nlri)


def mp_unreach(afi, nlri):
    return attr(0x80, 15, struct.pack("!HB", afi, 1) + nlri)


def cap(code, val=b""):
    return bytes([code, len(val)]) + val


def open_msg(my_as, hold, bgp_id, caps, version=4):
    params = bytes([2, len(caps)]) + caps if caps else b""
    return (bytes([version]) + struct.pack("!HH", my_as, hold) + bytes(bgp_id) +
            bytes([len(params)]) + params)


ALL_CAPS = (cap(1, b"\x00\x01\x00\x01") + cap(1, b"\x00\x02\x00\x01") + cap(2) +
            cap(128) + cap(65, struct.pack("!I", 4200000001)) +
            cap(64, b"\x80\x78\x00\x01\x01\x80\x00\x02\x01\x00") + cap(70) + cap(73, b"abc"))

V6_UPDATE = update(
    mp_reach(2, V6NH + V6LL, pfx(V6NH, 32) + pfx(bytes.fromhex("20010db800010002"), 64)) +
    attr(0x40, 1, b"\x02") + PATH4 +
    mp_unreach(2, pfx(bytes.fromhex("20010db8dead"), 48)))

FULL_ATTRS = (BASE4 + attr(0x80, 4, struct.pack("!I", 50)) + attr(0x40, 5, struct.pack("!I", 200)) +
              attr(0x40, 6, b"") + attr(0xc0, 7, struct.pack("!I", 65003) + bytes([10, 0, 0, 3])) +
              attr(0xc0, 8, struct.pack("!II", 0xfde80064, 0xffffff01)) +
              attr(0x80, 9, bytes([10, 0, 0, 9])) + attr(0x80, 10, bytes([1, 1, 1, 1])) +
              attr(0xc0, 16, bytes.fromhex("0002fde800000064")) +
              attr(0xc0, 32, struct.pack("!III", 65000, 1, 2)) + attr(0xc0, 99, b"ab"))

AS4_FROM_OLD = (ORIGIN + attr(0x40, 2, seg(2, [65001, 23456, 23456], 2)) + NH +
                attr(0xc0, 7, struct.pack("!H", 23456) + bytes([10, 0, 0, 9])) +
                attr(0xc0, 17, seg(2, [4200000001, 4200000002])) +
                attr(0xc0, 18, struct.pack("!I", 4200000009) + bytes([10, 0, 0, 9])))

SEEDS = {
    # valid messages
    "open-all-caps": (0, OPEN, open_msg(23456, 90, [10, 0, 0, 1], ALL_CAPS)),
    "open-minimal": (0, OPEN, open_msg(65001, 180, [1, 2, 3, 4], b"")),
    "open-separate-params": (0, OPEN, bytes([4]) + struct.pack("!HH", 65001, 180) + bytes([1, 2, 3, 4]) +
                             bytes([12, 2, 6]) + cap(1, b"\x00\x02\x00\x01") + bytes([2, 2]) + cap(2)),
    "open-rfc9072": (0, OPEN, bytes([4]) + struct.pack("!HH", 65001, 180) + bytes([1, 2, 3, 4]) +
                     bytes([255, 255]) + struct.pack("!H", 11) + bytes([2]) + struct.pack("!H", 8) +
                     cap(65, struct.pack("!I", 65001)) + cap(2)),
    "open-bad-version": (0, OPEN, open_msg(65001, 90, [1, 2, 3, 4], b"", version=3)),
    "open-bad-param": (0, OPEN, bytes([4]) + struct.pack("!HH", 65001, 90) + bytes([1, 2, 3, 4]) +
                       bytes([4, 1, 2, 0, 0])),
    "open-bad-cap": (0, OPEN, open_msg(65001, 90, [1, 2, 3, 4], cap(65, b"\x01\x02"))),
    "keepalive": (0, KEEPALIVE, b""),
    "notification-cease": (0, NOTIFICATION, b"\x06\x02\x04bye!"),
    # RFC 8203/9003 texts: UTF-8 and a control octet; a length overrunning the data
    "notification-reset-utf8": (0, NOTIFICATION, b"\x06\x04\x07caf\xc3\xa9\n!"),
    "notification-shutdown-overrun": (0, NOTIFICATION, b"\x06\x02\x09short"),
    "notification-update": (0, NOTIFICATION, b"\x03\x01"),
    "route-refresh": (0, REFRESH, b"\x00\x02\x00\x01"),
    "route-refresh-orf": (0, REFRESH, b"\x00\x01\x00\x01\x01\x02\x03"),
    "update-eor-v4": (AS4, UPDATE, update()),
    "update-eor-v6": (AS4, UPDATE, update(attr(0x80, 15, b"\x00\x02\x01"))),
    "update-v4": (AS4 | EBGP, UPDATE, update(BASE4, NLRI, pfx([172, 16], 12))),
    "update-v4-full-ibgp": (AS4, UPDATE, update(FULL_ATTRS, NLRI)),
    "update-v4-full-as2": (0, UPDATE, update(BASE2 + FULL_ATTRS[len(BASE4):].replace(
        attr(0xc0, 7, struct.pack("!I", 65003) + bytes([10, 0, 0, 3])),
        attr(0xc0, 7, struct.pack("!H", 65003) + bytes([10, 0, 0, 3]))), NLRI)),
    "update-v6": (AS4 | EBGP, UPDATE, V6_UPDATE),
    "update-v4-mp": (AS4 | EBGP | V4MP, UPDATE,
                     update(mp_reach(1, bytes([10, 0, 0, 1]), pfx([10, 2, 3], 24)) + ORIGIN + PATH4)),
    "update-withdraw-v6": (AS4, UPDATE, update(mp_unreach(2, pfx(V6NH, 128)))),
    "update-as4-from-old": (EBGP, UPDATE, update(AS4_FROM_OLD, NLRI)),
    "update-confed": (AS4 | EBGP | CONFED, UPDATE,
                      update(ORIGIN + attr(0x40, 2, seg(3, [65010]) + seg(4, [65011, 65012]) +
                                           seg(2, [65001])) + NH, NLRI)),
    "update-as-set": (AS4 | EBGP, UPDATE,
                      update(ORIGIN + attr(0x40, 2, seg(2, [65002]) + seg(1, [1, 2])) + NH, NLRI)),
    "update-unknown-attrs": (AS4 | EBGP, UPDATE,
                             update(BASE4 + attr(0xc0, 99, b"x" * 300) + attr(0x80, 98, b"y"), NLRI)),
    "update-v4only-v6-ignored": (AS4 | EBGP | V4ONLY, UPDATE, V6_UPDATE),
    # issue 12: IPv4 (NLRI fields and MP) and EVPN on an IPv6-only session
    "update-v6only-v4-ignored": (AS4 | EBGP | V6ONLY, UPDATE,
                                 update(BASE4 + mp_reach(2, V6NH, pfx(V6NH, 32)), NLRI,
                                        pfx([172, 16], 12))),
    "update-v6only-v4mp-ignored": (AS4 | EBGP | V6ONLY, UPDATE,
                                   update(mp_reach(1, bytes([10, 0, 0, 1]), pfx([10, 2, 3], 24)) +
                                          mp_unreach(1, pfx([10, 9], 16)) + ORIGIN + PATH4)),
    "update-evpn-ignored": (AS4 | EBGP, UPDATE,
                            update(attr(0x80, 14, struct.pack("!HBB", 25, 70, 4) + bytes([10, 0, 0, 1]) +
                                        b"\x00\x02\x05" + bytes(5)) + ORIGIN + PATH4)),
    # RFC 7606 cases
    "7606-origin-len2": (AS4 | EBGP, UPDATE, update(attr(0x40, 1, b"\0\0") + PATH4 + NH, NLRI)),
    "7606-aspath-overrun": (AS4 | EBGP, UPDATE,
                            update(ORIGIN + attr(0x40, 2, b"\x02\x03" + asns([1, 2])) + NH, NLRI)),
    "7606-aspath-zero-seg": (AS4 | EBGP, UPDATE,
                             update(ORIGIN + attr(0x40, 2, seg(2, [1]) + b"\x02\x00") + NH, NLRI)),
    "7606-nexthop-len5": (AS4 | EBGP, UPDATE, update(ORIGIN + PATH4 + attr(0x40, 3, b"\xc0\0\2\1\0"), NLRI)),
    "7606-med-len3": (AS4 | EBGP, UPDATE, update(BASE4 + attr(0x80, 4, b"\0\0\1"), NLRI)),
    "7606-localpref-ebgp": (AS4 | EBGP, UPDATE, update(BASE4 + attr(0x40, 5, b"\0\0\0\x64"), NLRI)),
    "7606-atomic-len1": (AS4 | EBGP, UPDATE, update(BASE4 + attr(0x40, 6, b"x"), NLRI)),
    "7606-aggregator-len7": (AS4 | EBGP, UPDATE, update(BASE4 + attr(0xc0, 7, b"\0\0\xfd\xea\x0a\0\0"), NLRI)),
    "7606-communities-len6": (AS4 | EBGP, UPDATE, update(BASE4 + attr(0xc0, 8, b"\0\0\0\1\0\0"), NLRI)),
    "7606-large-len8": (AS4 | EBGP, UPDATE, update(BASE4 + attr(0xc0, 32, b"\0" * 8), NLRI)),
    "7606-missing-nexthop": (AS4 | EBGP, UPDATE, update(ORIGIN + PATH4, NLRI)),
    "7606-flags-origin": (AS4 | EBGP, UPDATE, update(attr(0xc0, 1, b"\0") + PATH4 + NH, NLRI)),
    "7606-duplicate-origin": (AS4 | EBGP, UPDATE, update(attr(0x40, 1, b"\1") + BASE4, NLRI)),
    "7606-duplicate-mp": (AS4 | EBGP, UPDATE,
                          update(mp_unreach(2, b"") + mp_unreach(2, b""))),
    "7606-attr-overrun": (AS4 | EBGP, UPDATE, update(BASE4 + b"\xc0\x08\x08\xfd\xe8\x00\x64", NLRI)),
    "7606-mp-nexthop-len": (AS4 | EBGP, UPDATE,
                            update(mp_reach(2, V6NH[:12], pfx(V6NH, 32)) + ORIGIN + PATH4)),
    "7606-mp-nlri-syntax": (AS4 | EBGP, UPDATE, update(mp_reach(2, V6NH, b"\x81\x20") + ORIGIN + PATH4)),
    "7606-nlri-syntax": (AS4 | EBGP, UPDATE, update(BASE4, b"\x21\x0a\0\0\0\0")),
    "7606-unknown-wellknown": (AS4 | EBGP, UPDATE, update(BASE4 + attr(0x40, 99, b"zz"), NLRI)),
    "7606-as4path-on-as4": (AS4 | EBGP, UPDATE, update(BASE4 + attr(0xc0, 17, seg(2, [1])), NLRI)),
}


# ---- EVPN (RFC 7432 / RFC 8365) ----

RD = struct.pack("!HIH", 1, 0x0a000002, 2)           # 10.0.0.2:2
ESI0 = bytes(10)
MAC = bytes.fromhex("52540012ab01")
VNI100 = bytes([0, 0, 100])
ECOMM = attr(0xc0, 16, bytes.fromhex("0002fde900000064") +      # RT:65001:100
             bytes.fromhex("030c000000000008") +                 # ET:8 (VXLAN)
             bytes.fromhex("0600000000000003"))                  # MM:3
PMSI = attr(0xc0, 22, bytes([0, 6]) + VNI100 + bytes([10, 0, 0, 2]))


def evpn_route(typ, body):
    return bytes([typ, len(body)]) + body


def macip(mac=MAC, ip=b"", maclen=48):
    return evpn_route(2, RD + ESI0 + b"\0\0\0\0" + bytes([maclen]) + mac +
                      bytes([len(ip) * 8]) + ip + VNI100)


def imet(ip=bytes([10, 0, 0, 2])):
    return evpn_route(3, RD + b"\0\0\0\0" + bytes([len(ip) * 8]) + ip)


def prefix5(pfx=bytes([192, 168, 5, 0]), plen=24, gw=bytes(4)):
    return evpn_route(5, RD + ESI0 + b"\0\0\0\0" + bytes([plen]) + pfx + gw + VNI100)


def evpn_reach(nlri, nh=bytes([10, 0, 0, 2])):
    return attr(0x90, 14, struct.pack("!HBB", 25, 70, len(nh)) + nh + b"\x00" + nlri)


def evpn_unreach(nlri):
    return attr(0x90, 15, struct.pack("!HB", 25, 70) + nlri)


EBASE = ORIGIN + attr(0x40, 2, b"") + ECOMM


SEEDS.update({
    "evpn-open-cap": (AS4, OPEN, open_msg(65001, 90, [10, 0, 0, 2],
                                          cap(1, b"\x00\x19\x00\x46") + cap(65, b"\0\0\xfd\xe9") +
                                          cap(64, b"\x00\x78\x00\x19\x46\x80"))),
    "evpn-type2-mac": (AS4 | EVPN, UPDATE, update(evpn_reach(macip()) + EBASE)),
    "evpn-type2-macip": (AS4 | EVPN, UPDATE,
                         update(evpn_reach(macip(ip=bytes([192, 168, 100, 5])) +
                                           macip(ip=bytes.fromhex("20010db8" + "00" * 11 + "05")))
                                + EBASE)),
    "evpn-type3-pmsi": (AS4 | EVPN, UPDATE, update(evpn_reach(imet()) + EBASE + PMSI)),
    "evpn-type3-v6": (AS4 | EVPN, UPDATE,
                      update(evpn_reach(imet(V6NH), V6NH) + EBASE + PMSI)),
    "evpn-type5": (AS4 | EVPN, UPDATE, update(evpn_reach(prefix5()) + EBASE)),
    "evpn-unknown-type": (AS4 | EVPN, UPDATE,
                          update(evpn_reach(evpn_route(9, b"xyz") + imet()) + EBASE)),
    "evpn-withdraw": (AS4 | EVPN, UPDATE, update(evpn_unreach(macip() + imet()))),
    "evpn-eor": (AS4 | EVPN, UPDATE, update(evpn_unreach(b""))),
    "evpn-unnegotiated": (AS4, UPDATE, update(evpn_reach(imet()) + EBASE)),
    # RFC 7606: a route whose content does not fit its type: treat-as-withdraw
    "evpn-7606-maclen": (AS4 | EVPN, UPDATE, update(evpn_reach(imet() + macip(maclen=47)) + EBASE)),
    "evpn-7606-iplen": (AS4 | EVPN, UPDATE,
                        update(evpn_reach(evpn_route(3, RD + b"\0\0\0\0" + bytes([24, 10, 0, 0])))
                               + EBASE)),
    # a route length past the end: the NLRI cannot be split, session reset
    "evpn-7606-overrun": (AS4 | EVPN, UPDATE, update(evpn_reach(b"\x02\x40" + RD) + EBASE)),
    "evpn-7606-nexthop-len": (AS4 | EVPN, UPDATE,
                              update(evpn_reach(imet(), bytes([10, 0, 0])) + EBASE)),
    "evpn-7606-missing-origin": (AS4 | EVPN, UPDATE,
                                 update(evpn_reach(macip()) + attr(0x40, 2, b"") + ECOMM)),
})


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (flags, typ, body) in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([flags, typ]) + body)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
