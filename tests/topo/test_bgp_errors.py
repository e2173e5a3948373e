"""bgpd under malformed input from a raw test speaker (tests/topo/bgp/
speaker.py): RFC 7606 treat-as-withdraw keeps the session and withdraws
the routes of the bad UPDATE; errors that need a session reset get the
NOTIFICATION RFC 4271 names; bad OPENs are refused with the right
subcode; bgpd stays up through all of it."""
import json
import os
import subprocess

import pytest

import kldlab

SPEAKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bgp", "speaker.py")


@pytest.fixture
def dut(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r1.cmd("ip addr add 10.0.0.1/24 dev eth0")
    r2.cmd("ip addr add 10.0.0.2/24 dev eth0")
    r1.start("zebra-lite")
    r1.start("bgpd")
    # Passive towards the speaker is not needed: it connects first, and
    # bgpd adopts the incoming connection.
    r1.conf("router bgp 65001", "bgp router-id 10.0.0.1",
            "neighbor 10.0.0.2 remote-as 65002", "neighbor 10.0.0.2 shutdown")
    return r1, r2


def enable(r1):
    r1.conf("router bgp 65001", "no neighbor 10.0.0.2 shutdown")


def run_open(r2, kind):
    out = r2.cmd(f"python3 {SPEAKER} 10.0.0.1 open:{kind}")
    return json.loads(out.strip().splitlines()[-1])


def rib(r1):
    js = json.loads(r1.vtysh("show bgp ipv4 unicast json"))
    return set(js.get("routes", {}))


@pytest.mark.parametrize("kind,code", [
    ("peer_as", [2, 2]),     # Bad Peer AS
    ("version", [2, 1]),     # Unsupported Version Number
    ("hold_time", [2, 6]),   # Unacceptable Hold Time
    ("bgp_id", [2, 3]),      # Bad BGP Identifier
    ("marker", [1, 1]),      # Connection Not Synchronized
])
def test_bad_open_is_refused(dut, kind, code):
    r1, r2 = dut
    enable(r1)
    res = run_open(r2, kind)
    # Before our OPEN is out a header error may just close (RFC 4271 8.2.2
    # Connect/Active); after it, the NOTIFICATION is sent.
    assert res["notify"] in (code, "closed"), res
    if kind == "peer_as" and res["notify"] == code:
        # FRR's log line, with the AS the peer sent
        log = open(os.path.join(r1.dir, "bgpd.log")).read()
        assert "10.0.0.2 bad OPEN, remote AS is 65099, expected 65002" in log, log[-2000:]
    assert r1.alive("bgpd")
    assert "Total number of neighbors 1" in r1.vtysh("show bgp summary")


@pytest.mark.parametrize("kind,expect", [
    ("bad_origin", "withdraw"),
    ("bad_nexthop_len", "withdraw"),
    ("missing_aspath", "withdraw"),
    ("bad_community_len", "withdraw"),
    ("bad_med_len", "withdraw"),
    ("bad_nlri", [3, 10]),
    ("attr_overrun", [3, 1]),
    ("bad_type", [1, 3]),
])
def test_rfc7606(dut, kind, expect):
    r1, r2 = dut
    enable(r1)
    p = r2.popen(["python3", SPEAKER, "10.0.0.1", f"update:{kind}", "8"],
                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        res = json.loads(p.stdout.readline())
        if expect == "withdraw":
            assert res == {"notify": None, "alive": True}, res
            # The bad UPDATE's prefix is withdrawn, the other stays.
            kldlab.wait_for(lambda: rib(r1) == {"10.51.0.0/24"}, 5,
                            what="treat-as-withdraw result")
            summ = json.loads(r1.vtysh("show bgp summary json"))
            assert summ["ipv4Unicast"]["peers"]["10.0.0.2"]["state"] == "Established"
        else:
            assert res["notify"] == expect, res
            kldlab.wait_for(lambda: not rib(r1), 5, what="routes gone with the session")
    finally:
        p.kill()
        p.wait()
    assert r1.alive("bgpd")
