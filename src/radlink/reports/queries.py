from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from radlink.accounts.tables import users
from radlink.reports.tables import launches, reports

_LAUNCH_VIEW = (
    select(
        launches.c.id, launches.c.site_id, launches.c.accession, launches.c.report_id,
        launches.c.pending_payload, launches.c.first_opened_at,
        reports.c.status, reports.c.owner_id, reports.c.revision,
        users.c.name.label("owner_name"), users.c.email.label("owner_email"),
    )
    .outerjoin(reports, reports.c.id == launches.c.report_id)
    .outerjoin(users, users.c.id == reports.c.owner_id)
)  # fmt: skip


def find_launch(conn: Connection, *, site_id: int, accession: str) -> Row | None:  # type: ignore[type-arg]
    query = _LAUNCH_VIEW.where(launches.c.site_id == site_id, launches.c.accession == accession)
    return conn.execute(query).first()


def get_launch(conn: Connection, *, launch_id: int) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(_LAUNCH_VIEW.where(launches.c.id == launch_id)).first()


def insert_report(conn: Connection, *, values: dict[str, Any]) -> int:
    result = conn.execute(insert(reports).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_launch(conn: Connection, *, values: dict[str, Any]) -> int:
    result = conn.execute(insert(launches).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def report_context(conn: Connection, *, report_id: int, columns: list[str]) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(
        select(*(reports.c[name] for name in columns)).where(reports.c.id == report_id)
    ).first()


def update_draft_context(
    conn: Connection, *, report_id: int, values: dict[str, Any], now: datetime
) -> None:
    # Only a Draft takes new context; a Final report is never changed by a launch.
    conn.execute(
        update(reports)
        .where(reports.c.id == report_id, reports.c.status == "Draft")
        .values(**values, updated_at=now)
    )


def set_pending_payload(conn: Connection, *, launch_id: int, payload: bytes) -> None:
    conn.execute(
        update(launches)
        .where(launches.c.id == launch_id, launches.c.report_id.is_(None))
        .values(pending_payload=payload)
    )


def attach_report(
    conn: Connection, *, launch_id: int, report_id: int, opened_at: datetime | None
) -> int:
    return conn.execute(
        update(launches)
        .where(launches.c.id == launch_id, launches.c.report_id.is_(None))
        .values(report_id=report_id, pending_payload=None, first_opened_at=opened_at)
    ).rowcount


def mark_opened(conn: Connection, *, launch_id: int, now: datetime) -> None:
    conn.execute(
        update(launches)
        .where(launches.c.id == launch_id, launches.c.first_opened_at.is_(None))
        .values(first_opened_at=now)
    )


def get_report(conn: Connection, *, report_id: int) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(select(reports).where(reports.c.id == report_id)).first()
