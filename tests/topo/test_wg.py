"""wgd: WireGuard planes, meshes, hubs and relays, with wg(8) and ip(8) as the judges.

Every host runs zebra-lite and wgd; wireguard-go serves the devices inside
each host's namespaces (kldlab gives each host its own /var/run/wireguard).
"""
import json
import os
import time

import kldlab


# ---- helpers ----

def genkey(h, name="wg0"):
    """A private key file made with wg(8); returns (path, public key)."""
    path = os.path.join(h.dir, f"{name}.key")
    h.cmd(f"umask 077 && wg genkey > {path}")
    return path, h.cmd(f"wg pubkey < {path}").strip()


def wg_dump(h, ifname="wg0"):
    """`wg show IF dump` parsed: (interface fields, {pubkey: peer fields})."""
    lines = h.cmd(f"wg show {ifname} dump").strip().splitlines()
    priv, pub, port, fwmark = lines[0].split("\t")
    peers = {}
    for l in lines[1:]:
        k, psk, ep, aips, hs, rx, tx, ka = l.split("\t")
        peers[k] = dict(psk=psk, endpoint=ep, aips=sorted(aips.split(",")) if aips != "(none)" else [],
                        handshake=int(hs), rx=int(rx), tx=int(tx), keepalive=ka)
    return dict(public=pub, port=int(port), fwmark=fwmark), peers


def ifindex(h, ifname="wg0"):
    return int(h.cmd(f"ip -o link show dev {ifname}").split(":")[0])


def show_json(h, ifname=None):
    return json.loads(h.vtysh(f"show wireguard {ifname} json" if ifname else "show wireguard json"))


def switch(lab, hosts, underlay="192.0.2"):
    """All hosts on one L2 segment (a bridge in a switch namespace)."""
    sw = lab.host("sw")
    sw.cmd("ip link add br0 type bridge && ip link set br0 up")
    for i, h in enumerate(hosts, 1):
        lab.link(h, "eth0", sw, f"p{i}")
        sw.cmd(f"ip link set p{i} master br0")
        h.cmd(f"ip addr add {underlay}.{i}/24 dev eth0")
    return sw


def start(*hosts):
    for h in hosts:
        h.start("zebra-lite")
        h.start("wgd")


def ping(h, addr, timeout=15):
    kldlab.wait_for(lambda: h.cmd(f"ping -c1 -W1 {addr}", check=False).find(" 0% packet loss") >= 0,
                    timeout, interval=0.2, what=f"{h.name} pinging {addr}")


def plane(h, key, port, addr, ifname="wg0", extra=()):
    return [f"wireguard {ifname}", f"private-key file {key}", f"listen-port {port}",
            f"address {addr}", *extra, "exit"]


def peer(pub, endpoint=None, aips=(), extra=()):
    lines = [f"peer {pub}"]
    if endpoint:
        lines.append(f"endpoint {endpoint}")
    lines += [f"allowed-ips {p}" for p in aips] + list(extra) + ["exit"]
    return lines


def backplane(lab, psk=False):
    """Two nodes, one plane, each the other's peer; returns (a, b, keys)."""
    a, b = lab.host("a"), lab.host("b")
    lab.link(a, "eth0", b, "eth0")
    a.cmd("ip addr add 192.0.2.1/24 dev eth0")
    b.cmd("ip addr add 192.0.2.2/24 dev eth0")
    start(a, b)
    ka, pa = genkey(a)
    kb, pb = genkey(b)
    extra = ()
    if psk:
        path = os.path.join(a.dir, "ab.psk")
        a.cmd(f"umask 077 && wg genpsk > {path}")
        b.cmd(f"umask 077 && cp {path} {b.dir}/ab.psk")
    a.conf(*plane(a, ka, 51820, "10.200.0.1/24")[:-1],
           *peer(pb, "192.0.2.2:51820", ["10.200.0.2/32", "10.100.2.0/24"],
                 [f"preshared-key file {a.dir}/ab.psk"] if psk else []))
    b.conf(*plane(b, kb, 51820, "10.200.0.2/24")[:-1],
           *peer(pa, "192.0.2.1:51820", ["10.200.0.1/32", "10.100.1.0/24"],
                 [f"preshared-key file {b.dir}/ab.psk"] if psk else []))
    return a, b, (pa, pb)


