"""Dynamic neighbors (`bgp listen range`, `bgp listen limit`), as FRR.

r1 (kldnet, AS 65001) configures no neighbor for its two speakers: a
listen range over 10.200.0.0/24 and the peer-group FABRIC (remote-as
external) accept FRR's bgpd on r2 (AS 65002) and another kldnet on r3
(AS 65003), each on its own link inside the range. Routes flow through
r1 both ways. Then: a dynamic peer goes with its session and comes back
with it, or after its restart time when its paths are kept stale for
graceful restart; the limit refuses one more; a configured neighbor in the
range wins, and the most specific range; TCP-MD5 on the group keys the whole range on the listener;
`no bgp listen range` drops the peers; bad lines change nothing;
the running configuration never holds a dynamic peer and survives
write memory and a restart. A bgpd restart deletes no kernel route of a
dynamic peer: the replay hold waits for it as for a configured one.
"""
import json
import os
import signal
import time

import pytest

import kldlab

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/lib/frr/bgpd"),
                                reason="FRR's bgpd (Debian package frr) is a peer")

FRR_CONF = """frr defaults traditional
hostname r2
log stdout debugging
router bgp 65002
 bgp router-id 10.200.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.200.0.1 remote-as 65001
 neighbor 10.200.0.1 timers connect 2
 address-family ipv4 unicast
  network 10.102.0.0/24
 exit-address-family
"""

R1_CONF = ["router bgp 65001", "bgp router-id 10.200.0.1",
           "neighbor FABRIC peer-group", "neighbor FABRIC remote-as external",
           "bgp listen range 10.200.0.0/24 peer-group FABRIC",
           "address-family ipv4 unicast", "network 10.101.0.0/24", "exit-address-family", "end"]

R3_CONF = ["router bgp 65003", "bgp router-id 10.200.0.6",
           "neighbor 10.200.0.5 remote-as 65001",
           "address-family ipv4 unicast", "network 10.103.0.0/24", "exit-address-family", "end"]

R2, R3 = "10.200.0.2", "10.200.0.6"


def summary(h):
    return json.loads(h.vtysh("show bgp summary json"))["ipv4Unicast"]


def established(h):
    return {a for a, p in summary(h)["peers"].items() if p["state"] == "Established"}


def dynamic(h):
    return {a for a, p in summary(h)["peers"].items() if p.get("dynamicPeer")}


def bgp_routes(h):
    return {r["dst"] for r in h.routes() if r.get("protocol") == "bgp"}


def topology(lab):
    r1, r2, r3 = lab.host("r1"), lab.host("r2"), lab.host("r3")
    lab.link(r1, "eth0", r2, "eth0")
    lab.link(r1, "eth1", r3, "eth0")
    r1.cmd("ip addr add 10.200.0.1/30 dev eth0 && ip addr add 10.200.0.5/30 dev eth1")
    r2.cmd("ip addr add 10.200.0.2/30 dev eth0 && ip addr add 10.102.0.1/24 dev lo")
    r3.cmd("ip addr add 10.200.0.6/30 dev eth0")
    return r1, r2, r3


def kick(r3):
    """r3 tries again now rather than after its back-off."""
    r3.vtysh("clear bgp 10.200.0.5", check=False)


