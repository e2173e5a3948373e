"""The configuration contract (doc/commands.md): every configuration command
of every daemon does what it says at once, typed again changes nothing and
resets no session, its `no` form removes the line and restores the effect,
and a changed value replaces the old one.

One table, one row per command; the test reads the command trees the
daemons describe to vtysh (`show commands`) and fails on any command
that has no row, so a new command cannot skip the contract.

The topology: r1 (AS 65001) and r2 (AS 65002) on one veth link with an eBGP
session up. Rows are applied to r1 in sequence; the session to r2 is
watched throughout (connectionsEstablished/Dropped). Neighbors 10.0.0.3
(eBGP) and 10.0.0.4 (iBGP) never come up: rows whose change needs a new
session (password, timers, ttl-security...) are made on them, so a reset
costs nothing; the rows of item 2 of issue 13 (update-source,
ebgp-multihop) are made on the live session. wgd's rows run on their own
host (test_contract_wgd), where a device made again is the reset to avoid;
so do vxland's (test_contract_vxland), where a VXLAN option the kernel cannot
change in place re-creates the device once when set, never when typed again.
"""
import difflib
import json
import re
import signal
import time

import kldlab

B = ["router bgp 65001"]
A4 = B + ["address-family ipv4 unicast"]
A6 = B + ["address-family ipv6 unicast"]
AE = B + ["address-family l2vpn evpn"]
AV = AE + ["vni 100"]
RMIN = ["route-map RMIN permit 10"]
EFFECT_S = 1.0  # the contract's "at once"

R1_CONF = """interface eth0
 ip address 10.0.0.1/24
exit
!
router bgp 65001
 neighbor 10.0.0.2 remote-as 65002
 neighbor 10.0.0.3 remote-as 65003
 neighbor 10.0.0.4 remote-as internal
 !
 address-family ipv4 unicast
  neighbor 10.0.0.2 route-map RMIN in
 exit-address-family
exit
!
route-map RMIN permit 10
exit
!
"""

R2_CONF = """interface eth0
 ip address 10.0.0.2/24
exit
!
ip route 10.2.0.0/24 blackhole
!
router bgp 65002
 bgp router-id 10.0.0.2
 neighbor 10.0.0.1 remote-as 65001
 !
 address-family ipv4 unicast
  network 10.2.0.0/24
  neighbor 10.0.0.1 route-map TAG out
 exit-address-family
exit
!
route-map TAG permit 10
 set community 65002:1
exit
!
"""


# ---- how effects are read ----

def vjson(h, cmd):
    out = h.vtysh(cmd)
    return json.loads(out) if out.strip() else {}


def nbr(h, peer):
    return vjson(h, f"show bgp neighbors {peer} json").get(peer, {})


def nbr_text(h, peer, pattern):
    """The first line of `show bgp neighbors PEER` that matches, or None."""
    m = re.search(pattern, h.vtysh(f"show bgp neighbors {peer}"), re.M)
    return m.group(0) if m else None


def rib_path(h, prefix, field=None):
    """A field of the best path of PREFIX in r1's BGP table (without a
    field: whether there is one)."""
    paths = vjson(h, f"show bgp ipv4 unicast {prefix} json").get("paths", [])
    best = next((p for p in paths if p.get("bestpath")), None)
    if best is None or field is None:
        return best is not None
    v = best.get(field)
    return json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v


def rib_text(h, prefix, pattern):
    m = re.search(pattern, h.vtysh(f"show bgp ipv4 unicast {prefix}"), re.M)
    return m.group(0) if m else None


def link(h, dev, what):
    d = json.loads(h.cmd(f"ip -j -d link show {dev}"))[0]
    if what == "up":
        return "UP" in d.get("flags", [])
    return d.get(what)


def addrs(h, dev, family):
    d = json.loads(h.cmd(f"ip -j {family} addr show dev {dev}"))
    return sorted(f"{a['local']}/{a['prefixlen']}" for x in d for a in x.get("addr_info", [])
                  if a.get("scope") != "link")


def sysctl(h, key):
    return h.cmd(f"sysctl -n {key}").strip()


def kroute(h, family, prefix):
    return h.cmd(f"ip {family} route show {prefix}").strip()


def zroute(h, family, prefix, field):
    out = vjson(h, f"show {family} route {prefix} json")
    entries = out.get(prefix, [])
    return entries[0].get(field) if entries else None


def zclient_line(h, label):
    m = re.search(rf"^{label}: .*$", h.vtysh("show zebra client"), re.M)
    return m.group(0) if m else None


def bgp_has(h, prefix):
    return prefix in vjson(h, "show bgp ipv4 unicast json").get("routes", {})


def bgp6_has(h, prefix):
    return prefix in vjson(h, "show bgp ipv6 unicast json").get("routes", {})


def af_flag(h, peer, af, flag):
    return nbr(h, peer).get("addressFamilyInfo", {}).get(af, {}).get(flag)


def plist(h, fam, name):
    out = vjson(h, f"show {fam} prefix-list {name} json")
    return json.dumps(out, sort_keys=True)


# ---- the table ----
#
# covers: the (node, syntax) pairs of the commands this row is the
#         contract of, as the daemons describe them (`show commands`)
# ctx:    the lines that enter the row's node
# setup/teardown: lines (from config) around the row, not part of it
# line:   what a user types; shown: how running-config shows it (default:
#         as typed); changed/changed_shown: the same setting, another value
#         (None: a list-like command where another value is another entry)
#         (changed_effect=False: the new value is not observable, a key;
#         undo_effect=False: the kernel cannot put it back, said in `why`)
# no:     the undo line
# effect: reads the effect (None: no effect outside the configuration; the
#         reason is in `why`); resets: the line changes a live session's
#         parameters, so the session may reset when it is applied or undone
#         (never when it is typed again)

def row(rid, covers, line, no, effect=None, ctx=(), shown=None, changed=None,
        changed_shown=None, setup=(), teardown=(), resets=False, why=None, body=(),
        daemon="bgpd", changed_effect=True, undo_effect=True):
    return dict(id=rid, covers=covers, line=line, no=no, effect=effect, ctx=list(ctx),
                shown=shown or line, changed=changed, changed_shown=changed_shown or changed,
                setup=list(setup), teardown=list(teardown), resets=resets, why=why,
                body=list(body), daemon=daemon, changed_effect=changed_effect,
                undo_effect=undo_effect)


ZEBRA_ROWS = [
    row("hostname", [("config", "hostname WORD$name"), ("config", "no hostname [WORD]")],
        "hostname r1contract", "no hostname",
        effect=lambda h: h.vtysh("show hostname").strip(), changed="hostname r1other",
        daemon="zebra-lite"),
    row("interface", [("config", "interface IFNAME$ifname"), ("config", "no interface IFNAME$ifname")],
        "interface dum0", "no interface dum0", body=["ip address 10.9.8.1/24"],
        effect=lambda h: addrs(h, "dum0", "-4"), daemon="zebra-lite"),
    row("description", [("interface", "description LINE...$text"),
                        ("interface", "no description [LINE...]")],
        "description towards the lab", "no description", ctx=["interface dum0"],
        effect=lambda h: vjson(h, "show interface dum0 json").get("dum0", {}).get("description"),
        changed="description another text", daemon="zebra-lite"),
    row("ip-address", [("interface", "[no] ip address A.B.C.D/M$addr")],
        "ip address 10.9.9.1/24", "no ip address 10.9.9.1/24", ctx=["interface dum0"],
        effect=lambda h: addrs(h, "dum0", "-4"), daemon="zebra-lite"),
    row("ipv6-address", [("interface", "[no] ipv6 address X:X::X:X/M$addr")],
        "ipv6 address 2001:db8:99::1/64", "no ipv6 address 2001:db8:99::1/64",
        ctx=["interface dum0"], effect=lambda h: addrs(h, "dum0", "-6"), daemon="zebra-lite"),
    row("mtu", [("interface", "mtu (68-65535)$mtu"), ("interface", "no mtu [(68-65535)]")],
        "mtu 1400", "no mtu", ctx=["interface dum0"], effect=lambda h: link(h, "dum0", "mtu"),
        changed="mtu 1300", daemon="zebra-lite"),
    row("shutdown", [("interface", "[no] shutdown")], "shutdown", "no shutdown",
        ctx=["interface dum0"], effect=lambda h: link(h, "dum0", "up"), daemon="zebra-lite"),
    row("ip-route", [("config", "[no] ip route A.B.C.D/M$prefix <A.B.C.D$gw [IFNAME$ifname]|blackhole|reject|Null0|IFNAME$ifname> [(1-255)$distance] [table (1-4294967295)$table]")],
        "ip route 10.50.0.0/16 10.0.0.2", "no ip route 10.50.0.0/16 10.0.0.2 30",
        effect=lambda h: (kroute(h, "-4", "10.50.0.0/16"),
                          zroute(h, "ip", "10.50.0.0/16", "distance")),
        changed="ip route 10.50.0.0/16 10.0.0.2 30", daemon="zebra-lite"),
    row("ipv6-route", [("config", "[no] ipv6 route X:X::X:X/M$prefix <X:X::X:X$gw [IFNAME$ifname]|blackhole|reject|Null0|IFNAME$ifname> [(1-255)$distance] [table (1-4294967295)$table]")],
        "ipv6 route 2001:db8:50::/48 Null0", "no ipv6 route 2001:db8:50::/48 Null0",
        effect=lambda h: (kroute(h, "-6", "2001:db8:50::/48"),
                          zroute(h, "ipv6", "2001:db8:50::/48", "distance")),
        changed="ipv6 route 2001:db8:50::/48 Null0 40", daemon="zebra-lite"),
    row("ip-forwarding", [("config", "[no] ip forwarding")], "ip forwarding", "no ip forwarding",
        effect=lambda h: sysctl(h, "net.ipv4.ip_forward"), daemon="zebra-lite"),
    row("ipv6-forwarding", [("config", "[no] ipv6 forwarding")], "ipv6 forwarding",
        "no ipv6 forwarding", effect=lambda h: sysctl(h, "net.ipv6.conf.all.forwarding"),
        daemon="zebra-lite"),
    row("nht-default", [("config", "[no] ip nht resolve-via-default")],
        "ip nht resolve-via-default", "no ip nht resolve-via-default",
        effect=lambda h: zclient_line(h, "Nexthops resolve via default"), daemon="zebra-lite"),
    row("zebra-gr-time", [("config", "zebra graceful-restart time (1-3600)$secs"),
                          ("config", "no zebra graceful-restart time [(1-3600)]")],
        "zebra graceful-restart time 90", "no zebra graceful-restart time",
        effect=lambda h: zclient_line(h, "Graceful-restart time"),
        changed="zebra graceful-restart time 120", daemon="zebra-lite"),
]