# ---- planes ----

def test_backplane_two_nodes_ping_and_show_agrees_with_wg(lab):
    a, b, (pa, pb) = backplane(lab)
    ping(a, "10.200.0.2")
    # The device is what `wg show` says, and `show wireguard` says the same.
    dev, peers = wg_dump(a)
    assert dev["public"] == pa and dev["port"] == 51820
    assert list(peers) == [pb]
    assert peers[pb]["endpoint"] == "192.0.2.2:51820"
    assert peers[pb]["aips"] == ["10.100.2.0/24", "10.200.0.2/32"]
    js = show_json(a, "wg0")["wg0"]
    assert js["publicKey"] == pa and js["listenPort"] == 51820
    assert sorted(js["peers"][pb]["allowedIps"]) == peers[pb]["aips"]
    assert js["peers"][pb]["endpoint"] == peers[pb]["endpoint"]
    assert js["peers"][pb]["latestHandshake"] == wg_dump(a)[1][pb]["handshake"]
    text = a.vtysh("show wireguard wg0")
    assert f"interface: wg0\n  public key: {pa}\n  private key: (hidden)\n" in text
    assert f"peer: {pb}\n  endpoint: 192.0.2.2:51820\n" in text
    assert "latest handshake:" in text
    # The private key never leaves its file: not in show, not in the config.
    priv = open(os.path.join(a.dir, "wg0.key")).read().strip()
    assert priv not in text and priv not in a.running_config()
    # Allowed-ips became WireGuard routes out of wg0.
    kernel = {r["dst"]: r for r in a.routes()}
    assert kernel["10.100.2.0/24"]["dev"] == "wg0"
    assert kernel["10.100.2.0/24"]["protocol"] in ("wireguard", "240")
    assert "W>* 10.100.2.0/24" in a.vtysh("show ip route")
    assert "10.200.0.1/24" in a.cmd("ip -o addr show dev wg0")


def test_private_key_generated_0600_when_missing(lab):
    a = lab.host("a")
    start(a)
    path = os.path.join(a.dir, "keys", "wg0.key")
    os.makedirs(os.path.dirname(path))
    a.conf("wireguard wg0", f"private-key file {path}", "listen-port 51999")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    pub = a.cmd(f"wg pubkey < {path}").strip()
    kldlab.wait_for(lambda: "wg0" in a.cmd("wg show interfaces", check=False), 10, what="wg0")
    assert wg_dump(a)[0]["public"] == pub


def test_install_routes_switch(lab):
    a, b, (pa, pb) = backplane(lab)
    kldlab.wait_for(lambda: "10.100.2.0/24" in [r["dst"] for r in a.routes()], 10, what="route")
    a.conf("wireguard wg0", "no install-routes")
    kldlab.wait_for(lambda: "10.100.2.0/24" not in [r["dst"] for r in a.routes()], 10,
                    what="route withdrawn")
    assert " no install-routes\n" in a.running_config()
    a.conf("wireguard wg0", "install-routes")
    kldlab.wait_for(lambda: "10.100.2.0/24" in [r["dst"] for r in a.routes()], 10, what="route back")


