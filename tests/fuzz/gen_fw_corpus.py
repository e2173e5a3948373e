#!/usr/bin/env python3
"""Write the seed corpora of the firewall fuzzers:

  tests/fuzz/corpus/fw_config/   fwd configuration text (the seed's snippets)
  tests/fuzz/corpus/fw_ruleset/  encoded FwRuleSet messages (proto/fw.proto),
                                 valid ones and one per refusal of fw_set.c

The protobuf encoding is written by hand (varints, length-delimited
fields), so no protobuf package is needed. Deterministic output.
"""
import os
import socket

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIGS = {
    "seed_public": """firewall
 zone public
  interface eth0
  default drop
  allow tcp 22
  allow udp 51820
  block prefix 192.168.1.100/32
  allow icmp
 exit
exit
""",
    "zones": """firewall
 zone public
  interface eth0
  stealth
  rate-limit 100 burst 200
 exit
 zone trusted
  interface plane1
  interface plane2
  allow tcp 179,2222,8000-8100
  allow prefix 10.0.0.0/8
  block prefix 10.66.0.0/16
  allow prefix 2001:db8::/32
  block udp 53
 exit
exit
""",
    "errors": """firewall
 zone public
  allow tcp 0
  allow tcp 22
  block tcp 22
  block prefix 10.0.0.1/8
  interface eth0
 exit
 zone other
  interface eth0
 exit
 no zone nosuch
exit
""",
    "metrics": """firewall metrics listen 127.0.0.1 port 9587
firewall
 zone public
  interface eth0
 exit
exit
no firewall metrics
firewall metrics listen 127.0.0.1 port 9588
""",
}


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def f_int(num, v):
    return varint(num << 3) + varint(v)


def f_bytes(num, b):
    if isinstance(b, str):
        b = b.encode()
    return varint(num << 3 | 2) + varint(len(b)) + b


def zone(zid, ifnames, flags=0, dflt=2, rules=(1, 2, 3, 4, 5), pps=0):
    m = f_int(1, zid) + f_bytes(2, f"z{zid}")
    for i in ifnames:
        m += f_bytes(3, i)
    m += f_int(4, flags) + f_int(5, dflt)
    for n, r in zip((6, 7, 8, 11, 12), rules):
        m += f_int(n, r)
    if pps:
        m += f_int(9, pps) + f_int(10, pps)
    return m


def port(zid, proto, lo, hi, action=1, rule=10):
    return f_int(1, zid) + f_int(2, proto) + f_int(3, lo) + f_int(4, hi) + f_int(5, action) + f_int(6, rule)


def prefix(zid, text, action=2, rule=11):
    addr, plen = text.split("/")
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    p = f_int(1, fam) + f_bytes(2, socket.inet_pton(fam, addr)) + f_int(3, int(plen))
    return f_int(1, zid) + f_bytes(2, p) + f_int(3, action) + f_int(4, rule)


def ruleset(zones=(), ports=(), prefixes=()):
    return b"".join(f_bytes(1, z) for z in zones) + b"".join(f_bytes(2, p) for p in ports) + \
        b"".join(f_bytes(3, p) for p in prefixes)


RULESETS = {
    "empty": ruleset(),
    "seed": ruleset([zone(1, ["eth0"], flags=1)], [port(1, 6, 22, 22), port(1, 17, 51820, 51820)],
                    [prefix(1, "192.168.1.100/32")]),
    "two_zones": ruleset([zone(1, ["eth0"], flags=2), zone(2, ["p1", "p2"], dflt=1, pps=100, flags=4)],
                         [port(2, 6, 8000, 8100, 2, 12)],
                         [prefix(2, "10.0.0.0/8", 1), prefix(2, "2001:db8::/32", 2)]),
    "iface_twice": ruleset([zone(1, ["eth0"]), zone(2, ["eth0"])]),
    "port_zero": ruleset([zone(1, ["eth0"])], [port(1, 6, 0, 0)]),
    "port_big": ruleset([zone(1, ["eth0"])], [port(1, 17, 1, 70000)]),
    "host_bits": ruleset([zone(1, ["eth0"])], [], [prefix(1, "10.0.0.1/8")]),
    "unknown_zone": ruleset([zone(1, ["eth0"])], [port(7, 6, 22, 22)]),
}


def main():
    for sub, items in (("fw_config", CONFIGS), ("fw_ruleset", RULESETS)):
        d = os.path.join(HERE, "corpus", sub)
        os.makedirs(d, exist_ok=True)
        for name, data in items.items():
            with open(os.path.join(d, name), "wb") as fh:
                fh.write(data.encode() if isinstance(data, str) else data)


if __name__ == "__main__":
    main()
