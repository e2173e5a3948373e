"""Garbled, truncated and oversized frames on every socket: the connection
is closed with a logged reason, and the daemon goes on serving."""
import os
import socket
import struct

import pytest

DAEMONS = ("zebra-lite", "wgd", "vxland", "fwd", "bgpd")
HELLO = bytes.fromhex("520508011201" + "74")  # Envelope{hello{version=1, daemon="t"}}


def frame(body):
    return struct.pack(">I", len(body)) + body


CASES = {
    "oversized": (struct.pack(">I", 0x7FFFFFF0) + b"x" * 64, "size limit"),
    "empty": (struct.pack(">I", 0), "empty frame"),
    "garbled": (frame(b"\xff\xfe\xfd\xfc\xfb\xfa\xf9"), "undecodable"),
    "no body": (frame(b"\x08\x05"), "without a known body"),
    "before hello": (frame(b"\xb2\x01\x00"), "before hello"),
    "bad version": (frame(bytes.fromhex("52050809120174")), "version mismatch"),
    "bad enum": (frame(HELLO) + frame(b"\xba\x01\x02\x08\x63"), "unknown enum value"),
    "truncated": (struct.pack(">I", 100) + b"\x52\x05", None),
}


def sockets(h):
    yield os.path.join(h.rundir, "zserv.sock")
    for d in DAEMONS:
        yield os.path.join(h.rundir, d + ".vty")


def send_and_expect_close(path, data, truncate):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(data)
    if truncate:
        s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.close()
    return got


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_frames_on_every_socket(lab, case):
    h = lab.host("r1")
    h.start_all()
    data, reason = CASES[case]
    for path in sockets(h):
        # The server's hello arrives, then the connection is closed.
        send_and_expect_close(path, data, truncate=reason is None)
    for d in DAEMONS:
        assert h.alive(d), f"{d} died on a {case} frame"
    out = h.vtysh("show daemons")
    for d in DAEMONS:
        assert f" {d:<12} running" in out
    if reason:
        for d in DAEMONS:
            log = open(os.path.join(h.dir, d + ".log")).read()
            assert reason in log, f"{d} did not log why it closed ({case})"
