"""Traffic for the firewall tests, run inside a host: python3 fwtraffic.py CMD ...

  udp-recv PORT SECONDS           count datagrams (prints the count per source)
  udp-send ADDR PORT N [PPS] [SPORT]   send N datagrams (payload: sequence number)
  tcp-listen PORT SECONDS         accept and close connections
  tcp-probe ADDR PORT [TIMEOUT]   prints open, refused or filtered
"""
import json
import socket
import sys
import time


def udp_recv(port, secs):
    fam = socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.settimeout(0.2)
    counts = {}
    end = time.monotonic() + secs
    print("ready", flush=True)
    try:
        while time.monotonic() < end:
            try:
                data, addr = s.recvfrom(2048)
            except socket.timeout:
                continue
            src = addr[0].removeprefix("::ffff:")
            counts[src] = counts.get(src, 0) + 1
    except KeyboardInterrupt:  # SIGINT: the test is done sending
        pass
    print(json.dumps(counts), flush=True)


def udp_send(addr, port, n, pps=0, sport=0):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if sport:
        s.bind(("", sport))
    gap = 1.0 / pps if pps else 0
    t = time.monotonic()
    for i in range(n):
        s.sendto(str(i).encode(), (addr, port))
        if gap:
            t += gap
            d = t - time.monotonic()
            if d > 0:
                time.sleep(d)
    print(n)


def tcp_listen(port, secs):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(64)
    s.settimeout(0.2)
    print("ready", flush=True)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            c, _ = s.accept()
            c.sendall(b"hello\n")
            c.close()
        except socket.timeout:
            continue


def tcp_probe(addr, port, timeout=2.0):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        print("open")
    except ConnectionRefusedError:
        print("refused")
    except (socket.timeout, OSError):
        print("filtered")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "udp-recv":
        udp_recv(int(args[0]), float(args[1]))
    elif cmd == "udp-send":
        udp_send(args[0], int(args[1]), int(args[2]), float(args[3]) if len(args) > 3 else 0,
                 int(args[4]) if len(args) > 4 else 0)
    elif cmd == "tcp-listen":
        tcp_listen(int(args[0]), float(args[1]))
    elif cmd == "tcp-probe":
        tcp_probe(args[0], int(args[1]), float(args[2]) if len(args) > 2 else 2.0)