def test_bad_inputs_refused_and_nothing_applied(lab):
    a = lab.host("a")
    start(a)
    ka, pa = genkey(a)
    _, p1 = genkey(a, "x1")
    _, p2 = genkey(a, "x2")
    _, p3 = genkey(a, "x3")
    a.conf(*plane(a, ka, 51820, "10.200.0.1/24")[:-1], *peer(p1, "192.0.2.2:51820", ["10.9.0.0/24"]),
           *peer(p2, None, ["10.8.0.0/24"]))
    before = a.running_config()
    cases = [
        (["wireguard wg0", "peer not-a-key"], "Malformed key"),
        (["wireguard wg0", "peer " + p1[:-2] + "B="], "Malformed key"),  # low bits set
        (["wireguard wg0", "listen-port 70000"], "listen-port: 70000 is out of range 1-65535"),
        (["wireguard wg0", "listen-port 0"], "listen-port: 0 is out of range 1-65535"),
        (["wireguard wg0", f"peer {p2}", "allowed-ips 10.9.0.0/24"], "already routed to peer"),
        (["wireguard wg0", f"no peer {p3}"], "Unknown peer"),
        (["wireguard wg0", f"peer {p1}", "endpoint 192.0.2.2"], "Malformed endpoint"),
        (["wireguard wg0", f"peer {p1}", "endpoint 192.0.2.2:99999"], "Malformed endpoint"),
        (["wireguard wg0", f"peer {pa}"], "own public key"),
        (["wireguard wg/0"], "Invalid interface name"),
        (["wireguard wg0", "private-key file relative.key"], "absolute path"),
    ]
    for lines, msg in cases:
        out = a.conf(*lines, check=False)
        assert a.last_rc != 0, lines
        assert msg in out, (lines, out)
    assert a.running_config() == before
    # The device did not change either: one peer, its prefix only.
    kldlab.wait_for(lambda: "wg0" in a.cmd("wg show interfaces", check=False), 10, what="wg0")
    assert sorted(wg_dump(a)[1]) == sorted([p1, p2])
    assert wg_dump(a)[1][p2]["aips"] == ["10.8.0.0/24"]


# ---- topologies ----

def mesh_lines(name, members, self, hub=None, keepalive=None):
    lines = [f"wireguard mesh {name}", "interface wg0", f"self {self}"]
    if hub:
        lines.append(f"hub {hub}")
    if keepalive:
        lines.append(f"persistent-keepalive {keepalive}")
    for m in members:
        line = f"member {m['name']} public-key {m['pub']}"
        if m.get("endpoint"):
            line += f" endpoint {m['endpoint']}"
        line += f" address {m['addr']}"
        if m.get("lan"):
            line += f" lan {m['lan']}"
        lines.append(line)
    return lines + ["exit"]


def mesh_hosts(lab, n, endpoints=True):
    hosts = [lab.host(f"n{i}") for i in range(1, n + 1)]
    switch(lab, hosts)
    start(*hosts)
    members = []
    for i, h in enumerate(hosts, 1):
        key, pub = genkey(h)
        h.key = key
        members.append(dict(name=h.name, pub=pub, addr=f"10.200.0.{i}/24",
                            endpoint=f"192.0.2.{i}:51820" if endpoints else None,
                            lan=f"10.100.{i}.0/24"))
    return hosts, members


def test_full_mesh_of_four_from_one_declaration(lab):
    hosts, members = mesh_hosts(lab, 4)
    members[3]["lan"] += " 10.104.0.0/16"  # a site with two networks behind it
    for h in hosts:
        h.conf("wireguard wg0", f"private-key file {h.key}", "exit",
               *mesh_lines("backplane", members, h.name))
    for i, h in enumerate(hosts, 1):
        for j in range(1, 5):
            if j != i:
                ping(h, f"10.200.0.{j}")
    # Each node expanded the same declaration into its own three peers.
    for i, h in enumerate(hosts, 1):
        dev, peers = wg_dump(h)
        assert dev["port"] == 51820
        want = {m["pub"]: m for m in members if m["name"] != h.name}
        assert set(peers) == set(want)
        for k, m in want.items():
            assert peers[k]["aips"] == sorted([m["addr"].split("/")[0] + "/32", *m["lan"].split()])
        assert f"10.200.0.{i}/24" in h.cmd("ip -o addr show dev wg0")
    # Site-to-site: the other members' LANs are routed into the tunnel.
    kernel = {r["dst"]: r for r in hosts[0].routes()}
    assert all(kernel[f"10.100.{j}.0/24"]["dev"] == "wg0" for j in (2, 3, 4))
    assert kernel["10.104.0.0/16"]["dev"] == "wg0"
    out = hosts[0].vtysh("show wireguard mesh")
    assert "Mesh backplane: interface wg0, self n1, full mesh" in out
    assert "n1               10.200.0.1/24        192.0.2.1:51820          self" in out
    assert "ago" in out
    assert "origin: mesh backplane member n2" in hosts[0].vtysh("show wireguard")
    # The mesh, not its expansion, is the configuration.
    rc = hosts[0].running_config()
    assert "wireguard mesh backplane\n interface wg0\n self n1\n member n1 public-key" in rc
    assert " peer " not in rc
    assert " address 10.200.0.4/24 lan 10.100.4.0/24 10.104.0.0/16\n" in rc


