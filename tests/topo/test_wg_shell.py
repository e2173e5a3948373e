"""wgd: what the shell accepts is what the device runs.

Errors come back at the prompt with a non-zero exit from `vtysh -c` and
change nothing; `no` undoes on the device; the metrics parse; a prefix
cannot route a peer's own endpoint into its tunnel. `wg show` and `ip` are
the judges. Scenarios from the WireGuard masterclass seed: the four planes
(wg-mgmt 51820, wg-data 51821, ...), the backplane, split tunnels.
"""
import json
import os
import re
import subprocess
import time

import kldlab
from test_wg import backplane, genkey, peer, ping, plane, start, wg_dump


def refused(h, lines, msg):
    """The lines end in an error that says msg; returns the output."""
    out = h.conf(*lines, check=False)
    assert h.last_rc != 0, (lines, out)
    assert msg in out, (lines, out)
    assert "Not running" not in out, out
    return out


def wg_port(h, ifname):
    return int(h.cmd(f"wg show {ifname} listen-port").strip())


def squat_udp(h, port):
    """Something else on the host holds UDP port (both families)."""
    p = h.popen(["python3", "-c",
                 "import socket,time\n"
                 f"s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM);s.bind(('::',{port}))\n"
                 "print('bound',flush=True);time.sleep(600)"],
                stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "bound"
    return p


# ---- errors at the prompt ----

def test_port_taken_by_another_plane_or_the_host_is_refused(lab):
    a = lab.host("a")
    start(a)
    km, _ = genkey(a, "wg-mgmt")
    kd, _ = genkey(a, "wg-data")
    a.conf(*plane(a, km, 51820, "10.200.0.1/24", "wg-mgmt"))
    a.conf("wireguard wg-data", f"private-key file {kd}", "address 10.201.0.1/24")
    kldlab.wait_for(lambda: "wg-data" in a.cmd("wg show interfaces"), 15, what="wg-data")
    port = wg_port(a, "wg-data")
    before = a.running_config()
    refused(a, ["wireguard wg-data", "listen-port 51820"], "listen-port 51820 is already used by wg-mgmt")
    squatter = squat_udp(a, 40000)
    try:
        refused(a, ["wireguard wg-data", "listen-port 40000"], "listen-port 40000 is in use on this host")
        # A mesh's self endpoint is the listen port too; wgd does not probe
        # it, so this refusal is the device's, carried back by zebra-lite.
        kd_pub = a.cmd(f"wg pubkey < {kd}").strip()
        refused(a, ["wireguard mesh m", "interface wg-data", "self me",
                    f"member me public-key {kd_pub} endpoint 192.0.2.1:40000 address 10.201.0.1/24"],
                "wg-data: listen-port 40000: Address already in use")
    finally:
        squatter.kill()
    a.conf("no wireguard mesh m")
    assert a.running_config() == before
    # The device is as it was: up, on its port, with its address.
    assert wg_port(a, "wg-data") == port
    assert wg_port(a, "wg-mgmt") == 51820
    assert "10.201.0.1/24" in a.cmd("ip -o addr show dev wg-data")
    assert "state UP" in a.cmd("ip link show dev wg-data") or "UNKNOWN" in a.cmd("ip link show dev wg-data")
    kldlab.wait_for(lambda: "differs" not in a.vtysh("show wireguard wg-data"), 10, what="no mark")


def test_a_name_that_is_not_wireguard_is_refused(lab):
    a = lab.host("a")
    a.cmd("ip link add eth0 type bridge && ip link set eth0 up && ip addr add 192.0.2.1/24 dev eth0")
    start(a)
    before = a.running_config()
    refused(a, ["wireguard eth0"], "eth0 exists and is not a WireGuard interface")
    assert a.running_config() == before
    # A plane the file named before the interface appeared: the device's
    # refusal reaches the prompt when the key would make it real, and
    # eth0 is left alone.
    a.stop("wgd")
    a.write_config("wireguard dummy1\nexit\n")
    a.cmd("ip link add dummy1 type bridge")
    start_wgd = a.start("wgd")
    assert start_wgd
    k, _ = genkey(a, "d1")
    refused(a, ["wireguard dummy1", f"private-key file {k}"],
            "dummy1 exists and is not a WireGuard interface")
    assert "private-key" not in a.running_config()
    assert "bridge" in a.cmd("ip -d link show dev dummy1")
    assert "192.0.2.1/24" in a.cmd("ip -o addr show dev eth0")
    assert "not created" in a.vtysh("show wireguard dummy1")


def test_show_marks_a_device_that_differs(lab):
    a, b, (pa, pb) = backplane(lab)
    ping(a, "10.200.0.2")
    assert "differs" not in a.vtysh("show wireguard wg0")
    # Changed behind wgd's back: show says so, and how.
    a.cmd("wg set wg0 listen-port 45000")
    out = a.vtysh("show wireguard wg0")
    assert "state: differs from the configuration: listen-port 51820 configured, " \
           "the device listens on 45000" in out, out
    js = json.loads(a.vtysh("show wireguard wg0 json"))
    assert js["wg0"]["stateDiffers"] == ["listen-port 51820 configured, the device listens on 45000"]
    # The link too, from zebra-lite's interface table.
    a.cmd("ip addr del 10.200.0.1/24 dev wg0 && ip addr add 10.200.0.9/24 dev wg0")
    a.cmd("ip link set wg0 mtu 1300 && ip link set wg0 down")
    want = ["the interface is down", "address 10.200.0.1/24 configured, not on the interface",
            "address 10.200.0.9/24 on the interface, not configured",
            "no mtu configured (1420), the interface has 1300"]
    kldlab.wait_for(lambda: all(f"state: differs from the configuration: {w}" in
                                a.vtysh("show wireguard wg0") for w in want), 10, what="link marks")
    a.conf("wireguard wg0", "mtu 1400")
    kldlab.wait_for(lambda: "mtu 1400 configured, the interface has 1300" in
                    a.vtysh("show wireguard wg0") or "1400" in a.cmd("ip link show dev wg0"),
                    10, what="mtu mark or mtu fixed")
    # What wgd did not put there is the operator's to remove; wgd's next
    # push (any line) puts back what is configured.
    a.cmd("ip addr del 10.200.0.9/24 dev wg0")
    a.conf("wireguard wg0", "address 10.200.0.1/24")
    kldlab.wait_for(lambda: wg_port(a, "wg0") == 51820, 10, what="port restored")
    try:
        kldlab.wait_for(lambda: "differs" not in a.vtysh("show wireguard wg0"), 10, what="no mark")
    except TimeoutError:
        raise AssertionError(a.vtysh("show wireguard wg0"))
    # Without `mtu` the MTU is 1420: a drift is marked, the next push
    # puts 1420 back.
    a.conf("wireguard wg0", "no mtu")
    kldlab.wait_for(lambda: "mtu 1420" in a.cmd("ip link show dev wg0"), 10, what="default mtu")
    a.cmd("ip link set wg0 mtu 1300")
    kldlab.wait_for(lambda: "state: differs from the configuration: no mtu configured (1420), "
                    "the interface has 1300" in a.vtysh("show wireguard wg0"), 10,
                    what="the mark of an MTU drift without mtu configured")
    a.conf("wireguard wg0", "listen-port 51821")
    kldlab.wait_for(lambda: "mtu 1420" in a.cmd("ip link show dev wg0"), 10,
                    what="1420 put back by the next push")
    kldlab.wait_for(lambda: "differs" not in a.vtysh("show wireguard wg0"), 10, what="no mark")


def test_a_refusal_at_start_up_is_shown_and_leaves_no_half_device(lab):
    # The file names a port something else holds: applied as written at
    # start-up (no prompt to answer), refused by the device, and shown.
    a = lab.host("a")
    kd, _ = genkey(a, "wg-data")
    a.write_config(f"wireguard wg-data\n private-key file {kd}\n listen-port 40000\n"
                   " address 10.201.0.1/24\nexit\n")
    squatter = squat_udp(a, 40000)
    try:
        start(a)
        kldlab.wait_for(lambda: "listen-port 40000: Address already in use" in
                        a.vtysh("show wireguard wg-data"), 15, what="the refusal in show")
        out = a.vtysh("show wireguard wg-data")
        assert "state: not created (wg-data: listen-port 40000: Address already in use)" in out \
            or "state: not created (listen-port 40000: Address already in use)" in out, out
        # No device down without an address, none on a random port.
        assert "wg-data" not in a.cmd("ip -o link show")
    finally:
        squatter.kill()
    # The port is free now: the operator asks again, the device comes up.
    a.conf("wireguard wg-data", "no listen-port", "listen-port 40000")
    kldlab.wait_for(lambda: "wg-data" in a.cmd("wg show interfaces"), 15, what="wg-data")
    assert wg_port(a, "wg-data") == 40000
    kldlab.wait_for(lambda: "differs" not in a.vtysh("show wireguard wg-data"), 10, what="no mark")


# ---- `no` undoes on the device ----

def test_every_no_form_undoes_on_the_device(lab):
    a, b, (pa, pb) = backplane(lab)
    ping(a, "10.200.0.2")
    psk = os.path.join(a.dir, "p.psk")
    a.conf("wireguard wg0", "listen-port 40000", "fwmark 77", "mtu 1380", "address 10.210.0.1/24",
           "full-tunnel table 200", f"peer {pb}", "persistent-keepalive 7", f"preshared-key file {psk}",
           "allowed-ips 10.150.0.0/24")
    kldlab.wait_for(lambda: wg_port(a, "wg0") == 40000, 10, what="port 40000")
    kldlab.wait_for(lambda: "mtu 1380" in a.cmd("ip link show dev wg0"), 10, what="mtu")
    dev, peers = wg_dump(a)
    assert dev["fwmark"] == "0x4d"
    assert peers[pb]["keepalive"] == "7" and peers[pb]["psk"] != "(none)"
    assert "10.150.0.0/24" in peers[pb]["aips"]
    assert "lookup 200" in a.cmd("ip rule")
    a.conf("wireguard wg0", "no listen-port", "no fwmark", "no mtu", "no address 10.210.0.1/24",
           "no full-tunnel", f"peer {pb}", "no persistent-keepalive", "no preshared-key",
           "no allowed-ips 10.150.0.0/24")
    # The stealth initiator the operator asked for: the old port is closed.
    kldlab.wait_for(lambda: wg_port(a, "wg0") != 40000, 10, what="port 40000 closed")
    assert "listen-port" not in a.running_config()
    kldlab.wait_for(lambda: "mtu 1420" in a.cmd("ip link show dev wg0"), 10, what="default mtu")
    assert "10.210.0.1" not in a.cmd("ip -o addr show dev wg0")
    assert "lookup 200" not in a.cmd("ip rule")
    dev, peers = wg_dump(a)
    assert dev["fwmark"] == "off"
    assert peers[pb]["keepalive"] == "off" and peers[pb]["psk"] == "(none)"
    assert "10.150.0.0/24" not in peers[pb]["aips"]
    a.conf("wireguard wg0", f"peer {pb}", "no endpoint")
    kldlab.wait_for(lambda: wg_dump(a)[1][pb]["endpoint"] == "(none)", 10, what="endpoint gone")
    a.conf("wireguard wg0", f"no peer {pb}")
    kldlab.wait_for(lambda: pb not in wg_dump(a)[1], 10, what="peer gone")
    a.conf("no wireguard wg0")
    kldlab.wait_for(lambda: "wg0" not in a.cmd("wg show interfaces"), 10, what="wg0 gone")


# ---- a tunnel that would cut itself off ----

def test_a_prefix_over_the_peers_own_endpoint_is_refused(lab):
    a, b, (pa, pb) = backplane(lab)
    ping(a, "10.200.0.2")
    before = a.running_config()
    msg = "allowed-ips 192.0.2.0/25 contains the peer's own endpoint 192.0.2.2"
    refused(a, ["wireguard wg0", f"peer {pb}", "allowed-ips 192.0.2.0/25"], msg)
    refused(a, ["wireguard wg0", f"peer {pb}", "allowed-ips 192.0.2.2/32"], "own endpoint 192.0.2.2")
    # The same from the other side: an endpoint moved into a prefix.
    a.conf("wireguard wg0", f"peer {pb}", "allowed-ips 198.51.100.0/24")
    refused(a, ["wireguard wg0", f"peer {pb}", "endpoint 198.51.100.7:51820"],
            "allowed-ips 198.51.100.0/24 contains the peer's own endpoint 198.51.100.7")
    a.conf("wireguard wg0", f"peer {pb}", "no allowed-ips 198.51.100.0/24")
    assert a.running_config() == before
    assert all(r["dst"] != "192.0.2.0/25" for r in a.routes())
    ping(a, "10.200.0.2")
    # Without routes nothing is captured: accepted.
    a.conf("wireguard wg0", "no install-routes", f"peer {pb}", "allowed-ips 192.0.2.0/25")
    refused(a, ["wireguard wg0", "install-routes"], "contains the peer's own endpoint")
    # A mesh member whose LAN holds its own endpoint, likewise.
    a.conf("wireguard wg0", f"peer {pb}", "no allowed-ips 192.0.2.0/25", "exit", "install-routes")
    _, pc = genkey(a, "c")
    refused(a, ["wireguard mesh m", "interface wg0", "self a",
                f"member a public-key {pa} address 10.200.0.1/24",
                f"member c public-key {pc} endpoint 203.0.113.9:51820 address 10.200.0.9/24 "
                "lan 203.0.113.0/24"], "own endpoint 203.0.113.9")
    a.conf("no wireguard mesh m")


def test_an_endpoint_roamed_into_the_tunnel_is_reported(lab):
    # The seed's relay: b has no endpoint for a, a dials b and keeps the
    # path open. b's peer a may then be given a prefix over where a is:
    # no command to refuse, so show and the log say it.
    a, b = lab.host("a"), lab.host("b")
    lab.link(a, "eth0", b, "eth0")
    a.cmd("ip addr add 192.0.2.1/24 dev eth0")
    b.cmd("ip addr add 192.0.2.2/24 dev eth0")
    start(a, b)
    ka, pa = genkey(a)
    kb, pb = genkey(b)
    a.conf(*plane(a, ka, 51820, "10.200.0.1/24")[:-1],
           *peer(pb, "192.0.2.2:51820", ["10.200.0.2/32"], ["persistent-keepalive 1"]))
    b.conf(*plane(b, kb, 51820, "10.200.0.2/24")[:-1], *peer(pa, None, ["10.200.0.1/32"]))
    ping(b, "10.200.0.1")
    b.conf("wireguard wg0", f"peer {pa}", "allowed-ips 192.0.2.0/30")
    msg = "allowed-ips 192.0.2.0/30 contains the peer's own endpoint 192.0.2.1"
    kldlab.wait_for(lambda: f"warning: {msg}" in b.vtysh("show wireguard wg0"), 15,
                    what="warning in show")
    kldlab.wait_for(lambda: msg in open(os.path.join(b.dir, "wgd.log")).read(), 15,
                    what="warning in the log")
    js = json.loads(b.vtysh("show wireguard wg0 json"))
    assert msg in js["wg0"]["peers"][pa]["warning"]


# ---- what the shell says ----

def test_range_and_format_errors_say_what_is_allowed(lab):
    a = lab.host("a")
    start(a)
    k, _ = genkey(a)
    a.conf(*plane(a, k, 51820, "10.200.0.1/24"))
    before = a.running_config()
    cases = [
        (["wireguard wg0", "listen-port 70000"], "% listen-port: 70000 is out of range 1-65535"),
        (["wireguard wg0", "listen-port 0"], "% listen-port: 0 is out of range 1-65535"),
        (["wireguard wg0", "address 10.200.0.7"], "% address: a prefix length is needed, as in 10.200.0.7/24"),
        (["wireguard wg0", "address 2001:db8::7"], "% address: a prefix length is needed, as in 2001:db8::7/64"),
        (["wireguard wg0", "address 10.200.0.300/24"], "% address: 10.200.0.300/24 is not an IPv4 prefix (A.B.C.D/M)"),
        (["wireguard wg0", "mtu 9"], "% mtu: 9 is out of range 1280-65535"),
        (["wireguard wg0", "listen-port many"], "% listen-port: many is not a number (1-65535)"),
    ]
    for lines, msg in cases:
        out = refused(a, lines, msg)
        assert "Unknown command" not in out, out
    assert a.running_config() == before
    # An unknown word still gets the caret. Down daemons are named only
    # when the line is theirs: bgpd ran here once (its tree is saved
    # beside its socket), vxland and fwd never did.
    a.start("bgpd")
    a.stop("bgpd")
    out = a.conf("wireguard wg0", "listen-prot 5", check=False)
    assert a.last_rc != 0 and "% Unknown command: listen-prot 5" in out
    assert "Not running" not in out, out
    out = a.conf("router bgp 65001", check=False)
    assert a.last_rc != 0
    assert "% Not running: bgpd (their commands are unavailable)" in out, out


def test_shared_key_and_address_across_planes_and_short_stale_threshold(lab):
    a = lab.host("a")
    start(a)
    km, _ = genkey(a, "wg-mgmt")
    kd, _ = genkey(a, "wg-data")
    a.conf(*plane(a, km, 51820, "10.200.0.1/24", "wg-mgmt"))
    a.conf(*plane(a, kd, 51821, "10.201.0.1/24", "wg-data"))
    kldlab.wait_for(lambda: "wg-data" in a.cmd("wg show interfaces"), 15, what="wg-data")
    before = a.running_config()
    refused(a, ["wireguard wg-data", f"private-key file {km}"],
            "This private key is already wg-mgmt's: planes must not share a key")
    cp = os.path.join(a.dir, "copy.key")
    a.cmd(f"cp {km} {cp}")
    refused(a, ["wireguard wg-data", f"private-key file {cp}"], "already wg-mgmt's")
    refused(a, ["wireguard wg-data", "address 10.200.0.1/24"], "address 10.200.0.1/24 is already wg-mgmt's")
    refused(a, ["wireguard wg-data", "address 10.200.0.1/16"], "already wg-mgmt's")
    assert a.running_config() == before
    assert "10.200.0.1" not in a.cmd("ip -o addr show dev wg-data")
    # Overlapping networks: warned, accepted.
    out = a.conf("wireguard wg-data", "address 10.200.0.2/24")
    assert "% Warning: address 10.200.0.2/24 overlaps 10.200.0.1/24 on wg-mgmt" in out
    out = a.conf("wireguard stale-threshold 60")
    assert a.last_rc == 0
    assert "% Warning: stale-threshold 60 is under WireGuard's 120 s re-handshake interval" in out
    assert "wireguard stale-threshold 60" in a.running_config()
    assert "Warning" not in a.conf("wireguard stale-threshold 300")


# ---- metrics: a format Prometheus accepts, an endpoint that cannot be exhausted ----

def metrics_host(lab):
    a, b, (pa, pb) = backplane(lab)
    a.conf("wireguard metrics listen 127.0.0.1 port 9586")
    ping(a, "10.200.0.2")
    return a, pb


def http_code(h, args):
    return h.cmd(f"curl -s -o /dev/null -w '%{{http_code}}' {args} http://127.0.0.1:9586/metrics",
                 check=False).strip()


def proc_status(h, daemon, field):
    for l in open(f"/proc/{h.pid(daemon)}/status"):
        if l.startswith(field + ":"):
            return int(l.split()[1])
    raise KeyError(field)


def cpu_secs(h, daemon):
    f = open(f"/proc/{h.pid(daemon)}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def test_metrics_pass_promtool_and_only_get_is_served(lab):
    a, pb = metrics_host(lab)
    m = a.cmd("curl -sf http://127.0.0.1:9586/metrics")
    # promtool is the judge of the format and of the naming conventions.
    r = subprocess.run(["promtool", "check", "metrics"], input=m, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout
    # Every family: HELP, TYPE, then all its samples together.
    families, seen = [], set()
    for line in m.splitlines():
        name = line.split()[2] if line.startswith("#") else re.split(r"[{ ]", line)[0]
        if not families or families[-1] != name:
            assert name not in seen, f"{name} is split:\n{m}"
            families.append(name)
            seen.add(name)
    for f in families:
        assert f"# HELP {f} " in m and f"# TYPE {f} " in m
    assert f'wireguard_peer_last_handshake_timestamp_seconds{{interface="wg0",public_key="{pb}"}}' in m
    assert "wireguard_peer_receive_bytes_total{" in m
    # GET and HEAD only; HEAD has no body.
    head = a.cmd("curl -s -I http://127.0.0.1:9586/metrics")
    assert head.startswith("HTTP/1.1 200") and "Content-Length: " in head
    raw = a.cmd("python3 -c \"import socket;s=socket.create_connection(('127.0.0.1',9586));"
                "s.sendall(b'HEAD /metrics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');"
                "import sys;b=b''\nwhile True:\n d=s.recv(65536)\n if not d: break\n b+=d\n"
                "sys.stdout.write(b.decode())\"")
    assert raw.startswith("HTTP/1.1 200") and raw.endswith("\n\n"), raw  # no body
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        assert http_code(a, f"-X {method}") == "405", method
    assert http_code(a, "") == "200"
    assert a.cmd("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9586/").strip() == "404"
    # Headers and bodies are bounded; big bodies cost no memory.
    assert http_code(a, "-H 'X-Big: " + "a" * 9000 + "'") == "431"
    blob = os.path.join(a.dir, "10M")
    a.cmd(f"head -c 10485760 /dev/zero > {blob}")
    rss = proc_status(a, "wgd", "VmRSS")
    for _ in range(10):
        assert http_code(a, f"-X POST --data-binary @{blob}") == "405"
        assert http_code(a, f"-X GET --data-binary @{blob}") == "413"
    assert proc_status(a, "wgd", "VmRSS") - rss < 4096, "wgd grew by more than 4 MB"
    assert http_code(a, "") == "200"


def flood(h, n, hold):
    """n idle TCP connections to the endpoint, held for hold seconds."""
    script = ("import resource,socket,time\n"
              "resource.setrlimit(resource.RLIMIT_NOFILE,(8192,8192))\n"
              "ss=[]\n"
              f"for i in range({n}):\n"
              " s=socket.socket();s.setblocking(False)\n"
              " try: s.connect(('127.0.0.1',9586))\n"
              " except BlockingIOError: pass\n"
              " ss.append(s)\n"
              "print('open',flush=True)\n"
              f"time.sleep({hold})\n")
    p = h.popen(["python3", "-c", script], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "open"
    return p


def restart_wgd_with_nofile(h, nofile):
    """wgd again, from the saved configuration, under an open-files limit
    (set at exec: this machine lets no one lower another process's)."""
    h.stop("wgd")
    log = open(os.path.join(h.dir, "wgd.log"), "a")
    h.procs["wgd"] = h.popen(["prlimit", f"--nofile={nofile}:{nofile}", "--",
                              *h.daemon_args("wgd")], stdout=log, stderr=subprocess.STDOUT)
    h.wait_answering("wgd")
    kldlab.wait_for(lambda: http_code(h, "--max-time 3") == "200", 15, what="metrics up")


def test_metrics_endpoint_survives_2000_idle_connections(lab):
    a, pb = metrics_host(lab)
    a.vtysh("write memory")
    log = os.path.join(a.dir, "wgd.log")
    # The usual systemd default; no unit of this test sets LimitNOFILE.
    restart_wgd_with_nofile(a, 1024)
    base_fds = len(os.listdir(f"/proc/{a.pid('wgd')}/fd"))
    size, cpu = os.path.getsize(log), cpu_secs(a, "wgd")
    p = flood(a, 2000, 20)
    try:
        for _ in range(5):
            out = a.vtysh("show wireguard wg0")
            assert f"peer: {pb}" in out
        # The cap frees as idle connections reach their deadline.
        kldlab.wait_for(lambda: http_code(a, "--max-time 3") == "200", 30, interval=1,
                        what="a scrape while 2000 connections are held")
    finally:
        p.kill()
        p.wait()
    assert cpu_secs(a, "wgd") - cpu < 3.0
    # Fewer fds than the cap: accept() runs out, pauses, logs a little.
    restart_wgd_with_nofile(a, base_fds + 8)
    size, cpu = os.path.getsize(log), cpu_secs(a, "wgd")
    p = flood(a, 2000, 8)
    time.sleep(6)
    p.kill()
    p.wait()
    kldlab.wait_for(lambda: http_code(a, "--max-time 3") == "200", 30, interval=1, what="scrape after")
    assert f"peer: {pb}" in a.vtysh("show wireguard wg0")
    grown = os.path.getsize(log) - size
    lines = [l for l in open(log).read()[size:].splitlines() if "metrics:" in l]
    assert grown < 16384, f"the log grew by {grown} bytes"
    assert 1 <= len(lines) <= 24, lines
    assert any("accepting paused" in l for l in lines), lines
    # No busy loop on EMFILE: seconds of wall time, well under one of CPU.
    assert cpu_secs(a, "wgd") - cpu < 3.0
