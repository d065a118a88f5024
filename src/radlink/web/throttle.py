"""Failed-login throttling per account and per client address, shared through the database.

Fixed windows in the ``throttles`` table work across processes and restarts. The client
address is the socket peer: X-Forwarded-For is set by whoever sends the request.
"""

from __future__ import annotations

import hashlib
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
    return request.client.host if request.client else "unknown"


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
