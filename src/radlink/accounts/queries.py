from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, and_, bindparam, delete, func, insert, select, update

from radlink.accounts.tables import access_tokens, memberships, one_time_grants, users
from radlink.sites.tables import sites


def insert_user(
    conn: Connection, *, email: str, name: str, password_hash: str | None, now: datetime
) -> int:
    result = conn.execute(
        insert(users).values(
            email=email, name=name, password_hash=password_hash, active=True, created_at=now
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_user_by_email(conn: Connection, *, email: str) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(select(users).where(users.c.email == email)).first()


def get_user(conn: Connection, *, user_id: int) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(select(users).where(users.c.id == user_id)).first()


def list_users(conn: Connection) -> list[Row]:  # type: ignore[type-arg]
    return list(conn.execute(select(users).order_by(users.c.email)))


def list_memberships(conn: Connection, *, user_id: int) -> list[Row]:  # type: ignore[type-arg]
    query = (
        select(sites.c.site_key, sites.c.name, memberships.c.role)
        .join(sites, sites.c.id == memberships.c.site_id)
        .where(memberships.c.user_id == user_id)
        .order_by(sites.c.site_key)
    )
    return list(conn.execute(query))


def upsert_membership(
    conn: Connection, *, user_id: int, site_id: int, role: str, now: datetime
) -> None:
    updated = conn.execute(
        update(memberships)
        .where(memberships.c.user_id == user_id, memberships.c.site_id == site_id)
        .values(role=role)
    )
    if updated.rowcount == 0:
        conn.execute(
            insert(memberships).values(user_id=user_id, site_id=site_id, role=role, created_at=now)
        )


def site_membership(conn: Connection, *, user_id: int, site_key: str) -> Row | None:  # type: ignore[type-arg]
    """The site (by its SiteID) and the user's role in it, or None if not a member."""
    query = (
        select(
            sites.c.id,
            sites.c.site_key,
            sites.c.name,
            sites.c.date_order,
            sites.c.default_app_language,
            sites.c.default_speech_language,
            memberships.c.role,
        )
        .join(
            memberships, and_(memberships.c.site_id == sites.c.id, memberships.c.user_id == user_id)
        )
        .where(sites.c.site_key == site_key)
    )
    return conn.execute(query).first()


def site_role(conn: Connection, *, user_id: int, site_id: int) -> str | None:
    query = select(memberships.c.role).where(
        memberships.c.user_id == user_id, memberships.c.site_id == site_id
    )
    return conn.execute(query).scalar()


def insert_token(
    conn: Connection,
    *,
    user_id: int,
    name: str,
    prefix: str,
    digest: str,
    now: datetime,
    expires_at: datetime | None,
) -> int:
    result = conn.execute(
        insert(access_tokens).values(
            user_id=user_id,
            name=name,
            prefix=prefix,
            digest=digest,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


# What deciding whether a token is valid needs: the token row and its user.
_TOKEN_AND_USER = (
    access_tokens.c.id,
    access_tokens.c.digest,
    access_tokens.c.expires_at,
    access_tokens.c.revoked_at,
    access_tokens.c.last_used_at,
    users.c.id.label("user_id"),
    users.c.name,
    users.c.email,
    users.c.active,
)


def token_with_user(conn: Connection, *, prefix: str) -> Row | None:  # type: ignore[type-arg]
    query = (
        select(*_TOKEN_AND_USER)
        .join(users, users.c.id == access_tokens.c.user_id)
        .where(access_tokens.c.prefix == prefix)
    )
    return conn.execute(query).first()


def touch_token(conn: Connection, *, token_id: int, now: datetime) -> None:
    conn.execute(
        update(access_tokens).where(access_tokens.c.id == token_id).values(last_used_at=now)
    )


def list_tokens(conn: Connection, *, user_id: int) -> list[Row]:  # type: ignore[type-arg]
    query = (
        select(access_tokens)
        .where(access_tokens.c.user_id == user_id)
        .order_by(access_tokens.c.created_at.desc(), access_tokens.c.id.desc())
    )
    return list(conn.execute(query))


def revoke_token(
    conn: Connection, *, prefix: str, now: datetime, user_id: int | None = None
) -> int:
    query = update(access_tokens).where(
        access_tokens.c.prefix == prefix, access_tokens.c.revoked_at.is_(None)
    )
    if user_id is not None:
        query = query.where(access_tokens.c.user_id == user_id)
    return conn.execute(query.values(revoked_at=now)).rowcount


def set_password_hash(conn: Connection, *, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def set_user_language(conn: Connection, *, user_id: int, language: str | None) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(language=language))


# --- One-time grants (set-password links, sign-in grants of assigned links) -------------------


def insert_grant(
    conn: Connection,
    *,
    digest: str,
    kind: str,
    user_id: int,
    launch_id: int | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        insert(one_time_grants).values(
            digest=digest,
            kind=kind,
            user_id=user_id,
            launch_id=launch_id,
            created_at=now,
            expires_at=expires_at,
        )
    )


def get_grant(conn: Connection, *, digest: str) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(select(one_time_grants).where(one_time_grants.c.digest == digest)).first()


def use_grant(conn: Connection, *, digest: str, now: datetime) -> int:
    """Mark a grant used if it still is usable; the rowcount (1 or 0) says who won."""
    return conn.execute(
        update(one_time_grants)
        .where(
            one_time_grants.c.digest == digest,
            one_time_grants.c.used_at.is_(None),
            one_time_grants.c.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount


def void_grants(
    conn: Connection,
    *,
    kind: str,
    now: datetime,
    launch_id: int | None = None,
    user_id: int | None = None,
) -> None:
    """End every unused grant of a kind for a launch (or a user)."""
    query = update(one_time_grants).where(
        one_time_grants.c.kind == kind, one_time_grants.c.used_at.is_(None)
    )
    if launch_id is not None:
        query = query.where(one_time_grants.c.launch_id == launch_id)
    if user_id is not None:
        query = query.where(one_time_grants.c.user_id == user_id)
    conn.execute(query.values(used_at=now))


# --- Site administration ----------------------------------------------------------------------


def site_members(conn: Connection, *, site_id: int) -> list[Row]:  # type: ignore[type-arg]
    query = (
        select(
            users.c.id,
            users.c.email,
            users.c.name,
            users.c.active,
            users.c.sync_launch,
            users.c.password_hash.is_not(None).label("has_password"),
            memberships.c.role,
        )
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.site_id == site_id)
        .order_by(users.c.name, users.c.email)
    )
    return list(conn.execute(query))


def membership_count(conn: Connection, *, user_id: int) -> int:
    query = select(func.count()).select_from(memberships).where(memberships.c.user_id == user_id)
    return int(conn.execute(query).scalar_one())


def delete_membership(conn: Connection, *, user_id: int, site_id: int) -> int:
    return conn.execute(
        delete(memberships).where(
            memberships.c.user_id == user_id, memberships.c.site_id == site_id
        )
    ).rowcount


def set_role(conn: Connection, *, user_id: int, site_id: int, role: str) -> int:
    return conn.execute(
        update(memberships)
        .where(memberships.c.user_id == user_id, memberships.c.site_id == site_id)
        .values(role=role)
    ).rowcount


def set_user_active(conn: Connection, *, user_id: int, active: bool) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(active=active))


def set_sync_launch(conn: Connection, *, user_id: int, sync_launch: bool) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(sync_launch=sync_launch))


def revoke_user_tokens(conn: Connection, *, user_id: int, now: datetime) -> None:
    conn.execute(
        update(access_tokens)
        .where(access_tokens.c.user_id == user_id, access_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def token_role(conn: Connection, *, token_id: int, site_id: int) -> str | None:
    """The role in the site of a token's user (for userInfo's admin check)."""
    query = (
        select(memberships.c.role)
        .join(access_tokens, access_tokens.c.user_id == memberships.c.user_id)
        .where(access_tokens.c.id == token_id, memberships.c.site_id == site_id)
    )
    return conn.execute(query).scalar()


def is_admin_anywhere(conn: Connection, *, user_id: int) -> bool:
    query = select(memberships.c.site_id).where(
        memberships.c.user_id == user_id, memberships.c.role == "admin"
    )
    return conn.execute(query.limit(1)).first() is not None


# The API's one lookup per request: the token, its user, and the user's role in the SiteID
# named by the request (NULL role: not a member, or no such site). Built once (hot path).
_CALLER = (
    select(
        *_TOKEN_AND_USER,
        users.c.sync_launch,
        sites.c.id.label("site_id"),
        sites.c.date_order,
        sites.c.default_app_language,
        sites.c.default_speech_language,
        memberships.c.role,
    )
    .join(users, users.c.id == access_tokens.c.user_id)
    .outerjoin(sites, sites.c.site_key == bindparam("site_key"))
    .outerjoin(
        memberships, and_(memberships.c.site_id == sites.c.id, memberships.c.user_id == users.c.id)
    )
    .where(access_tokens.c.prefix == bindparam("prefix"))
)


def caller(conn: Connection, *, prefix: str, site_key: str | None) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(_CALLER, {"prefix": prefix, "site_key": site_key}).first()


def token_owner(conn: Connection, *, prefix: str) -> int | None:
    query = select(access_tokens.c.user_id).where(access_tokens.c.prefix == prefix)
    value = conn.execute(query).scalar()
    return None if value is None else int(value)