def test_mesh_member_conflicts_refused(lab):
    hosts, members = mesh_hosts(lab, 2)
    h = hosts[0]
    h.conf("wireguard wg0", f"private-key file {h.key}", "exit",
           *mesh_lines("m", members, h.name))
    before = h.running_config()
    _, other = genkey(h, "o")
    out = h.conf("wireguard mesh m", f"member n9 public-key {other} address 10.200.0.2/24",
                 check=False)
    assert h.last_rc != 0 and "already has address" in out
    assert h.running_config() == before
    # A configured peer may not take a prefix a mesh member has.
    out = h.conf("wireguard wg0", f"peer {other}", "allowed-ips 10.100.2.0/24", check=False)
    assert h.last_rc != 0 and "already routed to peer" in out
    assert "allowed-ips 10.100.2.0/24" not in h.running_config()
    # A second lan of a new member that another member already has; the
    # same lan twice; a malformed one: refused, nothing changed.
    before = h.running_config()
    for lans, why in (("10.100.9.0/24 10.100.2.0/24", "already has lan"),
                      ("10.100.9.0/24 10.100.9.0/24", "given twice"),
                      ("10.100.9.0/24 10.100.9.1/24", "Malformed prefix")):
        out = h.conf("wireguard mesh m",
                     f"member n9 public-key {other} address 10.200.0.9/24 lan {lans}", check=False)
        assert h.last_rc != 0 and why in out, out
        assert h.running_config() == before


def test_hub_and_spoke_relay_carries_spoke_to_spoke(lab):
    # n1 is the hub (the relay); n2 and n3 are spokes behind NAT: no
    # endpoint, so the hub only learns where they are from their keepalives.
    hosts, members = mesh_hosts(lab, 3)
    for m in members[1:]:
        m["endpoint"] = None
    hub = hosts[0]
    hub.conf("ip forwarding")
    for h in hosts:
        h.conf("wireguard wg0", f"private-key file {h.key}", "exit",
               *mesh_lines("star", members, h.name, hub="n1", keepalive=1))
    ping(hosts[1], "10.200.0.3", timeout=20)
    ping(hosts[2], "10.200.0.2", timeout=20)
    # Spokes know only the hub, whose allowed-ips cover the overlay and the LANs.
    for h in hosts[1:]:
        _, peers = wg_dump(h)
        assert list(peers) == [members[0]["pub"]]
        others = [m["lan"] for m in members if m["name"] not in (h.name,)]
        assert peers[members[0]["pub"]]["aips"] == sorted(["10.200.0.0/24"] + others)
    # The hub has both spokes and carried the traffic.
    _, peers = wg_dump(hub)
    assert set(peers) == {members[1]["pub"], members[2]["pub"]}
    assert all(p["rx"] > 0 and p["tx"] > 0 for p in peers.values())
    assert "hub-and-spoke, hub n1" in hosts[1].vtysh("show wireguard mesh")


