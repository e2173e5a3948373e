"""TCP-MD5 (RFC 2385) on BGP sessions: `neighbor X password WORD`.

kldnet against FRR's bgpd and against itself with matching passwords
(Established, routes flow), with mismatched or one-sided passwords (never
Established, both daemons stay up), and a password changed or removed on
a live session. The kernel's own MD5 counters (TcpExt in /proc/net/netstat
of the host's namespace) show that signatures are really checked: no
tcpdump needed. The password must never show in `show bgp neighbors` or
the log; the running configuration carries it, as FRR's does.
"""
import json
import os
import time

import pytest

import kldlab

PW = "kld-S3cret.md5"
OTHER = "not-the-same"

FRR_CONF = """frr defaults traditional
hostname r2
log stdout debugging
router bgp 65002
 bgp router-id 10.0.12.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.12.1 remote-as 65001
 neighbor 10.0.12.1 password {pw}
 neighbor 10.0.12.1 timers connect 2
 address-family ipv4 unicast
  network 10.100.20.0/24
 exit-address-family
"""


def summary(h):
    return json.loads(h.vtysh("show bgp summary json"))["ipv4Unicast"]["peers"]


def state(h, peer):
    return summary(h).get(peer, {}).get("state")


def established(h, peer):
    return state(h, peer) == "Established"


def md5_counters(h):
    """TcpExt TCPMD5* counters of the host's namespace."""
    lines = [l.split() for l in h.cmd("cat /proc/net/netstat").splitlines()]
    for names, values in zip(lines, lines[1:]):
        if names and names[0] == "TcpExt:" and values[0] == "TcpExt:":
            return {k: int(v) for k, v in zip(names[1:], values[1:]) if k.startswith("TCPMD5")}
    return {}


def md5_on_socket(h, peer):
    """The established socket to peer carries an MD5 key (iproute2's ss
    shows the socket's keys to root as md5keys:ADDR/32=...)."""
    out = h.cmd("ss -tnie state established", check=False)
    return f"md5keys:{peer}/32" in out


def bgp_table(h):
    return set(json.loads(h.vtysh("show bgp ipv4 unicast json")).get("routes", {}))


def assert_secret_hidden(h, peer, pw):
    assert pw not in h.vtysh(f"show bgp neighbors {peer}")
    assert pw not in h.vtysh("show bgp neighbors")
    assert pw not in h.vtysh(f"show bgp neighbors {peer} json")
    assert pw not in h.vtysh("show bgp summary")
    with open(os.path.join(h.dir, "bgpd.log")) as f:
        assert pw not in f.read(), "the password must never be logged"


def site(h, asn, rid, peer, peer_as, net, pw=None):
    lines = [f"router bgp {asn}", f"bgp router-id {rid}",
             f"neighbor {peer} remote-as {peer_as}"]
    if pw:
        lines.append(f"neighbor {peer} password {pw}")
    lines += ["address-family ipv4 unicast", f"network {net}", "exit-address-family", "end"]
    h.conf(*lines)


def two_kld(lab, pw_a, pw_b, a_args=()):
    a, b = lab.host("a"), lab.host("b")
    lab.link(a, "eth0", b, "eth0")
    a.cmd("ip addr add 10.0.12.1/24 dev eth0")
    b.cmd("ip addr add 10.0.12.2/24 dev eth0")
    a.start("bgpd", *a_args)
    b.start("bgpd")
    site(a, 65001, "10.0.12.1", "10.0.12.2", 65002, "10.100.10.0/24", pw_a)
    site(b, 65002, "10.0.12.2", "10.0.12.1", 65001, "10.100.20.0/24", pw_b)
    return a, b


