"""A restart of bgpd deletes no kernel route, with or without graceful
restart (doc/bgpd.md, "What a restart does").

r1 runs kldnet (zebra-lite + bgpd). r2 runs FRR or BIRD with two sessions
to r1, one IPv4 and one IPv6; r4 runs a raw speaker (bgp/speaker.py) that
sends its table and no End-of-RIB; a fourth neighbour is configured on r1
but never comes up. bgpd is killed with SIGKILL and started again while a
firewall rule keeps the IPv6 session down for a few seconds, so the IPv4
tables (and End-of-RIB) arrive long before the IPv6 one. `ip monitor
route` in r1 is the judge: not one Deleted line for any route the peers
announce, before, during or after the replay.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

import kldlab

pytestmark = pytest.mark.skipif(
    not (os.path.exists("/usr/lib/frr/bgpd") and os.path.exists("/usr/sbin/bird")),
    reason="FRR and BIRD (Debian packages frr, bird2) are the peers")

SPEAKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bgp", "speaker.py")
SPEAKER_ROUTES = ["10.100.60.0/24", "10.100.61.0/24"]
V6_DELAY = 6  # seconds the IPv6 session stays down after bgpd is back

FRR_CONF = """frr defaults traditional
hostname r2
log stdout debugging
router bgp 65002
 bgp router-id 10.0.12.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 neighbor 10.0.12.1 remote-as 65001
 neighbor 10.0.12.1 timers connect 1
 neighbor fd00:12::1 remote-as 65001
 neighbor fd00:12::1 timers connect 1
 address-family ipv4 unicast
  network 10.100.20.0/24
  network 10.100.21.0/24
  neighbor 10.0.12.1 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:20::/48
  neighbor fd00:12::1 activate
 exit-address-family
