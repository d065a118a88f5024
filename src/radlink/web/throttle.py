"""Failed-login throttling per account and per client address, shared through the database.

Fixed windows in the ``throttles`` table work across processes and restarts. The client
address is the socket peer. X-Forwarded-For is set by whoever sends the request, so it is read
only when the peer is one of ``RADLINK_TRUSTED_PROXIES``, and then from the right: the first
address that is not a trusted proxy is the client (entries further left are the client's own
claims and can be forged).
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import Engine

from radlink.db import read_tx, utcnow, write_tx
from radlink.web import queries as q

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 10
ADDRESS_LIMIT = 50


@dataclass(frozen=True)
class LoginKeys:
    account: str
    address: str


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    trusted = request.app.state.runtime.settings.trusted_proxy_networks
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    client = peer
    for hop in reversed(",".join(request.headers.getlist("x-forwarded-for")).split(",")):
        hop = hop.strip()
        if not hop:
            continue
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return client  # garbage from further left: keep the last hop we can vouch for
        client = hop
        if not _is_trusted(hop, trusted):
            break
    return client


def _is_trusted(
    address: str, trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def keys_for(email: str, address: str) -> LoginKeys:
    # Hashed so that the table holds no email addresses; an unknown email is throttled too.
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    return LoginKeys(account=f"login:account:{account}", address=f"login:ip:{address}"[:128])


def is_throttled(engine: Engine, keys: LoginKeys, now: datetime | None = None) -> bool:
    after = (now or utcnow()) - WINDOW
    with read_tx(engine) as conn:
        return (
            q.throttle_count(conn, key=keys.account, window_start_after=after) >= ACCOUNT_LIMIT
            or q.throttle_count(conn, key=keys.address, window_start_after=after) >= ADDRESS_LIMIT
        )


def record_failure(engine: Engine, keys: LoginKeys, now: datetime | None = None) -> None:
    now = now or utcnow()
    with write_tx(engine) as conn:
        for key in (keys.account, keys.address):
            q.throttle_hit(conn, key=key, now=now, window_start_after=now - WINDOW)


def record_success(engine: Engine, keys: LoginKeys) -> None:
    # The account's count restarts; the address's does not (one address guessing many accounts).
    with write_tx(engine) as conn:
        q.throttle_clear(conn, key=keys.account)
