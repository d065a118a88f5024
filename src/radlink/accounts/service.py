"""Users, memberships and access tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from radlink.accounts import queries as q
from radlink.accounts import tokens
from radlink.accounts.passwords import hash_password
from radlink.db import read_tx, utcnow, write_tx
from radlink.errors import Conflict, Forbidden, Invalid, NotFound
from radlink.sites import queries as site_queries

ROLES = ("radiologist", "admin")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# Recording every use would turn each API call into a write; minutes are precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenUser:
    token_id: int
    user_id: int
    name: str
    email: str


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise Invalid("not an email address")
    return email


def create_user(
    engine: Engine,
    *,
    email: str,
    name: str,
    password: str | None,
    sites: list[tuple[str, str]],
) -> int:
    """Create a user with memberships ``[(site_key, role)]``; all or nothing."""
    email = normalise_email(email)
    if not name.strip():
        raise Invalid("name must not be empty")
    for _, role in sites:
        if role not in ROLES:
            raise Invalid(f"unknown role {role!r}; accepted: {', '.join(ROLES)}")
    now = utcnow()
    try:
        with write_tx(engine) as conn:
            if q.get_user_by_email(conn, email=email):
                raise Conflict(f"a user with email {email} already exists")
            user_id = q.insert_user(
                conn,
                email=email,
                name=name.strip(),
                password_hash=hash_password(password) if password else None,
                now=now,
            )
            for site_key, role in sites:
                site = site_queries.get_site(conn, site_key=site_key)
                if site is None:
                    raise NotFound(f"no site with SiteID {site_key}")
                q.upsert_membership(conn, user_id=user_id, site_id=site.id, role=role, now=now)
            return user_id
    except IntegrityError:
        raise Conflict(f"a user with email {email} already exists") from None


def create_token(
    engine: Engine, *, email: str, name: str, expires_in_days: int | None = None
) -> str:
    """Create a token for the user and return it; only its digest is kept."""
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise Invalid("expiry must be between 1 and 3650 days")
    name = name.strip() or "API token"
    if len(name) > 100:
        raise Invalid("token name must be at most 100 characters")
    now = utcnow()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    with write_tx(engine) as conn:
        user = q.get_user_by_email(conn, email=normalise_email(email))
        if user is None:
            raise NotFound(f"no user with email {email}")
        token = tokens.mint()
        q.insert_token(
            conn,
            user_id=user.id,
            name=name,
            prefix=tokens.prefix_of(token),
            digest=tokens.digest_of(token),
            now=now,
            expires_at=expires_at,
        )
    return token


def authenticate_token(engine: Engine, token: str, now: datetime | None = None) -> TokenUser | None:
    """The token's user when the token is known, active, unexpired and unrevoked."""
    if not tokens.looks_like_token(token):
        return None
    now = now or utcnow()
    with read_tx(engine) as conn:
        row = q.token_with_user(conn, prefix=tokens.prefix_of(token))
    if not _usable(row, token, now):
        return None
    assert row is not None
    if _stale_last_use(row, now):
        with write_tx(engine) as conn:
            q.touch_token(conn, token_id=row.id, now=now)
    return TokenUser(token_id=row.id, user_id=row.user_id, name=row.name, email=row.email)


def _usable(row: Row | None, token: str, now: datetime) -> bool:  # type: ignore[type-arg]
    """Known, matching, its user active, not revoked, not expired."""
    if row is None or not tokens.matches(token, row.digest) or not row.active:
        return False
    return row.revoked_at is None and (row.expires_at is None or row.expires_at > now)


def _stale_last_use(row: Row, now: datetime) -> bool:  # type: ignore[type-arg]
    return row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION


@dataclass(frozen=True)
class Caller:
    """An API caller: the token's user, and their membership of the SiteID they named."""

    user: TokenUser
    sync_launch: bool
    site_id: int | None  # None: not a member of that SiteID (or no such site)
    role: str | None
    date_order: Literal["MDY", "DMY"]
    default_languages: tuple[str, str]


def authenticate_caller(
    conn: Connection, token: str, *, site_key: str | None, now: datetime
) -> Caller | None:
    """One query for the token, its user and their role in ``site_key``; None if the token is
    unknown, revoked, expired or its user inactive. Runs inside the request's transaction."""
    if not tokens.looks_like_token(token):
        return None
    row = q.caller(conn, prefix=tokens.prefix_of(token), site_key=site_key)
    if not _usable(row, token, now):
        return None
    assert row is not None
    if _stale_last_use(row, now):
        q.touch_token(conn, token_id=row.id, now=now)
    user = TokenUser(token_id=row.id, user_id=row.user_id, name=row.name, email=row.email)
    member = row.role is not None
    return Caller(
        user=user,
        sync_launch=bool(row.sync_launch),
        site_id=row.site_id if member else None,
        role=row.role,
        date_order="DMY" if member and row.date_order == "DMY" else "MDY",
        default_languages=(
            (row.default_app_language, row.default_speech_language) if member else ("en", "en")
        ),
    )


def revoke_token(engine: Engine, *, prefix: str, user_id: int | None = None) -> None:
    with write_tx(engine) as conn:
        if q.revoke_token(conn, prefix=prefix, now=utcnow(), user_id=user_id) == 0:
            raise NotFound(f"no active token with prefix {prefix}")


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    email: str
    created: bool


def ensure_member(
    conn: Connection,
    *,
    site_id: int,
    email: str,
    name: str | None,
    role: str = "radiologist",
    password_hash: str | None = None,
) -> Member:
    """The user with this email as a member of the site, created (without password) if unknown.

    Runs in the caller's transaction. A deactivated account stays deactivated: Forbidden.
    """
    email = normalise_email(email)
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; accepted: {', '.join(ROLES)}")
    now = utcnow()
    user = q.get_user_by_email(conn, email=email)
    created = user is None
    if user is None:
        display = (name or "").strip() or email.split("@", 1)[0]
        if len(display) > 200:
            raise Invalid("name must be at most 200 characters")
        user_id = q.insert_user(
            conn, email=email, name=display, password_hash=password_hash, now=now
        )
        user = q.get_user(conn, user_id=user_id)
        assert user is not None
    elif not user.active:
        raise Forbidden("that user is deactivated")
    if q.site_role(conn, user_id=user.id, site_id=site_id) is None:
        q.upsert_membership(conn, user_id=user.id, site_id=site_id, role=role, now=now)
    return Member(int(user.id), user.name, user.email, created)