LOG_LEVELS = "<emergencies|alerts|critical|errors|warnings|notifications|informational|debugging>$level"
COMMON_ROWS = [
    # Every daemon has it; vtysh sends the line to all of them.
    row("log-syslog", [("config", f"[no] log syslog [{LOG_LEVELS}]")],
        "log syslog warnings", "no log syslog",
        effect=lambda h: h.vtysh("show logging"), changed="log syslog errors", daemon="*"),
]


def peer_af_rows(node, ctx, af, tag):
    """The per-address-family neighbor commands, in one node."""
    n = "neighbor <A.B.C.D|X:X::X:X|WORD>$peer"
    peer = "10.0.0.3" if af == "ipv6Unicast" else "10.0.0.2"
    setup = ["router bgp 65001", "address-family ipv6 unicast", "neighbor 10.0.0.3 activate"] \
        if af == "ipv6Unicast" else []
    teardown = ["router bgp 65001", "address-family ipv6 unicast",
                "no neighbor 10.0.0.3 activate"] if af == "ipv6Unicast" else []
    fam = "IPv6 Unicast" if af == "ipv6Unicast" else "IPv4 Unicast"

    def af_line(pattern):
        def read(h):
            text = h.vtysh(f"show bgp neighbors {peer}")
            block = text.split(f"For address family: {fam}", 1)
            if len(block) < 2:
                return None
            m = re.search(pattern, block[1].split("For address family", 1)[0], re.M)
            return m.group(0) if m else None
        return read

    rows = [
        row(f"{tag}-plist", [(node, f"[no] {n} prefix-list WORD$name <in|out>")],
            f"neighbor {peer} prefix-list PLC in", f"no neighbor {peer} prefix-list PLC2 in",
            ctx=ctx, setup=setup, teardown=teardown, changed=f"neighbor {peer} prefix-list PLC2 in",
            effect=af_line(r"Incoming update prefix filter list is .*$")),
        row(f"{tag}-rmap", [(node, f"[no] {n} route-map WORD$name <in|out>")],
            f"neighbor {peer} route-map RMC out", f"no neighbor {peer} route-map RMC2 out",
            ctx=ctx, setup=setup, teardown=teardown, changed=f"neighbor {peer} route-map RMC2 out",
            effect=af_line(r"Route map for outgoing advertisements is .*$")),
        row(f"{tag}-nhself", [(node, f"[no] {n} next-hop-self [force]")],
            f"neighbor {peer} next-hop-self", f"no neighbor {peer} next-hop-self force",
            ctx=ctx, setup=setup, teardown=teardown, changed=f"neighbor {peer} next-hop-self force",
            effect=af_line(r"NEXT_HOP is always this router.*$")),
        row(f"{tag}-rrclient", [(node, f"[no] {n} route-reflector-client")],
            "neighbor 10.0.0.4 route-reflector-client", "no neighbor 10.0.0.4 route-reflector-client",
            ctx=ctx, setup=[l.replace("10.0.0.3", "10.0.0.4") for l in setup],
            teardown=[l.replace("10.0.0.3", "10.0.0.4") for l in teardown],
            effect=lambda h: af_flag(h, "10.0.0.4", af, "routeReflectorClient")),
        row(f"{tag}-softin", [(node, f"[no] {n} soft-reconfiguration inbound")],
            f"neighbor {peer} soft-reconfiguration inbound",
            f"no neighbor {peer} soft-reconfiguration inbound", ctx=ctx, setup=setup,
            teardown=teardown, effect=lambda h: af_flag(h, peer, af, "inboundSoftConfigPermit")),
        row(f"{tag}-maxpfx", [(node, f"{n} maximum-prefix (1-4294967295)$max"),
                              (node, f"no {n} maximum-prefix [(1-4294967295)]")],
            f"neighbor {peer} maximum-prefix 1000", f"no neighbor {peer} maximum-prefix",
            ctx=ctx, setup=setup, teardown=teardown, changed=f"neighbor {peer} maximum-prefix 2000",
            effect=af_line(r"Maximum prefixes allowed \d+$")),
        row(f"{tag}-maxpaths", [(node, "maximum-paths [ibgp] (1-16)$n"),
                                (node, "no maximum-paths [ibgp] [(1-16)]")],
            "maximum-paths 4", "no maximum-paths", ctx=ctx, changed="maximum-paths 8",
            why="multipath needs two equal paths; test_bgp covers ECMP"),
        row(f"{tag}-redist", [(node, "[no] redistribute <connected|static|kernel|wireguard>")],
            "redistribute static", "no redistribute static", ctx=ctx,
            setup=["ip route 10.77.0.0/24 blackhole", "ipv6 route 2001:db8:77::/48 blackhole"],
            teardown=["no ip route 10.77.0.0/24 blackhole",
                      "no ipv6 route 2001:db8:77::/48 blackhole"],
            effect=(lambda h: bgp6_has(h, "2001:db8:77::/48")) if af == "ipv6Unicast"
            else (lambda h: bgp_has(h, "10.77.0.0/24"))),
    ]
    if af == "ipv6Unicast":
        rows.append(row(f"{tag}-activate", [(node, f"[no] {n} activate")],
                        "neighbor 10.0.0.2 activate", "no neighbor 10.0.0.2 activate", ctx=ctx,
                        resets=True,
                        effect=lambda h: "ipv6Unicast" in nbr(h, "10.0.0.2").get(
                            "addressFamilyInfo", {})))
        rows.append(row(f"{tag}-network", [(node, "[no] network X:X::X:X/M$prefix")],
                        "network 2001:db8:10::/48", "no network 2001:db8:10::/48", ctx=ctx,
                        effect=lambda h: bgp6_has(h, "2001:db8:10::/48")))
    else:
        # IPv4 unicast is on by default: the setting is `no ... activate`.
        rows.append(row(f"{tag}-activate", [(node, f"[no] {n} activate")],
                        "no neighbor 10.0.0.3 activate", "neighbor 10.0.0.3 activate", ctx=ctx,
                        effect=lambda h: "ipv4Unicast" in nbr(h, "10.0.0.3").get(
                            "addressFamilyInfo", {})))
        rows.append(row(f"{tag}-network", [(node, "[no] network A.B.C.D/M$prefix")],
                        "network 10.1.0.0/24", "no network 10.1.0.0/24", ctx=ctx,
                        effect=lambda h: bgp_has(h, "10.1.0.0/24")))
    return rows


N = "neighbor <A.B.C.D|X:X::X:X|WORD>$peer"
PL4 = "<A.B.C.D/M$prefix [{ge (0-32)$ge|le (0-32)$le}]|any>"
PL6 = "<X:X::X:X/M$prefix [{ge (0-128)$ge|le (0-128)$le}]|any>"


def gr(h, key):
    return nbr(h, "10.0.0.3").get("gracefulRestartInfo", {}).get(key)


def gr_af_timer(h, key):
    """A GR timer of the live session's IPv4 unicast (shown once established)."""
    info = nbr(h, "10.0.0.2").get("gracefulRestartInfo", {})
    return info.get("ipv4Unicast", {}).get("timers", {}).get(key)


def gr_text(pattern):
    return lambda h: nbr_text(h, "10.0.0.3", pattern)


def in_path(field):
    """A field of the path r2 sends (10.2.0.0/24) as r1 keeps it after RMIN."""
    return lambda h: rib_path(h, "10.2.0.0/24", field)


