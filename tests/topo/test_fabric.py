"""The seed's three-site fabric, end to end, built exactly as `tools/lab up`
builds it: a WireGuard mesh declared once, BGP over it with the seed's SAFE
prefix-list, zebra-lite installing what BGP selects, a ping from a host of
site A to one of site C."""
import importlib.machinery
import importlib.util
import json
import os
import signal

import kldlab

LAB = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "lab")


def load_lab():
    loader = importlib.machinery.SourceFileLoader("kld_tools_lab", LAB)
    spec = importlib.util.spec_from_loader("kld_tools_lab", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def test_three_sites_ping_across_the_fabric(lab):
    fabric = load_lab()
    routers, hosts = fabric.build(lab)
    a = routers["a"]
    assert "10.100.30.0/24 via 10.200.0.3 dev wg0 proto bgp" in a.cmd("ip route")
    assert "B>* 10.100.30.0/24 [20/0] via 10.200.0.3, wg0" in a.vtysh("show ip route")
    summary = a.vtysh("show bgp summary")
    assert "10.200.0.2" in summary and "10.200.0.3" in summary
    hosts["a"].cmd("ping -c 2 -W 2 10.100.30.10")
    # The packets went through the tunnel: the WireGuard peer counters moved.
    wg = a.cmd("wg show wg0 transfer")
    assert all(int(line.split()[1]) > 0 for line in wg.splitlines())
    # ... through physical interfaces in stealth, on every site: only
    # WireGuard is open
    for r in routers.values():
        fw = json.loads(r.vtysh("show firewall json"))["zones"]["public"]
        assert fw["stealth"] and fw["wireguardPorts"] == [51820]
        assert [(i["name"], i["attached"]) for i in fw["interfaces"]] == [("wan0", True)]
    assert "100% packet loss" in routers["b"].cmd("ping -c 2 -i 0.2 -W 1 192.0.2.1", check=False)


def test_vxlan_100_over_the_mesh_joins_the_three_sites(lab):
    """`tools/lab up`'s overlay: a VM behind site A's br-overlay pings one
    behind site C's, VXLAN 100 over the WireGuard mesh, flooding to the
    mesh's members."""
    fabric = load_lab()
    routers, hosts = fabric.build(lab)
    kldlab.wait_for(lambda: " 0% packet loss" in
                    hosts["vm-a"].cmd("ping -c1 -W1 172.16.0.103", check=False), 30,
                    what="vm-a reaching vm-c over VXLAN")
    text = routers["a"].vtysh("show vxlan 100")
    assert " State: up\n" in text and " MTU: 1370 (wg0 1420 - 50)\n" in text
    assert "  10.200.0.3 flood: HER mesh fabric\n" in text


def test_safe_prefix_list_keeps_out_what_the_seed_says(lab):
    fabric = load_lab()
    routers, hosts = fabric.build(lab)
    c = routers["c"]
    # Site C announces a /25 (too long for SAFE's le 24), a public prefix,
    # and, as the control, a /24 that SAFE lets through, all the same way.
    c.conf("ip route 10.100.30.0/25 blackhole", "ip route 198.51.100.0/24 blackhole",
           "ip route 10.100.31.0/24 blackhole")
    c.conf("router bgp 65003", "address-family ipv4 unicast", "network 10.100.30.0/25",
           "network 198.51.100.0/24", "network 10.100.31.0/24")
    b_routes = lambda: routers["b"].cmd("ip route")  # noqa: E731
    kldlab.wait_for(lambda: "10.100.31.0/24 via 10.200.0.3 dev wg0 proto bgp" in b_routes(), 30,
                    what="the allowed /24 on site B")
    routes = b_routes()
    assert "10.100.30.0/25" not in routes
    assert "198.51.100.0/24" not in routes


def test_fabric_comes_back_after_restarting_everything(lab):
    fabric = load_lab()
    routers, hosts = fabric.build(lab)
    a = routers["a"]
    before = a.running_config()
    a.stop_all(signal.SIGKILL)
    for d in fabric.DAEMONS:
        a.start(d)
    assert a.running_config() == before
    kldlab.wait_for(lambda: "10.100.30.0/24 via 10.200.0.3 dev wg0 proto bgp" in a.cmd("ip route"),
                    60, what="site C's LAN back on site-a")
    hosts["a"].cmd("ping -c 2 -W 2 10.100.30.10")


def test_wireguard_routes_redistributed_into_bgp(lab):
    """A WireGuard peer's allowed-ips become a route (W) that BGP announces
    with `redistribute wireguard`."""
    r1, r2 = lab.host("r1"), lab.host("r2")
    lab.link(r1, "eth0", r2, "eth0")
    peer_key = r1.cmd("wg genkey | wg pubkey").strip()
    for h in (r1, r2):
        for d in ("zebra-lite", "wgd", "bgpd"):
            h.start(d)
    r1.conf("interface eth0", "ip address 10.0.0.1/24", "exit",
            "wireguard wg1", f"private-key file {r1.dir}/wg1.key", "listen-port 51999",
            "address 10.149.0.1/24", f"peer {peer_key}", "allowed-ips 10.150.0.0/24", "exit",
            "exit",
            "router bgp 65001", "neighbor 10.0.0.2 remote-as 65002",
            "address-family ipv4 unicast", "redistribute wireguard",
            "neighbor 10.0.0.2 activate", "exit-address-family")
    r2.conf("interface eth0", "ip address 10.0.0.2/24", "exit",
            "router bgp 65002", "neighbor 10.0.0.1 remote-as 65001",
            "address-family ipv4 unicast", "neighbor 10.0.0.1 activate", "exit-address-family")
    kldlab.wait_for(lambda: "W>* 10.150.0.0/24" in r1.vtysh("show ip route"), 20,
                    what="the WireGuard route on r1")
    kldlab.wait_for(lambda: "10.150.0.0/24 via 10.0.0.1 dev eth0 proto bgp" in r2.cmd("ip route"),
                    30, what="the WireGuard route learned by BGP on r2")
    assert "redistribute wireguard" in r1.running_config()
