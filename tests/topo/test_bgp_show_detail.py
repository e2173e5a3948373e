"""What `show bgp ... PREFIX` and `show bgp neighbors` say of what a peer
sent, against FRR 8.4: communities and large communities (text and FRR's
json {string, list}), and the text of a shutdown communication (RFC 8203)
in `show bgp neighbors` and in the log.
"""
import json
import os
import time

import pytest

import kldlab

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/lib/frr/bgpd"),
                                reason="FRR (Debian package frr) is the peer")

FRR_CONF = """frr defaults traditional
hostname r2
log stdout debugging
route-map TAG permit 10
 set community 65002:7 no-export
 set large-community 65002:1:1 65002:2:2
router bgp 65002
 bgp router-id 10.0.12.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.12.1 remote-as 65001
 neighbor 10.0.12.1 timers connect 1
 address-family ipv4 unicast
  network 10.100.20.0/24
  neighbor 10.0.12.1 route-map TAG out
 exit-address-family
"""


def test_communities_and_shutdown_message(lab):
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    r1.cmd("ip addr add 10.0.12.1/24 dev eth0")
    r2.cmd("ip addr add 10.0.12.2/24 dev eth0")
    r1.start("zebra-lite")
    r1.start("bgpd")
    r1.conf("router bgp 65001", "bgp router-id 10.0.12.1", "neighbor 10.0.12.2 remote-as 65002")
    r2.start_frr_bgpd(FRR_CONF)
    kldlab.wait_for(lambda: "10.100.20.0/24" in r1.vtysh("show bgp ipv4 unicast"), 30,
                    what="FRR's route")

    text = r1.vtysh("show ip bgp 10.100.20.0/24")
    assert "      Community: 65002:7 no-export\n" in text, text
    assert "      Large Community: 65002:1:1 65002:2:2\n" in text, text
    path = json.loads(r1.vtysh("show bgp ipv4 unicast 10.100.20.0/24 json"))["paths"][0]
    assert path["community"] == {"string": "65002:7 no-export",
                                 "list": ["65002:7", "noExport"]}, path
    assert path["largeCommunity"] == {"string": "65002:1:1 65002:2:2",
                                      "list": ["65002:1:1", "65002:2:2"]}, path
    # The table's json stays FRR's brief one.
    table = json.loads(r1.vtysh("show bgp ipv4 unicast json"))["routes"]["10.100.20.0/24"]
    assert "largeCommunity" not in table[0]

    frr = os.path.join(r2.dir, "frr")
    r2.cmd(f"vtysh --vty_socket {frr} -d bgpd -c 'configure terminal' -c 'router bgp 65002' "
           "-c 'neighbor 10.0.12.1 shutdown message maintenance: back at 10:00'")
    kldlab.wait_for(lambda: 'Message: "maintenance: back at 10:00"'
                    in r1.vtysh("show bgp neighbors 10.0.12.2"), 20, what="the shutdown text")
    nb = json.loads(r1.vtysh("show bgp neighbors 10.0.12.2 json"))["10.0.12.2"]
    assert nb["lastShutdownDescription"] == "maintenance: back at 10:00", nb
    with open(os.path.join(r1.dir, "bgpd.log")) as f:
        assert ('received from neighbor 10.0.12.2 6/2 (Cease/Administrative Shutdown) '
                '"maintenance: back at 10:00"') in f.read()

    # While the peer refuses the reconnects, and once it is back, the
    # last reset is still the NOTIFICATION that ended the session, as in
    # FRR (a refused reconnect is not a session's end).
    time.sleep(3)
    want = "NOTIFICATION received (Cease/Administrative Shutdown)"
    nb = json.loads(r1.vtysh("show bgp neighbors 10.0.12.2 json"))["10.0.12.2"]
    assert nb["lastResetDueTo"] == want, nb["lastResetDueTo"]
    r2.cmd(f"vtysh --vty_socket {frr} -d bgpd -c 'configure terminal' -c 'router bgp 65002' "
           "-c 'no neighbor 10.0.12.1 shutdown'")
    kldlab.wait_for(lambda: json.loads(r1.vtysh("show bgp neighbors 10.0.12.2 json"))
                    ["10.0.12.2"]["bgpState"] == "Established", 60, what="the session back")
    assert f"Last reset {want}" in r1.vtysh("show bgp neighbors 10.0.12.2")