BGP_ROWS = [
    row("router-bgp", [("config", "router bgp (1-4294967295)$asn"),
                       ("config", "no router bgp [(1-4294967295)$asn]")],
        "router bgp 65001", "no router bgp 65001",
        why="the instance itself: checked last, by test_router_bgp_is_the_contract_too"),
    row("ip-plist-seq", [("config", f"ip prefix-list WORD$name seq (1-4294967295)$seq <permit|deny> {PL4}"),
                         ("config", f"no ip prefix-list WORD$name [seq (1-4294967295)$seq [<permit|deny> {PL4}]]")],
        "ip prefix-list PLC seq 10 permit 10.2.0.0/16 le 24", "no ip prefix-list PLC seq 10",
        changed="ip prefix-list PLC seq 10 deny 10.2.0.0/16 le 24",
        effect=lambda h: plist(h, "ip", "PLC")),
    row("ip-plist", [("config", f"ip prefix-list WORD$name <permit|deny> {PL4}"),
                     ("config", f"no ip prefix-list WORD$name <permit|deny> {PL4}")],
        "ip prefix-list L2 permit 10.101.0.0/16", "no ip prefix-list L2 permit 10.101.0.0/16",
        shown="ip prefix-list L2 seq 5 permit 10.101.0.0/16",
        effect=lambda h: plist(h, "ip", "L2")),
    row("ipv6-plist-seq", [("config", f"ipv6 prefix-list WORD$name seq (1-4294967295)$seq <permit|deny> {PL6}"),
                           ("config", f"no ipv6 prefix-list WORD$name [seq (1-4294967295)$seq [<permit|deny> {PL6}]]")],
        "ipv6 prefix-list V6 seq 10 permit 2001:db8::/32 le 64", "no ipv6 prefix-list V6 seq 10",
        changed="ipv6 prefix-list V6 seq 10 deny 2001:db8::/32 le 64",
        effect=lambda h: plist(h, "ipv6", "V6")),
    row("ipv6-plist", [("config", f"ipv6 prefix-list WORD$name <permit|deny> {PL6}"),
                       ("config", f"no ipv6 prefix-list WORD$name <permit|deny> {PL6}")],
        "ipv6 prefix-list V7 deny any", "no ipv6 prefix-list V7 deny any",
        shown="ipv6 prefix-list V7 seq 5 deny any", effect=lambda h: plist(h, "ipv6", "V7")),
    row("router-id", [("bgp", "[no] bgp router-id A.B.C.D$id"), ("bgp", "no bgp router-id")],
        "bgp router-id 10.0.0.77", "no bgp router-id", ctx=B, resets=True,
        changed="bgp router-id 10.0.0.78",
        effect=lambda h: vjson(h, "show bgp summary json")["ipv4Unicast"]["routerId"]),
    row("cluster-id", [("bgp", "bgp cluster-id A.B.C.D$id"), ("bgp", "no bgp cluster-id [A.B.C.D]")],
        "bgp cluster-id 10.255.0.1", "no bgp cluster-id", ctx=B, changed="bgp cluster-id 10.255.0.2",
        why="seen only in the CLUSTER_LIST of reflected routes: test_bgp_rr"),
    row("requires-policy", [("bgp", "[no] bgp ebgp-requires-policy")], "bgp ebgp-requires-policy",
        "no bgp ebgp-requires-policy", ctx=B,
        effect=lambda h: vjson(h, "show bgp summary json")["ipv4Unicast"]["peers"]["10.0.0.3"]["peerState"]),
    row("remote-as", [("bgp", f"{N} remote-as <(1-4294967295)$asn|internal|external>"),
                      ("bgp", f"no {N} [remote-as [<(1-4294967295)|internal|external>]]")],
        "neighbor 10.0.0.5 remote-as 65005", "no neighbor 10.0.0.5", ctx=B,
        changed="neighbor 10.0.0.5 remote-as 65006",
        effect=lambda h: nbr(h, "10.0.0.5").get("remoteAs")),
    row("peer-group", [("bgp", "[no] neighbor WORD$name peer-group")], "neighbor PGC peer-group",
        "no neighbor PGC peer-group", ctx=B,
        why="a template: what it does shows on its members (row peer-group-bind)"),
    row("peer-group-bind", [("bgp", "[no] neighbor <A.B.C.D|X:X::X:X>$peer peer-group WORD$group")],
        "neighbor 10.0.0.7 peer-group PGB", "no neighbor 10.0.0.7 peer-group PGB", ctx=B,
        setup=B + ["neighbor PGB peer-group", "neighbor PGB remote-as 65007"],
        teardown=B + ["no neighbor PGB peer-group"],
        effect=lambda h: nbr(h, "10.0.0.7").get("remoteAs")),
    row("listen-range", [("bgp", "bgp listen range <A.B.C.D/M|X:X::X:X/M>$range peer-group WORD$group"),
                         ("bgp", "no bgp listen range <A.B.C.D/M|X:X::X:X/M>$range [peer-group WORD$group]")],
        "bgp listen range 10.77.0.0/24 peer-group PGL", "no bgp listen range 10.77.0.0/24 peer-group PGL",
        ctx=B, setup=B + ["neighbor PGL peer-group", "neighbor PGL remote-as external"],
        teardown=B + ["no neighbor PGL peer-group"],
        why="acts only when a connection comes in from the range: test_bgp_dynamic"),
    row("listen-limit", [("bgp", "bgp listen limit (1-65535)$limit"),
                         ("bgp", "no bgp listen limit [(1-65535)$limit]")],
        "bgp listen limit 5", "no bgp listen limit", ctx=B, changed="bgp listen limit 6",
        effect=lambda h: vjson(h, "show bgp summary json")["ipv4Unicast"]["dynamicPeersLimit"]),
    row("nbr-shutdown", [("bgp", f"[no] {N} shutdown")], "neighbor 10.0.0.3 shutdown",
        "no neighbor 10.0.0.3 shutdown", ctx=B,
        effect=lambda h: vjson(h, "show bgp summary json")["ipv4Unicast"]["peers"]["10.0.0.3"]["peerState"]),
    row("nbr-desc", [("bgp", f"{N} description LINE...$desc"),
                     ("bgp", f"no {N} description [LINE...]")],
        "neighbor 10.0.0.2 description r2 over the lab link", "no neighbor 10.0.0.2 description",
        ctx=B, changed="neighbor 10.0.0.2 description another",
        effect=lambda h: nbr(h, "10.0.0.2").get("desc")),
    row("log-changes", [("bgp", "[no] bgp log-neighbor-changes")], "bgp log-neighbor-changes",
        "no bgp log-neighbor-changes", ctx=B, why="goes to the log only"),
    row("nbr-gr", [("bgp", f"[no] {N} <graceful-restart|graceful-restart-helper|graceful-restart-disable>")],
        "neighbor 10.0.0.3 graceful-restart-disable", "no neighbor 10.0.0.3 graceful-restart-helper",
        ctx=B, changed="neighbor 10.0.0.3 graceful-restart-helper",
        effect=lambda h: gr(h, "localGrMode")),
    row("nbr-passive", [("bgp", f"[no] {N} passive")], "neighbor 10.0.0.3 passive",
        "no neighbor 10.0.0.3 passive", ctx=B, effect=lambda h: nbr(h, "10.0.0.3").get("passive")),
    # Issue 13 item 2: on the live session.
    row("ebgp-multihop", [("bgp", f"{N} ebgp-multihop [(1-255)$hops]"),
                          ("bgp", f"no {N} ebgp-multihop [(1-255)]")],
        "neighbor 10.0.0.2 ebgp-multihop 3", "no neighbor 10.0.0.2 ebgp-multihop", ctx=B,
        resets=True, changed="neighbor 10.0.0.2 ebgp-multihop 4",
        effect=lambda h: nbr(h, "10.0.0.2").get("externalBgpNbrMaxHopsAway")),
    row("ttl-security", [("bgp", f"{N} ttl-security hops (1-254)$hops"),
                         ("bgp", f"no {N} ttl-security hops [(1-254)]")],
        "neighbor 10.0.0.3 ttl-security hops 2", "no neighbor 10.0.0.3 ttl-security hops", ctx=B,
        changed="neighbor 10.0.0.3 ttl-security hops 3",
        effect=lambda h: nbr(h, "10.0.0.3").get("externalBgpNbrMaxHopsAway")),
    row("update-source", [("bgp", f"{N} update-source <A.B.C.D|X:X::X:X>$src"),
                          ("bgp", f"no {N} update-source [<A.B.C.D|X:X::X:X>]")],
        "neighbor 10.0.0.2 update-source 10.0.0.1", "no neighbor 10.0.0.2 update-source", ctx=B,
        resets=True, effect=lambda h: nbr_text(h, "10.0.0.2", r"Update source is .*$")),
    row("update-source-changed", [], "neighbor 10.0.0.3 update-source 10.0.0.1",
        "no neighbor 10.0.0.3 update-source", ctx=B,
        changed="neighbor 10.0.0.3 update-source 10.255.255.1",
        effect=lambda h: nbr_text(h, "10.0.0.3", r"Update source is .*$")),
    row("password", [("bgp", f"{N} password WORD$pw"), ("bgp", f"no {N} password [WORD]")],
        "neighbor 10.0.0.3 password s3cret", "no neighbor 10.0.0.3 password", ctx=B,
        changed="neighbor 10.0.0.3 password other", changed_effect=False,
        effect=lambda h: nbr_text(h, "10.0.0.3", r"Peer Authentication Enabled$")),
    row("nbr-timers", [("bgp", f"{N} timers (0-65535)$ka (0-65535)$hold"),
                       ("bgp", f"no {N} timers [(0-65535) (0-65535)]")],
        "neighbor 10.0.0.3 timers 10 30", "no neighbor 10.0.0.3 timers", ctx=B,
        changed="neighbor 10.0.0.3 timers 20 60",
        effect=lambda h: nbr(h, "10.0.0.3").get("bgpTimerConfiguredHoldTimeMsecs")),
    row("timers-bgp", [("bgp", "timers bgp (0-65535)$ka (0-65535)$hold"),
                       ("bgp", "no timers bgp [(0-65535) (0-65535)]")],
        "timers bgp 5 15", "no timers bgp", ctx=B, changed="timers bgp 7 21",
        effect=lambda h: nbr(h, "10.0.0.3").get("bgpTimerConfiguredHoldTimeMsecs")),
    row("af-ipv4", [("bgp", "address-family ipv4 [unicast]"), ("bgp-af-ipv4", "exit-address-family")],
        "address-family ipv4 unicast", None, ctx=B, body=["network 10.1.1.0/24"],
        effect=lambda h: bgp_has(h, "10.1.1.0/24")),
    row("af-ipv6", [("bgp", "address-family ipv6 [unicast]"), ("bgp-af-ipv6", "exit-address-family")],
        "address-family ipv6 unicast", None, ctx=B, body=["network 2001:db8:11::/48"],
        effect=lambda h: bgp6_has(h, "2001:db8:11::/48")),
    # EVPN (doc/evpn.md): no VXLAN device here, so the effects are read
    # from bgpd's own view (`show bgp l2vpn evpn vni|summary json`).
    row("af-evpn", [("bgp", "address-family l2vpn evpn"), ("bgp-af-evpn", "exit-address-family"),
                    ("bgp-af-evpn", "[no] advertise-all-vni")],
        "address-family l2vpn evpn", None, ctx=B, body=["advertise-all-vni"],
        effect=lambda h: vjson(h, "show bgp l2vpn evpn vni json").get("advertiseAllVnis")),
    row("evpn-activate", [("bgp-af-evpn", "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer activate")],
        "neighbor 10.0.0.3 activate", "no neighbor 10.0.0.3 activate", ctx=AE,
        effect=lambda h: sorted(vjson(h, "show bgp l2vpn evpn summary json").get("peers", {}))),
    row("evpn-rrclient", [("bgp-af-evpn",
                           "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer route-reflector-client")],
        "neighbor 10.0.0.4 route-reflector-client", "no neighbor 10.0.0.4 route-reflector-client",
        ctx=AE, setup=AE + ["neighbor 10.0.0.4 activate"],
        teardown=AE + ["no neighbor 10.0.0.4 activate"],
        effect=lambda h: nbr(h, "10.0.0.4").get("addressFamilyInfo", {}).get("l2VpnEvpn", {})
        .get("routeReflectorClient")),
    row("evpn-vni", [("bgp-af-evpn", "vni (1-16777215)$vni"),
                     ("bgp-af-evpn", "no vni (1-16777215)$vni"), ("bgp-evpn-vni", "exit-vni")],
        "vni 100", "no vni 100", ctx=AE,
        effect=lambda h: sorted(vjson(h, "show bgp l2vpn evpn vni json").get("vnis", {}))),
    row("evpn-rd", [("bgp-evpn-vni", "rd WORD$rd"), ("bgp-evpn-vni", "no rd [WORD]")],
        "rd 10.0.0.1:100", "no rd", ctx=AV, changed="rd 65001:200",
        setup=AV, teardown=AE + ["no vni 100"],
        effect=lambda h: vjson(h, "show bgp l2vpn evpn vni 100 json")["vnis"]["100"]["rd"]),
    row("evpn-rt", [("bgp-evpn-vni", "[no] route-target <both|import|export> WORD$rt")],
        "route-target import 65002:100", "no route-target import 65002:100", ctx=AV,
        setup=AV, teardown=AE + ["no vni 100"],
        effect=lambda h: vjson(h, "show bgp l2vpn evpn vni 100 json")["vnis"]["100"]["importRts"]),
    # Route-maps: RMIN is r1's import policy from r2 (10.2.0.0/24 comes in
    # with community 65002:1); what a clause does shows on that path.
    row("route-map", [("config", "route-map WORD$name <permit|deny> (1-65535)$seq"),
                      ("config", "no route-map WORD$name [<permit|deny> (1-65535)$seq]")],
        "route-map RMIN deny 5", "no route-map RMIN permit 5", changed="route-map RMIN permit 5",
        shown="route-map RMIN deny 5", changed_shown="route-map RMIN permit 5",
        effect=lambda h: bgp_has(h, "10.2.0.0/24")),
    row("match-plist", [("route-map", "[no] match <ip|ipv6> address prefix-list WORD$name")],
        "match ip address prefix-list PLM", "no match ip address prefix-list PLM", ctx=RMIN,
        setup=["ip prefix-list PLM seq 5 permit 10.9.0.0/16 le 24",
               "ip prefix-list PLM2 seq 5 permit 10.2.0.0/16 le 24"],
        teardown=["no ip prefix-list PLM", "no ip prefix-list PLM2"],
        changed="match ip address prefix-list PLM2",
        effect=lambda h: bgp_has(h, "10.2.0.0/24")),
    row("match-community", [("route-map", "[no] match community WORD$name")],
        "match community CLM", "no match community CLM", ctx=RMIN,
        setup=["bgp community-list standard CLM permit 65099:1"],
        teardown=["no bgp community-list standard CLM"],
        effect=lambda h: bgp_has(h, "10.2.0.0/24")),
    row("match-as-path", [("route-map", "[no] match as-path WORD$name")],
        "match as-path APM", "no match as-path APM", ctx=RMIN,
        setup=["bgp as-path access-list APM permit ^65099$"],
        teardown=["no bgp as-path access-list APM"],
        effect=lambda h: bgp_has(h, "10.2.0.0/24")),
    row("set-lp", [("route-map", "set local-preference (0-4294967295)$lp"),
                   ("route-map", "no set local-preference [(0-4294967295)]")],
        "set local-preference 200", "no set local-preference", ctx=RMIN,
        changed="set local-preference 300", effect=in_path("locPrf")),
    row("set-metric", [("route-map", "set metric (0-4294967295)$med"),
                       ("route-map", "no set metric [(0-4294967295)]")],
        "set metric 50", "no set metric", ctx=RMIN, changed="set metric 60",
        effect=in_path("metric")),
    row("set-nh", [("route-map", "set ip next-hop A.B.C.D$nh"),
                   ("route-map", "no set ip next-hop [A.B.C.D]")],
        "set ip next-hop 10.0.0.99", "no set ip next-hop", ctx=RMIN,
        changed="set ip next-hop 10.0.0.98", effect=in_path("nexthops")),
    row("set-prepend", [("route-map", "set as-path prepend LINE...$asns"),
                        ("route-map", "no set as-path prepend [LINE...]")],
        "set as-path prepend 65001 65001", "no set as-path prepend", ctx=RMIN,
        changed="set as-path prepend 65001", effect=in_path("path")),
    row("set-community", [("route-map", "set community <none|LINE...$comms>"),
                          ("route-map", "no set community [LINE...]")],
        "set community 65001:7 additive", "no set community", ctx=RMIN,
        changed="set community none",
        effect=lambda h: rib_text(h, "10.2.0.0/24", r"Community: .*$")),
    row("community-list", [("config", "bgp community-list standard WORD$name <permit|deny> LINE...$line"),
                           ("config", "no bgp community-list standard WORD$name [LINE...$line]")],
        "bgp community-list standard CLC permit 65002:1",
        "no bgp community-list standard CLC permit 65002:1",
        setup=RMIN + ["match community CLC"], teardown=RMIN + ["no match community CLC"],
        effect=lambda h: bgp_has(h, "10.2.0.0/24")),
    row("as-path-list", [("config", "bgp as-path access-list WORD$name <permit|deny> LINE...$line"),
                         ("config", "no bgp as-path access-list WORD$name [LINE...$line]")],
        "bgp as-path access-list APC permit ^65002$", "no bgp as-path access-list APC permit ^65002$",
        setup=RMIN + ["match as-path APC"], teardown=RMIN + ["no match as-path APC"],
        effect=lambda h: bgp_has(h, "10.2.0.0/24")),
    row("gr", [("bgp", "[no] bgp graceful-restart")], "bgp graceful-restart",
        "no bgp graceful-restart", ctx=B, effect=lambda h: gr(h, "localGrMode")),
    row("gr-disable", [("bgp", "[no] bgp graceful-restart-disable")],
        "bgp graceful-restart-disable", "no bgp graceful-restart-disable", ctx=B,
        effect=lambda h: gr(h, "localGrMode")),
    row("gr-restart-time", [("bgp", "bgp graceful-restart restart-time (1-4095)$secs"),
                            ("bgp", "no bgp graceful-restart restart-time [(1-4095)]")],
        "bgp graceful-restart restart-time 200", "no bgp graceful-restart restart-time", ctx=B,
        changed="bgp graceful-restart restart-time 300",
        effect=gr_text(r"Configured Restart Time\(sec\): \d+$")),
    row("gr-stalepath", [("bgp", "bgp graceful-restart stalepath-time (1-4095)$secs"),
                         ("bgp", "no bgp graceful-restart stalepath-time [(1-4095)]")],
        "bgp graceful-restart stalepath-time 400", "no bgp graceful-restart stalepath-time", ctx=B,
        changed="bgp graceful-restart stalepath-time 500",
        effect=lambda h: gr_af_timer(h, "stalePathTimer")),
    row("gr-defer", [("bgp", "bgp graceful-restart select-defer-time (0-3600)$secs"),
                     ("bgp", "no bgp graceful-restart select-defer-time [(0-3600)]")],
        "bgp graceful-restart select-defer-time 30", "no bgp graceful-restart select-defer-time",
        ctx=B, changed="bgp graceful-restart select-defer-time 40",
        effect=lambda h: gr_af_timer(h, "selectionDeferralTimer")),
    row("update-delay", [("bgp", "update-delay (0-3600)$secs [(1-3600)$wait]"),
                         ("bgp", "no update-delay [(0-3600) [(1-3600)]]")],
        "update-delay 90 30", "no update-delay", ctx=B, changed="update-delay 100",
        why="the replay hold after a restart of bgpd, and FRR's establish-wait: "
            "test_bgp_restart"),
    row("gr-fw-state", [("bgp", "[no] bgp graceful-restart preserve-fw-state")],
        "bgp graceful-restart preserve-fw-state", "no bgp graceful-restart preserve-fw-state",
        ctx=B, why="the F bit of the next OPEN: test_bgp_gr"),
] + peer_af_rows("bgp-af-ipv4", A4, "ipv4Unicast", "af4") \
  + peer_af_rows("bgp-af-ipv6", A6, "ipv6Unicast", "af6") \
  + peer_af_rows("bgp", B, "ipv4Unicast", "bgpnode")

