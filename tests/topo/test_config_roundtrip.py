"""The configuration survives a round trip whole: what was typed is what
`show running-config` shows and `write memory` saves, line for line in every
block and sub-block, and daemons started from the file (or `vtysh -b`) come
back to the same running configuration and the same kernel state.
(Issue 10: a line repeated in a second sub-block was dropped by the shell's
merge, and with it that block's closer.)"""
import difflib
import json
import os
import re
import signal

import kldlab

ALL = ("zebra-lite", "wgd", "vxland", "fwd", "bgpd")


def keepalives(h, ifname="wg0"):
    return h.cmd(f"wg show {ifname} persistent-keepalive", check=False).count("\t25")


def same(got, want, what):
    """Equal, or fail with a diff that says what changed."""
    if got != want:
        diff = difflib.unified_diff(str(want).splitlines(), str(got).splitlines(), "expected",
                                    "got", lineterm="", n=1)
        raise AssertionError(f"{what} differs:\n" + "\n".join(list(diff)[:80]))


def body(text):
    """The configuration without the shell's header lines."""
    return "\n".join(l for l in text.splitlines() if not l.startswith("! kldnet"))


def test_repeated_lines_in_sub_blocks_survive_kill_and_restart(lab):
    h = lab.host("r1")
    h.start_all()
    peers = [h.cmd("wg genkey | wg pubkey").strip() for _ in range(3)]
    lines = ["wireguard wg0", f"private-key file {h.dir}/wg0.key", "address 10.200.0.1/24"]
    for i, k in enumerate(peers):
        lines += [f"peer {k}"] + (["description site"] if i < 2 else []) + \
            [f"allowed-ips 10.200.0.{i + 2}/32", "persistent-keepalive 25", "exit"]
    lines += ["exit", "router bgp 65001",
              "neighbor 10.0.0.2 remote-as 65002", "neighbor 10.0.0.3 remote-as 65003",
              "address-family ipv4 unicast", "neighbor 10.0.0.2 next-hop-self",
              "exit-address-family",
              "address-family ipv6 unicast", "neighbor 10.0.0.2 activate",
              "neighbor 10.0.0.2 next-hop-self", "exit-address-family", "end"]
    h.conf(*lines)
    kldlab.wait_for(lambda: keepalives(h) == 3, 10,
                    what="three keepalives in the device")
    before = h.running_config()
    h.vtysh("write memory")
    saved = open(h.config).read()
    for text in (before, saved):
        assert text.count("  persistent-keepalive 25\n") == 3
        assert text.count("  description site\n") == 2
        assert text.count("  neighbor 10.0.0.2 next-hop-self\n") == 2
        assert text.count(" exit-address-family\n") == 2
        for i, k in enumerate(peers):
            block = text.split(f" peer {k}\n", 1)[1].split(" exit\n", 1)[0]
            assert f"  allowed-ips 10.200.0.{i + 2}/32\n  persistent-keepalive 25\n" in block
        af6 = text.split(" address-family ipv6 unicast\n", 1)[1]
        assert af6.startswith("  neighbor 10.0.0.2 activate\n  neighbor 10.0.0.2 next-hop-self\n"
                              " exit-address-family\nexit\n")
    assert body(saved) == body(before.split("Current configuration:\n")[-1])
    h.stop_all(signal.SIGKILL)
    h.start_all()
    kldlab.wait_for(lambda: keepalives(h) == 3, 10,
                    what="three keepalives after the restart")
    assert h.running_config() == before


# ---- the round trip of a configuration that uses every command ----
#
# The configuration is a tree: a node is (line, [children]), a leaf a line,
# or (typed, canonical) where the daemons keep a line in a canonical form
# (doc/commands.md). It is typed in a vtysh session as a user would, with
# values repeated across sub-blocks (the same description, keepalive,
# next-hop-self, set line under several peers, families, entries).

def leaf_typed(x):
    return x[0] if isinstance(x, tuple) and isinstance(x[1], str) else x