def test_stealth_initiator_without_listen_port(lab):
    # The seed's stealth node: no ListenPort, it dials the hub, which has
    # no endpoint for it and answers through the tunnel the node opened.
    a, b = lab.host("a"), lab.host("b")
    lab.link(a, "eth0", b, "eth0")
    a.cmd("ip addr add 192.0.2.1/24 dev eth0")
    b.cmd("ip addr add 192.0.2.2/24 dev eth0")
    start(a, b)
    ka, pa = genkey(a)
    kb, pb = genkey(b)
    a.conf("wireguard wg0", f"private-key file {ka}", "address 10.200.0.5/24",
           *peer(pb, "192.0.2.2:8172", ["10.200.0.0/24"], ["persistent-keepalive 1"]))
    b.conf(*plane(b, kb, 8172, "10.200.0.1/24")[:-1], *peer(pa, None, ["10.200.0.5/32"]))
    ping(b, "10.200.0.5")
    assert "listen-port" not in a.running_config()
    assert wg_dump(b)[1][pa]["endpoint"].startswith("192.0.2.1:")
    assert wg_dump(b)[0]["port"] == 8172


def test_preshared_key(lab):
    a, b, (pa, pb) = backplane(lab, psk=True)
    ping(a, "10.200.0.2")
    _, peers = wg_dump(a)
    assert peers[pb]["psk"] != "(none)"
    assert peers[pb]["psk"] == open(os.path.join(a.dir, "ab.psk")).read().strip()
    assert "preshared key: (hidden)" in a.vtysh("show wireguard")
    assert peers[pb]["psk"] not in a.vtysh("show wireguard") + a.running_config()
    # A wrong PSK on one side breaks the handshake: the key really is used.
    b.cmd(f"umask 077 && wg genpsk > {b.dir}/other.psk")
    b.conf("wireguard wg0", f"peer {pa}", f"preshared-key file {b.dir}/other.psk")
    kldlab.wait_for(lambda: wg_dump(b)[1][pa]["psk"] != peers[pb]["psk"], 10, what="psk swapped")


def test_key_rotation(lab):
    a, b, (pa, pb) = backplane(lab)
    ping(a, "10.200.0.2")
    idx = ifindex(a)
    out = a.vtysh("wireguard rotate-key wg0")
    new = out.split("new public key ")[1].split()[0]
    assert new != pa
    assert a.cmd(f"wg pubkey < {a.dir}/wg0.key").strip() == new
    assert oct(os.stat(os.path.join(a.dir, "wg0.key")).st_mode & 0o777) == "0o600"
    kldlab.wait_for(lambda: wg_dump(a)[0]["public"] == new, 5, what="new key on the device")
    assert ifindex(a) == idx
    # The peer learns the new key; traffic flows again within one handshake.
    b.conf("wireguard wg0", f"no peer {pa}",
           *peer(new, "192.0.2.1:51820", ["10.200.0.1/32", "10.100.1.0/24"]))
    t0 = time.monotonic()
    ping(a, "10.200.0.2", timeout=10)
    assert time.monotonic() - t0 < 8


