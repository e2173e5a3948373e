"""
Topology harness: hosts are network namespaces (plus a private mount
namespace each, so /var/run/wireguard and /run are per host), joined by veth
pairs; kldnet daemons run inside them with a per-host rundir and config, and
are driven through vtysh exactly as a user would.

Everything a Lab creates is torn down by Lab.close(), which the pytest
fixture calls even when a test fails.
"""
import os
import signal
import subprocess
import time

BUILDDIR = os.environ.get("KLD_BUILDDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build")
BIN = {
    "zebra-lite": "zebra-lite/zebra-lite",
    "bgpd": "bgpd/bgpd",
    "wgd": "wgd/wgd",
    "vxland": "vxland/vxland",
    "fwd": "fwd/fwd",
    "vtysh": "vtysh/vtysh",
    "kld-zclient": "tests/tools/kld-zclient",
}
STATE = "/run/kldtest"


def binary(name):
    return os.path.abspath(os.path.join(BUILDDIR, BIN[name]))


def sh(cmd, check=True, **kw):
    """Run a command in the test runner's own namespace (setup only)."""
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kw)


def wait_for(pred, timeout=10.0, interval=0.05, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class Host:
    def __init__(self, lab, name, create=True):
        self.lab = lab
        self.name = name
        self.ns = f"{lab.prefix}-{name}"
        self.mnt = os.path.join(STATE, self.ns + ".mnt")
        self.dir = os.path.join(lab.workdir, name)
        self.rundir = os.path.join(self.dir, "run")
        self.config = os.path.join(self.dir, "kldnet.conf")
        self.procs = {}
        if not create:  # a host an earlier process made (tools/lab's later commands)
            return
        os.makedirs(self.rundir, exist_ok=True)
        sh(["ip", "netns", "add", self.ns])
        open(self.mnt, "w").close()
        # A persistent private mount namespace, entered with nsenter.
        sh(["unshare", f"--mount={self.mnt}", "--propagation", "private",
            "sh", "-c", "mount -t tmpfs tmpfs /var/run/wireguard 2>/dev/null || "
            "(mkdir -p /var/run/wireguard && mount -t tmpfs tmpfs /var/run/wireguard); "
            # A bpffs of the host's own: zebra-lite pins the firewall there.
            "mount -t bpf bpf /sys/fs/bpf"])
        self.cmd("ip link set lo up")

    def wrap(self, argv):
        return ["nsenter", f"--net=/run/netns/{self.ns}", f"--mount={self.mnt}", "--"] + argv

    def cmd(self, command, check=True, timeout=60):
        """Run a shell command inside the host; returns stdout+stderr."""
        r = subprocess.run(self.wrap(["sh", "-c", command]), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{self.name}: `{command}` failed ({r.returncode}):\n{r.stdout}")
        return r.stdout

    def popen(self, argv, **kw):
        return subprocess.Popen(self.wrap(argv), **kw)

    def daemon_args(self, daemon, extra=()):
        return [binary(daemon), "--rundir", self.rundir, "--config", self.config,
                "--log-level", "debug", *extra]

    def start(self, daemon, *extra, wait=True):
        log = open(os.path.join(self.dir, daemon + ".log"), "a")
        p = self.popen(self.daemon_args(daemon, extra), stdout=log, stderr=subprocess.STDOUT)
        self.procs[daemon] = p
        if wait:
            sock = os.path.join(self.rundir, daemon + ".vty")
            wait_for(lambda: os.path.exists(sock) and self.alive(daemon), 10,
                     what=f"{daemon} on {self.name}")
            self.wait_answering(daemon)
        return p

    def wait_answering(self, daemon):
        def ok():
            out = self.vtysh("show daemons", check=False)
            return any(l.split()[:2] == [daemon, "running"] for l in out.splitlines())
        wait_for(ok, 10, what=f"{daemon} answering vtysh on {self.name}")

    def start_all(self, daemons=("zebra-lite", "wgd", "vxland", "fwd", "bgpd")):
        for d in daemons:
            self.start(d)

    def alive(self, daemon):
        p = self.procs.get(daemon)
        return p is not None and p.poll() is None

    def pid(self, daemon):
        return self.procs[daemon].pid

    def stop(self, daemon, sig=signal.SIGTERM, timeout=10):
        p = self.procs.pop(daemon, None)
        if p is None or p.poll() is not None:
            return None
        p.send_signal(sig)
        return p.wait(timeout)

    def stop_all(self, sig=signal.SIGTERM):
        for d in list(self.procs):
            self.stop(d, sig)

    def vtysh(self, *commands, check=True, stdin=None, extra=()):
        argv = [binary("vtysh"), "--rundir", self.rundir, "--config", self.config, *extra]
        for c in commands:
            argv += ["-c", c]
        r = subprocess.run(self.wrap(argv), input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        self.last_rc = r.returncode
        if check and r.returncode != 0:
            raise AssertionError(f"{self.name}: vtysh {commands} failed ({r.returncode}):\n{r.stdout}")
        return r.stdout

    def conf(self, *lines, check=True):
        """configure terminal, then the lines, as one vtysh session."""
        return self.vtysh("configure terminal", *lines, check=check)

    def zclient(self, *args, check=True, timeout=120):
        """Run the stand-in protocol daemon (see tests/tools/kld-zclient.c)."""
        argv = [binary("kld-zclient"), "--rundir", self.rundir, *map(str, args)]
        r = subprocess.run(self.wrap(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{self.name}: kld-zclient {args} failed:\n{r.stdout}")
        return r.stdout

    def zclient_bg(self, *args):
        argv = [binary("kld-zclient"), "--rundir", self.rundir, *map(str, args)]
        return self.popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def routes(self, family="-4", table="main"):
        """The kernel's routes as iproute2 reports them (JSON)."""
        import json
        return json.loads(self.cmd(f"ip -j {family} route show table {table}") or "[]")

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def running_config(self):
        out = self.vtysh("show running-config")
        return out.split("Current configuration:\n", 1)[-1]

    def log(self, daemon):
        """What a daemon (or a third-party peer: frr-bgpd, bird) logged."""
        with open(os.path.join(self.dir, daemon + ".log")) as f:
            return f.read()

    def bgpd_peers(self):
        """bgpd's state file of the sessions up, by address ({} if none)."""
        import json
        try:
            with open(os.path.join(self.rundir, "bgpd.peers")) as f:
                return {p["address"]: p for p in json.load(f)["peers"]}
        except (OSError, ValueError):
            return {}

    # ---- third-party BGP speakers (FRR, BIRD, GoBGP) as peers, inside the host ----

    def start_frr_bgpd(self, config):
        """FRR's bgpd without zebra, with its own config, pid file and vty
        socket under the host's directory."""
        d = os.path.join(self.dir, "frr")
        os.makedirs(d, exist_ok=True)
        sh(f"chmod 777 {d}")
        conf = os.path.join(d, "bgpd.conf")
        with open(conf, "w") as f:
            f.write(config)
        log = open(os.path.join(self.dir, "frr-bgpd.log"), "a")
        argv = ["/usr/lib/frr/bgpd", "-Z", "-S", "-u", "root", "-g", "root", "-f", conf,
                "-i", os.path.join(d, "bgpd.pid"), "--vty_socket", d, "-P", "0",
                "--log", "stdout", "--log-level", "debug"]
        self.procs["frr-bgpd"] = self.popen(argv, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(os.path.join(d, "bgpd.vty")), 10,
                 what=f"FRR bgpd on {self.name}")
        return self.procs["frr-bgpd"]

    def frr_vtysh(self, command):
        d = os.path.join(self.dir, "frr")
        return self.cmd(f"vtysh --vty_socket {d} -d bgpd -c '{command}'", check=False)

    def start_bird(self, config):
        d = os.path.join(self.dir, "bird")
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "bird.conf")
        with open(conf, "w") as f:
            f.write(config)
        log = open(os.path.join(self.dir, "bird.log"), "a")
        argv = ["/usr/sbin/bird", "-f", "-c", conf, "-s", os.path.join(d, "bird.ctl"),
                "-P", os.path.join(d, "bird.pid")]
        self.procs["bird"] = self.popen(argv, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(os.path.join(d, "bird.ctl")), 10,
                 what=f"BIRD on {self.name}")
        return self.procs["bird"]

    def birdc(self, command):
        ctl = os.path.join(self.dir, "bird", "bird.ctl")
        return self.cmd(f"birdc -s {ctl} {command}", check=False)

    def start_gobgpd(self, config):
        """GoBGP's gobgpd with a TOML config; its gRPC API on the host's
        own loopback (a namespace each, so the default port never clashes),
        plain-text log in the host's directory."""
        d = os.path.join(self.dir, "gobgp")
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "gobgpd.toml")
        with open(conf, "w") as f:
            f.write(config)
        log = open(os.path.join(self.dir, "gobgpd.log"), "a")
        argv = ["/usr/bin/gobgpd", "-f", conf, "-t", "toml", "-p", "-l", "info",
                "--api-hosts", "127.0.0.1:50051", "--pprof-disable"]
        self.procs["gobgpd"] = self.popen(argv, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: "Router-ID" in self.gobgp("global"), 10,
                 what=f"gobgpd on {self.name}")
        return self.procs["gobgpd"]

    def gobgp(self, args):
        """The gobgp CLI against the host's gobgpd."""
        return self.cmd(f"gobgp -u 127.0.0.1 -p 50051 {args}", check=False)

    def close(self):
        for d in list(self.procs):
            try:
                self.stop(d, signal.SIGKILL, timeout=5)
            except Exception:
                pass
        pids = sh(["ip", "netns", "pids", self.ns], check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        sh(["ip", "netns", "del", self.ns], check=False)
        sh(["umount", self.mnt], check=False)
        try:
            os.unlink(self.mnt)
        except FileNotFoundError:
            pass


class RouteWatch:
    """`ip monitor route` inside a host, the judge of "no flap": every
    Deleted line of the prefixes watched is one. family: None (both),
    "-4" or "-6"."""

    def __init__(self, h, family=None):
        argv = ["ip"] + ([family] if family else []) + ["monitor", "route"]
        self.p = h.popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(0.3)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        out, _ = self.p.communicate(timeout=5)
        return out

    @staticmethod
    def deleted(out, prefixes):
        return [l for l in out.splitlines()
                if l.startswith("Deleted") and any(p in l for p in prefixes)]


class Lab:
    _count = 0

    def __init__(self, workdir, prefix=None):
        Lab._count += 1
        self.prefix = prefix or f"kt{os.getpid() % 100000}x{Lab._count}"
        self.workdir = str(workdir)
        self.hosts = {}
        self.links = []
        os.makedirs(STATE, exist_ok=True)
        # nsenter --mount=FILE needs FILE on a private mount.
        if sh(f"findmnt -n {STATE}", check=False).returncode != 0:
            sh(f"mount --bind {STATE} {STATE} && mount --make-private {STATE}")

    def host(self, name, create=True):
        h = Host(self, name, create)
        self.hosts[name] = h
        return h

    def link(self, a, a_if, b, b_if):
        """A veth pair between two hosts."""
        tag = f"{os.getpid() % 10000}{Lab._count}{len(self.links)}"
        tmp_a = f"v{tag}a"[:15]
        tmp_b = f"v{tag}b"[:15]
        sh(["ip", "link", "add", tmp_a, "netns", a.ns, "type", "veth", "peer", "name", tmp_b,
            "netns", b.ns])
        a.cmd(f"ip link set {tmp_a} name {a_if} && ip link set {a_if} up")
        b.cmd(f"ip link set {tmp_b} name {b_if} && ip link set {b_if} up")
        self.links.append((a, a_if, b, b_if))

    def close(self):
        for h in self.hosts.values():
            h.close()
        self.hosts.clear()