ROWS = ZEBRA_ROWS + COMMON_ROWS + BGP_ROWS
# wgd's rows are wg_rows() below (they need keys), vxland's VX_ROWS and
# fwd's FW_ROWS (on their own hosts, test_contract_vxland and _fwd).
CONTRACT_DAEMONS = ("zebra-lite", "wgd", "vxland", "fwd", "bgpd")


# ---- the topology ----

def session(h):
    """The live session r1-r2: its state and counters, and how many UPDATEs
    and ROUTE-REFRESHes r1 sent on it (a line typed again must not even
    re-send the table, nor ask r2 for its own)."""
    p = nbr(h, "10.0.0.2")
    ms = p.get("messageStats", {})
    return (p.get("bgpState"), p.get("connectionsEstablished"), p.get("connectionsDropped"),
            ms.get("updatesSent"), ms.get("routeRefreshSent"))


def wait_established(h, timeout=30):
    return kldlab.wait_for(lambda: session(h)[0] == "Established" and session(h), timeout,
                           what="the session r1-r2 established")


def topology(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    # A fixed automatic router-id for r1 (its highest address), whatever
    # the rows add, and forwarding off: the rows turn it on.
    r1.cmd("ip addr add 10.255.255.1/32 dev lo && ip link add dum0 type veth peer name dum0p && "
           "ip link set dum0p up && "
           "ip link set dum0 up && sysctl -qw net.ipv4.ip_forward=0 "
           "net.ipv6.conf.all.forwarding=0")
    r1.write_config(R1_CONF)
    r2.write_config(R2_CONF)
    for h in (r1, r2):
        h.start("zebra-lite")
        h.start("bgpd")
    wait_established(r1)
    kldlab.wait_for(lambda: bgp_has(r1, "10.2.0.0/24"), 30, what="r2's route at r1")
    return r1, r2


def described_commands(h):
    """(daemon, node, syntax) of every configuration command."""
    out = set()
    for l in h.vtysh("show commands").splitlines():
        daemon, rest = l.split(" ", 1)
        node, syntax = rest.split(": ", 1)
        if node != "view":
            out.add((daemon, node, syntax.split(" -> ")[0]))
    return out


def covered():
    cov = set()
    dummy = {k: ("/nonexistent", "KEY") for k in WG_KEY_NAMES}
    for r in ROWS + wg_rows(dummy) + VX_ROWS + FW_ROWS:
        for node, syntax in r["covers"]:
            daemons = CONTRACT_DAEMONS if r["daemon"] == "*" else (r["daemon"],)
            for d in daemons:
                cov.add((d, node, syntax))
    return cov


# ---- the checks ----

def cfg_lines(h):
    return [l.strip() for l in h.running_config().splitlines()]


def settle(read, want, what, timeout=EFFECT_S):
    """Poll read() until it returns want; the elapsed time is the check."""
    t0 = time.monotonic()
    while True:
        v = read()
        if v == want:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"{what}: {v!r} after {timeout}s, wanted {want!r}")
        time.sleep(0.05)


def settle_change(read, old, what, timeout=EFFECT_S):
    t0 = time.monotonic()
    while True:
        v = read()
        if v != old:
            return v
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"{what}: still {v!r} after {timeout}s")
        time.sleep(0.05)


def apply(h, r, line):
    lines = list(r["ctx"]) + [line]
    out = h.conf(*lines, check=False)
    assert h.last_rc == 0, f"{r['id']}: `{line}` refused:\n{out}"
    return out


