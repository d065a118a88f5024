from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, insert, select

from radlink.sites.tables import sites


def insert_site(conn: Connection, *, site_key: str, name: str, now: datetime) -> int:
    result = conn.execute(insert(sites).values(site_key=site_key, name=name, created_at=now))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_site(conn: Connection, *, site_key: str) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(select(sites).where(sites.c.site_key == site_key)).first()


def list_sites(conn: Connection) -> list[Row]:  # type: ignore[type-arg]
    return list(conn.execute(select(sites).order_by(sites.c.site_key)))
