"""What faces the network, as an attacker on the peer's link sees it (issue
15): a stray TCP connection from the peer's address must not reset an
Established session (RFC 4271 6.8, RFC 4724 4.2), GTSM must drop a
connection under the floor before it is accepted, two kldnet routers with
`ttl-security hops 1` on both ends must establish, and a connection from a
non-neighbor leaves one rate-limited log line.

r1 and r2 are kldnet routers on one link; r2 announces a network, and r1's
kernel route to it is the thing that must not flap, judged with
`ip monitor route` in r1. The "attacker" runs in r2's namespace, so its
segments carry r2's address. r1's router id is the higher one, the case in
which an idle connection used to lock the real peer out as well.
"""
import json
import os
import signal
import subprocess
import time

import kldlab

NET = "10.100.20.0/24"
# r1 says so in its log when it closes a side connection that sent nothing.
OPEN_WAIT = 10

PROBE = r"""
import socket, struct, sys, time
mode, src = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, int(sys.argv[3]))
s.bind((src, 0))
s.settimeout(4)
try:
    s.connect(("10.0.0.1", 179))
except OSError as e:
    print("connect-failed", type(e).__name__)
    sys.exit(0)
print("connected", flush=True)
if mode == "touch":
    sys.exit(0)
if mode in ("open", "gropen"):
    # A valid OPEN from AS 65002, without capabilities (no graceful
    # restart) or with only the graceful-restart one (120 s, helper).
    caps = b"\x02\x04\x40\x02\x00\x78" if mode == "gropen" else b""
    body = struct.pack(">BHH4sB", 4, 65002, 90, socket.inet_aton("10.0.0.2"), len(caps)) + caps
    s.sendall(b"\xff" * 16 + struct.pack(">HB", 19 + len(body), 1) + body)
s.settimeout(60)
t0, got = time.monotonic(), b""
def messages(b):
    n = 0
    while len(b) >= 19:
        n, b = n + 1, b[struct.unpack(">H", b[16:18])[0]:]
    return n
try:
    while mode != "gropen" or messages(got) < 2:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
except OSError as e:
    print("error", type(e).__name__)
print("closed-after %.1f" % (time.monotonic() - t0))
print("received", got.hex())
"""


def neighbor(h, peer="10.0.0.2"):
    return json.loads(h.vtysh(f"show bgp neighbors {peer} json")).get(peer, {})


def counters(h):
    n = neighbor(h)
    return n.get("bgpState"), n.get("connectionsEstablished"), n.get("connectionsDropped")


def established(h, peer="10.0.0.2"):
    return neighbor(h, peer).get("bgpState") == "Established"


def has_route(h):
    return any(r["dst"] == NET and r.get("protocol") == "bgp" for r in h.routes())


