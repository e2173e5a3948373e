"""Graceful restart (RFC 4724) against FRR's bgpd 8.4 and BIRD 2.0.12.

r1 runs kldnet (zebra-lite + bgpd); r2 runs FRR (or BIRD) with graceful
restart on. A peer is killed with SIGKILL (a TCP reset, no NOTIFICATION):
the helper keeps its routes, marked stale, in use the whole time. A
kernel watcher (`ip monitor route` in the namespace) proves that no route
was ever deleted while the speaker restarted.
"""
import json
import os
import signal
import subprocess
import time

import pytest

import kldlab

pytestmark = pytest.mark.skipif(
    not (os.path.exists("/usr/lib/frr/bgpd") and os.path.exists("/usr/sbin/bird")),
    reason="FRR and BIRD (Debian packages frr, bird2) are the peers")

FRR_ROUTES = ["10.100.20.0/24", "10.100.21.0/24", "10.100.22.0/24"]

FRR_CONF = """frr defaults traditional
hostname r2
log stdout debugging
router bgp 65002
 bgp router-id 10.0.12.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 bgp graceful-restart restart-time {restart}
{fw} neighbor 10.0.12.1 remote-as 65001
 neighbor 10.0.12.1 timers connect 1
 address-family ipv4 unicast
{networks}
 exit-address-family
"""


def frr_conf(routes=FRR_ROUTES, restart=120, fw=True):
    """FRR as a restarting speaker; preserve-fw-state sets the F bit (FRR
    with its zebra keeps the kernel's routes over a bgpd restart)."""
    nets = "\n".join(f"  network {p}" for p in routes)
    return FRR_CONF.format(networks=nets, restart=restart,
                           fw=" bgp graceful-restart preserve-fw-state\n" if fw else "")


R1_CONF = [
    "router bgp 65001",
    "bgp router-id 10.0.12.1",
    "neighbor 10.0.12.2 remote-as 65002",
    "address-family ipv4 unicast",
    "network 10.100.10.0/24",
    "exit-address-family",
    "end",
]


def topology(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth0")
    r1.cmd("ip addr add 10.100.10.1/24 dev lo")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0")
    return r1, r2


def kernel_bgp(h):
    return {r["dst"]: r for r in h.routes() if r.get("protocol") == "bgp"}


def established(h, peer):
    out = json.loads(h.vtysh("show bgp summary json"))["ipv4Unicast"]["peers"]
    return out.get(peer, {}).get("state") == "Established"


def kld_paths(h):
    """prefix -> list of path dicts from `show bgp ipv4 unicast json`."""
    return json.loads(h.vtysh("show bgp ipv4 unicast json")).get("routes", {})


def frr_routes(h):
    try:
        return json.loads(h.frr_vtysh("show bgp ipv4 unicast json")).get("routes", {})
    except ValueError:
        return {}


class RouteWatch:
    """`ip -4 monitor route` inside a host: every Deleted line is a flap."""

    def __init__(self, h):
        self.p = h.popen(["ip", "-4", "monitor", "route"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        time.sleep(0.3)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        out, _ = self.p.communicate(timeout=5)
        return out

    def deleted(self, out, prefixes):
        return [l for l in out.splitlines()
                if l.startswith("Deleted") and any(p in l for p in prefixes)]


def start_r1(r1, extra=()):
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf(*R1_CONF[:-1], *extra, "end")


def test_gr_helper_frr_killed_and_back(lab):
    r1, r2 = topology(lab)
    start_r1(r1)
    r2.start_frr_bgpd(frr_conf())
    kldlab.wait_for(lambda: set(FRR_ROUTES) <= set(kernel_bgp(r1)), 30, what="FRR's routes")
    nb = r1.vtysh("show bgp neighbors 10.0.12.2")
    assert "Graceful Restart Capability: advertised and received" in nb, nb

    watch = RouteWatch(r1)
    r2.stop("frr-bgpd", signal.SIGKILL)
    kldlab.wait_for(lambda: not established(r1, "10.0.12.2"), 10, what="session down")
    # Kept, marked stale, still in the kernel.
    paths = kld_paths(r1)
    for p in FRR_ROUTES:
        assert paths[p][0].get("stale") is True, paths[p]
    assert "S>" in r1.vtysh("show bgp ipv4 unicast"), r1.vtysh("show bgp ipv4 unicast")
    assert set(FRR_ROUTES) <= set(kernel_bgp(r1))
    nb = r1.vtysh("show bgp neighbors 10.0.12.2")
    assert "Graceful restart information:" in nb, nb

    # FRR comes back without the last route: re-announced ones lose the
    # mark, the missing one is swept at FRR's End-of-RIB.
    time.sleep(2)
    r2.start_frr_bgpd(frr_conf(FRR_ROUTES[:2]))
    kldlab.wait_for(lambda: established(r1, "10.0.12.2"), 30, what="session back")
    kldlab.wait_for(lambda: FRR_ROUTES[2] not in kld_paths(r1), 20, what="swept at EoR")
    paths = kld_paths(r1)
    for p in FRR_ROUTES[:2]:
        assert not paths[p][0].get("stale"), paths[p]
    assert FRR_ROUTES[2] not in kernel_bgp(r1)
    out = watch.stop()
    assert watch.deleted(out, FRR_ROUTES[:2]) == [], out
    assert watch.deleted(out, FRR_ROUTES[2:]), out
    nb = json.loads(r1.vtysh("show bgp neighbors 10.0.12.2 json"))["10.0.12.2"]
    assert nb["gracefulRestartInfo"]["endOfRibRecv"]["ipv4Unicast"] is True, nb
