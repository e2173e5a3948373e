"""Route reflection (RFC 4456) with kldnet as the reflector, in namespaces.

r1 (kldnet, AS 65000, cluster-id 10.255.0.1) reflects between two iBGP
clients, FRR's bgpd (r2) and BIRD (r3), and a kldnet non-client (r4). A
raw speaker (r5, tests/topo/bgp/speaker.py) sends routes that have been
through our cluster before: r1 must drop them.
"""
import json
import os
import socket
import struct
import subprocess
import sys

import pytest

import kldlab

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bgp"))
import speaker  # noqa: E402

pytestmark = pytest.mark.skipif(
    not (os.path.exists("/usr/lib/frr/bgpd") and os.path.exists("/usr/sbin/bird")),
    reason="FRR and BIRD (Debian packages frr, bird2) are the peers")

CLUSTER = "10.255.0.1"

FRR_CONF = """frr defaults traditional
hostname r2
log stdout debugging
router bgp 65000
 bgp router-id 10.0.12.2
 no bgp network import-check
 neighbor 10.0.12.1 remote-as 65000
 neighbor 10.0.12.1 timers connect 2
 address-family ipv4 unicast
  network 10.20.0.0/24
 exit-address-family
"""

# BIRD resolves iBGP next hops recursively: the static route to r2's link
# makes FRR's routes usable (and shown) there.
BIRD_CONF = """router id 10.0.13.3;
protocol device {}
protocol static {
  ipv4;
  route 10.30.0.0/24 unreachable;
  route 10.0.12.0/24 via 10.0.13.1;
  route 10.0.14.0/24 via 10.0.13.1;
}
protocol bgp kld {
  local 10.0.13.3 as 65000;
  neighbor 10.0.13.1 as 65000;
  connect retry time 2;
  ipv4 { import all; export where net = 10.30.0.0/24; };
}
"""

R1_CONF = [
    "router bgp 65000",
    "bgp router-id 10.0.0.1",
    f"bgp cluster-id {CLUSTER}",
    "neighbor CLIENTS peer-group",
    "neighbor CLIENTS remote-as internal",
    "neighbor 10.0.12.2 remote-as 65000",
    "neighbor 10.0.13.3 peer-group CLIENTS",
    "neighbor 10.0.14.4 remote-as 65000",
    "neighbor 10.0.15.5 remote-as 65000",
    "address-family ipv4 unicast",
    "neighbor 10.0.12.2 route-reflector-client",
    "neighbor CLIENTS route-reflector-client",
    "exit-address-family",
    "end",
]


def topology(lab):
    r1 = lab.host("r1")
    peers = [lab.host(f"r{i}") for i in (2, 3, 4, 5)]
    for i, h in enumerate(peers):
        n = i + 2
        lab.link(r1, f"eth{n}", h, "eth0")
        r1.cmd(f"ip addr add 10.0.1{n}.1/24 dev eth{n}")
        h.cmd(f"ip addr add 10.0.1{n}.{n}/24 dev eth0 && ip route add default via 10.0.1{n}.1")
    return [r1] + peers


def established(h, peer):
    js = json.loads(h.vtysh("show bgp summary json"))["ipv4Unicast"]["peers"]
    return js.get(peer, {}).get("state") == "Established"


def frr_path(r2, prefix):
    js = json.loads(r2.frr_vtysh(f"show bgp ipv4 unicast {prefix} json") or "{}")
    paths = js.get("paths", [])
    return paths[0] if paths else None


def rib(h):
    return set(json.loads(h.vtysh("show bgp ipv4 unicast json")).get("routes", {}))


