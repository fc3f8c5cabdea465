"""Issue 15, item 6: bodies are capped before they are read and must arrive in time.

Against `paygate serve` itself (the production entry point, its uvicorn settings and
middleware), over raw sockets: the attacks send bytes the way a hostile client would."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.foundation.test_cli import base_env
from tests.servers import free_port

MAX_BODY = 8 * 1024
MAX_WEBHOOK = 32 * 1024
MAX_CONNECTIONS = 6


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    tmp = tmp_path_factory.mktemp("limits")
    env = {**base_env(tmp), "PAYGATE_BODY_TIMEOUT": "1", "PAYGATE_KEEP_ALIVE_TIMEOUT": "1",
           "PAYGATE_MAX_BODY_BYTES": str(MAX_BODY),
           "PAYGATE_MAX_WEBHOOK_BYTES": str(MAX_WEBHOOK),
           "PAYGATE_MAX_CONNECTIONS": str(MAX_CONNECTIONS)}
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "paygate.cli", "serve", "--port",
                               str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90  # start-up runs the migrations; CI is busy
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.05)
        yield "127.0.0.1", port
    finally:
        server.terminate()
        server.communicate(timeout=10)


def connect(served: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(served, timeout=5)
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes, bool]:
    """Status, headers, body, and whether the server then closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        body += sock.recv(65536)
    try:
        closed = sock.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        closed = True
    return status, headers, body, closed


def error_of(body: bytes) -> dict[str, str]:
    return dict(json.loads(body)["error"])


def test_a_huge_content_length_is_refused_before_the_body_is_sent(
        served: tuple[str, int]) -> None:
    for path in ("/api/v1/sessions", "/webhooks/stripe", "/admin/logout"):
        with connect(served) as sock:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                         f"\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n".encode())
            # No body follows: a server waiting for it would answer 408 after the timeout.
            status, headers, body, closed = read_response(sock)
        assert status == 413, body
        assert error_of(body) == {"code": "too_large",
                                  "message": "The request body is too large."}
        assert headers["connection"] == "close" and closed


def test_a_chunked_body_over_the_cap_is_cut_off(served: tuple[str, int]) -> None:
    with connect(served) as sock:
        sock.sendall(b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b'{"launch_token": "' + b"a" * 2000
        sent = 0
        try:
            while sent < 20 * MAX_BODY:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: what the test wants
        status, _headers, body, closed = read_response(sock)
    assert status == 413 and error_of(body)["code"] == "too_large"
    assert closed


def test_webhooks_have_their_own_larger_cap(served: tuple[str, int]) -> None:
    url = f"http://{served[0]}:{served[1]}/webhooks/stripe"
    small_enough = httpx.post(url, content=b"{" + b" " * (2 * MAX_BODY) + b"}")
    # Over the API's cap but under the webhooks': read, then refused for another reason
    # (this paygate has no Stripe keys).
    assert small_enough.status_code != 413
    assert error_of(small_enough.content)["code"] != "too_large"
    too_large = httpx.post(url, content=b" " * (MAX_WEBHOOK + 1))
    assert too_large.status_code == 413


def test_a_trickling_body_is_cut_off_after_the_timeout(served: tuple[str, int]) -> None:
    body = json.dumps({"launch_token": "x" * 40}).encode()
    with connect(served) as sock:
        sock.sendall(b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        started = time.monotonic()
        try:
            for byte in body:
                sock.sendall(bytes([byte]))
                time.sleep(0.2)
                if time.monotonic() - started > 5:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, _headers, answer, closed = read_response(sock)
    elapsed = time.monotonic() - started
    assert status == 408, answer
    assert error_of(answer) == {"code": "request_timeout",
                                "message": "The request body took too long to arrive."}
    assert closed and elapsed < 6  # cut off while the client was still trickling

    # A whole body sent at once, on a fresh connection, is answered as usual.
    ok = httpx.post(f"http://{served[0]}:{served[1]}/api/v1/sessions",
                    json={"launch_token": "not-a-token"})
    assert ok.status_code == 401


def test_an_idle_keep_alive_connection_is_closed(served: tuple[str, int]) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        sock.settimeout(5)
        while sock.recv(65536):
            pass
        assert time.monotonic() - started < 4  # PAYGATE_KEEP_ALIVE_TIMEOUT=1 (default 5)


def test_connections_past_the_limit_get_a_503(served: tuple[str, int]) -> None:
    url = f"http://{served[0]}:{served[1]}/healthz"
    time.sleep(1.5)  # earlier tests' keep-alive connections have timed out
    idle = [connect(served) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.2)
        assert httpx.get(url).status_code == 503
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 5
    while (status := httpx.get(url).status_code) != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status == 200