def typed_lines(tree):
    out = []
    for item in tree:
        if isinstance(item, tuple) and isinstance(item[1], list):
            out += [item[0]] + typed_lines(item[1]) + ["exit"]
        else:
            out.append(leaf_typed(item))
    return out


def expected_paths(tree, above=()):
    """Every line of the canonical form with the lines of the nodes above it."""
    out = []
    for item in tree:
        if isinstance(item, tuple) and isinstance(item[1], list):
            out.append(above + (item[0],))
            out += expected_paths(item[1], above + (item[0],))
        else:
            out.append(above + (item[1] if isinstance(item, tuple) else item,))
    return sorted(out)


def shown_paths(text):
    """The same from a running-config or a saved file (by indentation)."""
    out, stack = [], []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("!") or line == "end":
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if line in ("exit", "exit-address-family", "exit-vni"):
            continue
        out.append(tuple(s[1] for s in stack) + (line,))
        stack.append((indent, line))
    return sorted(out)


def keyfile(h, name):
    path = os.path.join(h.dir, name + ".key")
    h.cmd(f"umask 077 && wg genkey > {path}")
    return path, h.cmd(f"wg pubkey < {path}").strip()


PLANES, PEERS, NEIGHBORS, ROUTES = 3, 10, 20, 25


def wireguard_part(h, planes=PLANES, peers=PEERS):
    tree = [
        "wireguard stale-threshold 300",
        "wireguard metrics listen 127.0.0.1 port 9586",
    ]
    for p in range(planes):
        path, _ = keyfile(h, f"wg{p}")
        kids = [f"private-key file {path}", f"listen-port {51820 + p}", f"fwmark {4242 + p}",
                f"address 10.20{p}.0.1/24", f"address fd20:{p + 1}::1/64", "mtu 1420"]
        if p == 1:
            kids.append("no install-routes")
        if p == 2:
            kids.append("full-tunnel table 2002")
        for i in range(peers):
            _, pub = keyfile(h, f"wg{p}-peer{i}")
            psk = os.path.join(h.dir, f"wg{p}-{i}.psk")
            h.cmd(f"umask 077 && wg genpsk > {psk}")
            sub = ["description branch office",          # the same under every peer
                   f"endpoint 192.0.2.{10 + i}:{51820 + p}",
                   f"allowed-ips 10.20{p}.0.{i + 2}/32",
                   f"allowed-ips fd20:{p + 1}::{i + 2}/128"]
            if i % 2:
                sub.append(f"allowed-ips 10.{100 + p}.{i}.0/24")
            if i % 3 == 0:
                sub.append(f"preshared-key file {psk}")
            sub.append("persistent-keepalive 25")      # the same under every peer
            kids.append((f"peer {pub}", sub))
        tree.append((f"wireguard wg{p}", kids))
    mpath, mpub = keyfile(h, "wgm")
    tree.append(("wireguard wgm", [f"private-key file {mpath}"]))
    members = [f"member m0 public-key {mpub} endpoint 192.0.2.1:51900 address 10.210.0.1/24 "
               "lan 10.110.0.0/24"]
    for i in range(1, 5):
        _, pub = keyfile(h, f"wgm{i}")
        members.append(f"member m{i} public-key {pub} endpoint 192.0.2.{i + 1}:51900 "
                       f"address 10.210.0.{i + 1}/24 lan 10.110.{i}.0/24 10.111.{i}.0/24")
    tree.append(("wireguard mesh core", ["interface wgm", "self m0", "hub m1",
                                         "persistent-keepalive 25", *members]))
    return tree


