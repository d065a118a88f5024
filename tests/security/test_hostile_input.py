"""Broken and hostile requests get a quick 4xx problem, never a 5xx, in process and over TCP."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.reliability.servers import Process, running_server
from tests.reports.helpers import LAUNCH


def _post(
    client: TestClient, world: World, content: bytes, ctype: str = "application/json"
) -> httpx.Response:
    headers = {**world.alice.headers, "content-type": ctype}
    return client.post(LAUNCH, content=content, headers=headers)


@pytest.mark.parametrize(
    ("content", "ctype", "status"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),  # deeply nested
        (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "application/json", 400),
        (b'{"tags": {"SiteID": "site-a", "Accession": "\xff\xfe"}}', "application/json", 400),
        (b'{"tags": {}}', "text/plain", 415),
        (b'{"tags": {}}', "application/x-www-form-urlencoded", 415),
        (b"[" + b"1," * 600_000 + b"1]", "application/json", 413),  # over 1 MiB
        (b"{", "application/json", 400),
        (b"", "application/json", 400),
    ],
)
def test_bad_bodies_are_refused_quickly(
    client: TestClient, world: World, content: bytes, ctype: str, status: int
) -> None:
    started = time.perf_counter()
    response = _post(client, world, content, ctype)
    assert time.perf_counter() - started < 2
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_a_huge_flat_array_under_the_limit_is_a_validation_error(
    client: TestClient, world: World
) -> None:
    response = _post(client, world, b"[" + b"1," * 400_000 + b"1]")
    assert response.status_code == 422


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Process]:
    data = tmp_path_factory.mktemp("hostile")
    shutil.copy(sqlite_template, data / "radlink.sqlite3")
    with running_server(data, f"sqlite:///{data / 'radlink.sqlite3'}", data / "log") as process:
        yield process


def _raw(server: Process, request: bytes) -> int:
    """Send raw bytes and return the status code of the answer (0: connection closed)."""
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            return 0
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0


def test_oversized_headers_are_refused_by_the_server(server: Process) -> None:
    huge = b"x" * 200_000
    status = _raw(server, b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: " + huge + b"\r\n\r\n")
    assert status in (0, 400, 431)
    many = b"".join(b"X-H%d: v\r\n" % n for n in range(20_000))
    assert _raw(server, b"GET /healthz HTTP/1.1\r\nHost: a\r\n" + many + b"\r\n") in (0, 400, 431)
    # The server is still fine.
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Bad: \x00\x01\r\n\r\n",
        b"NOTAMETHOD / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST /api/report/launch/clinical HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
    ],
)
def test_malformed_requests_never_get_a_5xx(server: Process, request_bytes: bytes) -> None:
    assert _raw(server, request_bytes) < 500
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200


def test_a_long_token_header_is_a_problem_not_a_crash(server: Process) -> None:
    response = httpx.post(
        f"{server.base_url}{LAUNCH}",
        json={},
        headers={"x-access-token": "rl_" + "a" * 8000},
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "headers",
    [
        {"x-big": "v" * 9000},
        {f"x-h{n}": "v" for n in range(120)},
        {f"x-h{n}": "v" * 4000 for n in range(10)},
    ],
)
def test_too_large_headers_are_431_in_process(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/healthz", headers=headers)
    assert response.status_code == 431
    assert response.headers["content-type"] == "application/problem+json"