def run_row(h, r, watch=None):
    """One row's checks. watch(h) reads the sessions that must not reset
    (default: the BGP session r1-r2, waited for after a row that resets)."""
    rid, eff = r["id"], r["effect"]
    bgp = watch is None
    watch = watch or session
    settled = (lambda: wait_established(h)) if bgp else (lambda: watch(h))
    if r["setup"]:
        h.conf(*r["setup"])
        if eff:
            time.sleep(1.2)  # what the setup filters or announces settles first
    cfg0 = cfg_lines(h)
    base = eff(h) if eff else None
    sess = settled()

    # 1. applied: shown as typed (or in its canonical form), effect at once
    apply(h, r, r["line"]) if not r["body"] else h.conf(*r["ctx"], r["line"], *r["body"])
    cfg1 = cfg_lines(h)
    assert r["shown"] in cfg1, f"{rid}: `{r['shown']}` not in running-config:\n" + "\n".join(cfg1)
    v1 = settle_change(lambda: eff(h), base, f"{rid}: effect of `{r['line']}`") if eff else None
    if r["resets"]:
        sess = settled()
    else:
        assert watch(h)[:3] == sess[:3], \
            f"{rid}: `{r['line']}` reset the session {sess} -> {watch(h)}"

    # 2. typed again: nothing changes, no session resets, nothing is sent
    if bgp and r["daemon"] == "bgpd":
        time.sleep(0.3)  # what the first time sends, after the 200 ms policy timer
    sess = watch(h)
    apply(h, r, r["line"])
    if r["body"]:
        h.conf(*r["ctx"], r["line"], *r["body"])
    time.sleep(0.3)  # a reset would show as dropped at once
    assert cfg_lines(h) == cfg1, f"{rid}: typed again changed running-config"
    if eff:
        assert eff(h) == v1, f"{rid}: typed again changed the effect"
    assert watch(h) == sess, \
        f"{rid}: typed again reset the session or sent UPDATE/ROUTE-REFRESH {sess} -> {watch(h)}"

    # 3. a changed value replaces the old one
    if r["changed"]:
        apply(h, r, r["changed"])
        cfg2 = cfg_lines(h)
        assert r["changed_shown"] in cfg2, f"{rid}: `{r['changed_shown']}` not shown"
        if r["shown"] != r["changed_shown"]:
            assert r["shown"] not in cfg2, f"{rid}: the old value stays next to the new one"
        assert len(cfg2) == len(cfg1), f"{rid}: a changed value added a line:\n" + "\n".join(cfg2)
        if eff and r["changed_effect"]:
            settle_change(lambda: eff(h), v1, f"{rid}: effect of `{r['changed']}`")
        if r["resets"]:
            settled()

    # 4. its `no`: the line goes, the effect is as it was
    if r["no"]:
        apply(h, r, r["no"])
    elif r["body"]:  # a node without a `no` (address-family): its lines' `no`
        h.conf(*r["ctx"], r["line"], *["no " + b for b in r["body"]])
    else:  # no `no` at all (a plane's key): the teardown removes the object
        assert r["teardown"], f"{rid}: a row without `no` needs a teardown"
    if r["no"] or r["body"]:
        assert cfg_lines(h) == cfg0, f"{rid}: `{r['no']}` left the configuration changed:\n" + \
            "\n".join(l for l in cfg_lines(h) if l not in cfg0)
        if eff and r["undo_effect"]:
            settle(lambda: eff(h), base, f"{rid}: effect after `{r['no']}`")
        if r["resets"]:
            settled()
    if r["teardown"]:
        h.conf(*r["teardown"])


def test_every_command_has_a_row(lab):
    h = lab.host("r1")
    h.start_all(CONTRACT_DAEMONS)
    cmds = {c for c in described_commands(h) if c[0] in CONTRACT_DAEMONS}
    missing = sorted(cmds - covered())
    assert not missing, "commands without a row in tests/topo/test_contract.py:\n" + \
        "\n".join("\t".join(m) for m in missing)
    dummy = {k: ("/nonexistent", "KEY") for k in WG_KEY_NAMES}
    blind = [r["id"] for r in ROWS + wg_rows(dummy) + VX_ROWS + FW_ROWS
             if not r["effect"] and not r["why"]]
    assert not blind, f"rows that read no effect and do not say why: {blind}"
    stale = sorted(covered() - cmds)
    assert not stale, "rows for commands the daemons do not have:\n" + \
        "\n".join("\t".join(m) for m in stale)


def test_contract(lab):
    r1, r2 = topology(lab)
    failures = []
    t0 = time.monotonic()
    for r in ROWS:
        if r["id"] == "router-bgp":
            continue
        try:
            run_row(r1, r)
        except AssertionError as e:
            failures.append(str(e))
            # Leave a clean slate for the next rows.
            r1.conf(*r["ctx"], r["no"], check=False) if r["no"] else None
            if r["teardown"]:
                r1.conf(*r["teardown"], check=False)
            time.sleep(2)  # routes filtered by the row come back
    print(f"{len(ROWS)} rows in {time.monotonic() - t0:.1f}s")
    assert not failures, f"{len(failures)} row(s) break the contract:\n\n" + "\n\n".join(failures)
    regressions(r1)
    round_trip(r1)
    # Last, the instance itself: typed again nothing, `no` removes it all.
    sess = session(r1)
    r1.conf("router bgp 65001")
    time.sleep(0.3)
    assert session(r1) == sess
    r1.conf("no router bgp 65001")
    assert not any(l.startswith("router bgp") for l in cfg_lines(r1))


# ---- the cases of issue 13 the table does not spell out ----

def regressions(h):
    sess = wait_established(h)
    # Item 1: on a settled link (no other netlink event to carry it), an
    # address typed at the shell reaches the kernel at once, and goes.
    for cmd, fam, a in (("ip", "-4", "10.0.0.11/24"), ("ipv6", "-6", "2001:db8:1::1/64")):
        h.conf("interface eth0", f"{cmd} address {a}")
        settle(lambda: a in addrs(h, "eth0", fam), True, f"{a} in the kernel")
        h.conf("interface eth0", f"no {cmd} address {a}")
        settle(lambda: a in addrs(h, "eth0", fam), False, f"{a} out of the kernel")
    # Item 2: `no ebgp-multihop` when none is set resets nothing; the
    # maximum is shown as FRR shows it, bare.
    h.conf(*B, "no neighbor 10.0.0.2 ebgp-multihop")
    h.conf(*B, "no neighbor 10.0.0.2 update-source")
    time.sleep(0.3)
    assert session(h) == sess
    h.conf(*B, "neighbor 10.0.0.3 ebgp-multihop")
    assert "neighbor 10.0.0.3 ebgp-multihop" in cfg_lines(h)
    h.conf(*B, "no neighbor 10.0.0.3 ebgp-multihop")

    # Item 4: without seq, FRR's numbering (5 past the highest multiple of
    # 5), a repeated line is not added, `no` finds a line by its content.
    h.conf("ip prefix-list L3 seq 12 permit 10.3.0.0/16",
           "ip prefix-list L3 permit 10.4.0.0/16", "ip prefix-list L3 permit 10.4.0.0/16",
           "ip prefix-list L3 deny 10.5.0.0/16 le 24")
    lines = [l for l in cfg_lines(h) if l.startswith("ip prefix-list L3 ")]
    assert lines == ["ip prefix-list L3 seq 12 permit 10.3.0.0/16",
                     "ip prefix-list L3 seq 15 permit 10.4.0.0/16",
                     "ip prefix-list L3 seq 20 deny 10.5.0.0/16 le 24"], lines
    out = h.conf("no ip prefix-list L3 deny 10.5.0.0/16", check=False)
    assert h.last_rc != 0 and "Can't find" in out  # not that entry: le 24 is part of it
    h.conf("no ip prefix-list L3 deny 10.5.0.0/16 le 24", "no ip prefix-list L3 permit 10.4.0.0/16")
    assert [l for l in cfg_lines(h) if l.startswith("ip prefix-list L3 ")] == \
        ["ip prefix-list L3 seq 12 permit 10.3.0.0/16"]
    h.conf("no ip prefix-list L3")

    # Item 5: a setting for a neighbor not activated in the family is kept
    # and shown (and so saved), its block with it.
    h.conf(*A6, "neighbor 10.0.0.2 prefix-list V6 in")
    cfg = h.running_config()
    assert " address-family ipv6 unicast\n  neighbor 10.0.0.2 prefix-list V6 in\n" in cfg, cfg
    assert "neighbor 10.0.0.2 activate" not in cfg
    h.conf(*A6, "no neighbor 10.0.0.2 prefix-list V6 in")
    assert "address-family ipv6" not in h.running_config()

    # Item 7: lists keep one order whatever the order they were typed in
    # (a saved file reads back the same), and a repeated entry is one.
    h.conf("bgp as-path access-list ZZ permit ^1$", "bgp community-list standard ZZ permit 1:1",
           "bgp as-path access-list AA permit ^2$", "bgp community-list standard AA permit 2:2",
           "bgp community-list standard AA permit 2:2", "route-map ZZ permit 10", "exit",
           "route-map AA permit 10")
    lists = [l for l in cfg_lines(h) if l.startswith(("bgp as-path", "bgp community", "route-map"))]
    assert lists == ["bgp community-list standard AA permit 2:2",
                     "bgp community-list standard ZZ permit 1:1",
                     "bgp as-path access-list AA permit ^2$",
                     "bgp as-path access-list ZZ permit ^1$",
                     "route-map AA permit 10", "route-map RMIN permit 10",
                     "route-map ZZ permit 10"], lists
    h.conf("no bgp as-path access-list ZZ", "no bgp community-list standard ZZ",
           "no bgp as-path access-list AA", "no bgp community-list standard AA",
           "no route-map ZZ", "no route-map AA")
    # No reset and no UPDATE; a ROUTE-REFRESH is allowed here: item 5 binds
    # a filter (a change, not a repeat), and bgpd re-asks on any binding.
    assert session(h)[:4] == sess[:4]

    # The user trial: route-map lines typed again, the map in use inbound
    # (RMIN) and outbound (RMOUT): no ROUTE-REFRESH, no UPDATE re-sent.
    h.conf("ip prefix-list PLT seq 5 permit 10.2.0.0/16 le 24",
           "route-map RMOUT permit 10", "set metric 10", "exit",
           *RMIN, "set local-preference 200", "match ip address prefix-list PLT", "exit",
           *A4, "network 10.1.98.0/24", "neighbor 10.0.0.2 route-map RMOUT out")
    time.sleep(1.0)  # the policy timer, the refresh and the UPDATEs settle
    sess = session(h)
    for lines in (["route-map RMOUT permit 10", "set metric 10"],
                  RMIN + ["set local-preference 200"],
                  RMIN + ["match ip address prefix-list PLT"]):
        h.conf(*lines)
        time.sleep(0.5)  # past the 200 ms policy timer
        assert session(h) == sess, f"{lines} typed again: {sess} -> {session(h)}"
    h.conf(*A4, "no neighbor 10.0.0.2 route-map RMOUT out", "no network 10.1.98.0/24")
    h.conf(*RMIN, "no set local-preference", "no match ip address prefix-list PLT")
    h.conf("no route-map RMOUT", "no ip prefix-list PLT")
    sess = wait_established(h)

    # Item 7: an interface entered (for `?`, say) and left is not kept.
    h.conf("interface eth9", "exit")
    assert "interface eth9" not in cfg_lines(h)


def round_trip(h):
    """Every row's line at once, saved, the daemons killed and started
    again: the same running configuration. Then the saved file applied
    again with `vtysh -b` (typed again, all of it): nothing changes and the
    session does not reset."""
    for r in ROWS:
        if r["id"] in ("router-bgp", "gr-disable"):  # gr-disable: GR rows exclude it
            continue
        if r["setup"]:
            h.conf(*r["setup"])
        h.conf(*r["ctx"], r["line"], *r["body"])
    wait_established(h)
    before = h.running_config()
    h.vtysh("write memory")
    for d in ("bgpd", "zebra-lite"):
        h.stop(d, signal.SIGKILL)
    for d in ("zebra-lite", "bgpd"):
        h.start(d)
    sess = wait_established(h)
    after = h.running_config()
    assert after == before, "the round trip changed the configuration:\n" + "\n".join(
        difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm=""))
    out = h.vtysh(extra=("-b",), check=False)
    assert h.last_rc == 0, out
    time.sleep(0.5)
    assert h.running_config() == before
    assert session(h) == sess, f"vtysh -b of the saved file reset the session {sess} -> {session(h)}"