def zebra_part(links=4, routes=ROUTES):
    tree = ["hostname rt-big", "log syslog informational", "zebra graceful-restart time 90"]
    for i in range(links):
        kids = ["description lab segment",                 # the same on every interface
                f"ip address 10.1.{i}.1/24", f"ip address 10.2.{i}.1/24"]
        # Not on the link that is shut: Linux drops IPv6 addresses when a
        # link goes down, and zebra-lite does not yet agree with itself
        # about them (typed: gone; from the file at start: present).
        if i < links - 1:
            kids.append(f"ipv6 address fd01:{i + 1}::1/64")
        kids.append(f"mtu {1400 + i}")
        if i == links - 1:
            kids.append("shutdown")
        tree.append((f"interface d{i}", kids))
    for r in range(routes):
        tree += [f"ip route 172.16.{r}.0/24 10.1.0.{r + 10}",
                 f"ip route 172.17.{r}.0/24 10.1.1.{r + 10} d1",
                 f"ipv6 route fd99:{r + 1}::/48 fd01:1::{r + 10}"]
    tree += ["ip route 172.18.0.0/16 blackhole", "ip route 172.19.0.0/16 reject",
             "ip route 172.20.0.0/16 Null0",
             "ip route 172.21.0.0/16 d2", "ip route 172.22.0.0/16 10.1.0.99 200",
             "ip route 172.23.0.0/16 10.1.0.98 table 100", "ipv6 route fd98::/48 blackhole",
             "ipv6 route fd97::/48 d2", "ipv6 route fd96::/48 fd01:1::99 150 table 100",
             "ip forwarding", "ipv6 forwarding", "ip nht resolve-via-default"]
    return tree


def bgp_part(neighbors=NEIGHBORS):
    top = ["bgp router-id 10.1.0.1", "bgp cluster-id 10.9.9.9", "bgp log-neighbor-changes",
           "bgp ebgp-requires-policy", "bgp graceful-restart stalepath-time 200",
           "bgp graceful-restart restart-time 150", "bgp graceful-restart select-defer-time 240",
           "bgp graceful-restart", "bgp graceful-restart preserve-fw-state", "update-delay 90 30",
           "timers bgp 20 60", "neighbor PG peer-group", "neighbor PG remote-as internal",
           "neighbor PG description route reflector clients",
           "neighbor 10.3.0.100 peer-group PG", "neighbor 10.3.0.101 peer-group PG"]
    af4 = ["network 10.1.0.0/24", "network 10.2.0.0/16", "redistribute connected",
           "redistribute static", "redistribute kernel", "redistribute wireguard",
           "maximum-paths 4", "maximum-paths ibgp 2"]
    af6 = [f"network fd01:{i + 1}::/64" for i in range(3)] + \
        ["redistribute connected", "redistribute static", "maximum-paths 4"]
    for i in range(neighbors):
        n = f"neighbor 10.3.0.{i + 2}"
        top.append(f"{n} remote-as {65100 + i}" if i % 4 else f"{n} remote-as external")
        top.append(f"{n} description transit provider")   # the same under every peer
        if i % 5 == 1:
            top.append(f"{n} shutdown")
        if i % 5 == 2:
            top.append(f"{n} passive")
        if i % 3 == 0:
            top.append(f"{n} graceful-restart-helper")
        if i % 4 == 1:
            top.append(f"{n} password s3cret-{i}")
        if i % 4 == 2:
            top.append(f"{n} ebgp-multihop 5")
        if i % 4 == 3:
            top.append(f"{n} ttl-security hops 2")
        top += [f"{n} update-source 10.1.0.1", f"{n} timers 10 30"]
        for af in (af4, af6):
            if af is af6:
                af.append(f"{n} activate")
            af += [f"{n} next-hop-self", f"{n} soft-reconfiguration inbound",
                   f"{n} maximum-prefix 1000", f"{n} prefix-list IN{'6' if af is af6 else ''} in",
                   f"{n} route-map EXPORT out"]
        if i == 0:
            af4.append(f"{n} route-map IMPORT in")
    top.append("neighbor 10.3.0.200 remote-as internal")
    af4 += ["neighbor 10.3.0.200 route-reflector-client", "neighbor 10.3.0.200 next-hop-self force",
            "no neighbor 10.3.0.201 activate"]
    af6 += ["neighbor 10.3.0.200 activate", "neighbor 10.3.0.200 route-reflector-client"]
    top.append("neighbor 10.3.0.201 remote-as 65201")
    evpn = ["neighbor PG activate", "neighbor PG route-reflector-client",
            "neighbor 10.3.0.2 activate", "neighbor 10.3.0.200 activate",
            "neighbor 10.3.0.200 route-reflector-client", "advertise-all-vni",
            ("vni 100", ["rd 10.1.0.1:100", "route-target import 65001:100",
                         "route-target export 65001:101", "route-target both 65001:999"]),
            ("vni 200", ["route-target import 10.1.0.1:200"])]
    # dynamic neighbors: shown after the neighbors, as FRR
    top += ["bgp listen limit 20", "bgp listen range 10.4.0.0/24 peer-group PG",
            "bgp listen range fd04::/64 peer-group PG"]
    top += [("address-family ipv4 unicast", af4), ("address-family ipv6 unicast", af6),
            ("address-family l2vpn evpn", evpn)]
    tree = [("router bgp 65001", top)]
    tree += [f"ip prefix-list IN seq {5 * (i + 1)} permit 10.{i}.0.0/16 le 24" for i in range(6)]
    tree += ["ip prefix-list IN seq 100 deny any", "ip prefix-list OUT seq 5 permit 10.1.0.0/16 ge 24",
             ("ip prefix-list BARE permit 10.77.0.0/16", "ip prefix-list BARE seq 5 permit 10.77.0.0/16"),
             "ipv6 prefix-list IN6 seq 5 permit fd00::/8 le 64", "ipv6 prefix-list IN6 seq 10 deny any",
             ("ipv6 prefix-list BARE6 permit fd77::/32", "ipv6 prefix-list BARE6 seq 5 permit fd77::/32"),
             "bgp community-list standard CL permit 65001:100", "bgp community-list standard CL deny 65001:200",
             "bgp as-path access-list AP permit ^65100_", "bgp as-path access-list AP deny _65666_"]
    for seq in (10, 20, 30):
        tree.append((f"route-map EXPORT permit {seq}", [
            "match ip address prefix-list OUT", "set community 65001:1 65001:2 additive",
            "set local-preference 200", "set metric 50"]))    # the same in every entry
    tree.append(("route-map IMPORT permit 10", [
        "match ipv6 address prefix-list IN6", "match community CL", "match as-path AP",
        "set as-path prepend 65001 65001", "set ip next-hop 10.1.0.254",
        "set local-preference 200", "set metric 50"]))
    tree.append(("route-map IMPORT deny 20", ["set community none"]))
    return tree