def test_listen_range_accepts_peers_limits_and_forgets_them(lab):
    r1, r2, r3 = topology(lab)
    for h in (r1, r3):
        h.start_all(daemons=("zebra-lite", "bgpd"))
    r1.conf(*R1_CONF)
    conf = r1.running_config()
    r2.start_frr_bgpd(FRR_CONF)
    r3.conf(*R3_CONF)

    # Both speakers are accepted as dynamic peers; routes flow through r1.
    kldlab.wait_for(lambda: established(r1) == {R2, R3}, 60, what="both dynamic peers up")
    assert dynamic(r1) == {R2, R3}
    kldlab.wait_for(lambda: {"10.102.0.0/24", "10.103.0.0/24"} <= bgp_routes(r1), 30,
                    what="r2's and r3's routes on r1")
    kldlab.wait_for(lambda: "10.102.0.0/24" in bgp_routes(r3), 30, what="r2's route on r3")
    kldlab.wait_for(lambda: "10.103.0.0/24" in r2.frr_vtysh("show ip bgp"), 30,
                    what="r3's route on FRR")
    text = r1.vtysh("show bgp summary")
    assert f"*{R2}" in text and f"*{R3}" in text
    assert "Total number of neighbors 2" in text
    assert "2 dynamic neighbor(s), limit 100" in text
    s = summary(r1)
    assert s["dynamicPeers"] == 2 and s["dynamicPeersLimit"] == 100
    nbr = r1.vtysh(f"show bgp neighbors {R3}")
    assert f"BGP neighbor is *{R3}, remote AS 65003" in nbr
    assert "Dynamic peer, belongs to the listen range 10.200.0.0/24" in nbr
    assert "Member of peer-group FABRIC" in nbr
    # Not configuration: the running configuration is what was typed.
    assert r1.running_config() == conf
    assert R2 not in conf and "bgp listen range 10.200.0.0/24 peer-group FABRIC" in conf
    # ...and the neighbor commands refuse it.
    out = r1.vtysh("configure terminal", "router bgp 65001", f"neighbor {R3} shutdown",
                   check=False)
    assert "% Operation not allowed on a dynamic neighbor" in out
    assert r1.running_config() == conf

    # The peer goes with its session (a NOTIFICATION: no graceful restart)
    # and comes back when it reconnects.
    r3.vtysh("write memory")
    r3.stop("bgpd")
    kldlab.wait_for(lambda: R3 not in summary(r1)["peers"], 30, what="r3's dynamic peer deleted")
    kldlab.wait_for(lambda: "10.103.0.0/24" not in bgp_routes(r1), 30, what="r3's route gone")
    r3.start("bgpd")
    kldlab.wait_for(lambda: established(r1) == {R2, R3}, 60, what="r3 back as a dynamic peer")

    # The limit: existing peers stay; beyond it a connection is refused.
    r1.conf("router bgp 65001", "bgp listen limit 1", "end")
    assert established(r1) == {R2, R3}
    r1.vtysh(f"clear bgp {R3}")
    kldlab.wait_for(lambda: R3 not in summary(r1)["peers"], 30, what="r3's peer cleared")
    kick(r3)
    kldlab.wait_for(lambda: "dynamic neighbor limit 1 reached" in
                    open(os.path.join(r1.dir, "bgpd.log")).read(), 30, what="refusal logged")
    assert R3 not in summary(r1)["peers"] and summary(r1)["dynamicPeersLimit"] == 1
    r1.conf("router bgp 65001", "no bgp listen limit", "end")
    kick(r3)
    kldlab.wait_for(lambda: established(r1) == {R2, R3}, 60, what="r3 back under the limit")

    # A configured neighbor in the range wins over the range.
    r1.conf("router bgp 65001", f"neighbor {R3} remote-as 65003", "end")
    kldlab.wait_for(lambda: R3 in established(r1), 60, what="r3 up as a configured neighbor")
    assert dynamic(r1) == {R2}
    assert f"neighbor {R3} remote-as 65003" in r1.running_config()
    assert "1 dynamic neighbor(s)" in r1.vtysh("show bgp summary")
    r1.conf("router bgp 65001", f"no neighbor {R3}", "end")
    kick(r3)
    kldlab.wait_for(lambda: dynamic(r1) == {R2, R3} and established(r1) == {R2, R3}, 60,
                    what="r3 dynamic again")
    assert r1.running_config() == conf

    # Graceful restart, as FRR: a dynamic peer whose paths are kept stale
    # (its session ended without a NOTIFICATION) stays until the restart
    # time it announced runs out, then goes with its paths.
    r3.conf("router bgp 65003", "bgp graceful-restart",
            "bgp graceful-restart restart-time 15", "end")
    r3.vtysh("write memory")
    kick(r3)
    kldlab.wait_for(lambda: "Remote GR Mode: Restart" in r1.vtysh(f"show bgp neighbors {R3}"),
                    60, what="r3 up as a restarting speaker")
    r3.stop("bgpd", signal.SIGKILL)
    kldlab.wait_for(lambda: R3 not in established(r1), 30, what="r3's session down")
    assert R3 in summary(r1)["peers"] and "10.103.0.0/24" in bgp_routes(r1)
    kldlab.wait_for(lambda: R3 not in summary(r1)["peers"], 60,
                    what="r3's peer deleted after its restart time")
    assert "10.103.0.0/24" not in bgp_routes(r1)
    r3.start("bgpd")
    kldlab.wait_for(lambda: established(r1) == {R2, R3}, 60, what="r3 back after its restart")

    # Bad lines: a clear error, nothing changed.
    # The most specific range wins: r3 becomes a member of OTHER (which
    # names r3's AS), and goes back to FABRIC once that range is gone.
    r1.conf("router bgp 65001", "neighbor OTHER peer-group", "neighbor OTHER remote-as 65003",
            "bgp listen range 10.200.0.4/30 peer-group OTHER", "end")
    r1.vtysh(f"clear bgp {R3}")
    kick(r3)
    # The cleared peer is made anew when r3 connects again (at once or
    # after its back-off): then the /30 decides its group.
    kldlab.wait_for(lambda: R3 in established(r1) and
                    "Member of peer-group OTHER" in r1.vtysh(f"show bgp neighbors {R3}"),
                    60, what="r3 up from the /30")
    assert "listen range 10.200.0.4/30" in r1.vtysh(f"show bgp neighbors {R3}")
    r1.conf("router bgp 65001", "no bgp listen range 10.200.0.4/30", "end")
    kldlab.wait_for(lambda: R3 not in summary(r1)["peers"], 30, what="the /30's peer dropped")
    kick(r3)
    kldlab.wait_for(lambda: R3 in established(r1), 60, what="r3 up from the /24 again")
    assert "Member of peer-group FABRIC" in r1.vtysh(f"show bgp neighbors {R3}")
    conf = r1.running_config()
    for line, err in (("bgp listen range 10.200.0.0/24 peer-group NOPE",
                       "% Configure the peer-group first"),
                      ("bgp listen range 10.200.0.0/24 peer-group", "%"),
                      ("bgp listen range 10.300.0.0/24 peer-group FABRIC", "%"),
                      ("bgp listen limit 0", "%"),
                      ("no bgp listen range 10.201.0.0/24 peer-group FABRIC",
                       "% No such listen range"),
                      ("bgp listen range 10.200.0.0/24 peer-group OTHER",
                       "% Same listen range is attached to peer-group FABRIC")):
        out = r1.vtysh("configure terminal", "router bgp 65001", line, check=False)
        assert err in out, (line, out)
    assert r1.running_config() == conf
    assert established(r1) == {R2, R3}

    # TCP-MD5 on the group: the listener holds its key for the whole range,
    # so an unsigned SYN from the range is dropped before any peer exists.
    r1.conf("router bgp 65001", "neighbor FABRIC password s3cret", "end")
    r2.cmd(f"vtysh --vty_socket {r2.dir}/frr -d bgpd -c 'configure terminal' "
           "-c 'router bgp 65002' -c 'neighbor 10.200.0.1 password s3cret'")
    kldlab.wait_for(lambda: R2 in established(r1), 60, what="r2 up with TCP-MD5")
    assert R3 not in established(r1)  # r3 has no key yet
    r3.conf("router bgp 65003", "neighbor 10.200.0.5 password s3cret", "end")
    kldlab.wait_for(lambda: established(r1) == {R2, R3}, 60, what="r3 up with TCP-MD5")
    conf = r1.running_config()

    # write memory and a restart: the ranges come back, the peers with them.
    r1.vtysh("write memory")
    saved = open(r1.config).read()
    assert R2 not in saved and "bgp listen range 10.200.0.0/24 peer-group FABRIC" in saved
    r1.stop_all()
    r1.start_all(daemons=("zebra-lite", "bgpd"))
    assert r1.running_config() == conf
    kick(r3)
    kldlab.wait_for(lambda: established(r1) == {R2, R3}, 60, what="peers back after restart")

    # `no bgp listen range` drops the range's peers.
    r1.conf("router bgp 65001", "no bgp listen range 10.200.0.0/24 peer-group FABRIC", "end")
    assert summary(r1)["peers"] == {}
    assert "bgp listen range" not in r1.running_config()
    kldlab.wait_for(lambda: not bgp_routes(r1), 30, what="the peers' routes gone")
    r1.stop_all(signal.SIGTERM)