# ---- wgd ----
#
# One host, zebra-lite and wgd, wireguard-go serving the devices. wg0 is
# the plane the interface and peer rows change; PEER1 is its peer. Keys are
# made with wg(8) in the host's directory (KEYS: name -> (path, public)).

W = ["wireguard wg0"]


def wg_dev(h, ifname="wg0"):
    """`wg show IF dump`: (public key, port, fwmark), {peer: (psk, endpoint,
    allowed-ips, keepalive)}; None when the device is not there."""
    out = h.cmd(f"wg show {ifname} dump", check=False).strip().splitlines()
    if not out or "\t" not in out[0]:
        return None
    _, pub, port, fwmark = out[0].split("\t")
    peers = {}
    for l in out[1:]:
        k, psk, ep, aips, _, _, _, ka = l.split("\t")
        peers[k] = (psk, ep, ",".join(sorted(aips.split(","))), ka)
    return (pub, port, fwmark), peers


def wg_peer_field(h, pub, i):
    d = wg_dev(h)
    return d[1].get(pub, (None,) * 4)[i] if d else None


def wg_rows(keys):
    p1 = keys["peer1"][1]
    p2 = keys["peer2"][1]
    P = W + [f"peer {p1}"]
    M = ["wireguard mesh m1"]
    mesh_setup = ["wireguard wg5", f"private-key file {keys['wg5'][0]}", "exit",
                  "wireguard mesh m1", "interface wg5", "self n1",
                  f"member n1 public-key {keys['wg5'][1]} address 10.210.0.1/24"]
    mesh_teardown = ["no wireguard mesh m1", "no wireguard wg5"]
    n2 = f"member n2 public-key {p2} endpoint 192.0.2.2:51820 address 10.210.0.2/24"
    n3 = f"member n3 public-key {keys['peer3'][1]} endpoint 192.0.2.3:51820 address 10.210.0.3/24"

    def port(h):  # without listen-port the device picks one: "random"
        d = wg_dev(h)
        return d and (d[0][1] if d[0][1] in ("51830", "51831") else "random")

    def wg5_peers(h):
        d = wg_dev(h, "wg5")
        return d and json.dumps(sorted(d[1].items()))

    return [
        row("wg-interface", [("config", "wireguard IFNAME$ifname"), ("config", "no wireguard IFNAME$ifname")],
            "wireguard wg1", "no wireguard wg1", body=[f"private-key file {keys['wg1'][0]}"],
            effect=lambda h: "wg1" in h.cmd("wg show interfaces", check=False).split(),
            daemon="wgd"),
        row("wg-private-key", [("wireguard", "private-key file WORD$path")],
            f"private-key file {keys['wg2'][0]}", None, ctx=["wireguard wg2"],
            setup=["wireguard wg2", "listen-port 51822"], teardown=["no wireguard wg2"],
            changed=f"private-key file {keys['wg3'][0]}",
            effect=lambda h: (wg_dev(h, "wg2") or ((None,),))[0][0],
            why="no `no` form: a plane has one key; `no wireguard IF` removes the plane",
            daemon="wgd"),
        row("wg-listen-port", [("wireguard", "listen-port (1-65535)$port"),
                               ("wireguard", "no listen-port [(1-65535)]")],
            "listen-port 51830", "no listen-port", ctx=W, changed="listen-port 51831",
            effect=port, daemon="wgd"),
        row("wg-fwmark", [("wireguard", "fwmark (1-4294967295)$mark"),
                          ("wireguard", "no fwmark [(1-4294967295)]")],
            "fwmark 51820", "no fwmark", ctx=W, changed="fwmark 4242",
            effect=lambda h: wg_dev(h)[0][2], daemon="wgd"),
        row("wg-mtu", [("wireguard", "mtu (1280-65535)$mtu"), ("wireguard", "no mtu [(1280-65535)]")],
            "mtu 1380", "no mtu", ctx=W, changed="mtu 1300",
            effect=lambda h: link(h, "wg0", "mtu"), daemon="wgd"),
        row("wg-address", [("wireguard", "[no] address A.B.C.D/M$addr")],
            "address 10.201.0.1/24", "no address 10.201.0.1/24", ctx=W,
            effect=lambda h: addrs(h, "wg0", "-4"), daemon="wgd"),
        row("wg-address6", [("wireguard", "[no] address X:X::X:X/M$addr")],
            "address 2001:db8:200::1/64", "no address 2001:db8:200::1/64", ctx=W,
            effect=lambda h: addrs(h, "wg0", "-6"), daemon="wgd"),
        row("wg-install-routes", [("wireguard", "[no] install-routes")],
            "no install-routes", "install-routes", ctx=W, shown="no install-routes",
            effect=lambda h: kroute(h, "-4", "10.100.2.0/24"), daemon="wgd"),
        row("wg-full-tunnel", [("wireguard", "full-tunnel [table (1-4294967295)$table]"),
                               ("wireguard", "no full-tunnel [table (1-4294967295)]")],
            "full-tunnel", "no full-tunnel", ctx=W, changed="full-tunnel table 100",
            effect=lambda h: h.cmd("ip rule show").strip(), daemon="wgd"),
        row("wg-peer", [("wireguard", "peer WORD$key"), ("wireguard", "no peer WORD$key")],
            f"peer {p2}", f"no peer {p2}", ctx=W, body=["allowed-ips 10.100.3.0/24"],
            effect=lambda h: wg_peer_field(h, p2, 2), daemon="wgd"),
        row("wg-peer-desc", [("wireguard-peer", "description LINE...$text"),
                             ("wireguard-peer", "no description [LINE...]")],
            "description site B", "no description", ctx=P, changed="description site C",
            why="a note for the reader: the running configuration is where it lives",
            daemon="wgd"),
        row("wg-endpoint", [("wireguard-peer", "endpoint WORD$ep"),
                            ("wireguard-peer", "no endpoint [WORD]")],
            "endpoint 192.0.2.9:51820", "no endpoint", ctx=P, changed="endpoint 192.0.2.8:51821",
            setup=P + ["no endpoint"], teardown=P + ["endpoint 192.0.2.2:51820"],
            effect=lambda h: wg_peer_field(h, p1, 1), daemon="wgd", undo_effect=False,
            why="WireGuard cannot forget a peer's endpoint short of removing the peer "
                "(its session with it too): `no endpoint` stops setting it"),
        row("wg-allowed-ips", [("wireguard-peer", "[no] allowed-ips A.B.C.D/M$prefix")],
            "allowed-ips 10.100.9.0/24", "no allowed-ips 10.100.9.0/24", ctx=P,
            effect=lambda h: wg_peer_field(h, p1, 2), daemon="wgd"),
        row("wg-allowed-ips6", [("wireguard-peer", "[no] allowed-ips X:X::X:X/M$prefix")],
            "allowed-ips 2001:db8:9::/48", "no allowed-ips 2001:db8:9::/48", ctx=P,
            effect=lambda h: wg_peer_field(h, p1, 2), daemon="wgd"),
        row("wg-psk", [("wireguard-peer", "preshared-key file WORD$path"),
                       ("wireguard-peer", "no preshared-key [file WORD]")],
            f"preshared-key file {keys['psk1'][0]}", "no preshared-key", ctx=P,
            changed=f"preshared-key file {keys['psk2'][0]}",
            effect=lambda h: wg_peer_field(h, p1, 0), daemon="wgd"),
        row("wg-keepalive", [("wireguard-peer", "persistent-keepalive (1-65535)$secs"),
                             ("wireguard-peer", "no persistent-keepalive [(1-65535)]")],
            "persistent-keepalive 25", "no persistent-keepalive", ctx=P,
            changed="persistent-keepalive 15", effect=lambda h: wg_peer_field(h, p1, 3),
            daemon="wgd"),
        row("wg-stale", [("config", "wireguard stale-threshold (1-86400)$secs"),
                         ("config", "no wireguard stale-threshold [(1-86400)]")],
            "wireguard stale-threshold 300", "no wireguard stale-threshold",
            changed="wireguard stale-threshold 400",
            why="seen when a handshake ages past it: test_wg stale test", daemon="wgd"),
        row("wg-metrics", [("config", "wireguard metrics listen A.B.C.D$addr port (1-65535)$port"),
                           ("config", "no wireguard metrics [listen A.B.C.D port (1-65535)]")],
            "wireguard metrics listen 127.0.0.1 port 9586", "no wireguard metrics",
            changed="wireguard metrics listen 127.0.0.1 port 9587",
            effect=lambda h: tuple(h.cmd(f"curl -s -o /dev/null -w '%{{http_code}}' "
                                         f"http://127.0.0.1:{p}/metrics", check=False).strip()
                                   for p in (9586, 9587)),
            daemon="wgd"),
        row("wg-mesh", [("config", "wireguard mesh WORD$name"), ("config", "no wireguard mesh WORD$name"),
                        ("wireguard-mesh", "interface IFNAME$ifname"),
                        ("wireguard-mesh", "self WORD$name")],
            "wireguard mesh m1", "no wireguard mesh m1",
            setup=["wireguard wg5", f"private-key file {keys['wg5'][0]}"],
            teardown=["no wireguard wg5"],
            body=["interface wg5", "self n1",
                  f"member n1 public-key {keys['wg5'][1]} address 10.210.0.1/24", n2],
            effect=wg5_peers, daemon="wgd"),
        row("wg-mesh-member", [("wireguard-mesh", "member WORD$name public-key WORD$key [endpoint WORD$ep] address <A.B.C.D/M|X:X::X:X/M>$addr [lan <A.B.C.D/M|X:X::X:X/M>$lan [<A.B.C.D/M|X:X::X:X/M>$lan2 [<A.B.C.D/M|X:X::X:X/M>$lan3 [<A.B.C.D/M|X:X::X:X/M>$lan4]]]]"),
                               ("wireguard-mesh", "no member WORD$name")],
            n2, "no member n2", ctx=M, setup=mesh_setup, teardown=mesh_teardown,
            changed=n2.replace("192.0.2.2", "192.0.2.7"), effect=wg5_peers, daemon="wgd"),
        row("wg-mesh-hub", [("wireguard-mesh", "[no] hub WORD$name")], "hub n2", "no hub n2",
            ctx=M, setup=mesh_setup + [n2, n3], teardown=mesh_teardown, effect=wg5_peers,
            daemon="wgd"),
        row("wg-mesh-keepalive", [("wireguard-mesh", "persistent-keepalive (1-65535)$secs"),
                                  ("wireguard-mesh", "no persistent-keepalive [(1-65535)]")],
            "persistent-keepalive 25", "no persistent-keepalive", ctx=M,
            setup=mesh_setup + [n2], teardown=mesh_teardown, changed="persistent-keepalive 15",
            effect=wg5_peers, daemon="wgd"),
    ]


