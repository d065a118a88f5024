"""Launching reports: find-or-create by (site, accession), lazily or at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from radlink.accounts import queries as account_queries
from radlink.db import read_tx, utcnow, write_tx
from radlink.errors import Forbidden, NotFound
from radlink.keys import Sealer
from radlink.reports import queries as q
from radlink.reports.schemas import ClinicalContext, LaunchRequest

# Unique-key races: the loser's transaction fails, and its next pass finds the winner's rows.
_ATTEMPTS = 4


@dataclass(frozen=True)
class Actor:
    user_id: int
    name: str
    email: str


@dataclass(frozen=True)
class LaunchState:
    launch_id: int
    status: str  # PreLaunch | Draft | Final
    owner_name: str | None
    owner_email: str | None
    report_id: int | None


def launch(
    engine: Engine, sealer: Sealer, *, site_id: int, actor: Actor, request: LaunchRequest
) -> LaunchState:
    for attempt in range(_ATTEMPTS):
        try:
            with write_tx(engine) as conn:
                return _launch_once(conn, sealer, site_id, actor, request)
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _launch_once(
    conn: Connection, sealer: Sealer, site_id: int, actor: Actor, req: LaunchRequest
) -> LaunchState:
    now = utcnow()
    row = q.find_launch(conn, site_id=site_id, accession=req.accession)
    if row is None:
        report_id = None
        payload = None
        if req.lazy:
            payload = _seal(sealer, site_id, req.accession, req.context)
        else:
            report_id = _create_report(
                conn, site_id, req.accession, req.context, actor.user_id, now
            )
        launch_id = q.insert_launch(
            conn,
            values={
                "site_id": site_id,
                "accession": req.accession,
                "report_id": report_id,
                "pending_payload": payload,
                "created_by": actor.user_id,
                "created_at": now,
            },
        )
        if report_id is None:
            return LaunchState(launch_id, "PreLaunch", None, None, None)
        return LaunchState(launch_id, "Draft", actor.name, actor.email, report_id)
    if row.report_id is None:
        old = _unseal(sealer, site_id, req.accession, row.pending_payload)
        merged = _merge(old, req)
        if req.lazy:
            if merged != old:
                q.set_pending_payload(
                    conn, launch_id=row.id, payload=_seal(sealer, site_id, req.accession, merged)
                )
            return LaunchState(row.id, "PreLaunch", None, None, None)
        report_id = _create_report(conn, site_id, req.accession, merged, actor.user_id, now)
        if q.attach_report(conn, launch_id=row.id, report_id=report_id, opened_at=None) != 1:
            raise IntegrityError("launch attached concurrently", None, Exception())
        return LaunchState(row.id, "Draft", actor.name, actor.email, report_id)
    if row.status == "Draft":
        _refresh_draft(conn, row.report_id, req, now)
    return LaunchState(row.id, row.status, row.owner_name, row.owner_email, row.report_id)


def _merge(old: ClinicalContext, req: LaunchRequest) -> ClinicalContext:
    changes = {name: getattr(req.context, name) for name in req.given_fields}
    return old.model_copy(update=changes)


def _refresh_draft(conn: Connection, report_id: int, req: LaunchRequest, now: datetime) -> None:
    """Update the context fields the client sent, skipping the write when nothing changed."""
    if not req.given_fields:
        return
    columns = sorted(req.given_fields)
    current = q.report_context(conn, report_id=report_id, columns=columns)
    changes = {
        name: getattr(req.context, name)
        for name in columns
        if current is None or getattr(current, name) != getattr(req.context, name)
    }
    if changes:
        q.update_draft_context(conn, report_id=report_id, values=changes, now=now)


def _create_report(
    conn: Connection,
    site_id: int,
    accession: str,
    context: ClinicalContext,
    owner_id: int,
    now: datetime,
) -> int:
    values: dict[str, Any] = context.model_dump()
    values.update(
        site_id=site_id,
        accession=accession,
        status="Draft",
        owner_id=owner_id,
        findings=context.key_findings or "",
        impression="",
        revision=1,
        created_at=now,
        updated_at=now,
    )
    return q.insert_report(conn, values=values)


def _aad(site_id: int, accession: str) -> bytes:
    # Binds a sealed payload to its launch row: it cannot be moved to another accession.
    return f"{site_id}\x00{accession}".encode()


def _seal(sealer: Sealer, site_id: int, accession: str, context: ClinicalContext) -> bytes:
    return sealer.seal(context.model_dump_json().encode(), _aad(site_id, accession))


def _unseal(sealer: Sealer, site_id: int, accession: str, payload: bytes) -> ClinicalContext:
    return ClinicalContext.model_validate_json(sealer.open(payload, _aad(site_id, accession)))


def report_status(engine: Engine, *, site_id: int, accession: str) -> LaunchState:
    with read_tx(engine) as conn:
        row = q.find_launch(conn, site_id=site_id, accession=accession)
    if row is None:
        raise NotFound("this accession has never been launched at this site")
    return _state(row)


def _state(row: Row) -> LaunchState:  # type: ignore[type-arg]
    if row.report_id is None:
        return LaunchState(row.id, "PreLaunch", None, None, None)
    return LaunchState(row.id, row.status, row.owner_name, row.owner_email, row.report_id)


def open_launch(engine: Engine, sealer: Sealer, *, launch_id: int, user_id: int) -> LaunchState:
    """Open a link: a pending launch becomes a Draft owned by the opener, exactly once."""
    for attempt in range(_ATTEMPTS):
        try:
            with write_tx(engine) as conn:
                return _open_once(conn, sealer, launch_id, user_id)
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _open_once(conn: Connection, sealer: Sealer, launch_id: int, user_id: int) -> LaunchState:
    row = q.get_launch(conn, launch_id=launch_id)
    if row is None:
        raise NotFound("no such report link")
    if account_queries.site_role(conn, user_id=user_id, site_id=row.site_id) is None:
        raise Forbidden("you are not a member of this report's site")
    now = utcnow()
    if row.report_id is not None:
        if row.first_opened_at is None:
            q.mark_opened(conn, launch_id=launch_id, now=now)
        return _state(row)
    context = _unseal(sealer, row.site_id, row.accession, row.pending_payload)
    report_id = _create_report(conn, row.site_id, row.accession, context, user_id, now)
    if q.attach_report(conn, launch_id=launch_id, report_id=report_id, opened_at=now) != 1:
        raise IntegrityError("launch opened concurrently", None, Exception())
    user = account_queries.get_user(conn, user_id=user_id)
    assert user is not None
    return LaunchState(launch_id, "Draft", user.name, user.email, report_id)
