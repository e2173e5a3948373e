"""The systemd units are valid and keep the privilege split the design asks
for: zebra-lite alone has network-admin capabilities, each protocol daemon
runs as its own unprivileged user (which zebra-lite checks on zserv), and
every unit raises the open-files limit."""
import configparser
import os
import shutil
import subprocess

import pytest

import kldlab

UNITS = ("zebra-lite", "bgpd", "wgd", "vxland", "fwd")
SRC = os.path.join(os.path.dirname(__file__), "..", "..", "systemd")


def render(tmp_path):
    """The units as `make` generates them, pointing at the build tree."""
    out = tmp_path / "units"
    out.mkdir()
    for name in UNITS + ("kldnet",):
        fname = name + (".target" if name == "kldnet" else ".service")
        text = open(os.path.join(SRC, fname + ".in")).read()
        if name != "kldnet":
            text = text.replace("@sbindir@/" + name, kldlab.binary(name))
        text = text.replace("@bindir@/vtysh", kldlab.binary("vtysh"))
        text = text.replace("@sbindir@", "/usr/sbin").replace("@kldconfdir@", "/etc/kldnet")
        text = text.replace("@sysconfdir@", "/etc").replace("@docdir@", "/usr/share/doc/kldnet")
        (out / fname).write_text(text)
    return out


def unit(path):
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(path)
    return cp


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze missing")
def test_systemd_analyze_verify(tmp_path):
    out = render(tmp_path)
    files = [str(out / (u + ".service")) for u in UNITS] + [str(out / "kldnet.target")]
    r = subprocess.run(["systemd-analyze", "verify", *files], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True,
                       env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"})
    # Lines about units outside kldnet (the host's own) are not ours to judge.
    ours = [l for l in r.stdout.splitlines()
            if any(u in l for u in UNITS + ("kldnet",))]
    assert ours == [], r.stdout
    assert r.returncode == 0, r.stdout


def test_privilege_split(tmp_path):
    out = render(tmp_path)
    zl = unit(out / "zebra-lite.service")["Service"]
    assert zl["Type"] == "notify" and zl["Restart"] == "on-failure"
    assert "CAP_NET_ADMIN" in zl["CapabilityBoundingSet"]
    for u in ("bgpd", "wgd", "vxland", "fwd"):
        cp = unit(out / (u + ".service"))
        s = cp["Service"]
        assert s["User"] == "kldnet-" + u and s["Group"] == "kldnet" and s["Type"] == "notify"
        assert "zebra-lite.service" in cp["Unit"]["After"]
        assert "CAP_NET_ADMIN" not in s["CapabilityBoundingSet"]
        assert s["ProtectSystem"] == "strict"
    assert unit(out / "bgpd.service")["Service"]["CapabilityBoundingSet"] == "CAP_NET_BIND_SERVICE"
    for u in UNITS:
        assert int(unit(out / (u + ".service"))["Service"]["LimitNOFILE"]) >= 65536, u


@pytest.mark.skipif(not shutil.which("systemd-sysusers"), reason="systemd-sysusers missing")
def test_sysusers_one_user_per_daemon(tmp_path):
    """The sysusers file creates the users the units name, in group kldnet."""
    (tmp_path / "etc").mkdir()
    subprocess.run(["systemd-sysusers", f"--root={tmp_path}",
                    os.path.abspath(os.path.join(SRC, "kldnet-sysusers.conf"))], check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    users = {l.split(":")[0]: l.split(":") for l in (tmp_path / "etc/passwd").read_text().splitlines()}
    groups = {l.split(":")[0]: l.split(":") for l in (tmp_path / "etc/group").read_text().splitlines()}
    gid = groups["kldnet"][2]
    uids = set()
    for u in ("bgpd", "wgd", "vxland", "fwd"):
        pw = users["kldnet-" + u]
        assert pw[3] == gid, pw
        uids.add(pw[2])
    assert len(uids) == 4


def test_daemon_drops_to_user(lab):
    """--user switches a protocol daemon to an unprivileged uid and keeps
    only the capabilities it needs (bgpd: CAP_NET_BIND_SERVICE)."""
    h = lab.host("r1")
    os.chmod(h.dir, 0o777)
    os.chmod(h.rundir, 0o777)
    h.start("zebra-lite")
    h.start("bgpd", "--user", "nobody")
    status = open(f"/proc/{h.pid('bgpd')}/status").read()
    fields = dict(l.split(":", 1) for l in status.splitlines() if ":" in l)
    assert fields["Uid"].split()[0] != "0"
    cap_eff = int(fields["CapEff"].strip(), 16)
    assert cap_eff == 1 << 10, hex(cap_eff)  # CAP_NET_BIND_SERVICE only
    assert "running" in h.vtysh("show daemons")
