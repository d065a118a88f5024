from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from radlink.accounts.tables import memberships
from radlink.sites.tables import sites


def insert_site(conn: Connection, *, site_key: str, name: str, now: datetime) -> int:
    result = conn.execute(insert(sites).values(site_key=site_key, name=name, created_at=now))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_site(conn: Connection, *, site_key: str) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(select(sites).where(sites.c.site_key == site_key)).first()


def list_sites(conn: Connection) -> list[Row]:  # type: ignore[type-arg]
    return list(conn.execute(select(sites).order_by(sites.c.site_key)))


def get_site_by_id(conn: Connection, *, site_id: int) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(select(sites).where(sites.c.id == site_id)).first()


def update_site(conn: Connection, *, site_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(sites).where(sites.c.id == site_id).values(**values))


def administered_sites(conn: Connection, *, user_id: int) -> list[Row]:  # type: ignore[type-arg]
    """Sites where the user is an admin."""
    query = (
        select(sites)
        .join(memberships, memberships.c.site_id == sites.c.id)
        .where(memberships.c.user_id == user_id, memberships.c.role == "admin")
        .order_by(sites.c.site_key)
    )
    return list(conn.execute(query))


def framing_sites(conn: Connection) -> list[str]:
    """SiteIDs that allow frame ancestors (for `radlink check`)."""
    query = select(sites.c.site_key).where(
        sites.c.frame_ancestors.is_not(None), sites.c.frame_ancestors != ""
    )
    return [str(key) for key in conn.execute(query).scalars()]