def vxland_part():
    """Three segments (point to point with a flood list and the mesh, IPv6,
    multicast) and two bridges; mtu, dstport and ttl repeated in each."""
    return [
        ("vxlan 100", ["interface vx100", "local 10.1.0.1", "flood 10.1.0.2 10.1.0.3",
                       "flood mesh core", "flood evpn", "underlay d0", "dstport 4789", "srcport 49152 65535",
                       "no learning", "no udp-checksum", "ttl 64", "tos inherit", "mtu 1300",
                       "bridge br-ov", "mac 52:54:00:12:34:56 remote 10.1.0.2",
                       "mac 52:54:00:12:34:57 remote 10.1.0.3"]),
        ("vxlan 200", ["local fd01:1::1", "remote fd01:1::2", "underlay d0", "dstport 4789",
                       "udp6-zero-checksum-tx", "udp6-zero-checksum-rx", "ttl 64", "tos 16",
                       "mtu 1300", "address 172.30.0.1/24"]),
        ("vxlan 300", ["group 239.1.1.1", "underlay d1", "dstport 4789", "ttl 64", "mtu 1300",
                       "bridge br-vm"]),
        ("bridge br-ov", ["member p2", "address 10.100.10.50/24", "mtu 1300"]),
        ("bridge br-vm", ["member p3", "address 10.100.11.50/24", "mtu 1300"]),
    ]


