"""An installed kldnet reads the file it writes (issue 21): `make install
DESTDIR` with the default prefix, and `./configure --prefix=/usr
--sysconfdir=/etc`; the units, the daemons' defaults and vtysh's name one
configuration file; the directory's owner and mode come from sysusers and
tmpfiles; rt_protos.d lands where ip(8) reads it; daemons started from the
installed units' command lines write and read the same file."""
import configparser
import os
import re
import shlex
import shutil
import subprocess

import pytest

import kldlab

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UNITS = ("zebra-lite", "bgpd", "wgd", "vxland", "fwd")


def unit_service(root, prefix, name):
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(os.path.join(root + prefix, "lib/systemd/system", name + ".service"))
    return cp["Service"]


def config_arg(cmdline):
    argv = shlex.split(cmdline)
    return argv[argv.index("--config") + 1]


def default_config(binary):
    out = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, text=True).stdout
    return re.search(r"--config FILE .*\(default (\S+)\)", out).group(1)


def check_paths(root, prefix, confdir, vtysh_bin, daemon_bin=None):
    """Every unit line names confdir/kldnet.conf, as the binaries' defaults."""
    conf = confdir + "/kldnet.conf"
    for u in UNITS:
        svc = unit_service(root, prefix, u)
        for key in ("ExecStartPre", "ExecStart", "ExecReload"):
            assert config_arg(svc[key]) == conf, (u, key, svc[key])
        assert "-C -b" in svc["ExecStartPre"], svc["ExecStartPre"]
        assert int(svc["RestartSec"]) >= 5 and svc["WatchdogSec"], u
    assert default_config(vtysh_bin) == conf
    if daemon_bin:
        assert default_config(daemon_bin) == conf
    tmpfiles = open(os.path.join(root + prefix, "lib/tmpfiles.d/kldnet.conf")).read()
    assert f"d {confdir} 0750 root kldnet -" in tmpfiles
    assert f"d {confdir}/wireguard 0700 kldnet-wgd kldnet -" in tmpfiles
    assert os.path.exists(os.path.join(root, "etc/iproute2/rt_protos.d/kldnet.conf"))
    wgd = unit_service(root, prefix, "wgd")
    assert f"-{confdir}/wireguard" in wgd["ReadWritePaths"].split()
    zl = unit_service(root, prefix, "zebra-lite")
    assert all(p.startswith("-") for p in zl["ReadWritePaths"].split())


@pytest.mark.skipif(not shutil.which("systemd-tmpfiles"), reason="systemd-tmpfiles missing")
def test_tmpfiles_owner_and_mode(tmp_path):
    """sysusers then tmpfiles, as a package's postinst runs them, give the
    configuration directory root:kldnet 0750 and wgd its key directory."""
    root = str(tmp_path / "root")
    kldlab.sh(["make", "-s", "-C", kldlab.BUILDDIR, "install", f"DESTDIR={root}"])
    prefix = "/usr/local"
    (tmp_path / "root/etc").mkdir(exist_ok=True)
    kldlab.sh(["systemd-sysusers", f"--root={root}",
               os.path.join(root + prefix, "lib/sysusers.d/kldnet.conf")])
    kldlab.sh(["systemd-tmpfiles", f"--root={root}", "--create",
               os.path.join(root + prefix, "lib/tmpfiles.d/kldnet.conf")])
    gid = {l.split(":")[0]: int(l.split(":")[2])
           for l in open(os.path.join(root, "etc/group")).read().splitlines()}["kldnet"]
    st = os.stat(os.path.join(root + prefix, "etc/kldnet"))
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (0, gid, 0o750)
    st = os.stat(os.path.join(root + prefix, "etc/kldnet/wireguard"))
    assert st.st_gid == gid and st.st_mode & 0o7777 == 0o700 and st.st_uid != 0
    check_paths(root, prefix, prefix + "/etc/kldnet",
                os.path.join(root + prefix, "bin/vtysh"),
                os.path.join(root + prefix, "sbin/bgpd"))


