"""One identity per daemon on zserv (issue 15): each protocol daemon runs as
its own system user, and zebra-lite checks the kernel's word on a client's
uid (SO_PEERCRED) against the daemon its Hello names, and the message types
and route types it sends against what that daemon may send.

The users come from systemd/kldnet-sysusers.conf on a real machine; here
they are created for the test if absent (and removed afterwards). The
daemons' run directory is one the users can reach: group kldnet, setgid,
so that zebra-lite (root) creates zserv.sock in that group.
"""
import grp
import os
import pwd
import shutil
import sys
import time

import pytest

import kldlab

DAEMONS = ("bgpd", "wgd", "vxland", "fwd")
USERS = tuple("kldnet-" + d for d in DAEMONS)


def _exists(kind, name):
    try:
        (pwd.getpwnam if kind == "user" else grp.getgrnam)(name)
        return True
    except KeyError:
        return False


@pytest.fixture
def users():
    if not shutil.which("useradd") or not shutil.which("setpriv"):
        pytest.skip("useradd and setpriv are needed to run daemons as their users")
    made_group, made = False, []
    try:
        if not _exists("group", "kldnet"):
            kldlab.sh(["groupadd", "--system", "kldnet"])
            made_group = True
        for u in USERS:
            if not _exists("user", u):
                kldlab.sh(["useradd", "--system", "--no-create-home", "--home-dir",
                           "/nonexistent", "--shell", "/usr/sbin/nologin", "-g", "kldnet", u])
                made.append(u)
        yield {u: pwd.getpwnam(u).pw_uid for u in USERS}
    finally:
        for u in made:
            kldlab.sh(["userdel", u], check=False)
        if made_group:
            kldlab.sh(["groupdel", "kldnet"], check=False)


@pytest.fixture
def r1(lab, users):
    h = lab.host("r1")
    # A run directory the daemons' users can reach (the test's own
    # directory is private to root).
    run = os.path.join(kldlab.STATE, h.ns + ".run")
    os.makedirs(run)
    os.chown(run, 0, grp.getgrnam("kldnet").gr_gid)
    os.chmod(run, 0o2770)
    h.rundir = run
    try:
        yield h
    finally:
        h.stop_all()
        shutil.rmtree(run, ignore_errors=True)


def as_user(user, argv):
    return ["setpriv", "--reuid", user, "--regid", "kldnet", "--clear-groups", *argv]


def zclient_as(h, user, *args):
    argv = as_user(user, [kldlab.binary("kld-zclient"), "--rundir", h.rundir, *map(str, args)])
    return h.cmd(" ".join(argv), check=False)


def uid_of(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


def clients(h):
    """show zebra client -> {name: pid or None}"""
    out, res, name = h.vtysh("show zebra client"), {}, None
    for line in out.splitlines():
        if line.startswith("Client: "):
            name = line.split()[1]
            res[name] = None
        elif name and line.strip().startswith("PID:"):
            res[name] = int(line.split()[1])
    return res


def zlog(h):
    return open(os.path.join(h.dir, "zebra-lite.log")).read()


def test_each_daemon_as_its_user_and_no_other(r1, users):
    r1.start("zebra-lite")
    for d in DAEMONS:
        r1.start(d, "--user", "kldnet-" + d)
    for d in DAEMONS:
        assert uid_of(r1.pid(d)) == users["kldnet-" + d], d
    kldlab.wait_for(lambda: set(DAEMONS) <= {n for n, p in clients(r1).items() if p}, 20,
                    what="every daemon connected to zebra-lite under its user")
    real = clients(r1)

    # wgd's user says it is bgpd: refused at its Hello, bgpd's slot kept.
    out = zclient_as(r1, "kldnet-wgd", "--name", "bgpd", "--count", 1, "--prefix",
                     "20.0.0.0/24", "--blackhole", "--replay")
    assert "done" not in out, out
    assert (f"zserv: a client calling itself bgpd refused: uid {users['kldnet-wgd']} "
            f"(pid ") in zlog(r1)
    assert "is not kldnet-bgpd" in zlog(r1)

    # bgpd's user is bgpd, but sends WireGuard routes: refused before it
    # takes bgpd's slot, so the real bgpd's connection is not replaced.
    out = zclient_as(r1, "kldnet-bgpd", "--name", "bgpd", "--type", "wireguard", "--count", 1,
                     "--prefix", "21.0.0.0/24", "--blackhole")
    assert "done" not in out, out
    assert "zserv: bgpd (pid" in zlog(r1) and "may not send routes of type 5: refused" in zlog(r1)

    # ... nor may it touch a WireGuard device (only wgd may).
    probe = os.path.join(r1.rundir, "wgdel.py")
    with open(probe, "w") as f:
        f.write(WG_DELETE_PROBE)
    os.chmod(probe, 0o644)
    py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    out = r1.cmd(" ".join(as_user("kldnet-bgpd", [py, probe, r1.rundir])), check=False)
    assert "closed" in out, out
    assert "may not send wg_device_delete: refused" in zlog(r1)

    # A name zebra-lite does not know is refused, even from root.
    out = r1.zclient("--name", "sharpd", "--count", 1, "--prefix", "22.0.0.0/24",
                     "--blackhole", check=False)
    assert "done" not in out
    assert "a client calling itself sharpd refused: no kldnet daemon has that name" in zlog(r1)

    # Nothing of that reached the kernel, and the real daemons were never
    # displaced.
    assert not [r for r in r1.routes() if r["dst"].startswith(("20.", "21.", "22."))]
    assert clients(r1) == real
    assert "replaced by a new connection" not in zlog(r1)
    assert all(r1.alive(d) for d in DAEMONS)
    assert "refused" not in zlog(r1).split("zserv: a client calling itself bgpd refused")[0]


WG_DELETE_PROBE = r'''
import os, socket, struct, sys
def varint(v):
    out = b""
    while True:
        b, v = v & 0x7F, v >> 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out
def frame(field, payload):
    body = varint(field << 3 | 2) + varint(len(payload)) + payload
    return struct.pack(">I", len(body)) + body
hello = b"\x08\x01" + b"\x12\x04bgpd"          # Hello{version=1, daemon="bgpd"}
wgdel = b"\x0a\x03wg0"                         # WgDeviceDelete{ifname="wg0"}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(os.path.join(sys.argv[1], "zserv.sock"))
s.sendall(frame(10, hello) + frame(61, wgdel))
got = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
print("closed", len(got))
'''


def test_a_refused_daemon_backs_off_and_says_why(r1, users):
    """A daemon zebra-lite refuses (here vxland started as fwd's user) is
    closed right after its Hello; it must back off (100 ms doubling to
    5 s), not knock again at 10 Hz, and its own log must say it was
    closed at once, since only zebra-lite's log has the reason."""
    r1.start("zebra-lite")
    r1.start("vxland", "--user", "kldnet-fwd")
    time.sleep(8)
    tries = zlog(r1).count("a client calling itself vxland refused") + \
        zlog(r1).count("messages suppressed")
    own = open(os.path.join(r1.dir, "vxland.log")).read()
    # 100+200+400+800+1600+3200 ms: at most 7 attempts in 8 s (80 at 10 Hz).
    assert own.count("closed the connection") <= 8, own
    assert "closed the connection" in own and "its log says why" in own, own
    assert own.count("connected to zebra-lite") <= 8, own
    assert tries >= 1
    assert r1.alive("vxland")