def ifindex_of(h, dev):
    """A device made again has another index: what a reset is for wgd."""
    return (json.loads(h.cmd(f"ip -j link show {dev}"))[0]["ifindex"],)


WG_KEY_NAMES = ("wg0", "wg1", "wg2", "wg3", "wg5", "peer1", "peer2", "peer3", "psk1", "psk2")


def wg_keys(h):
    keys = {}
    for name in WG_KEY_NAMES[:-2]:
        path = f"{h.dir}/{name}.key"
        h.cmd(f"umask 077 && wg genkey > {path}")
        keys[name] = (path, h.cmd(f"wg pubkey < {path}").strip())
    for name in ("psk1", "psk2"):
        path = f"{h.dir}/{name}.psk"
        h.cmd(f"umask 077 && wg genpsk > {path}")
        keys[name] = (path, None)
    return keys


def run_daemon_rows(h, daemon, rows, watch):
    """The rows of a daemon on a host of its own: first that every command
    of the daemon has one, then each row, collecting what breaks."""
    missing = sorted({c for c in described_commands(h) if c[0] == daemon} -
                     {(daemon, n, s) for r in rows for n, s in r["covers"]})
    assert not missing, f"{daemon} commands without a row:\n" + \
        "\n".join("\t".join(m) for m in missing)
    failures = []
    for r in rows:
        try:
            run_row(h, r, watch=watch)
        except AssertionError as e:
            failures.append(str(e))
            if r["no"]:
                h.conf(*r["ctx"], r["no"], check=False)
            if r["teardown"]:
                h.conf(*r["teardown"], check=False)
    assert not failures, f"{len(failures)} {daemon} row(s) break the contract:\n\n" + \
        "\n\n".join(failures)


def test_contract_wgd(lab):
    h, other = lab.host("w1"), lab.host("w2")
    lab.link(h, "eth0", other, "eth0")
    h.cmd("ip addr add 192.0.2.1/24 dev eth0")
    keys = wg_keys(h)
    h.write_config(f"""wireguard wg0
 private-key file {keys['wg0'][0]}
 address 10.200.0.1/24
 peer {keys['peer1'][1]}
  endpoint 192.0.2.2:51820
  allowed-ips 10.200.0.2/32
  allowed-ips 10.100.2.0/24
 exit
exit
!
""")
    h.start("zebra-lite")
    h.start("wgd")
    kldlab.wait_for(lambda: kroute(h, "-4", "10.100.2.0/24"), 15, what="wg0 and its routes")
    run_daemon_rows(h, "wgd", COMMON_ROWS + wg_rows(keys), lambda h: ifindex_of(h, "wg0"))


# ---- vxland ----
#
# One host, zebra-lite and vxland. The segment `vxlan 100` (device
# vxlan100, nothing else configured) and the bridge `brc` are the base the
# rows change; eth0 and eth1 are underlays, dum1 a port for `member`. What
# a row does is read where the seed reads it: `ip -d -j link show`,
# `ip addr`, `bridge fdb show`. A VXLAN option the kernel cannot change in
# place re-creates the device (doc/vxland.md): those rows are `resets`, and
# typed again they must not re-create it.

X = ["vxlan 100"]
XB = ["bridge brc"]
MAC = "52:54:00:12:34:56"


def vx_link(h, dev="vxlan100"):
    """`ip -d -j link show DEV`, None when DEV is not there."""
    out = h.cmd(f"ip -d -j link show dev {dev}", check=False).strip()
    try:
        return json.loads(out)[0]
    except (ValueError, IndexError):
        return None


def vx_link_settled(h, dev="vxlan100"):
    """The same, across a re-creation: an option the kernel cannot change in
    place deletes the device and makes it again, and a read between the two
    sees it absent. Absent for longer than the contract's second: None."""
    t0 = time.monotonic()
    while True:
        d = vx_link(h, dev)
        if d is not None or time.monotonic() - t0 > EFFECT_S:
            return d
        time.sleep(0.05)


def vx_opt(key, dev="vxlan100"):
    """A VXLAN option of the device (info_data), as the kernel has it."""
    def read(h):
        d = vx_link_settled(h, dev)
        return d and json.dumps(d.get("linkinfo", {}).get("info_data", {}).get(key))
    return read


def vx_top(key, dev="vxlan100"):
    """A field of the link itself (mtu, master, link = the underlay)."""
    return lambda h: (vx_link_settled(h, dev) or {}).get(key)


def vx_fdb(h, dev="vxlan100", mac=None):
    """The static entries of DEV's FDB (all-zero: the flood list)."""
    if vx_link_settled(h, dev) is None:
        return None
    out = []
    try:
        # The device may go between the two reads (a re-creation): bridge
        # then says so on stderr, which is not json; read again later.
        fdb = json.loads(h.cmd(f"bridge -j fdb show dev {dev}", check=False) or "[]")
    except ValueError:
        return None
    for e in fdb:
        if mac and e["mac"] != mac or e.get("state") not in ("permanent", "static", None):
            continue
        if e["mac"] in ("00:00:00:00:00:00", MAC):
            out.append((e["mac"], e.get("dst", ""), tuple(sorted(e.get("flags", [])))))
    return sorted(out)


def vx_devices(h):
    """The ifindex of segment 100's device (by any of the names the rows
    give it) and of the bridge brc: a device made again has another index,
    the reset a VXLAN row must not cause when typed again."""
    out = []
    for d in ("vxlan100", "vx100", "vx101", "brc"):
        link = vx_link(h, d)
        out.append(link and link["ifindex"])
    return tuple(x for x in out if x)


def vx_names(h):
    """Which of the names segment 100's device has (none: between the
    delete and the create of a rename)."""
    got = tuple(vx_link(h, d) is not None for d in ("vxlan100", "vx100", "vx101"))
    return any(got) and got


def vx_row(rid, covers, line, no, **kw):
    return row(rid, covers, line, no, daemon="vxland", **kw)


VX_ROWS = [
    vx_row("vx-vxlan", [("config", "vxlan (1-16777215)$vni"),
                        ("config", "no vxlan (1-16777215)$vni")],
           "vxlan 200", "no vxlan 200", body=["dstport 4789"],
           effect=vx_opt("id", "vxlan200")),
    vx_row("vx-bridge", [("config", "bridge IFNAME$name"), ("config", "no bridge IFNAME$name")],
           "bridge br9", "no bridge br9", body=["mtu 1400"], effect=vx_top("mtu", "br9")),
    vx_row("vx-interface", [("vxlan", "[no] interface IFNAME$name"), ("vxlan", "no interface")],
           "interface vx100", "no interface", ctx=X, changed="interface vx101", resets=True,
           effect=lambda h: kldlab.wait_for(lambda: vx_names(h), EFFECT_S, interval=0.05,
                                            what="segment 100's device")),
    vx_row("vx-local", [("vxlan", "local WORD$addr"), ("vxlan", "no local [WORD]")],
           "local 10.200.0.1", "no local", ctx=X, changed="local 10.200.0.5", resets=True,
           effect=vx_opt("local")),
    vx_row("vx-remote", [("vxlan", "remote WORD$addr"), ("vxlan", "no remote [WORD]")],
           "remote 10.200.0.2", "no remote", ctx=X, changed="remote 10.200.0.3", resets=True,
           effect=vx_opt("remote")),
    vx_row("vx-group", [("vxlan", "group WORD$addr"), ("vxlan", "no group [WORD]")],
           "group 239.1.1.1", "no group", ctx=X, changed="group 239.1.1.2", resets=True,
           setup=X + ["underlay eth0"], teardown=X + ["no underlay"],
           effect=vx_opt("group")),
    vx_row("vx-flood", [("vxlan", "flood LINE...$list"), ("vxlan", "no flood [LINE...$list]")],
           "flood 10.200.0.2 10.200.0.3", "no flood", ctx=X,
           effect=lambda h: vx_fdb(h)),
    vx_row("vx-flood-mesh", [("vxlan", "flood mesh WORD$mesh"), ("vxlan", "no flood mesh [WORD]")],
           "flood mesh backplane", "no flood mesh", ctx=X, changed="flood mesh other",
           why="its entries are the members wgd's mesh has: test_vxlan's three sites, "
               "where a fourth member joins the flood list"),
    vx_row("vx-flood-evpn", [("vxlan", "[no] flood evpn")], "flood evpn", "no flood evpn", ctx=X,
           effect=lambda h: vjson(h, "show vxlan 100 json").get("100", {}).get("floodEvpn")),
    vx_row("vx-underlay", [("vxlan", "underlay IFNAME$name"), ("vxlan", "no underlay [IFNAME]")],
           "underlay eth0", "no underlay", ctx=X, changed="underlay eth1", resets=True,
           effect=lambda h: (vx_top("link")(h), vx_top("mtu")(h))),
    vx_row("vx-dstport", [("vxlan", "dstport (1-65535)$port"),
                          ("vxlan", "no dstport [(1-65535)]")],
           "dstport 4790", "no dstport", ctx=X, changed="dstport 4791", resets=True,
           effect=vx_opt("port")),
    vx_row("vx-srcport", [("vxlan", "srcport (1-65535)$min (1-65535)$max"),
                          ("vxlan", "no srcport [(1-65535) (1-65535)]")],
           "srcport 49152 65535", "no srcport", ctx=X, changed="srcport 50000 60000",
           resets=True, effect=vx_opt("port_range")),
    vx_row("vx-learning", [("vxlan", "[no] learning")], "no learning", "learning", ctx=X,
           resets=True, effect=vx_opt("learning")),
    vx_row("vx-udp-csum", [("vxlan", "[no] udp-checksum")], "no udp-checksum", "udp-checksum",
           ctx=X, resets=True, effect=vx_opt("udp_csum")),
    # IPv6 options: on a segment with an IPv6 VTEP.
    vx_row("vx-udp6-tx", [("vxlan", "[no] udp6-zero-checksum-tx")], "udp6-zero-checksum-tx",
           "no udp6-zero-checksum-tx", ctx=X, resets=True, setup=X + ["local fd00:200::1"],
           teardown=X + ["no local"], effect=vx_opt("udp_zero_csum6_tx")),
    vx_row("vx-udp6-rx", [("vxlan", "[no] udp6-zero-checksum-rx")], "udp6-zero-checksum-rx",
           "no udp6-zero-checksum-rx", ctx=X, resets=True, setup=X + ["local fd00:200::1"],
           teardown=X + ["no local"], effect=vx_opt("udp_zero_csum6_rx")),
    vx_row("vx-ttl", [("vxlan", "ttl (1-255)$ttl"), ("vxlan", "no ttl [(1-255)]")],
           "ttl 64", "no ttl", ctx=X, changed="ttl 32", resets=True, effect=vx_opt("ttl")),
    vx_row("vx-tos", [("vxlan", "tos <inherit|(0-255)$tos>"),
                      ("vxlan", "no tos [<inherit|(0-255)>]")],
           "tos inherit", "no tos", ctx=X, changed="tos 16", resets=True, effect=vx_opt("tos")),
    vx_row("vx-mtu", [("vxlan", "mtu (68-65535)$mtu"), ("vxlan", "no mtu [(68-65535)]")],
           "mtu 1400", "no mtu", ctx=X, changed="mtu 1300", effect=vx_top("mtu")),
    vx_row("vx-seg-bridge", [("vxlan", "bridge IFNAME$name"), ("vxlan", "no bridge [IFNAME]")],
           "bridge brx", "no bridge", ctx=X, changed="bridge bry", effect=vx_top("master")),
    vx_row("vx-address", [("vxlan", "[no] address WORD$addr")], "address 172.16.0.1/24",
           "no address 172.16.0.1/24", ctx=X, effect=lambda h: addrs(h, "vxlan100", "-4")),
    vx_row("vx-mac", [("vxlan", "mac WORD$mac remote WORD$addr"),
                      ("vxlan", "no mac WORD$mac [remote WORD]")],
           f"mac {MAC} remote 10.200.0.3", f"no mac {MAC}", ctx=X,
           changed=f"mac {MAC} remote 10.200.0.4", effect=lambda h: vx_fdb(h, mac=MAC)),
    vx_row("vx-member", [("vxlan-bridge", "[no] member IFNAME$name")], "member dum1",
           "no member dum1", ctx=XB, effect=vx_top("master", "dum1")),
    vx_row("vx-br-address", [("vxlan-bridge", "[no] address WORD$addr")],
           "address 10.100.10.50/24", "no address 10.100.10.50/24", ctx=XB,
           effect=lambda h: addrs(h, "brc", "-4")),
    vx_row("vx-br-mtu", [("vxlan-bridge", "mtu (68-65535)$mtu"),
                         ("vxlan-bridge", "no mtu [(68-65535)]")],
           "mtu 1400", "no mtu", ctx=XB, changed="mtu 1300", effect=vx_top("mtu", "brc")),
]