def test_installed_units_write_and_read_one_file(lab, tmp_path):
    """The default prefix: the daemons run with the installed units'
    ExecStart lines, vtysh with its defaults; `write memory` saves the file
    the restarted daemons read, and ExecStartPre checks it."""
    root = str(tmp_path / "root")
    prefix = "/usr/local"
    kldlab.sh(["make", "-s", "-C", kldlab.BUILDDIR, "install", f"DESTDIR={root}"])
    h = lab.host("r1")
    # The installed tree at its real place, in the host's own mount
    # namespace only; /run/kldnet private to it too.
    h.cmd(f"mount --bind {root + prefix} {prefix} && mkdir -p /run/kldnet && "
          "mount -t tmpfs tmpfs /run/kldnet")

    def start(name):
        argv = shlex.split(unit_service(root, prefix, name)["ExecStart"])
        log = open(os.path.join(h.dir, name + ".log"), "a")
        h.procs[name] = h.popen(argv, stdout=log, stderr=subprocess.STDOUT)
        kldlab.wait_for(lambda: h.cmd(f"test -S /run/kldnet/{name}.vty", check=False) == ""
                        and h.alive(name), 10, what=name)

    def pre(name, verb="ExecStartPre"):
        return h.cmd(unit_service(root, prefix, name)[verb], check=False)

    assert "nothing to check" in pre("zebra-lite")  # a first start
    start("zebra-lite")
    start("bgpd")
    vtysh = prefix + "/bin/vtysh"
    out = h.cmd(f"{vtysh} -c 'configure terminal' -c 'router bgp 65001' "
                "-c 'bgp router-id 10.0.0.1' -c end -c 'write memory'")
    conf = prefix + "/etc/kldnet/kldnet.conf"
    assert f"Configuration saved to {conf}" in out
    assert "router bgp 65001" in open(root + conf).read()
    out = pre("bgpd")
    assert "error" not in out, out
    h.stop("bgpd")
    start("bgpd")
    kldlab.wait_for(lambda: "router bgp 65001" in h.cmd(f"{vtysh} -c 'show running-config'"),
                    10, what="bgpd reading the saved file")
    # systemctl reload: the file applied on top (vtysh -b)
    svc = unit_service(root, prefix, "bgpd")
    h.cmd(svc["ExecReload"])
    # a broken file stops the unit before its daemon starts
    with open(root + conf, "a") as f:
        f.write("router bgp 65001\n neighbor 10.0.0.2 bogus\n")
    assert "error(s), nothing applied" in pre("bgpd")
    h.stop_all()


@pytest.mark.skipif(not os.path.exists(os.path.join(TOP, "configure")),
                    reason="no configure script (run tools/build)")
def test_prefix_usr_sysconfdir_etc(tmp_path):
    """./configure --prefix=/usr --sysconfdir=/etc: units and vtysh name
    /etc/kldnet/kldnet.conf (vtysh and the daemons share lib's default)."""
    build = tmp_path / "build"
    build.mkdir()
    kldlab.sh(f"cd {build} && {TOP}/configure -q --prefix=/usr --sysconfdir=/etc", timeout=300)
    kldlab.sh(["make", "-s", "-C", str(build), f"-j{os.cpu_count()}", "vtysh/vtysh"], timeout=600)
    root = str(tmp_path / "root")
    kldlab.sh(["make", "-s", "-C", str(build), "install-data", f"DESTDIR={root}"])
    check_paths(root, "/usr", "/etc/kldnet", str(build / "vtysh/vtysh"))
    # the daemons' default is lib/daemon.c's, built with the same flags
    daemon_o = next(os.path.join(d, f) for d, _, fs in os.walk(build / "lib")
                    for f in fs if f.endswith("daemon.o") and "run" not in f)
    assert b"/etc/kldnet/kldnet.conf" in open(daemon_o, "rb").read()


def test_watchdog_pings(lab, tmp_path):
    """WatchdogSec= in the units: each daemon sends WATCHDOG=1 from its event
    loop at half the interval (sd_notify, as under systemd)."""
    import socket
    import time
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(5)
    h = lab.host("r1")
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
    log = open(os.path.join(h.dir, "zebra-lite.log"), "a")
    h.procs["zebra-lite"] = h.popen(h.daemon_args("zebra-lite"), env=env, stdout=log,
                                    stderr=subprocess.STDOUT)
    got, end = [], time.monotonic() + 10
    while got.count("WATCHDOG=1") < 3 and time.monotonic() < end:
        got.append(sock.recv(4096).decode())
    assert "READY=1" in "".join(got)
    assert got.count("WATCHDOG=1") >= 3, got
    sock.close()
    h.stop_all()
