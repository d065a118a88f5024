from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from radlink.accounts.tables import audit_events, users
from radlink.sites.tables import sites

_INSERT = insert(audit_events)  # built once: an event is written on every launch


def insert_event(conn: Connection, *, values: dict[str, Any]) -> None:
    conn.execute(_INSERT, values)


def list_events(
    conn: Connection, *, site_key: str | None, since: datetime | None, limit: int = 1000
) -> list[Row]:  # type: ignore[type-arg]
    query = (
        select(audit_events, sites.c.site_key, users.c.email)
        .outerjoin(sites, sites.c.id == audit_events.c.site_id)
        .outerjoin(users, users.c.id == audit_events.c.user_id)
    )
    if site_key is not None:
        query = query.where(sites.c.site_key == site_key)
    if since is not None:
        query = query.where(audit_events.c.at >= since)
    return list(conn.execute(query.order_by(audit_events.c.id).limit(limit)))