class RouteMonitor:
    """`ip monitor route` in r1 for the duration of a probe."""

    def __init__(self, h):
        self.p = h.popen(["ip", "monitor", "route"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        time.sleep(0.3)

    def lines(self):
        self.p.send_signal(signal.SIGTERM)
        out, _ = self.p.communicate(timeout=5)
        return [l for l in out.splitlines() if NET.split("/")[0] in l]


def probe(h, mode, ttl=64, src="10.0.0.2"):
    path = os.path.join(h.dir, "probe.py")
    with open(path, "w") as f:
        f.write(PROBE)
    out = h.cmd(f"python3 {path} {mode} {src} {ttl}", timeout=90)
    return dict(l.split(" ", 1) if " " in l else (l, "") for l in out.splitlines())


def two_routers(lab, gtsm=False):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r1.cmd("ip addr add 10.0.0.1/24 dev eth0")
    r2.cmd("ip addr add 10.0.0.2/24 dev eth0 && ip addr add 10.0.0.3/24 dev eth0")
    r2.cmd(f"ip addr add {NET.replace('0/24', '1/24')} dev lo")
    for h in (r1, r2):
        h.start("zebra-lite")
        h.start("bgpd")
    ttl = ["neighbor {} ttl-security hops 1"] if gtsm else []
    r1.conf("router bgp 65001", "bgp router-id 192.0.2.99",
            "neighbor 10.0.0.2 remote-as 65002",
            *[t.format("10.0.0.2") for t in ttl], "end")
    r2.conf("router bgp 65002", "bgp router-id 10.0.0.2",
            "neighbor 10.0.0.1 remote-as 65001",
            *[t.format("10.0.0.1") for t in ttl],
            "address-family ipv4 unicast", f"network {NET}", "end")
    kldlab.wait_for(lambda: established(r1) and has_route(r1), 60,
                    what="the session and r2's route at r1")
    return r1, r2


def test_stray_connections_leave_the_session_alone(lab):
    r1, r2 = two_routers(lab)
    before = counters(r1)
    assert before == ("Established", 1, 0), before
    mon = RouteMonitor(r1)

    # An idle connection from the peer's address: kept aside, the session
    # untouched, closed after the OPEN wait (not the 240 s OpenSent hold).
    idle = probe(r2, "idle")
    assert "connected" in idle, idle
    waited = float(idle["closed-after"])
    assert OPEN_WAIT - 1 <= waited <= OPEN_WAIT + 15, idle
    assert idle["received"] == "", idle  # not even our OPEN
    assert counters(r1) == before

    # A valid OPEN without the graceful-restart capability: a collision
    # with an Established session, closed with Cease 6/7.
    opened = probe(r2, "open")
    got = bytes.fromhex(opened["received"])
    assert got[18] == 3 and got[19:21] == b"\x06\x07", opened
    assert counters(r1) == before

    # The real peer was never refused meanwhile, and the route never left.
    assert established(r2, "10.0.0.1") and neighbor(r2, "10.0.0.1")["connectionsDropped"] == 0
    assert mon.lines() == [], "r2's route flapped in r1's kernel"
    assert has_route(r1)
    log = open(os.path.join(r1.dir, "bgpd.log")).read()
    assert "a new connection sent no OPEN in 10 s: closed" in log
    assert "Peer restarted" not in log and "ADJCHANGE: neighbor 10.0.0.2 Down" not in log

    # A non-neighbor's connection is refused with one log line, and a burst
    # of them does not flood the log.
    for _ in range(30):
        r2.cmd("python3 -c 'import socket; s=socket.socket(); s.bind((\"10.0.0.3\", 0)); "
               "s.settimeout(3); s.connect((\"10.0.0.1\", 179)); s.recv(10)'", check=False)
    log = open(os.path.join(r1.dir, "bgpd.log")).read()
    refused = log.count("connection from 10.0.0.3 refused: not a neighbor")
    # 10 a minute; the 30 connections may straddle a minute's edge, so two
    # windows: at most 20 lines, not 30.
    assert 1 <= refused <= 20, refused


def test_gtsm_between_kldnet_routers(lab):
    # ttl-security hops 1 on both ends from the start: both sides connect
    # with a floor of 255, so each must answer the other's SYN with 255.
    r1, r2 = two_routers(lab, gtsm=True)
    before = counters(r1)
    assert before[0] == "Established", before
    assert neighbor(r1)["externalBgpNbrMaxHopsAway"] == 1
    mon = RouteMonitor(r1)

    # From the peer's address with TTL 254 (one hop further than allowed):
    # the SYN is dropped before the handshake, nothing is accepted.
    far = probe(r2, "idle", ttl=254)
    assert far.get("connect-failed") in ("TimeoutError", "timeout"), far
    # The same with TTL 255 is let through: the filter judges the TTL, not
    # the address.
    near = probe(r2, "touch", ttl=255)
    assert "connected" in near, near

    assert counters(r1) == before
    assert mon.lines() == [], "r2's route flapped in r1's kernel"
    assert established(r1) and has_route(r1)



def test_a_restart_only_with_graceful_restart(lab):
    """The other side of the rule: a new connection whose OPEN carries the
    graceful-restart capability, on a session that negotiated it, is the
    peer's restart (RFC 4724 4.2): it replaces the session, and the real
    peer then comes back on its own."""
    r1, r2 = two_routers(lab)
    assert counters(r1) == ("Established", 1, 0)
    js = neighbor(r1)["gracefulRestartInfo"]
    assert js["remoteGrMode"] in ("Helper", "Restart"), js

    gr = probe(r2, "gropen")
    got = bytes.fromhex(gr["received"])
    # Our OPEN, then the KEEPALIVE that accepts theirs.
    assert got[18] == 1 and got[got[16] * 256 + got[17] + 18] == 4, gr
    log = open(os.path.join(r1.dir, "bgpd.log")).read()
    assert "a new connection with a graceful-restart OPEN: the peer restarted" in log
    assert "%ADJCHANGE: neighbor 10.0.0.2 Down Peer restarted" in log
    # The stand-in went away; the real r2 (whose connection r1 dropped)
    # reconnects and its route is back.
    kldlab.wait_for(lambda: established(r1) and has_route(r1), 60,
                    what="the real peer back after the restart")
    assert counters(r1)[1:] == (2, 1)


def test_idle_connection_cannot_hold_a_starting_session(lab):
    """Before Established (Connect/Active adoption, OpenSent): an idle
    connection from the peer's address is adopted, but the real peer's
    connection supersedes it as soon as its OPEN arrives, whichever router
    id is higher; the idle one gets Cease 6/7."""
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r1.cmd("ip addr add 10.0.0.1/24 dev eth0")
    r2.cmd("ip addr add 10.0.0.2/24 dev eth0")
    r1.start("bgpd")
    r2.start("bgpd")
    r1.conf("router bgp 65001", "bgp router-id 192.0.2.99", "neighbor 10.0.0.2 remote-as 65002",
            "end")
    r2.conf("router bgp 65002", "bgp router-id 10.0.0.2", "neighbor 10.0.0.1 remote-as 65001",
            "neighbor 10.0.0.1 shutdown", "end")
    path = os.path.join(r2.dir, "probe.py")
    with open(path, "w") as f:
        f.write(PROBE)
    idle = r2.popen(["python3", path, "idle", "10.0.0.2", "64"], stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True)
    try:
        kldlab.wait_for(lambda: neighbor(r1).get("bgpState") == "OpenSent", 20,
                        what="r1 in OpenSent on the idle connection")
        t0 = time.monotonic()
        r2.conf("router bgp 65002", "no neighbor 10.0.0.1 shutdown", "end")
        kldlab.wait_for(lambda: established(r1), OPEN_WAIT + 20, what="the real session")
        took = time.monotonic() - t0
        out, _ = idle.communicate(timeout=60)
    finally:
        idle.kill()
    got = bytes.fromhex(dict(l.split(" ", 1) for l in out.splitlines() if " " in l)["received"])
    # The idle connection got our OPEN, then Cease 6/7 when the real one won.
    assert got[18] == 1 and got[-3:] == b"\x03\x06\x07", got.hex()
    log = open(os.path.join(r1.dir, "bgpd.log")).read()
    assert "6/7 (Cease/Connection Collision Resolution)" in log
    # Not the 240 s OpenSent hold, nor even the 10 s OPEN wait: the real
    # peer's OPEN decided.
    assert took < OPEN_WAIT, took
