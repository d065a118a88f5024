"""SQL for web sessions and login throttles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, case, delete, insert, select, update

from radlink.accounts.tables import users
from radlink.db import insert_ignoring_conflicts
from radlink.web.tables import throttles, web_sessions


def insert_session(
    conn: Connection,
    *,
    session_id: str,
    user_id: int,
    csrf_secret: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        insert(web_sessions).values(
            id=session_id,
            user_id=user_id,
            csrf_secret=csrf_secret,
            created_at=now,
            authenticated_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )


def session_with_user(conn: Connection, *, session_id: str) -> Row | None:  # type: ignore[type-arg]
    query = (
        select(
            web_sessions.c.id,
            web_sessions.c.csrf_secret,
            web_sessions.c.created_at,
            web_sessions.c.authenticated_at,
            web_sessions.c.last_seen_at,
            web_sessions.c.expires_at,
            users.c.id.label("user_id"),
            users.c.name,
            users.c.email,
            users.c.language,
            users.c.active,
        )
        .join(users, users.c.id == web_sessions.c.user_id)
        .where(web_sessions.c.id == session_id)
    )
    return conn.execute(query).first()


def touch_session(
    conn: Connection, *, session_id: str, now: datetime, expires_at: datetime
) -> None:
    conn.execute(
        update(web_sessions)
        .where(web_sessions.c.id == session_id)
        .values(last_seen_at=now, expires_at=expires_at)
    )


def set_session_authenticated(conn: Connection, *, session_id: str, now: datetime) -> None:
    conn.execute(
        update(web_sessions).where(web_sessions.c.id == session_id).values(authenticated_at=now)
    )


def delete_session(conn: Connection, *, session_id: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))


def delete_other_sessions(conn: Connection, *, user_id: int, keep_id: str) -> None:
    conn.execute(
        delete(web_sessions).where(web_sessions.c.user_id == user_id, web_sessions.c.id != keep_id)
    )


def delete_expired_sessions(conn: Connection, *, now: datetime) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))


def throttle_hit(conn: Connection, *, key: str, now: datetime, window_start_after: datetime) -> int:
    """Count one event under ``key``; a window that began before ``window_start_after`` restarts.

    Returns the count in the current window. Safe across processes: one conditional UPDATE.
    """
    inserted = conn.execute(
        insert_ignoring_conflicts(conn, throttles)
        .values(key=key, window_start=now, count=1)
        .returning(throttles.c.key)
    ).first()
    if inserted is not None:
        return 1
    stale = throttles.c.window_start <= window_start_after
    conn.execute(
        update(throttles)
        .where(throttles.c.key == key)
        .values(
            count=case((stale, 1), else_=throttles.c.count + 1),
            window_start=case((stale, now), else_=throttles.c.window_start),
        )
    )
    return int(conn.execute(select(throttles.c.count).where(throttles.c.key == key)).scalar_one())


def throttle_count(conn: Connection, *, key: str, window_start_after: datetime) -> int:
    count = conn.execute(
        select(throttles.c.count).where(
            throttles.c.key == key, throttles.c.window_start > window_start_after
        )
    ).scalar()
    return int(count or 0)


def throttle_clear(conn: Connection, *, key: str) -> None:
    conn.execute(delete(throttles).where(throttles.c.key == key))