def fwd_part():
    """Three zones on their own interfaces (the stealth one takes wgd's
    listen ports); ports, prefixes, icmp and the rate repeated in the
    others."""
    rules = ["allow tcp 22", "allow tcp 80,443", "block prefix 192.168.1.100/32", "allow icmp",
             "rate-limit 100 burst 200"]
    return [("firewall", [
        ("zone public", ["interface d2", "default drop", *rules, "allow udp 51820-51823",
                         "block tcp 8080", "block udp 5000", "allow prefix 10.1.0.0/24",
                         "allow prefix fd01:1::/64", "block prefix 2001:db8:bad::/48"]),
        ("zone private", ["interface d3", "default accept", *rules]),
        # stealth refuses what would open the zone (allowed ports, icmp,
        # default accept): blocks, trusted prefixes and the rate remain
        ("zone edge", ["interface p0", "interface p1", "stealth", "default drop",
                       "block prefix 192.168.1.100/32", "allow prefix 10.9.0.0/24",
                       "block tcp 8080", "rate-limit 100 burst 200"]),
    ]), "firewall metrics listen 127.0.0.1 port 9587"]


def fw_state(h):
    """The live rule set in the dataplane, and which devices have it: the
    entries of the live generation without generation and rule ids (a
    restarted fwd may number rules otherwise), not the counters (they tick)."""
    if not h.cmd("ls /sys/fs/bpf/kldnet/fw_active 2>/dev/null || true").strip():
        return []  # no firewall was ever loaded here
    dump = lambda m: json.loads(h.cmd(f"bpftool -j map dump pinned /sys/fs/bpf/kldnet/{m}"))
    active = dump("fw_active")[0]["formatted"]["value"]
    out = []
    for m in ("fw_iface", "fw_port", "fw_src4", "fw_src6", "fw_host4", "fw_host6"):
        for e in dump(m):
            k, v = e["formatted"]["key"], e["formatted"]["value"]
            if k.get("gen") == active:
                out.append(m + " " + json.dumps({x: y for x, y in k.items() if x != "gen"},
                                                sort_keys=True) + " " +
                           json.dumps({x: y for x, y in v.items() if not x.endswith("rule")},
                                      sort_keys=True))
    return sorted(out) + sorted(h.cmd("ls /sys/fs/bpf/kldnet | grep ^xdp_ || true").split())


VX_DEVS = ("vx100", "vxlan200", "vxlan300", "br-ov", "br-vm")


def fdb_state(h):
    """The static FDB of vxland's devices (flood lists, MACs, the bridges')."""
    out = []
    for dev in VX_DEVS:
        out += [f"{dev}: {l}" for l in h.cmd(f"bridge fdb show dev {dev}", check=False).splitlines()
                if "permanent" in l or "static" in l]
    return sorted(out)


def wg_state(h):
    """`wg show all dump` without what traffic changes (handshake, bytes)."""
    rows = []
    for l in h.cmd("wg show all dump").splitlines():
        f = l.split("\t")
        rows.append("\t".join(f[:5] + f[8:] if len(f) == 9 else f))
    return sorted(rows)


def kernel_state(h):
    return {
        "wg": wg_state(h),
        "route4": h.cmd("ip -4 route show table all"),
        "route6": h.cmd("ip -6 route show table all"),
        "rule": h.cmd("ip rule; ip -6 rule"),
        # A bridge's running timers tick: their values are not state.
        # Nor the XDP program's id, load time and BTF: a restarted
        # zebra-lite moves the pinned link to its own copy of the program
        # (doc/fwd.md, Restarts); which rules it holds is "fw".
        "link": re.sub(r"(_timer|prog/xdp id|load_time|btf_id) +[0-9.]+", r"\1",
                       h.cmd("ip -d link show")),
        "addr": h.cmd("ip -br addr show"),
        "fdb": fdb_state(h),
        "fw": fw_state(h),
    }


def covered_commands(h, path):
    """(daemon, node, syntax) of every command that takes a line of path."""
    out = h.vtysh(extra=("-C", "--explain", "-f", path))
    got = set()
    for l in out.splitlines():
        if l.startswith("line ") and ": " in l:
            daemon, rest = l.split(": ", 1)[1].split(" ", 1)
            node, syntax = rest.split(": ", 1)
            got.add((daemon, node, syntax))
    return got


def config_commands(h):
    """Every command that a configuration can hold: configuration nodes,
    not the `no` forms, not the closers (structure, not content)."""
    want = set()
    for l in h.vtysh("show commands").splitlines():
        daemon, rest = l.split(" ", 1)
        node, syntax = rest.split(": ", 1)
        syntax = syntax.split(" -> ")[0]
        if node != "view" and not syntax.startswith("no ") and \
                syntax not in ("exit-address-family", "exit-vni"):
            want.add((daemon, node, syntax))
    return want


