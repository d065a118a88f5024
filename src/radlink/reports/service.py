"""Launching reports: find-or-create by (site, accession), lazily or at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from radlink.accounts import queries as account_queries
from radlink.audit.service import record
from radlink.db import read_tx, utcnow, write_retrying
from radlink.errors import Forbidden, NotFound, ServiceError
from radlink.keys import Sealer
from radlink.reports import admin_queries as aq
from radlink.reports import queries as q
from radlink.reports.schemas import ClinicalContext, LaunchRequest


@dataclass(frozen=True)
class Actor:
    user_id: int
    name: str
    email: str


class LinkExpired(ServiceError):
    """A PreLaunch link older than its site's link lifetime."""


@dataclass(frozen=True)
class LaunchState:
    launch_id: int
    status: str  # PreLaunch | Draft | Final
    owner_name: str | None
    owner_email: str | None
    report_id: int | None


def launch(
    engine: Engine,
    sealer: Sealer,
    *,
    site_id: int,
    actor: Actor,
    request: LaunchRequest,
    owner: Actor | None = None,
    token_id: int | None = None,
) -> LaunchState:
    """Find or create the report; ``owner`` (a site admin's userInfo) is whom it belongs to."""

    def attempt(conn: Connection) -> LaunchState:
        state = launch_in(conn, sealer, site_id, actor, request, owner)
        if owner is not None:
            _assign(conn, state, site_id, actor, owner, token_id)
            state = _with_owner(state, owner)
        return state

    return write_retrying(engine, attempt)


def _with_owner(state: LaunchState, owner: Actor) -> LaunchState:
    if state.status == "Final":
        return state
    return LaunchState(state.launch_id, state.status, owner.name, owner.email, state.report_id)


def _assign(
    conn: Connection,
    state: LaunchState,
    site_id: int,
    actor: Actor,
    owner: Actor,
    token_id: int | None,
) -> None:
    """Give the pending launch or the draft to ``owner`` (a Final report keeps its signer)."""
    now = utcnow()
    if state.report_id is None:
        aq.set_assignee(conn, launch_id=state.launch_id, user_id=owner.user_id)
        return
    if state.status != "Draft" or state.owner_email == owner.email:
        return
    if aq.reassign(
        conn, report_id=state.report_id, site_id=site_id, owner_id=owner.user_id, now=now
    ):
        q.insert_event(
            conn, report_id=state.report_id, kind="takeover", user_id=owner.user_id, now=now
        )
        record(
            conn,
            action="report.reassigned",
            site_id=site_id,
            user_id=actor.user_id,
            token_id=token_id,
            target=f"report:{state.report_id}",
            now=now,
        )


def launch_in(
    conn: Connection,
    sealer: Sealer,
    site_id: int,
    actor: Actor,
    req: LaunchRequest,
    owner: Actor | None = None,
) -> LaunchState:
    """One attempt at a launch inside the caller's write transaction (see ``launch``)."""
    now = utcnow()
    owner_id = owner.user_id if owner else actor.user_id
    row = q.find_launch(conn, site_id=site_id, accession=req.accession)
    if row is None:
        report_id = None
        payload = None
        if req.lazy:
            payload = _seal(sealer, site_id, req.accession, req.context)
        else:
            report_id = _create_report(conn, site_id, req.accession, req.context, owner_id, now)
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
        who = owner or actor
        return LaunchState(launch_id, "Draft", who.name, who.email, report_id)
    if row.report_id is None:
        old = _unseal(sealer, site_id, req.accession, row.pending_payload)
        merged = _merge(old, req)
        if req.lazy:
            if merged != old:
                q.set_pending_payload(
                    conn, launch_id=row.id, payload=_seal(sealer, site_id, req.accession, merged)
                )
            return LaunchState(row.id, "PreLaunch", None, None, None)
        if owner is None:
            extras = aq.launch_extras(conn, launch_id=row.id)
            if extras is not None and extras.assignee_id is not None:
                owner_id = extras.assignee_id
        report_id = _create_report(conn, site_id, req.accession, merged, owner_id, now)
        if q.attach_report(conn, launch_id=row.id, report_id=report_id, opened_at=None) != 1:
            raise IntegrityError("launch attached concurrently", None, Exception())
        user = account_queries.get_user(conn, user_id=owner_id)
        assert user is not None
        return LaunchState(row.id, "Draft", user.name, user.email, report_id)
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
    current = q.report_context(conn, report_id=report_id)
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
        return report_status_in(conn, site_id=site_id, accession=accession)


def report_status_in(conn: Connection, *, site_id: int, accession: str) -> LaunchState:
    row = q.find_launch(conn, site_id=site_id, accession=accession)
    if row is None:
        raise NotFound("this accession has never been launched at this site")
    state = _state(row)
    if state.report_id is None:  # a pending launch may already name its assignee
        extras = aq.launch_extras(conn, launch_id=row.id)
        if extras is not None and extras.assignee_id is not None:
            return LaunchState(
                row.id, "PreLaunch", extras.assignee_name, extras.assignee_email, None
            )
    return state


def _state(row: Row) -> LaunchState:  # type: ignore[type-arg]
    if row.report_id is None:
        return LaunchState(row.id, "PreLaunch", None, None, None)
    return LaunchState(row.id, row.status, row.owner_name, row.owner_email, row.report_id)


def open_launch(engine: Engine, sealer: Sealer, *, launch_id: int, user_id: int) -> LaunchState:
    """Open a link: a pending launch becomes a Draft owned by the opener, exactly once."""
    return write_retrying(engine, lambda conn: _open_once(conn, sealer, launch_id, user_id))


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
    extras = aq.launch_extras(conn, launch_id=launch_id)
    assert extras is not None
    days = extras.prelaunch_lifetime_days
    if days is not None and now - extras.created_at > timedelta(days=days):
        raise LinkExpired("this link has expired; launch the study again from your system")
    # An assigned launch becomes the assignee's report, whoever opens it first.
    owner_id = extras.assignee_id or user_id
    context = _unseal(sealer, row.site_id, row.accession, row.pending_payload)
    report_id = _create_report(conn, row.site_id, row.accession, context, owner_id, now)
    if q.attach_report(conn, launch_id=launch_id, report_id=report_id, opened_at=now) != 1:
        raise IntegrityError("launch opened concurrently", None, Exception())
    user = account_queries.get_user(conn, user_id=owner_id)
    assert user is not None
    return LaunchState(launch_id, "Draft", user.name, user.email, report_id)


@dataclass(frozen=True)
class LaunchSite:
    site_key: str
    frame_ancestors: str | None


def launch_site(engine: Engine, *, launch_id: int) -> LaunchSite | None:
    """The site of a link: its SiteID and who may frame its pages."""
    with read_tx(engine) as conn:
        row = aq.launch_extras(conn, launch_id=launch_id)
    return None if row is None else LaunchSite(row.site_key, row.frame_ancestors)