def test_planes_are_isolated(lab):
    a, b = lab.host("a"), lab.host("b")
    lab.link(a, "eth0", b, "eth0")
    a.cmd("ip addr add 192.0.2.1/24 dev eth0")
    b.cmd("ip addr add 192.0.2.2/24 dev eth0")
    start(a, b)
    keys = {}
    for h in (a, b):
        for plane_name in ("wg-mgmt", "wg-data"):
            keys[h.name, plane_name] = genkey(h, plane_name)
    for h, o, n in ((a, b, 1), (b, a, 2)):
        on = 3 - n
        h.conf(*plane(h, keys[h.name, "wg-mgmt"][0], 51820, f"10.10.0.{n}/24", "wg-mgmt")[:-1],
               *peer(keys[o.name, "wg-mgmt"][1], f"192.0.2.{on}:51820", [f"10.10.0.{on}/32"]),
               "exit",
               *plane(h, keys[h.name, "wg-data"][0], 51821, f"10.20.0.{n}/24", "wg-data")[:-1],
               *peer(keys[o.name, "wg-data"][1], f"192.0.2.{on}:51821", [f"10.20.0.{on}/32"]))
    ping(a, "10.10.0.2")
    ping(a, "10.20.0.2")
    m, mp = wg_dump(a, "wg-mgmt")
    d, dp = wg_dump(a, "wg-data")
    assert m["public"] != d["public"] and (m["port"], d["port"]) == (51820, 51821)
    assert set(mp) == {keys["b", "wg-mgmt"][1]} and set(dp) == {keys["b", "wg-data"][1]}
    # Cryptokey routing keeps them apart: the data plane's peer may not
    # source management addresses, so b's packets to a's management
    # address sent through the data plane are dropped.
    b.cmd("ip route replace 10.10.0.1/32 dev wg-data")
    assert " 0% packet loss" not in b.cmd("ping -c2 -W1 -I 10.20.0.2 10.10.0.1", check=False)
    # Removing one plane leaves the other running.
    a.conf("no wireguard wg-mgmt")
    kldlab.wait_for(lambda: "wg-mgmt" not in a.cmd("wg show interfaces"), 10, what="plane gone")
    ping(a, "10.20.0.2")


def test_live_peer_add_leaves_others_alone(lab):
    hosts, members = mesh_hosts(lab, 3)
    a, b, c = hosts
    ka, pa = members[0]["pub"], None
    for h in (a, b, c):
        h.conf("wireguard wg0", f"private-key file {h.key}", "listen-port 51820",
               f"address 10.200.0.{hosts.index(h) + 1}/24", "exit")
    pub = {m["name"]: m["pub"] for m in members}
    a.conf("wireguard wg0", *peer(pub["n2"], "192.0.2.2:51820", ["10.200.0.2/32"]))
    b.conf("wireguard wg0", *peer(pub["n1"], "192.0.2.1:51820", ["10.200.0.1/32"]))
    ping(a, "10.200.0.2")
    hs = wg_dump(a)[1][pub["n2"]]["handshake"]
    assert hs > 0
    idx = ifindex(a)
    time.sleep(1.2)  # a reset handshake would show a newer time
    a.conf("wireguard wg0", *peer(pub["n3"], "192.0.2.3:51820", ["10.200.0.3/32"]))
    c.conf("wireguard wg0", *peer(pub["n1"], "192.0.2.1:51820", ["10.200.0.1/32"]))
    ping(a, "10.200.0.3")
    peers = wg_dump(a)[1]
    assert peers[pub["n2"]]["handshake"] == hs
    assert ifindex(a) == idx
    # And removing the new one leaves the first alone as well.
    a.conf("wireguard wg0", f"no peer {pub['n3']}")
    kldlab.wait_for(lambda: pub["n3"] not in wg_dump(a)[1], 10, what="peer removed")
    assert wg_dump(a)[1][pub["n2"]]["handshake"] == hs