def settle(h, seconds=3):
    """State programmed asynchronously (zebra-lite, wireguard-go) settles."""
    prev = None

    def same():
        nonlocal prev
        cur = kernel_state(h)
        ok = cur == prev
        prev = cur
        return ok
    kldlab.wait_for(same, 30, interval=seconds, what="kernel state settled")
    return prev


# A file written by hand in FRR's layout: comments, a header, FRR-only
# lines, no indentation in one block, two-blank indentation in another,
# tabs, closers and blocks that end without them.
FRR_FILE = """\
frr version 8.4.4
frr defaults traditional
hostname edge ! the name in prompts
log file /var/log/frr/frr.log
log syslog informational
service integrated-vtysh-config
!
interface d0
  description uplink ! to the core
  ip address 10.1.0.1/24
exit
!
interface d1
description lab segment
ip address 10.1.1.1/24
exit
!
ip route 10.50.0.0/16 10.1.0.254 ! gw
ip route 10.51.0.0/16 10.1.0.254   ! the same gateway
!
router bgp 65001
 bgp router-id 10.1.0.1
 bgp graceful-restart-disable
 neighbor 10.1.0.2 remote-as 65002
 neighbor 10.1.0.2 description transit ! first
 neighbor 10.1.1.2 remote-as 65001
 neighbor 10.1.1.2 description transit
 network 10.1.0.0/24
 redistribute static
 maximum-paths 2
 maximum-paths ibgp 3
 neighbor 10.1.0.2 next-hop-self
 neighbor 10.1.0.2 soft-reconfiguration inbound
 neighbor 10.1.0.2 maximum-prefix 500
 neighbor 10.1.0.2 prefix-list LAN in
 neighbor 10.1.0.2 route-map OUT out
 neighbor 10.1.1.2 route-reflector-client
 no neighbor 10.1.1.2 activate
 !
 address-family ipv6 unicast
\tneighbor 10.1.0.2 activate
\tneighbor 10.1.0.2 next-hop-self
 exit-address-family
exit
!
ip prefix-list LAN seq 5 permit 10.1.0.0/16 le 24
!
route-map OUT permit 10
 match ip address prefix-list LAN
 set metric 10
exit
!
wireguard wg0
private-key file @KEY@
address 10.200.0.1/24
peer @PEER1@
allowed-ips 10.200.0.2/32
persistent-keepalive 25
exit
peer @PEER2@
allowed-ips 10.200.0.3/32
persistent-keepalive 25
exit
exit
!
line vty
 exec-timeout 0 0
exit
!
end
"""

# What FRR_FILE means, in the canonical form `show running-config` prints.
FRR_EXPECTED = """\
!
log syslog informational
!
hostname edge
!
interface d0
 description uplink
 ip address 10.1.0.1/24
exit
!
interface d1
 description lab segment
 ip address 10.1.1.1/24
exit
!
ip route 10.50.0.0/16 10.1.0.254
ip route 10.51.0.0/16 10.1.0.254
!
wireguard wg0
 private-key file @KEY@
 address 10.200.0.1/24
 peer @PEER1@
  allowed-ips 10.200.0.2/32
  persistent-keepalive 25
 exit
 peer @PEER2@
  allowed-ips 10.200.0.3/32
  persistent-keepalive 25
 exit
exit
!
router bgp 65001
 bgp router-id 10.1.0.1
 bgp graceful-restart-disable
 neighbor 10.1.0.2 remote-as 65002
 neighbor 10.1.0.2 description transit
 neighbor 10.1.1.2 remote-as 65001
 neighbor 10.1.1.2 description transit
 !
 address-family ipv4 unicast
  network 10.1.0.0/24
  redistribute static
  maximum-paths 2
  maximum-paths ibgp 3
  neighbor 10.1.0.2 next-hop-self
  neighbor 10.1.0.2 soft-reconfiguration inbound
  neighbor 10.1.0.2 maximum-prefix 500
  neighbor 10.1.0.2 prefix-list LAN in
  neighbor 10.1.0.2 route-map OUT out
  no neighbor 10.1.1.2 activate
  neighbor 10.1.1.2 route-reflector-client
 exit-address-family
 !
 address-family ipv6 unicast
  neighbor 10.1.0.2 activate
  neighbor 10.1.0.2 next-hop-self
 exit-address-family
exit
!
ip prefix-list LAN seq 5 permit 10.1.0.0/16 le 24
!
route-map OUT permit 10
 match ip address prefix-list LAN
 set metric 10
exit
!
"""


