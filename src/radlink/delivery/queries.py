from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, exists, insert, or_, select, update
from sqlalchemy.orm import aliased

from radlink.accounts.tables import users
from radlink.delivery.tables import hl7_attempts, hl7_destinations, hl7_messages
from radlink.reports.tables import addenda, reports
from radlink.sites.tables import sites

UNFINISHED = ("pending", "sending")


def report_for_message(conn: Connection, *, report_id: int) -> Row | None:  # type: ignore[type-arg]
    signer = aliased(users)
    query = (
        select(reports, sites.c.site_key, signer.c.name.label("signer_name"))
        .join(sites, sites.c.id == reports.c.site_id)
        .outerjoin(signer, signer.c.id == reports.c.signed_by)
        .where(reports.c.id == report_id)
    )
    return conn.execute(query).first()


def addenda_of(conn: Connection, *, report_id: int) -> list[Row]:  # type: ignore[type-arg]
    query = (
        select(addenda, users.c.name.label("signer_name"))
        .join(users, users.c.id == addenda.c.signed_by)
        .where(addenda.c.report_id == report_id)
        .order_by(addenda.c.signed_at, addenda.c.id)
    )
    return list(conn.execute(query))


def active_destinations(conn: Connection, *, site_id: int) -> list[Row]:  # type: ignore[type-arg]
    query = select(hl7_destinations).where(
        hl7_destinations.c.site_id == site_id, hl7_destinations.c.active.is_(True)
    )
    return list(conn.execute(query.order_by(hl7_destinations.c.id)))


def get_destination(conn: Connection, *, destination_id: int) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(
        select(hl7_destinations).where(hl7_destinations.c.id == destination_id)
    ).first()


def insert_destination(conn: Connection, *, values: dict[str, Any]) -> int:
    result = conn.execute(insert(hl7_destinations).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def deactivate_destinations(conn: Connection, *, site_id: int) -> None:
    conn.execute(
        update(hl7_destinations).where(hl7_destinations.c.site_id == site_id).values(active=False)
    )


def insert_message(conn: Connection, *, values: dict[str, Any]) -> int:
    result = conn.execute(insert(hl7_messages).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def waiting_without_destination(conn: Connection, *, site_id: int) -> list[Row]:  # type: ignore[type-arg]
    query = select(hl7_messages).where(
        hl7_messages.c.site_id == site_id, hl7_messages.c.state == "no-destination"
    )
    return list(conn.execute(query.order_by(hl7_messages.c.id)))


def update_message(conn: Connection, *, message_id: int, values: dict[str, Any]) -> int:
    return conn.execute(
        update(hl7_messages).where(hl7_messages.c.id == message_id).values(**values)
    ).rowcount


def next_due(conn: Connection, *, now: datetime, limit: int = 16) -> list[int]:
    """Messages that may be sent now, oldest first.

    FIFO per destination: a message waits while an older one to the same destination is
    unfinished, and while an older one of the same report is parked (a correction must never
    reach the receiver before the report it corrects).
    """
    older = aliased(hl7_messages)
    blocked = exists().where(
        older.c.destination_id == hl7_messages.c.destination_id,
        older.c.id < hl7_messages.c.id,
        or_(
            older.c.state.in_(UNFINISHED),
            and_(older.c.state == "parked", older.c.report_id == hl7_messages.c.report_id),
        ),
    )
    query = (
        select(hl7_messages.c.id)
        .where(
            hl7_messages.c.state.in_(UNFINISHED),
            hl7_messages.c.next_attempt_at <= now,
            or_(hl7_messages.c.claim_expires_at.is_(None), hl7_messages.c.claim_expires_at < now),
            ~blocked,
        )
        .order_by(hl7_messages.c.id)
        .limit(limit)
    )
    return [int(r) for r in conn.execute(query).scalars()]


def claim(
    conn: Connection, *, message_id: int, worker: str, now: datetime, until: datetime
) -> bool:
    """Take a message for one attempt; only one worker's UPDATE can match."""
    result = conn.execute(
        update(hl7_messages)
        .where(
            hl7_messages.c.id == message_id,
            hl7_messages.c.state.in_(UNFINISHED),
            or_(hl7_messages.c.claim_expires_at.is_(None), hl7_messages.c.claim_expires_at < now),
        )
        .values(
            state="sending",
            claimed_by=worker,
            claim_expires_at=until,
            attempts=hl7_messages.c.attempts + 1,
        )
    )
    return result.rowcount == 1


def get_message(conn: Connection, *, message_id: int) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(select(hl7_messages).where(hl7_messages.c.id == message_id)).first()


def insert_attempt(conn: Connection, *, values: dict[str, Any]) -> int:
    result = conn.execute(insert(hl7_attempts).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_attempt(conn: Connection, *, attempt_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(hl7_attempts).where(hl7_attempts.c.id == attempt_id).values(**values))


def attempts_of(conn: Connection, *, message_id: int) -> list[Row]:  # type: ignore[type-arg]
    query = select(hl7_attempts).where(hl7_attempts.c.message_id == message_id)
    return list(conn.execute(query.order_by(hl7_attempts.c.id)))


def list_messages(
    conn: Connection, *, site_key: str | None, state: str | None, limit: int = 200
) -> list[Row]:  # type: ignore[type-arg]
    query = (
        select(hl7_messages, sites.c.site_key, reports.c.accession)
        .join(sites, sites.c.id == hl7_messages.c.site_id)
        .join(reports, reports.c.id == hl7_messages.c.report_id)
    )
    if site_key:
        query = query.where(sites.c.site_key == site_key)
    if state:
        query = query.where(hl7_messages.c.state == state)
    return list(conn.execute(query.order_by(hl7_messages.c.id.desc()).limit(limit)))


def latest_for_report(conn: Connection, *, report_id: int) -> Row | None:  # type: ignore[type-arg]
    query = (
        select(hl7_messages)
        .where(hl7_messages.c.report_id == report_id)
        .order_by(hl7_messages.c.id.desc())
        .limit(1)
    )
    return conn.execute(query).first()