def test_full_tunnel_like_wg_quick(lab):
    a, b, (pa, pb) = backplane(lab)
    b.cmd("ip addr add 198.51.100.1/32 dev lo")  # "the internet" behind b
    b.conf("ip forwarding")
    a.conf("wireguard wg0", "full-tunnel", f"peer {pb}", "allowed-ips 0.0.0.0/0")
    b.conf("wireguard wg0", f"peer {pa}", "allowed-ips 10.200.0.0/24")
    kldlab.wait_for(lambda: "not from all fwmark 0xca6c lookup 51820" in a.cmd("ip rule"), 10,
                    what="policy rules")
    rules = a.cmd("ip rule")
    assert "from all lookup main suppress_prefixlength 0" in rules
    # wg-quick's sysctl, so that a strict rp_filter passes the replies.
    assert a.cmd("cat /proc/sys/net/ipv4/conf/all/src_valid_mark").strip() == "1"
    assert wg_dump(a)[0]["fwmark"] == "0xca6c"
    kldlab.wait_for(lambda: "default dev wg0" in a.cmd("ip route show table 51820"), 10,
                    what="default route in the tunnel table")
    # The main table keeps the underlay: the tunnel's own packets do not loop.
    assert "dev wg0" in a.cmd("ip route get 198.51.100.1")
    ping(a, "198.51.100.1")
    assert " full-tunnel\n" in a.running_config()
    # A mark of the operator's own: the rule follows it, traffic still flows.
    a.conf("wireguard wg0", "fwmark 4242")
    kldlab.wait_for(lambda: "not from all fwmark 0x1092 lookup 51820" in a.cmd("ip rule"), 10,
                    what="rule follows the mark")
    assert "0xca6c" not in a.cmd("ip rule")
    assert wg_dump(a)[0]["fwmark"] == "0x1092"
    ping(a, "198.51.100.1")
    a.conf("wireguard wg0", "no full-tunnel")
    kldlab.wait_for(lambda: "lookup 51820" not in a.cmd("ip rule"), 10, what="rules removed")


# ---- health and persistence ----

def test_stale_handshake_and_metrics(lab):
    a, b, (pa, pb) = backplane(lab)
    a.conf("wireguard stale-threshold 2", "wireguard metrics listen 127.0.0.1 port 9586")
    ping(a, "10.200.0.2")
    kldlab.wait_for(lambda: "status: stale" in a.vtysh("show wireguard"), 15, what="stale mark")
    assert show_json(a)["wg0"]["peers"][pb]["stale"] is True
    kldlab.wait_for(lambda: "handshake stale" in open(os.path.join(a.dir, "wgd.log")).read(), 15,
                    what="stale logged")
    m = a.cmd("curl -s http://127.0.0.1:9586/metrics")
    assert 'wireguard_peers{interface="wg0"} 1' in m
    rx = [l for l in m.splitlines() if l.startswith("wireguard_peer_receive_bytes_total")]
    assert rx and int(rx[0].split()[-1]) > 0
    assert "wireguard_peer_handshake_age_seconds{" in m
    assert f'wireguard_peer_stale{{interface="wg0",public_key="{pb}"}} 1' in m
    assert "wireguard stale-threshold 2\nwireguard metrics listen 127.0.0.1 port 9586\n" in \
        a.running_config()


def test_restarts_keep_devices_and_config(lab):
    a, b, (pa, pb) = backplane(lab)
    ping(a, "10.200.0.2")
    a.vtysh("write memory")
    before = a.running_config()
    hs = wg_dump(a)[1][pb]["handshake"]
    idx = ifindex(a)
    time.sleep(1.2)
    a.stop("wgd")
    a.start("wgd")
    assert a.running_config() == before
    ping(a, "10.200.0.2")
    assert wg_dump(a)[1][pb]["handshake"] == hs
    a.stop("zebra-lite")
    a.start("zebra-lite")
    kldlab.wait_for(lambda: "10.100.2.0/24" in [r["dst"] for r in a.routes()], 10,
                    what="routes kept")
    ping(a, "10.200.0.2")
    assert ifindex(a) == idx
    assert wg_dump(a)[1][pb]["handshake"] == hs
    assert a.running_config() == before
    kldlab.wait_for(lambda: "W>* 10.100.2.0/24" in a.vtysh("show ip route"), 10,
                    what="route owned by wgd again")
    # A plane dropped from the file while wgd was down goes away when wgd
    # comes back; the other plane is not touched.
    k9, _ = genkey(a, "wg9")
    a.conf(*plane(a, k9, 51829, "10.209.0.1/24", "wg9"))
    kldlab.wait_for(lambda: "wg9" in a.cmd("wg show interfaces"), 10, what="wg9")
    a.vtysh("write memory")
    a.stop("wgd")
    text = open(a.config).read()
    start = text.index("wireguard wg9\n")
    a.write_config(text[:start] + text[text.index("exit\n", start) + 5:])
    a.start("wgd")
    kldlab.wait_for(lambda: "wg9" not in a.cmd("wg show interfaces"), 10, what="wg9 removed")
    assert wg_dump(a)[1][pb]["handshake"] == hs
    assert ifindex(a) == idx


