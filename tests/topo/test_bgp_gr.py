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
{gr} neighbor 10.0.12.1 remote-as 65001
 neighbor 10.0.12.1 timers connect 1
 address-family ipv4 unicast
{networks}
 exit-address-family
"""


def frr_conf(routes=FRR_ROUTES, restart=120, fw=True, gr=True):
    """FRR as a restarting speaker (gr), else in its default helper mode;
    preserve-fw-state sets the F bit (FRR with its zebra keeps the
    kernel's routes over a bgpd restart)."""
    nets = "\n".join(f"  network {p}" for p in routes)
    lines = ""
    if gr:
        lines = f" bgp graceful-restart\n bgp graceful-restart restart-time {restart}\n"
    if gr and fw:
        lines += " bgp graceful-restart preserve-fw-state\n"
    return FRR_CONF.format(networks=nets, gr=lines)


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


def RouteWatch(h):
    """`ip -4 monitor route` inside a host: every Deleted line is a flap."""
    return kldlab.RouteWatch(h, "-4")


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


def test_gr_helper_peer_not_back_flushed_after_restart_time(lab):
    r1, r2 = topology(lab)
    start_r1(r1)
    r2.start_frr_bgpd(frr_conf(restart=5))
    kldlab.wait_for(lambda: set(FRR_ROUTES) <= set(kernel_bgp(r1)), 30, what="FRR's routes")
    r2.stop("frr-bgpd", signal.SIGKILL)
    t0 = time.monotonic()
    kldlab.wait_for(lambda: not established(r1, "10.0.12.2"), 10, what="session down")
    time.sleep(2)
    assert set(FRR_ROUTES) <= set(kernel_bgp(r1)), "kept during the restart time"
    nb = r1.vtysh("show bgp neighbors 10.0.12.2")
    assert "The remaining time of restart timer is" in nb, nb
    kldlab.wait_for(lambda: not set(FRR_ROUTES) & set(kernel_bgp(r1)), 10,
                    what="stale routes flushed")
    took = time.monotonic() - t0
    assert 4.0 <= took <= 8.0, took
    assert not set(FRR_ROUTES) & set(kld_paths(r1))


def test_gr_helper_new_open_without_f_bit_flushes_at_once(lab):
    """FRR comes back without preserve-fw-state: its OPEN says it kept no
    forwarding state, so the stale routes go before it re-announces."""
    r1, r2 = topology(lab)
    start_r1(r1)
    r2.start_frr_bgpd(frr_conf())
    kldlab.wait_for(lambda: set(FRR_ROUTES) <= set(kernel_bgp(r1)), 30, what="FRR's routes")
    r2.stop("frr-bgpd", signal.SIGKILL)
    kldlab.wait_for(lambda: not established(r1, "10.0.12.2"), 10, what="session down")
    watch = RouteWatch(r1)
    r2.start_frr_bgpd(frr_conf(fw=False))
    kldlab.wait_for(lambda: established(r1, "10.0.12.2"), 30, what="session back")
    kldlab.wait_for(lambda: set(FRR_ROUTES) <= set(kernel_bgp(r1)), 30, what="re-learned")
    out = watch.stop()
    assert watch.deleted(out, FRR_ROUTES), out
    assert "kept no forwarding state" in open(os.path.join(r1.dir, "bgpd.log")).read()


def test_gr_neighbor_disable_means_no_helper(lab):
    """`neighbor X graceful-restart-disable`: no capability sent, so FRR's
    death takes its routes with it at once."""
    r1, r2 = topology(lab)
    start_r1(r1, ["neighbor 10.0.12.2 graceful-restart-disable"])
    r2.start_frr_bgpd(frr_conf())
    kldlab.wait_for(lambda: set(FRR_ROUTES) <= set(kernel_bgp(r1)), 30, what="FRR's routes")
    nb = r1.vtysh("show bgp neighbors 10.0.12.2")
    assert "Graceful Restart Capability: received" in nb, nb
    r2.stop("frr-bgpd", signal.SIGKILL)
    kldlab.wait_for(lambda: not set(FRR_ROUTES) & set(kernel_bgp(r1)), 5, what="routes gone")


def test_gr_restarting_kldnet_killed_frr_helps(lab):
    """kldnet's bgpd is the restarting speaker; FRR (default: helper) keeps
    our route, zebra-lite keeps FRR's routes in our kernel, and nothing is
    deleted in our kernel while bgpd is away and after it is back."""
    r1, r2 = topology(lab)
    start_r1(r1, ["bgp graceful-restart"])
    # zebra-lite's own grace time is shorter than our absence: only the
    # grace time bgpd asked for (ClientGrace) keeps the routes.
    r1.conf("zebra graceful-restart time 2")
    r1.vtysh("write memory")
    r2.start_frr_bgpd(frr_conf(FRR_ROUTES[:2], gr=False))
    routes = FRR_ROUTES[:2]
    kldlab.wait_for(lambda: set(routes) <= set(kernel_bgp(r1)), 30, what="FRR's routes")
    kldlab.wait_for(lambda: "10.100.10.0/24" in frr_routes(r2), 30, what="ours at FRR")
    before = {p: kernel_bgp(r1)[p] for p in routes}

    watch = RouteWatch(r1)
    r1.stop("bgpd", signal.SIGKILL)
    time.sleep(4)
    ours = frr_routes(r2).get("10.100.10.0/24")
    assert ours and ours[0].get("stale") is True, ours
    assert set(routes) <= set(kernel_bgp(r1))

    r1.start("bgpd")
    kldlab.wait_for(lambda: established(r1, "10.0.12.2"), 30, what="session back")
    nb = json.loads(r2.frr_vtysh("show bgp neighbors 10.0.12.1 json"))["10.0.12.1"]
    gr = nb["gracefulRestartInfo"]
    assert gr["rBit"] is True, gr
    assert gr["ipv4Unicast"]["fBit"] is True, gr
    # FRR sweeps its stale copy at our End-of-RIB; ours is fresh again.
    kldlab.wait_for(lambda: not frr_routes(r2).get("10.100.10.0/24", [{}])[0].get("stale"),
                    20, what="our route fresh at FRR")
    assert "10.100.10.0/24" in frr_routes(r2)
    kldlab.wait_for(lambda: "replayed its state" in r1.cmd(
        f"cat {r1.dir}/zebra-lite.log"), 20, what="bgpd's ReplayDone")
    time.sleep(1)
    out = watch.stop()
    assert watch.deleted(out, routes) == [], out
    assert {p: kernel_bgp(r1)[p] for p in routes} == before
    paths = kld_paths(r1)
    assert all(not p[0].get("stale") for p in paths.values()), paths

    # A planned restart (SIGTERM, as systemctl restart) is graceful too:
    # no NOTIFICATION, so FRR keeps our route stale meanwhile.
    watch = RouteWatch(r1)
    r1.stop("bgpd")
    time.sleep(1)
    ours = frr_routes(r2).get("10.100.10.0/24")
    assert ours and ours[0].get("stale") is True, ours
    r1.start("bgpd")
    kldlab.wait_for(lambda: established(r1, "10.0.12.2"), 30, what="session back")
    kldlab.wait_for(lambda: not frr_routes(r2).get("10.100.10.0/24", [{}])[0].get("stale"),
                    20, what="our route fresh at FRR")
    time.sleep(1)
    out = watch.stop()
    assert watch.deleted(out, routes) == [], out


def test_gr_restarting_peer_without_gr_capability(lab):
    """FRR with `bgp graceful-restart-disable` is no helper (it drops our
    route when we go) and is not waited for, but it sends End-of-RIB
    anyway: the deferral ends there, long before select-defer-time, with
    FRR's routes re-learned, so r1's kernel still does not change."""
    r1, r2 = topology(lab)
    start_r1(r1, ["bgp graceful-restart"])
    r1.vtysh("write memory")
    conf = frr_conf(FRR_ROUTES[:2], gr=False).replace(
        " neighbor 10.0.12.1 remote-as", " bgp graceful-restart-disable\n neighbor 10.0.12.1 remote-as")
    r2.start_frr_bgpd(conf)
    routes = FRR_ROUTES[:2]
    kldlab.wait_for(lambda: set(routes) <= set(kernel_bgp(r1)), 30, what="FRR's routes")
    assert "Graceful Restart Capability: advertised\n" in r1.vtysh("show bgp neighbors")
    watch = RouteWatch(r1)
    r1.stop("bgpd", signal.SIGKILL)
    r1.start("bgpd")
    log = os.path.join(r1.dir, "bgpd.log")
    kldlab.wait_for(lambda: "every peer's table is complete" in open(log).read(), 20,
                    what="the deferral's end")
    kldlab.wait_for(lambda: "10.100.10.0/24" in frr_routes(r2), 20, what="ours at FRR again")
    time.sleep(1)
    out = watch.stop()
    assert watch.deleted(out, routes) == [], out
    assert set(routes) <= set(kernel_bgp(r1))


def test_gr_commands_persist(lab):
    r1, _ = topology(lab)
    start_r1(r1)
    lines = ["bgp graceful-restart stalepath-time 30", "bgp graceful-restart restart-time 10",
             "bgp graceful-restart select-defer-time 20", "bgp graceful-restart",
             "bgp graceful-restart preserve-fw-state"]
    r1.conf("router bgp 65001", *lines)
    cfg = r1.running_config()
    block = [l.strip() for l in cfg.splitlines() if "graceful-restart" in l]
    assert block == lines, cfg
    # Bad input: refused, nothing changed.
    for bad in ("bgp graceful-restart restart-time 0", "bgp graceful-restart restart-time 4096",
                "bgp graceful-restart stalepath-time 0", "bgp graceful-restart select-defer-time 3601"):
        out = r1.conf("router bgp 65001", bad, check=False)
        assert r1.last_rc != 0, (bad, out)
    assert r1.running_config() == cfg
    r1.vtysh("write memory")
    r1.stop("bgpd")
    r1.start("bgpd")
    assert r1.running_config() == cfg
    nb = r1.vtysh("show bgp neighbors 10.0.12.2")
    assert "Local GR Mode: Restart*" in nb and "Configured Restart Time(sec): 10" in nb, nb
    r1.conf("router bgp 65001", "no bgp graceful-restart restart-time",
            "no bgp graceful-restart stalepath-time 30", "no bgp graceful-restart select-defer-time",
            "no bgp graceful-restart", "no bgp graceful-restart preserve-fw-state")
    assert "graceful-restart" not in r1.running_config()
    r1.conf("router bgp 65001", "bgp graceful-restart-disable")
    assert "Local GR Mode: Disable*" in r1.vtysh("show bgp neighbors 10.0.12.2")
    assert " bgp graceful-restart-disable" in r1.running_config()
    # The neighbor's own mode wins over the global one (no '*').
    for kw, mode in (("graceful-restart-helper", "Helper"), ("graceful-restart", "Restart"),
                     ("graceful-restart-disable", "Disable")):
        r1.conf("router bgp 65001", f"neighbor 10.0.12.2 {kw}")
        assert f"Local GR Mode: {mode}\n" in r1.vtysh("show bgp neighbors 10.0.12.2")
        assert f" neighbor 10.0.12.2 {kw}\n" in r1.running_config()
    r1.vtysh("write memory")
    r1.stop("bgpd")
    r1.start("bgpd")
    assert " neighbor 10.0.12.2 graceful-restart-disable\n" in r1.running_config()
    r1.conf("router bgp 65001", "no neighbor 10.0.12.2 graceful-restart-disable")
    assert "Local GR Mode: Disable*" in r1.vtysh("show bgp neighbors 10.0.12.2")


BIRD_CONF = """router id 10.0.12.2;
protocol device {}
protocol static {
  ipv4;
  route 10.100.40.0/24 unreachable;
}
protocol bgp kld {
  local 10.0.12.2 as 65003;
  neighbor 10.0.12.1 as 65001;
  connect retry time 1;
  graceful restart on;
  ipv4 { import all; export where source = RTS_STATIC; };
}
"""


def bird_has(h, prefix):
    return prefix in h.birdc(f"show route {prefix}")


def test_gr_restarting_kldnet_bird_helps(lab):
    """BIRD with `graceful restart on` as the helper of kldnet's restart:
    our route stays in BIRD's table (stale) the whole time, BIRD's route
    stays in our kernel."""
    r1, r2 = topology(lab)
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf("router bgp 65001", "bgp router-id 10.0.12.1", "bgp graceful-restart",
            "neighbor 10.0.12.2 remote-as 65003", "address-family ipv4 unicast",
            "network 10.100.10.0/24", "exit-address-family", "end")
    r1.vtysh("write memory")
    r2.start_bird(BIRD_CONF)
    kldlab.wait_for(lambda: "10.100.40.0/24" in kernel_bgp(r1), 30, what="BIRD's route")
    kldlab.wait_for(lambda: bird_has(r2, "10.100.10.0/24"), 30, what="ours at BIRD")
    nb = r1.vtysh("show bgp neighbors 10.0.12.2")
    assert "Graceful Restart Capability: advertised and received" in nb, nb

    watch = RouteWatch(r1)
    r1.stop("bgpd", signal.SIGKILL)
    seen_gap = False
    end = time.monotonic() + 2
    while time.monotonic() < end:
        seen_gap |= not bird_has(r2, "10.100.10.0/24")
        time.sleep(0.1)
    assert "Neighbor graceful restart active" in r2.birdc("show protocols all kld")
    r1.start("bgpd")
    kldlab.wait_for(lambda: established(r1, "10.0.12.2"), 30, what="session back")
    end = time.monotonic() + 3
    while time.monotonic() < end:
        seen_gap |= not bird_has(r2, "10.100.10.0/24")
        time.sleep(0.1)
    assert not seen_gap, "BIRD dropped our route during the restart"
    assert "10.100.40.0/24" in kernel_bgp(r1)
    out = watch.stop()
    assert watch.deleted(out, ["10.100.40.0/24"]) == [], out