def never_established(a, b, seconds=6.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert not established(a, "10.0.12.2")
        assert not established(b, "10.0.12.1")
        time.sleep(0.5)
    assert a.alive("bgpd") and b.alive("bgpd")
    assert state(a, "10.0.12.2") in ("Idle", "Connect", "Active")


@pytest.mark.skipif(not os.path.exists("/usr/lib/frr/bgpd"),
                    reason="FRR (Debian package frr) is the peer")
def test_md5_with_frr(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth0")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0")
    r1.start("bgpd")
    site(r1, 65001, "10.0.12.1", "10.0.12.2", 65002, "10.100.10.0/24", PW)
    r2.start_frr_bgpd(FRR_CONF.format(pw=PW))

    kldlab.wait_for(lambda: established(r1, "10.0.12.2"), 40, what="MD5 session with FRR")
    kldlab.wait_for(lambda: "10.100.20.0/24" in bgp_table(r1), 20, what="FRR's route at r1")

    def frr_routes():
        try:
            return json.loads(r2.frr_vtysh("show bgp ipv4 unicast json")).get("routes", {})
        except ValueError:
            return {}
    kldlab.wait_for(lambda: "10.100.10.0/24" in frr_routes(), 20, what="r1's route at FRR")
    assert frr_routes()["10.100.10.0/24"][0]["path"] == "65001"

    # Signed segments were checked, none failed.
    assert md5_on_socket(r1, "10.0.12.2")
    c1, c2 = md5_counters(r1), md5_counters(r2)
    assert c1.get("TCPMD5Failure", 0) == 0 and c2.get("TCPMD5Failure", 0) == 0

    # A secret: in the running configuration (as FRR), nowhere else.
    assert f" neighbor 10.0.12.2 password {PW}\n" in r1.running_config()
    assert_secret_hidden(r1, "10.0.12.2", PW)

    # A different password at r1: FRR's kernel drops our segments.
    before = md5_counters(r2).get("TCPMD5Failure", 0)
    r1.conf("router bgp 65001", f"neighbor 10.0.12.2 password {OTHER}")
    kldlab.wait_for(lambda: not established(r1, "10.0.12.2"), 10, what="session reset")
    kldlab.wait_for(lambda: md5_counters(r2).get("TCPMD5Failure", 0) > before, 20,
                    what="MD5 failures counted at FRR")
    assert not established(r1, "10.0.12.2")
    # Back to the right one: the listener's key follows, the session returns.
    r1.conf("router bgp 65001", f"neighbor 10.0.12.2 password {PW}")
    kldlab.wait_for(lambda: established(r1, "10.0.12.2"), 40, what="session with FRR again")
    assert r1.alive("bgpd")


def test_md5_kldnet_both_sides(lab):
    # a's bgpd runs unprivileged, as deployed: TCP_MD5SIG needs no capability.
    a, b = two_kld(lab, PW, PW, a_args=("--user", "nobody"))
    kldlab.wait_for(lambda: established(a, "10.0.12.2") and established(b, "10.0.12.1"), 30,
                    what="MD5 session between kldnet speakers")
    kldlab.wait_for(lambda: "10.100.20.0/24" in bgp_table(a) and
                    "10.100.10.0/24" in bgp_table(b), 20, what="routes both ways")
    assert md5_counters(a).get("TCPMD5Failure", 0) == 0
    assert md5_counters(b).get("TCPMD5Failure", 0) == 0
    assert_secret_hidden(a, "10.0.12.2", PW)
    assert_secret_hidden(b, "10.0.12.1", PW)
    assert f" neighbor 10.0.12.2 password {PW}\n" in a.running_config()

    assert md5_on_socket(a, "10.0.12.2") and md5_on_socket(b, "10.0.12.1")

    # Saved and restarted: the key is back on the listener and the socket.
    a.vtysh("write memory")
    with open(a.config) as f:
        assert f" neighbor 10.0.12.2 password {PW}\n" in f.read()
    a.stop("bgpd")
    a.start("bgpd")  # as root: nobody cannot read the test's 0700 directory
    kldlab.wait_for(lambda: established(a, "10.0.12.2") and established(b, "10.0.12.1"), 40,
                    what="MD5 session after a restart")
    assert md5_on_socket(a, "10.0.12.2")

    # Removed on one side only: unsigned segments meet a key, refused.
    not_found = md5_counters(b).get("TCPMD5NotFound", 0)
    a.conf("router bgp 65001", "no neighbor 10.0.12.2 password")
    assert "password" not in a.running_config()
    kldlab.wait_for(lambda: not established(b, "10.0.12.1"), 10, what="reset on removal")
    never_established(a, b, 5)
    assert md5_counters(b).get("TCPMD5NotFound", 0) > not_found
    # ...and on the other side too: a plain session again.
    b.conf("router bgp 65002", f"no neighbor 10.0.12.1 password {PW}")
    kldlab.wait_for(lambda: established(a, "10.0.12.2") and established(b, "10.0.12.1"), 40,
                    what="session without MD5")
    assert not md5_on_socket(a, "10.0.12.2")
    # Both set again, a new password: a reset, then Established with it.
    a.conf("router bgp 65001", f"neighbor 10.0.12.2 password {OTHER}")
    b.conf("router bgp 65002", f"neighbor 10.0.12.1 password {OTHER}")
    kldlab.wait_for(lambda: established(a, "10.0.12.2") and established(b, "10.0.12.1"), 40,
                    what="session with the new password")
    assert_secret_hidden(a, "10.0.12.2", OTHER)


def test_md5_mismatch_never_established(lab):
    a, b = two_kld(lab, PW, OTHER)
    never_established(a, b, 6)
    assert md5_counters(a).get("TCPMD5Failure", 0) + \
        md5_counters(b).get("TCPMD5Failure", 0) > 0
    assert_secret_hidden(a, "10.0.12.2", PW)
    assert_secret_hidden(b, "10.0.12.1", OTHER)


def test_md5_one_side_only(lab):
    a, b = two_kld(lab, PW, None)
    never_established(a, b, 6)
    c = md5_counters(a)
    # b's SYNs are unsigned (NotFound at a); a's are signed, b has no key
    # (Unexpected at b).
    assert c.get("TCPMD5NotFound", 0) + md5_counters(b).get("TCPMD5Unexpected", 0) > 0


def test_md5_password_commands(lab):
    a = lab.host("a")
    a.start("bgpd")
    a.conf("router bgp 65001", "neighbor 10.0.12.2 remote-as 65002",
           "neighbor PG peer-group", "neighbor PG remote-as 65003",
           "neighbor 10.0.13.3 peer-group PG")
    out = a.conf("router bgp 65001", "neighbor 10.0.12.2 password " + "x" * 81, check=False)
    assert "longer than 80" in out
    assert "x" * 81 not in out
    assert "password" not in a.running_config()
    a.conf("router bgp 65001", "neighbor 10.0.12.2 password " + "y" * 80)
    # A peer-group's password is written once, for the group.
    a.conf("router bgp 65001", f"neighbor PG password {PW}")
    cfg = a.running_config()
    assert " neighbor 10.0.12.2 password " + "y" * 80 + "\n" in cfg
    assert f" neighbor PG password {PW}\n" in cfg
    assert "10.0.13.3 password" not in cfg
    out = a.conf("router bgp 65001", "neighbor 10.9.9.9 password abc", check=False)
    assert "Specify remote-as" in out
    a.conf("router bgp 65001", "no neighbor PG password", "no neighbor 10.0.12.2 password")
    assert "password" not in a.running_config()
    assert a.alive("bgpd")