def test_reflect_between_frr_bird_and_a_non_client(lab):
    r1, r2, r3, r4, _ = topology(lab)
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf(*R1_CONF)
    r4.start("bgpd")
    r4.conf("router bgp 65000", "bgp router-id 10.0.14.4", "neighbor 10.0.14.1 remote-as 65000",
            "network 10.40.0.0/24", "end")
    r2.start_frr_bgpd(FRR_CONF)
    r3.start_bird(BIRD_CONF)
    for peer in ("10.0.12.2", "10.0.13.3", "10.0.14.4"):
        kldlab.wait_for(lambda: established(r1, peer), 30, what=f"session with {peer}")

    # Client (BIRD) -> client (FRR): ORIGINATOR_ID is BIRD's router id, our
    # cluster id heads CLUSTER_LIST; the next hop is left alone.
    p = kldlab.wait_for(lambda: frr_path(r2, "10.30.0.0/24"), 20, what="BIRD's route at FRR")
    assert p["originatorId"] == "10.0.13.3", p
    assert p["clusterList"]["list"] == [CLUSTER], p
    assert p["nexthops"][0]["ip"] == "10.0.13.3", p
    # Non-client (r4) -> client (FRR).
    p = kldlab.wait_for(lambda: frr_path(r2, "10.40.0.0/24"), 20, what="r4's route at FRR")
    assert p["originatorId"] == "10.0.14.4" and p["clusterList"]["list"] == [CLUSTER], p

    # Client (FRR) -> client (BIRD), as BIRD sees it.
    kldlab.wait_for(lambda: "10.20.0.0/24" in r3.birdc("show route"), 20,
                    what="FRR's route at BIRD")
    detail = r3.birdc("show route 10.20.0.0/24 all")
    assert "BGP.originator_id: 10.0.12.2" in detail, detail
    assert f"BGP.cluster_list: {CLUSTER}" in detail, detail

    # Clients -> non-client (r4), in kldnet's own show, FRR's layout.
    kldlab.wait_for(lambda: {"10.20.0.0/24", "10.30.0.0/24"} <= rib(r4), 20,
                    what="clients' routes at the non-client")
    text = r4.vtysh("show bgp ipv4 unicast 10.20.0.0/24")
    assert f"Originator: 10.0.12.2, Cluster list: {CLUSTER} " in text, text
    assert "10.0.12.2 from 10.0.14.1 (10.0.12.2)" in text, text

    # The reflector's own view.
    assert "Route-Reflector Client" in r1.vtysh("show bgp neighbors 10.0.12.2")
    assert "Route-Reflector Client" in r1.vtysh("show bgp neighbors 10.0.13.3")
    assert "Route-Reflector Client" not in r1.vtysh("show bgp neighbors 10.0.14.4")
    # The hop line says what FRR's says of the same iBGP session.
    hops = [ln for ln in r2.frr_vtysh("show bgp neighbors 10.0.12.1").splitlines()
            if "hops away" in ln]
    assert hops and hops[0] + "\n" in r1.vtysh("show bgp neighbors 10.0.12.2"), hops
    assert "(Received from a RR-client)" in r1.vtysh("show bgp ipv4 unicast 10.20.0.0/24")
    js = json.loads(r1.vtysh("show bgp neighbors 10.0.13.3 json"))["10.0.13.3"]
    assert js["addressFamilyInfo"]["ipv4Unicast"]["routeReflectorClient"] is True
    conf = r1.running_config()
    assert f" bgp cluster-id {CLUSTER}\n" in conf
    assert "  neighbor 10.0.12.2 route-reflector-client\n" in conf
    assert "  neighbor CLIENTS route-reflector-client\n" in conf

    # next-hop-self leaves reflected routes alone unless forced (FRR).
    def frr_nh(prefix):
        p = frr_path(r2, prefix)
        return p and p["nexthops"][0]["ip"]
    af = ["router bgp 65000", "address-family ipv4 unicast"]
    r1.conf(*af, "neighbor 10.0.12.2 next-hop-self force", "end")
    kldlab.wait_for(lambda: frr_nh("10.30.0.0/24") == "10.0.12.1", 20, what="forced next hop")
    assert "  neighbor 10.0.12.2 next-hop-self force\n" in r1.running_config()
    r1.conf(*af, "neighbor 10.0.12.2 next-hop-self", "end")
    kldlab.wait_for(lambda: frr_nh("10.30.0.0/24") == "10.0.13.3", 20,
                    what="the reflected next hop back")
    r1.conf(*af, "no neighbor 10.0.12.2 next-hop-self", "end")

    # FRR no longer a client: a non-client's route (r4's) is not reflected
    # to another non-client; the client BIRD's still is.
    r1.conf("router bgp 65000", "address-family ipv4 unicast",
            "no neighbor 10.0.12.2 route-reflector-client", "end")
    kldlab.wait_for(lambda: frr_path(r2, "10.40.0.0/24") is None, 20,
                    what="r4's route withdrawn from FRR")
    assert frr_path(r2, "10.30.0.0/24") is not None
    # ... and FRR's own route now reaches BIRD only as a non-client's.
    assert "10.20.0.0/24" in r3.birdc("show route")
    kldlab.wait_for(lambda: "10.20.0.0/24" not in rib(r4), 20,
                    what="FRR's route withdrawn from the non-client")

    # An eBGP neighbor cannot be a client (FRR's refusal).
    out = r1.vtysh("configure terminal", "router bgp 65000",
                   "neighbor 10.0.12.9 remote-as 65009", "address-family ipv4 unicast",
                   "neighbor 10.0.12.9 route-reflector-client", check=False)
    assert "% Invalid command. Not an internal neighbor" in out
    assert "10.0.12.9 route-reflector-client" not in r1.running_config()