def test_contract_vxland(lab):
    h, other = lab.host("x1"), lab.host("x2")
    lab.link(h, "eth0", other, "eth0")
    lab.link(h, "eth1", other, "eth1")
    h.cmd("ip addr add 10.200.0.1/24 dev eth0 && ip addr add 10.200.0.5/24 dev eth0 && "
          "ip addr add fd00:200::1/64 dev eth0 nodad && ip addr add 10.201.0.1/24 dev eth1 && "
          "ip link set eth1 mtu 1400 && "
          "ip link add dum1 type veth peer name dum1p && ip link set dum1p up && "
          "ip link set dum1 up")
    h.write_config("vxlan 100\nexit\n!\nbridge brc\nexit\n!\n")
    h.start("zebra-lite")
    h.start("vxland")
    kldlab.wait_for(lambda: vx_link(h) and vx_link(h, "brc"), 15, what="vxlan100 and brc")
    run_daemon_rows(h, "vxland", COMMON_ROWS + VX_ROWS, vx_devices)


# ---- fwd ----
#
# One host, zebra-lite and fwd. The base is no firewall at all (the row of
# `firewall` itself needs that), then the zone `public` on eth0 (set up by
# the zone row, kept by the rows after it); eth1 is a second interface for
# `interface` and a second zone. What a row does is read where the
# dataplane has it: the live generation's map entries (`bpftool map dump
# pinned`), the XDP program on the device (`ip -j link show`), and
# `show firewall json` without its counters (they tick with traffic).

FZ = ["firewall", "zone public"]


def fw_xdp(h, dev):
    """The XDP program id and mode the kernel reports on DEV (None: none)."""
    xdp = json.loads(h.cmd(f"ip -j link show dev {dev}"))[0].get("xdp") or {}
    return xdp.get("prog", {}).get("id") or next(
        (p["prog"]["id"] for p in xdp.get("attached", []) if "prog" in p), None), xdp.get("mode")


def fw_xdp_settled(h, dev="eth0"):
    """fw_xdp once the program is (or is no longer) where the configuration
    says: the first rule set loads the program (BTF, verifier), which takes
    about a second on a loaded machine (doc/fwd.md, Loading); later rows
    change maps only and are held to the contract's second."""
    want = lambda: any(l.strip() == f"interface {dev}" for l in h.running_config().splitlines())
    kldlab.wait_for(lambda: (fw_xdp(h, dev)[0] is not None) == want(), 15, interval=0.1,
                    what=f"XDP on {dev} as configured")
    return fw_xdp(h, dev)


def fw_show(h):
    try:
        return json.loads(h.vtysh("show firewall json"))
    except ValueError:
        return {}


def fw_zones(h):
    """`show firewall json`'s zones, counters left out."""
    out = {}
    for name, z in fw_show(h).get("zones", {}).items():
        z = dict(z)
        z["rules"] = [{k: v for k, v in r.items() if k not in ("packets", "bytes")}
                      for r in z.get("rules", [])]
        out[name] = z
    return out


def fw_maps(h):
    """The live generation's entries of the rule maps, without generation and
    rule ids (a rule set compiled again may number them otherwise)."""
    if not h.cmd("ls /sys/fs/bpf/kldnet 2>/dev/null || true").strip():
        return None
    dump = lambda m: json.loads(h.cmd(f"bpftool -j map dump pinned /sys/fs/bpf/kldnet/{m}"))
    active = dump("fw_active")[0].get("formatted", {}).get("value")
    out = set()
    for m in ("fw_iface", "fw_port", "fw_src4", "fw_src6", "fw_host4", "fw_host6"):
        for e in dump(m):
            k, v = e["formatted"]["key"], e["formatted"]["value"]
            if k.get("gen") != active:
                continue
            k = {x: y for x, y in k.items() if x != "gen"}
            v = {x: y for x, y in v.items() if not x.endswith("rule")}
            out.add((m, json.dumps(k, sort_keys=True), json.dumps(v, sort_keys=True)))
    return sorted(out)


def fw_state(h):
    """The model, the maps and the programs, read until two reads agree: fwd
    sends a change after a short delay and zebra-lite attaches after it
    writes the maps, so a single read may catch half of it."""
    read = lambda: (fw_zones(h), fw_maps(h), fw_xdp(h, "eth0"), fw_xdp(h, "eth1"))
    prev, t0 = read(), time.monotonic()
    while time.monotonic() - t0 < 3 * EFFECT_S:
        time.sleep(0.25)
        cur = read()
        if cur == prev:
            return cur
        prev = cur
    return prev


def fw_watch(h):
    """What must not change when a line is typed again: the program on eth0
    and the live generation (a rule set sent again flips it)."""
    return fw_xdp(h, "eth0") + (None, fw_show(h).get("generation"))


def fw_row(rid, covers, line, no, **kw):
    kw.setdefault("ctx", FZ)
    kw.setdefault("effect", fw_state)
    return row(rid, covers, line, no, daemon="fwd", **kw)


FW_ROWS = [
    fw_row("fw-firewall", [("config", "firewall"), ("config", "no firewall")],
           "firewall", "no firewall", ctx=(), body=["zone public", "interface eth0"],
           resets=True, effect=fw_xdp_settled),
    fw_row("fw-zone", [("firewall", "zone WORD$name"), ("firewall", "no zone WORD$name")],
           "zone dmz", "no zone dmz", ctx=["firewall"], body=["interface eth1", "allow icmp"],
           setup=FZ + ["interface eth0"]),
    fw_row("fw-interface", [("firewall-zone", "interface IFNAME$ifname"),
                            ("firewall-zone", "no interface IFNAME$ifname")],
           "interface eth1", "no interface eth1"),
    fw_row("fw-default", [("firewall-zone", "default <drop|accept>"),
                          ("firewall-zone", "no default [<drop|accept>]")],
           "default drop", "no default", changed="default accept"),
    fw_row("fw-port", [("firewall-zone", "[no] <allow|block> <tcp|udp> WORD$ports")],
           "allow tcp 22,80-81", "no allow tcp 22,80-81"),
    fw_row("fw-port-block", [("firewall-zone", "[no] <allow|block> <tcp|udp> WORD$ports")],
           "block udp 5000-5003", "no block udp 5000-5003"),
    fw_row("fw-prefix", [("firewall-zone",
                          "[no] <allow|block> prefix <A.B.C.D/M|X:X::X:X/M>$prefix")],
           "block prefix 192.168.1.100/32", "no block prefix 192.168.1.100/32"),
    fw_row("fw-prefix6", [("firewall-zone",
                           "[no] <allow|block> prefix <A.B.C.D/M|X:X::X:X/M>$prefix")],
           "allow prefix 2001:db8:1::/48", "no allow prefix 2001:db8:1::/48"),
    fw_row("fw-icmp", [("firewall-zone", "[no] allow icmp")], "allow icmp", "no allow icmp"),
    fw_row("fw-rate", [("firewall-zone", "rate-limit (1-10000000)$pps [burst (1-10000000)$burst]"),
                       ("firewall-zone", "no rate-limit [(1-10000000) [burst (1-10000000)]]")],
           "rate-limit 100 burst 200", "no rate-limit", changed="rate-limit 50 burst 80"),
    fw_row("fw-stealth", [("firewall-zone", "[no] stealth")], "stealth", "no stealth"),
    fw_row("fw-metrics", [("config", "firewall metrics listen A.B.C.D$addr port (1-65535)$port"),
                          ("config", "no firewall metrics [listen A.B.C.D port (1-65535)]")],
           "firewall metrics listen 127.0.0.1 port 9590", "no firewall metrics", ctx=(),
           changed="firewall metrics listen 127.0.0.1 port 9591",
           effect=lambda h: tuple(h.cmd(f"curl -s -o /dev/null -w '%{{http_code}}' "
                                        f"http://127.0.0.1:{p}/metrics", check=False).strip()
                                  for p in (9590, 9591))),
]


def test_contract_fwd(lab):
    h, other = lab.host("f1"), lab.host("f2")
    lab.link(h, "eth0", other, "eth0")
    lab.link(h, "eth1", other, "eth1")
    h.cmd("ip addr add 192.168.1.1/24 dev eth0 && ip addr add 192.168.2.1/24 dev eth1")
    h.start("zebra-lite")
    h.start("fwd")
    run_daemon_rows(h, "fwd", COMMON_ROWS + FW_ROWS, fw_watch)