def test_round_trip_of_every_command(lab):
    """A command that no line here (or in FRR_FILE) uses fails this test: a
    new command gets its line in the generator above with the command."""
    h = lab.host("r1")
    for i in range(4):
        h.cmd(f"ip link add d{i} type veth peer name p{i} && ip link set d{i} up && ip link set p{i} up")
    h.start_all()
    tree = zebra_part() + wireguard_part(h) + vxland_part() + fwd_part() + bgp_part()
    typed = typed_lines(tree)
    h.conf(*typed)
    shown = h.running_config()
    # Every line typed is shown, once, in its block: nothing lost, nothing doubled.
    same("\n".join(map(str, shown_paths(shown))), "\n".join(map(str, expected_paths(tree))),
         "running-config against what was typed")
    with open(os.path.join(h.dir, "typed.conf"), "w") as f:
        f.write("\n".join(typed) + "\n")
    # Every command of every daemon is used: here, or in the hand-written
    # FRR-layout file of the next test (IPv4 unicast lines typed directly
    # under `router bgp`, as FRR allows, and the settings this
    # configuration cannot hold at once, such as graceful-restart-disable).
    frr = os.path.join(h.dir, "frr.conf")
    with open(frr, "w") as f:
        f.write(FRR_FILE)
    missing = config_commands(h) - covered_commands(h, os.path.join(h.dir, "typed.conf")) - \
        covered_commands(h, frr)
    assert not missing, "commands the round trip does not use:\n" + \
        "\n".join(f"{d} {n}: {s}" for d, n, s in sorted(missing))
    state = settle(h)
    # The state compared below is the configuration's, not empty.
    assert "172.16.11.0/24 via 10.1.0.21 dev d0" in state["route4"]
    assert "172.23.0.0/16 via 10.1.0.98 dev d0 table 100" in state["route4"]
    assert "fd96::/48 via fd01:1::99 dev d0 table 100" in state["route6"]
    assert "10.101.3.0/24 dev wg1" not in state["route4"]    # no install-routes
    assert "10.100.3.0/24 dev wg0" in state["route4"]
    # The peers of each plane, and the mesh's hub (this node is a spoke).
    assert sum(r.endswith("\t25") for r in state["wg"]) == PLANES * PEERS + 1
    assert "mtu 1403" in state["link"]
    assert "vx100: 00:00:00:00:00:00 dst 10.1.0.3 self permanent" in state["fdb"]
    assert "vx100: 52:54:00:12:34:57 dst 10.1.0.3 self permanent" in state["fdb"]
    assert "vxlan id 300 group 239.1.1.1 dev d1 " in state["link"]
    # fwd's zones: one link per interface (d2, d3, p0, p1), ports and prefixes.
    assert sum(l.startswith("xdp_") for l in state["fw"]) == 4, state["fw"]
    assert any(l.startswith("fw_port ") for l in state["fw"]), state["fw"]
    assert any(l.startswith("fw_src6 ") for l in state["fw"]), state["fw"]
    assert any(l.startswith("fw_host4 ") for l in state["fw"]), state["fw"]  # the /32s
    # The file holds it all, and daemons started from it are back.
    h.vtysh("write memory")
    same("\n".join(map(str, shown_paths(open(h.config).read()))),
         "\n".join(map(str, expected_paths(tree))), "the saved file against what was typed")
    h.stop_all(signal.SIGKILL)
    h.start_all()
    same(h.running_config(), shown, "running-config after kill -9 and restart")
    after = settle(h)
    for k in state:
        same(after[k], state[k], f"kernel state ({k}) after kill -9 and restart")
    # The saved file applied again with vtysh -b changes nothing, and a
    # second round trip through the file neither.
    out = h.vtysh(extra=("-b",))
    assert "Warning" not in out and "error" not in out
    same(h.running_config(), shown, "running-config after vtysh -b of the saved file")
    h.vtysh("write memory")
    same(h.running_config(), shown, "running-config after a second write")
    after = settle(h)
    for k in state:
        same(after[k], state[k], f"kernel state ({k}) after vtysh -b and a second write")


