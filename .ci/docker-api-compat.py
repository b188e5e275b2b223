#!/usr/bin/env python3
"""Docker API version-clamping proxy (unix socket -> unix socket).

Why: Debian bookworm's docker.io (20.10) speaks Docker API <= 1.41 and rejects
any request whose path says a newer version ("client version 1.53 is too new").
bollard 0.21 (used by testcontainers 0.28) always sends /v1.53/... and never
negotiates. This proxy rewrites /vX.Y/ prefixes newer than the daemon's
maximum down to that maximum and passes everything else through byte for byte
(keep-alive, chunked bodies, streamed logs, hijacked attach/exec streams).

Usage: docker-api-compat.py [LISTEN_SOCK] [UPSTREAM_SOCK]
  defaults: /var/run/docker-compat.sock  /var/run/docker.sock
Clients then use DOCKER_HOST=unix:///var/run/docker-compat.sock.
"""
import asyncio
import json
import os
import re
import socket
import sys

LISTEN = sys.argv[1] if len(sys.argv) > 1 else "/var/run/docker-compat.sock"
UPSTREAM = sys.argv[2] if len(sys.argv) > 2 else "/var/run/docker.sock"
VERSION_RE = re.compile(rb"^/v(\d+)\.(\d+)(?=/|\?|$)")


def daemon_max_version():
    """Ask the daemon (unversioned /version) for its maximum API version."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(UPSTREAM)
    s.sendall(b"GET /version HTTP/1.0\r\nHost: docker\r\n\r\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    body = data.split(b"\r\n\r\n", 1)[1]
    major, minor = json.loads(body)["ApiVersion"].split(".")
    return int(major), int(minor)


MAX = daemon_max_version()


def rewrite_target(target):
    m = VERSION_RE.match(target)
    if m and (int(m[1]), int(m[2])) > MAX:
        return b"/v%d.%d" % MAX + target[m.end():]
    return target


async def pipe(reader, writer):
    """Copy raw bytes until EOF, then half-close the other side."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def requests(creader, uwriter):
    """Forward HTTP requests client->daemon, rewriting each request line."""
    try:
        while True:
            try:
                head = await creader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as e:
                if e.partial:
                    uwriter.write(e.partial)
                break
            line, _, rest = head.partition(b"\r\n")
            method, target, proto = line.split(b" ", 2)
            target = rewrite_target(target)
            uwriter.write(b" ".join((method, target, proto)) + b"\r\n" + rest)
            headers = {}
            for h in rest.split(b"\r\n"):
                k, sep, v = h.partition(b":")
                if sep:
                    headers[k.strip().lower()] = v.strip().lower()
            if b"chunked" in headers.get(b"transfer-encoding", b""):
                while True:
                    size_line = await creader.readuntil(b"\r\n")
                    uwriter.write(size_line)
                    size = int(size_line.split(b";")[0], 16)
                    if size == 0:  # trailers, then the closing empty line
                        while (t := await creader.readuntil(b"\r\n")) != b"\r\n":
                            uwriter.write(t)
                        uwriter.write(b"\r\n")
                        break
                    uwriter.write(await creader.readexactly(size + 2))
            elif (n := int(headers.get(b"content-length", b"0"))) > 0:
                uwriter.write(await creader.readexactly(n))
            await uwriter.drain()
            # After an upgrade (attach, exec start: both docker CLI and bollard
            # send "Upgrade: tcp") the connection carries a raw stream.
            if b"upgrade" in headers:
                await pipe(creader, uwriter)
                return
        if uwriter.can_write_eof():
            uwriter.write_eof()
    except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError):
        uwriter.close()


async def handle(creader, cwriter):
    try:
        ureader, uwriter = await asyncio.open_unix_connection(UPSTREAM)
    except OSError:
        cwriter.close()
        return
    await asyncio.gather(requests(creader, uwriter), pipe(ureader, cwriter))
    for w in (uwriter, cwriter):
        w.close()


async def main():
    if os.path.exists(LISTEN):
        os.unlink(LISTEN)
    server = await asyncio.start_unix_server(handle, LISTEN, limit=1 << 20)
    os.chmod(LISTEN, 0o660)
    print(f"docker-api-compat: {LISTEN} -> {UPSTREAM}, clamping to API "
          f"{MAX[0]}.{MAX[1]}", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