"""

BIRD_CONF = """router id 10.0.12.2;
protocol device {}
protocol static { ipv4; route 10.100.20.0/24 unreachable; route 10.100.21.0/24 unreachable; }
protocol static { ipv6; route 2001:db8:20::/48 unreachable; }
protocol bgp kld4 {
  local 10.0.12.2 as 65002;
  neighbor 10.0.12.1 as 65001;
  connect delay time 1; connect retry time 1; error wait time 1,2;
  ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp kld6 {
  local fd00:12::2 as 65002;
  neighbor fd00:12::1 as 65001;
  connect delay time 1; connect retry time 1; error wait time 1,2;
  ipv6 { import all; export where source = RTS_STATIC; };
}
"""

PEER_V4 = ["10.100.20.0/24", "10.100.21.0/24"]
PEER_V6 = ["2001:db8:20::/48"]
ALL_ROUTES = PEER_V4 + PEER_V6 + SPEAKER_ROUTES


def r1_conf(gr, update_delay=None):
    lines = ["router bgp 65001", "bgp router-id 10.0.12.1"]
    if gr:
        lines.append("bgp graceful-restart")
    if update_delay is not None:
        lines.append(f"update-delay {update_delay}")
    lines += ["neighbor 10.0.12.2 remote-as 65002", "neighbor fd00:12::2 remote-as 65002",
              "neighbor 10.0.14.4 remote-as 65004", "neighbor 10.0.14.4 passive",
              # configured, never up: it must hold nobody
              "neighbor 10.0.12.99 remote-as 65009",
              "address-family ipv4 unicast", "network 10.100.10.0/24",
              "no neighbor fd00:12::2 activate", "exit-address-family",
              "address-family ipv6 unicast", "neighbor fd00:12::2 activate",
              "exit-address-family"]
    return lines


def topology(lab):
    r1, r2, r4 = lab.host("r1"), lab.host("r2"), lab.host("r4")
    lab.link(r1, "eth0", r2, "eth0")
    lab.link(r1, "eth1", r4, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth0 && ip -6 addr add fd00:12::1/64 dev eth0 nodad")
    r1.cmd("ip addr add 10.0.14.1/24 dev eth1 && ip addr add 10.100.10.1/24 dev lo")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0 && ip -6 addr add fd00:12::2/64 dev eth0 nodad")
    r4.cmd("ip addr add 10.0.14.4/24 dev eth0")
    return r1, r2, r4


def kernel_bgp(h):
    return {r["dst"] for r in h.routes("-4") + h.routes("-6") if r.get("protocol") == "bgp"}


def established(h, peer):
    out = json.loads(h.vtysh(f"show bgp neighbors {peer} json"))
    return out.get(peer, {}).get("bgpState") == "Established"


def replays(h):
    return h.log("zebra-lite").count("bgpd replayed its state")


def start_speaker(r4, secs=300):
    return r4.popen([sys.executable, SPEAKER, "10.0.14.1", "feed:10.0.14.4:65004", str(secs)],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


IPV6_BGP_BLOCK = ("table ip6 kldtest { chain in { type filter hook input priority 0; "
                  "tcp dport 179 reject with tcp reset; tcp sport 179 reject with tcp reset; }; "
                  "chain out { type filter hook output priority 0; "
                  "tcp dport 179 reject with tcp reset; }; }")


def block_ipv6_bgp(h, on):
    if on:
        h.cmd(f"nft '{IPV6_BGP_BLOCK}'")
    else:
        h.cmd("nft delete table ip6 kldtest")


def start_r2(r2, peer):
    if peer == "frr":
        r2.start_frr_bgpd(FRR_CONF)
    else:
        r2.start_bird(BIRD_CONF)


@pytest.mark.parametrize("gr", [False, True], ids=["plain", "graceful-restart"])
@pytest.mark.parametrize("peer", ["frr", "bird"])
def test_restart_deletes_no_route(lab, peer, gr):
    r1, r2, r4 = topology(lab)
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf(*r1_conf(gr))
    r1.vtysh("write memory")
    start_r2(r2, peer)
    start_speaker(r4)
    kldlab.wait_for(lambda: set(ALL_ROUTES) <= kernel_bgp(r1), 40, what="every peer's routes")
    # The state file names the three sessions up, not the one never up.
    kldlab.wait_for(lambda: set(r1.bgpd_peers()) == {"10.0.12.2", "fd00:12::2", "10.0.14.4"},
                    10, what="the state file")
    before = replays(r1)

    watch = kldlab.RouteWatch(r1)  # both families
    r1.stop("bgpd", signal.SIGKILL)
    time.sleep(0.5)  # the peers see the connections close
    block_ipv6_bgp(r1, True)
    r1.start("bgpd")
    kldlab.wait_for(lambda: established(r1, "10.0.12.2") and established(r1, "10.0.14.4"),
                    30, what="the IPv4 sessions back")
    # The IPv4 tables are in (End-of-RIB, the speaker's quiet time), the
    # IPv6 session is not: zebra-lite still keeps the IPv6 route for us.
    time.sleep(V6_DELAY)
    assert replays(r1) == before, r1.log("zebra-lite")[-2000:]
    assert not established(r1, "fd00:12::2")
    block_ipv6_bgp(r1, False)
    kldlab.wait_for(lambda: established(r1, "fd00:12::2"), 30, what="the IPv6 session back")
    kldlab.wait_for(lambda: replays(r1) > before, 30, what="bgpd's ReplayDone")
    time.sleep(1)
    out = watch.stop()
    assert watch.deleted(out, ALL_ROUTES) == [], out
    assert set(ALL_ROUTES) <= kernel_bgp(r1)
    bgpd_log = r1.log("bgpd")
    assert "every peer that was up is back with its table" in bgpd_log, bgpd_log[-3000:]
    assert "update-delay over" not in bgpd_log
    assert "bgpd replayed its state; 0 stale route(s) removed" in r1.log("zebra-lite")
    if gr:
        assert "select-defer-time over" not in bgpd_log


def restart_speaker_gone(lab, update_delay, refused=None):
    """r1 with `update-delay ...` and the speaker up, saved; then bgpd
    killed, the speaker gone for good, bgpd started again. refused: a
    line typed first, which must be refused and change nothing."""
    r1, _, r4 = topology(lab)
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf(*r1_conf(False, update_delay=update_delay))
    line = f" update-delay {update_delay}\n"
    if refused:
        out = r1.vtysh("configure terminal", "router bgp 65001", refused, check=False)
        assert "%Failed: update-delay less than the establish-wait!" in out, out
    assert line in r1.running_config()
    r1.vtysh("write memory")
    speaker = start_speaker(r4)
    kldlab.wait_for(lambda: set(SPEAKER_ROUTES) <= kernel_bgp(r1), 30, what="the speaker's routes")
    kldlab.wait_for(lambda: "10.0.14.4" in r1.bgpd_peers(), 10, what="the state file")
    r1.stop("bgpd", signal.SIGKILL)
    speaker.kill()
    speaker.wait()
    r1.start("bgpd")
    assert line in r1.running_config()
    return r1


def test_restart_hold_bounded_by_update_delay(lab):
    """A peer that was up and does not come back holds the replay for
    update-delay at most; then its routes go. The command persists."""
    r1 = restart_speaker_gone(lab, 4)
    t0 = time.monotonic()
    time.sleep(2)
    assert set(SPEAKER_ROUTES) <= kernel_bgp(r1), "kept while the hold waits"
    kldlab.wait_for(lambda: not set(SPEAKER_ROUTES) & kernel_bgp(r1), 15,
                    what="the routes swept after update-delay")
    took = time.monotonic() - t0
    assert 3.5 <= took <= 10, took
    assert "update-delay over" in r1.log("bgpd")
    r1.conf("router bgp 65001", "no update-delay")
    assert "update-delay" not in r1.running_config()


def test_restart_establish_wait(lab):
    """FRR's `update-delay MAX ESTABLISH-WAIT`: a peer that was up but is
    not Established within establish-wait no longer holds the replay, so
    its routes go long before max-delay (an hour here). Kept as typed;
    an establish-wait over max-delay is refused as FRR refuses it."""
    r1 = restart_speaker_gone(lab, "3600 3", refused="update-delay 10 20")
    kldlab.wait_for(lambda: not set(SPEAKER_ROUTES) & kernel_bgp(r1), 60,
                    what="the routes swept after establish-wait, not max-delay")
    log = r1.log("bgpd")
    assert "establish-wait over: 1 peer(s) not Established are not waited for" in log, log
    assert "update-delay over" not in log