def replays(h):
    return h.log("zebra-lite").count("bgpd replayed its state")


R2_BGP_BLOCK = ("table ip kldtest { chain in { type filter hook input priority 0; "
                f"ip saddr {R2} tcp dport 179 reject with tcp reset; }}; }}")
R2_DELAY = 6  # seconds r2 cannot reconnect after bgpd is back


def test_restart_waits_for_dynamic_peer(lab):
    """Issue 11 for dynamic neighbors: bgpd is killed and started again
    while a firewall rule keeps FRR (a dynamic peer) from reconnecting for
    a few seconds. The peer does not exist in the new bgpd until it
    reconnects, yet the state file named it and its address is still in
    the listen range: the replay hold waits for it, ReplayDone comes only
    once it is back with its table, and `ip monitor route` shows not one
    Deleted line for its route."""
    r1, r2, _ = topology(lab)
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf(*R1_CONF)
    r1.vtysh("write memory")
    r2.start_frr_bgpd(FRR_CONF)
    kldlab.wait_for(lambda: R2 in established(r1), 60, what="r2 up as a dynamic peer")
    kldlab.wait_for(lambda: "10.102.0.0/24" in bgp_routes(r1), 30, what="r2's route on r1")
    kldlab.wait_for(lambda: set(r1.bgpd_peers()) == {R2}, 10, what="the state file names r2")
    before = replays(r1)

    watch = kldlab.RouteWatch(r1, "-4")
    r1.stop("bgpd", signal.SIGKILL)
    time.sleep(0.5)  # r2 sees the connection close
    r1.cmd(f"nft '{R2_BGP_BLOCK}'")
    r1.start("bgpd")
    time.sleep(R2_DELAY)
    # r2 cannot be back: no peer, yet its route is kept and no ReplayDone.
    assert R2 not in summary(r1)["peers"]
    assert replays(r1) == before, r1.log("zebra-lite")[-2000:]
    assert "10.102.0.0/24" in bgp_routes(r1)
    r1.cmd("nft delete table ip kldtest")
    kldlab.wait_for(lambda: R2 in established(r1), 60, what="r2 back as a dynamic peer")
    kldlab.wait_for(lambda: replays(r1) > before, 30, what="bgpd's ReplayDone")
    time.sleep(1)
    out = watch.stop()
    assert kldlab.RouteWatch.deleted(out, ["10.102.0.0/24"]) == [], out
    assert "10.102.0.0/24" in bgp_routes(r1)
    assert dynamic(r1) == {R2}
    bgpd_log = r1.log("bgpd")
    assert "they stay until 1 peer(s) that were up are back" in bgpd_log, bgpd_log[-3000:]
    assert "every peer that was up is back with its table" in bgpd_log, bgpd_log[-3000:]
    assert "update-delay over" not in bgpd_log
    assert "bgpd replayed its state; 0 stale route(s) removed" in r1.log("zebra-lite")
    kldlab.wait_for(lambda: set(r1.bgpd_peers()) == {R2}, 10, what="the state file after the hold")

    # Killed again, and started without the listen range: no range holds
    # r2 any more, so nobody is waited for and its route goes at once
    # rather than after update-delay.
    r1.stop("bgpd", signal.SIGKILL)
    with open(r1.config) as f:
        saved = f.read()
    r1.write_config(saved.replace(" bgp listen range 10.200.0.0/24 peer-group FABRIC\n", ""))
    before = replays(r1)
    r1.start("bgpd")
    assert "bgp listen range" not in r1.running_config()
    kldlab.wait_for(lambda: replays(r1) > before, 30, what="ReplayDone without a wait")
    kldlab.wait_for(lambda: "10.102.0.0/24" not in bgp_routes(r1), 30, what="r2's route swept")
    assert "they stay until 0 peer(s) that were up are back" in r1.log("bgpd")
    assert "update-delay over" not in r1.log("bgpd")
    r1.stop_all(signal.SIGTERM)
