"""One-time grants: set-password links and the sign-in grants of assigned report links.

Both are random values shown once and stored as SHA-256 digests (like access tokens).

A sign-in grant rides in the report link, ``BASE_URL/r/<link id>/<grant>``, which must still fit
the 80 px QR code at 2 px per module: with a 40-character BASE_URL only 7 more alphanumeric
characters fit. So the grant is 7 base32 characters (35 bits) and the guessing is made
pointless another way: the grant is bound to one launch, lives minutes, is used once, and the
first wrong grant presented for a launch voids that launch's outstanding grants. Whoever tries
must already hold the 128-bit link id, and gets exactly one guess per grant issued.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from radlink.accounts import queries as q
from radlink.db import read_tx, utcnow, write_tx

SIGN_IN = "sign-in"
SET_PASSWORD = "set-password"
GRANT_LENGTH = 7
SET_PASSWORD_LIFETIME = timedelta(days=3)
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def digest_of(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def looks_like_sign_in_grant(value: str) -> bool:
    return len(value) == GRANT_LENGTH and set(value.upper()) <= set(_BASE32)


def mint_sign_in(
    conn: Connection, *, user_id: int, launch_id: int, lifetime: timedelta, now: datetime
) -> str:
    """A grant that logs ``user_id`` in once, through the link of ``launch_id`` only."""
    grant = "".join(secrets.choice(_BASE32) for _ in range(GRANT_LENGTH))
    q.insert_grant(
        conn,
        digest=digest_of(SIGN_IN + ":" + grant),
        kind=SIGN_IN,
        user_id=user_id,
        launch_id=launch_id,
        now=now,
        expires_at=now + lifetime,
    )
    return grant


def use_sign_in(engine: Engine, *, grant: str, launch_id: int) -> int | None:
    """The user the grant logs in, consuming it; None when it is not (or no longer) valid."""
    if not looks_like_sign_in_grant(grant):
        return None
    digest = digest_of(SIGN_IN + ":" + grant.upper())
    now = utcnow()
    with write_tx(engine) as conn:
        row = q.get_grant(conn, digest=digest)
        if row is None:
            # An unknown grant for this launch: someone is guessing. End the real ones.
            q.void_grants(conn, kind=SIGN_IN, launch_id=launch_id, now=now)
            return None
        if row.kind != SIGN_IN or row.launch_id != launch_id:
            return None
        if q.use_grant(conn, digest=digest, now=now) != 1:
            return None
        user = q.get_user(conn, user_id=row.user_id)
        if user is None or not user.active:
            return None
        return int(row.user_id)


def mint_set_password(engine: Engine, *, user_id: int) -> str:
    """A fresh set-password token for the user; earlier unused ones stop working."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with write_tx(engine) as conn:
        q.void_grants(conn, kind=SET_PASSWORD, user_id=user_id, now=now)
        q.insert_grant(
            conn,
            digest=digest_of(SET_PASSWORD + ":" + token),
            kind=SET_PASSWORD,
            user_id=user_id,
            launch_id=None,
            now=now,
            expires_at=now + SET_PASSWORD_LIFETIME,
        )
    return token


def set_password_user(engine: Engine, *, token: str) -> int | None:
    """The user a set-password token is for, while it is unused and unexpired (no write)."""
    if not 20 <= len(token) <= 100:
        return None
    with read_tx(engine) as conn:
        row = q.get_grant(conn, digest=digest_of(SET_PASSWORD + ":" + token))
        if row is None or row.kind != SET_PASSWORD or row.used_at is not None:
            return None
        if row.expires_at <= utcnow():
            return None
        user = q.get_user(conn, user_id=row.user_id)
    return int(row.user_id) if user is not None and user.active else None


def use_set_password(engine: Engine, *, token: str, password_hash: str) -> int | None:
    """Set the password and consume the token in one transaction; the user id, or None."""
    digest = digest_of(SET_PASSWORD + ":" + token)
    now = utcnow()
    with write_tx(engine) as conn:
        row = q.get_grant(conn, digest=digest)
        if row is None or row.kind != SET_PASSWORD:
            return None
        if q.use_grant(conn, digest=digest, now=now) != 1:
            return None
        q.set_password_hash(conn, user_id=row.user_id, password_hash=password_hash)
        return int(row.user_id)