def test_ipv6_overlay_mesh(lab):
    hosts, members = mesh_hosts(lab, 2)
    for i, m in enumerate(members, 1):
        m["addr"], m["lan"] = f"fd00:200::{i}/64", f"fd00:10{i}::/64"
    for h in hosts:
        h.conf("wireguard wg0", f"private-key file {h.key}", "exit",
               *mesh_lines("v6", members, h.name))
    ping(hosts[0], "fd00:200::2")
    assert wg_dump(hosts[0])[1][members[1]["pub"]]["aips"] == ["fd00:102::/64", "fd00:200::2/128"]
    routes = {r["dst"]: r for r in hosts[0].routes("-6")}
    assert routes["fd00:102::/64"]["dev"] == "wg0"


def test_endpoint_name_resolved_again_when_stale(lab):
    # a reaches b by name; b moves to another address and the name follows.
    # a's handshake goes stale, wgd resolves the name again and the tunnel
    # comes back without anyone touching a's configuration.
    a, b, (pa, pb) = backplane(lab)
    hosts = os.path.join(a.dir, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n192.0.2.2 peer-b.test\n")
    a.cmd(f"mount --bind {hosts} /etc/hosts")  # a's own mount namespace
    a.conf("wireguard stale-threshold 2", "wireguard wg0", f"peer {pb}",
           "endpoint peer-b.test:51820")
    ping(a, "10.200.0.2")
    b.cmd("ip addr del 192.0.2.2/24 dev eth0 && ip addr add 192.0.2.7/24 dev eth0")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n192.0.2.7 peer-b.test\n")
    kldlab.wait_for(lambda: wg_dump(a)[1][pb]["endpoint"] == "192.0.2.7:51820", 30,
                    interval=0.5, what="endpoint re-resolved")
    ping(a, "10.200.0.2", timeout=20)
    assert "handshake stale" in open(os.path.join(a.dir, "wgd.log")).read()
    assert " endpoint peer-b.test:51820\n" in a.running_config()


def test_a_dead_resolver_does_not_stall_wgd(lab):
    # a's resolver points at a server that never answers (its packets die
    # unanswered on the link). A peer named by DNS must not hold up the
    # rest: a peer added after it reaches the device at once, the shell
    # answers, and the named peer goes on the device without an endpoint.
    a, b, (pa, pb) = backplane(lab)
    resolv = os.path.join(a.dir, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("nameserver 10.53.0.53\noptions timeout:30 attempts:1\n")
    a.cmd(f"mount --bind {resolv} /etc/resolv.conf")  # a's own mount namespace
    # A neighbour entry for a MAC nobody has: the queries leave and vanish.
    a.cmd("ip route add 10.53.0.53/32 dev eth0 && "
          "ip neigh add 10.53.0.53 lladdr 02:00:00:00:00:53 dev eth0 nud permanent")
    kc, pc = genkey(a)
    kd, pd = genkey(a)
    a.conf("wireguard wg0", f"peer {pc}", "endpoint nowhere.invalid-tld:51820",
           "allowed-ips 10.200.0.3/32")
    a.conf("wireguard wg0", f"peer {pd}", "endpoint 192.0.2.4:51820",
           "allowed-ips 10.200.0.4/32")
    kldlab.wait_for(lambda: pd in wg_dump(a)[1], 5, what="the second peer on the device")
    peers = wg_dump(a)[1]
    assert pc in peers and peers[pc]["endpoint"] == "(none)"
    assert peers[pd]["endpoint"] == "192.0.2.4:51820"
    assert f"peer {pc}" in a.vtysh("show running-config")
    ping(a, "10.200.0.2")  # the first peer never noticed