def rr_update(prefix, originator=None, clusters=()):
    a = (speaker.attr(0x40, 1, b"\x00") + speaker.attr(0x40, 2, b"") +
         speaker.attr(0x40, 3, socket.inet_aton("10.0.15.5")) +
         speaker.attr(0x40, 5, struct.pack("!I", 100)))
    if originator:
        a += speaker.attr(0x80, 9, socket.inet_aton(originator))
    if clusters:
        a += speaker.attr(0x80, 10, b"".join(socket.inet_aton(c) for c in clusters))
    return speaker.update([prefix], raw_attrs=a)


# Runs in r5: establish, send the UPDATEs given in hex, stay up.
SPEAKER_MAIN = """
import sys, time
sys.path.insert(0, sys.argv[1])
import speaker
s = speaker.Session("10.0.15.1")
s.establish(asn=65000, bgp_id="10.0.15.5")
for m in sys.argv[2:]:
    s.send(bytes.fromhex(m))
print("sent", flush=True)
end = time.time() + 30
while time.time() < end:
    s.send(speaker.keepalive())
    s.recv(1.0)
"""


def test_reflected_loops_are_dropped(lab):
    r1, _, _, _, r5 = topology(lab)
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf(*R1_CONF)
    msgs = [rr_update("10.50.1.0/24", clusters=["10.9.9.9", CLUSTER]),
            rr_update("10.50.2.0/24", originator="10.0.0.1"),
            rr_update("10.50.3.0/24", originator="10.7.7.7", clusters=["10.9.9.9"])]
    p = r5.popen(["python3", "-c", SPEAKER_MAIN, os.path.dirname(speaker.__file__)] +
                 [m.hex() for m in msgs], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                 text=True)
    try:
        assert p.stdout.readline().strip() == "sent"
        # Our cluster id in CLUSTER_LIST or our router id as ORIGINATOR_ID:
        # dropped; a foreign cluster list is accepted, attributes intact.
        kldlab.wait_for(lambda: "10.50.3.0/24" in rib(r1), 10, what="the clean route")
        assert "10.50.1.0/24" not in rib(r1)
        assert "10.50.2.0/24" not in rib(r1)
        text = r1.vtysh("show bgp ipv4 unicast 10.50.3.0/24")
        assert "Originator: 10.7.7.7, Cluster list: 10.9.9.9 " in text, text
        assert established(r1, "10.0.15.5")
    finally:
        p.kill()
        p.wait()