def test_boot_from_a_file_in_frr_layout(lab):
    h = lab.host("r1")
    for i in range(2):
        h.cmd(f"ip link add d{i} type veth peer name p{i} && ip link set d{i} up && ip link set p{i} up")
    h.start_all()
    key, _ = keyfile(h, "wg0")
    peers = [h.cmd("wg genkey | wg pubkey").strip() for _ in range(2)]

    def fill(text):
        return text.replace("@KEY@", key).replace("@PEER1@", peers[0]).replace("@PEER2@", peers[1])
    h.write_config(fill(FRR_FILE))
    out = h.vtysh(extra=("-b",))
    assert h.last_rc == 0
    for words in ("log file", "service", "line"):
        assert f'% Warning: "{words}" is FRR\'s, without meaning in kldnet: ignored' in out
    assert "Unknown" not in out and "failed" not in out
    shown = h.running_config()
    same(body(shown), fill(FRR_EXPECTED) + "end", "running-config from the FRR-layout file")
    kldlab.wait_for(lambda: keepalives(h) == 2, 10, what="keepalives from the file")
    # Applied again, the file changes nothing.
    h.vtysh(extra=("-b",))
    same(h.running_config(), shown, "running-config after a second vtysh -b")
    # A daemon started from it reads by indentation: its unindented block
    # is not applied, and its log says so; vtysh -b puts it back.
    h.stop("zebra-lite", signal.SIGKILL)
    h.start("zebra-lite")
    log = open(os.path.join(h.dir, "zebra-lite.log")).read()
    assert "line 14 (description ...): not indented below line 13 (interface ...)" in log
    h.vtysh(extra=("-b",))
    same(h.running_config(), shown, "running-config after zebra-lite's restart and vtysh -b")
    state = settle(h)
    assert "10.50.0.0/16 via 10.1.0.254 dev d0" in state["route4"]
    h.vtysh("write memory")
    h.stop_all(signal.SIGKILL)
    h.start_all()
    same(h.running_config(), shown, "running-config after kill -9 and restart")
    kldlab.wait_for(lambda: keepalives(h) == 2, 10, what="keepalives after the restart")
    after = settle(h)
    for k in state:
        same(after[k], state[k], f"kernel state ({k}) after kill -9 and restart")
    # A trailing comment typed at the prompt is a comment there too.
    h.conf("ip route 10.52.0.0/16 10.1.0.254 ! typed")
    assert "ip route 10.52.0.0/16 10.1.0.254\n" in h.running_config()


def test_unknown_line_in_frr_layout_applies_nothing(lab):
    """Only FRR's own lines are passed over: anything else unknown is an
    error, and one error means nothing is applied, in any layout."""
    h = lab.host("r1")
    h.start_all(("zebra-lite", "bgpd"))
    before = h.running_config()
    h.write_config("hostname x\nrouter bgp 65001\nneighbor 10.0.0.2 remote-as 65002\n"
                   "neighbour 10.0.0.3 remote-as 65003\nexit\nline vty\n exec-timeout 0 0\n"
                   "exit\nfoo bar\n")
    out = h.vtysh(extra=("-b",), check=False)
    assert h.last_rc != 0
    assert "line 4: % Unknown command: neighbour 10.0.0.3 remote-as 65003" in out
    assert "line 9: % Unknown command: foo bar" in out
    assert "exec-timeout" not in out
    assert "2 error(s), nothing applied" in out
    assert h.running_config() == before
