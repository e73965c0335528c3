"""The serving layer under hostile clients, for each server ``ppc serve`` can run."""

from __future__ import annotations

import socket
import time

import pytest

from .conftest import ADMIN, http_status, start_server, stop_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["gunicorn", "granian"])
def any_server(request, tmp_path_factory):
    started = start_server(tmp_path_factory.mktemp(f"serve-{request.param}"), "--server", request.param)
    try:
        yield started
    finally:
        stop_server(started)


def test_slow_clients_do_not_starve_the_server(any_server):
    """50 clients that send half a request and wait (gunicorn's sync worker stalled here)."""
    slow = []
    try:
        for _ in range(50):
            sock = socket.create_connection(("127.0.0.1", any_server.port), timeout=5)
            sock.sendall(b"GET /simple/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(sock)
        time.sleep(0.3)
        started = time.monotonic()
        assert http_status(f"{any_server.base_url}/health", timeout=5) == 200
        assert time.monotonic() - started < 2.0
    finally:
        for sock in slow:
            sock.close()


def test_tls_hello_on_the_plain_port_is_answered_at_once(any_server):
    """``uv publish`` probes https://<host>/_/oidc/audience on the same port (1.x: 48 s)."""
    hello = bytes.fromhex("16030100a5010000a10303") + b"\0" * 32 + bytes.fromhex("000004130113020100")
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", any_server.port), timeout=5) as sock:
        sock.sendall(hello)
        try:
            sock.recv(1024)  # an HTTP 400 or a closed connection: either is an answer
        except (ConnectionResetError, socket.timeout):
            pass
    assert time.monotonic() - started < 2.0


def test_upload_and_download_through_each_server(any_server):
    import base64
    import hashlib
    import urllib.request

    from tests import dists

    data = dists.wheel_bytes("served-pkg", "1.0")
    filename = dists.wheel_filename("served-pkg", "1.0")
    boundary = "ppcboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    token = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(f"{any_server.base_url}/api/package/served-pkg/{filename}", data=body,
                                     headers=headers, method="POST")
    with opener.open(request, timeout=10) as response:
        assert response.status == 200
    request = urllib.request.Request(f"{any_server.base_url}/api/package/served-pkg/{filename}",
                                     headers={"Authorization": headers["Authorization"]})
    with opener.open(request, timeout=10) as response:
        assert hashlib.sha256(response.read()).hexdigest() == hashlib.sha256(data).hexdigest()
    deadline = time.monotonic() + 5  # the line is written once the response is sent
    while "GET /api/package/served-pkg/" not in any_server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "GET /api/package/served-pkg/" in any_server.log()  # one access-log line per request


def test_a_query_string_password_stays_out_of_the_access_log(any_server):
    """1.x's remote client sends ``/remote/verify?password=...``; no server logs it."""
    import requests

    secret = "query-password-canary"
    mark = any_server.log_mark()
    response = requests.get(f"{any_server.base_url}/remote/verify", params={"username": "reader", "password": secret},
                            auth=ADMIN, timeout=10)
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    while "/remote/verify" not in any_server.log_since(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    logged = any_server.log_since(mark)
    assert "/remote/verify" in logged
    assert secret not in logged
