"""The client address used for throttling: X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from radlink.settings import Settings
from radlink.web import throttle
from tests.conftest import SECRET, World
from tests.web.helpers import csrf_of


def _request(peer: str, forwarded: list[str], trusted: str) -> Request:
    settings = Settings(secret_key=SECRET, trusted_proxies=trusted)
    app = SimpleNamespace(state=SimpleNamespace(runtime=SimpleNamespace(settings=settings)))
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    scope = {"type": "http", "client": (peer, 1234), "headers": headers, "app": app}
    return Request(scope)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", ["1.2.3.4"], "", "203.0.113.9"),  # no proxies trusted: ignored
        ("203.0.113.9", ["1.2.3.4"], "10.0.0.0/8", "203.0.113.9"),  # peer is not a proxy
        ("10.0.0.2", ["198.51.100.7"], "10.0.0.0/8", "198.51.100.7"),
        # The client prepended a forged hop; the proxy appended the real one.
        ("10.0.0.2", ["6.6.6.6, 198.51.100.7"], "10.0.0.0/8", "198.51.100.7"),
        ("10.0.0.2", ["6.6.6.6", "198.51.100.7"], "10.0.0.0/8", "198.51.100.7"),
        # Two proxies in a row.
        ("10.0.0.2", ["6.6.6.6, 198.51.100.7, 10.0.0.5"], "10.0.0.0/8", "198.51.100.7"),
        ("10.0.0.2", ["not-an-ip"], "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", [], "10.0.0.0/8", "10.0.0.2"),
        ("::1", ["2001:db8::1"], "::1", "2001:db8::1"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], trusted: str, expected: str) -> None:
    assert throttle.client_address(_request(peer, forwarded, trusted)) == expected


def test_trusted_proxies_must_be_addresses() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(secret_key=SECRET, trusted_proxies="10.0.0.0/8, proxy.example")


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(
    client: TestClient, world: World
) -> None:
    """Each attempt claims a new address and targets a new account; the peer is still locked."""
    token = csrf_of(client.get("/login").text)
    for n in range(throttle.ADDRESS_LIMIT):
        response = client.post(
            "/login",
            data={"email": f"u{n}@a.example", "password": "wrong", "csrf_token": token},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        assert response.status_code == 401
    response = client.post(
        "/login",
        data={"email": world.bob.email, "password": world.bob.password, "csrf_token": token},
        headers={"X-Forwarded-For": "192.0.2.200"},
        follow_redirects=False,
    )
    assert response.status_code == 429
