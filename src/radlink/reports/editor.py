"""The editor's service functions: load, save a draft, sign, add an addendum, take over.

Each write is one transaction. Saves and signatures are conditional on ``reports.revision``
(optimistic concurrency): an edit based on an older revision is refused, never merged, and
the newer text stays. Every change is recorded in ``report_events`` (who, what, when; no text).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row

from radlink.accounts import queries as account_queries
from radlink.audit.service import record
from radlink.db import read_tx, utcnow, write_tx
from radlink.errors import Conflict, Forbidden, Invalid, NotFound
from radlink.reports import queries as q
from radlink.reports.signing import on_report_signed

MAX_TEXT = 65536


class StaleRevision(Conflict):
    """The draft changed since the editor loaded it; carries the newer text."""

    def __init__(self, revision: int, findings: str, impression: str) -> None:
        super().__init__("the report was changed elsewhere")
        self.revision = revision
        self.findings = findings
        self.impression = impression


class NotOwner(Conflict):
    def __init__(self, owner_name: str | None) -> None:
        super().__init__("another member owns this draft")
        self.owner_name = owner_name


class AlreadyFinal(Conflict):
    def __init__(self) -> None:
        super().__init__("the report is signed")


class NotFinal(Conflict):
    def __init__(self) -> None:
        super().__init__("only a signed report takes addenda")


class EmptyText(Invalid):
    def __init__(self) -> None:
        super().__init__("there is nothing to sign")


@dataclass(frozen=True)
class EditorView:
    report: Any  # the report row with owner_name and signer_name
    addenda: list[Any]
    user_id: int

    @property
    def is_final(self) -> bool:
        return bool(self.report.status == "Final")

    @property
    def can_edit(self) -> bool:
        return not self.is_final and self.report.owner_id == self.user_id

    @property
    def can_take_over(self) -> bool:
        return not self.is_final and self.report.owner_id != self.user_id


@dataclass(frozen=True)
class Saved:
    revision: int
    at: datetime


def _member_report(conn: Connection, report_id: int, user_id: int) -> Row:  # type: ignore[type-arg]
    row = q.report_for_editor(conn, report_id=report_id)
    if row is None:
        raise NotFound("no such report")
    if account_queries.site_role(conn, user_id=user_id, site_id=row.site_id) is None:
        raise Forbidden("you are not a member of this report's site")
    return row


def _check_text(*texts: str) -> None:
    if any(len(text) > MAX_TEXT for text in texts):
        raise Invalid(f"each section holds at most {MAX_TEXT} characters")


def _check_draft_of(row: Row, user_id: int, revision: int) -> None:  # type: ignore[type-arg]
    if row.status != "Draft":
        raise AlreadyFinal()
    if row.owner_id != user_id:
        raise NotOwner(row.owner_name)
    if row.revision != revision:
        raise StaleRevision(row.revision, row.findings, row.impression)


def load_editor(engine: Engine, *, report_id: int, user_id: int) -> EditorView:
    with read_tx(engine) as conn:
        row = _member_report(conn, report_id, user_id)
        addenda = q.list_addenda(conn, report_id=report_id)
    return EditorView(report=row, addenda=addenda, user_id=user_id)


def save_draft(
    engine: Engine, *, report_id: int, user_id: int, revision: int, findings: str, impression: str
) -> Saved:
    """Save the owner's draft if nobody saved since ``revision``; an unchanged text is no write."""
    _check_text(findings, impression)
    now = utcnow()
    with write_tx(engine) as conn:
        row = _member_report(conn, report_id, user_id)
        _check_draft_of(row, user_id, revision)
        if row.findings == findings and row.impression == impression:
            return Saved(revision=row.revision, at=row.updated_at)
        _write(conn, row, user_id, revision, findings, impression, now, sign=False)
        q.insert_event(conn, report_id=report_id, kind="saved", user_id=user_id, now=now)
        _audit(conn, "report.edited", row, user_id, now)
    return Saved(revision=revision + 1, at=now)


def sign_report(
    engine: Engine, *, report_id: int, user_id: int, revision: int, findings: str, impression: str
) -> Saved:
    """Save the final text and sign it: status Final, signer and time; then read-only."""
    _check_text(findings, impression)
    if not findings.strip() and not impression.strip():
        raise EmptyText()
    now = utcnow()
    with write_tx(engine) as conn:
        row = _member_report(conn, report_id, user_id)
        _check_draft_of(row, user_id, revision)
        _write(conn, row, user_id, revision, findings, impression, now, sign=True)
        q.insert_event(conn, report_id=report_id, kind="signed", user_id=user_id, now=now)
        _audit(conn, "report.signed", row, user_id, now)
        on_report_signed(conn, report_id=report_id, kind="final", now=now)
    return Saved(revision=revision + 1, at=now)


def _write(
    conn: Connection,
    row: Row,  # type: ignore[type-arg]
    user_id: int,
    revision: int,
    findings: str,
    impression: str,
    now: datetime,
    *,
    sign: bool,
) -> None:
    written = q.save_text(
        conn,
        report_id=row.id,
        owner_id=user_id,
        revision=revision,
        findings=findings,
        impression=impression,
        now=now,
        sign=sign,
    )
    if written != 1:  # changed between our read and write (PostgreSQL, READ COMMITTED)
        fresh = q.report_for_editor(conn, report_id=row.id)
        assert fresh is not None
        _check_draft_of(fresh, user_id, revision)
        raise StaleRevision(fresh.revision, fresh.findings, fresh.impression)


def add_addendum(engine: Engine, *, report_id: int, user_id: int, text: str) -> int:
    """Append a signed addendum to a Final report; the report's own text never changes."""
    _check_text(text)
    if not text.strip():
        raise EmptyText()
    now = utcnow()
    with write_tx(engine) as conn:
        row = _member_report(conn, report_id, user_id)
        if row.status != "Final":
            raise NotFinal()
        addendum_id = q.insert_addendum(
            conn, report_id=report_id, text=text.strip(), signed_by=user_id, now=now
        )
        q.insert_event(conn, report_id=report_id, kind="addendum", user_id=user_id, now=now)
        _audit(conn, "report.addendum", row, user_id, now)
        on_report_signed(conn, report_id=report_id, kind="addendum", now=now)
    return addendum_id


def take_over(engine: Engine, *, report_id: int, user_id: int) -> None:
    """Make another member of the site the owner of a Draft (recorded: who and when)."""
    now = utcnow()
    with write_tx(engine) as conn:
        row = _member_report(conn, report_id, user_id)
        if row.status != "Draft":
            raise AlreadyFinal()
        if row.owner_id == user_id:
            return
        if q.set_owner(conn, report_id=report_id, owner_id=user_id, now=now) != 1:
            raise AlreadyFinal()
        q.insert_event(conn, report_id=report_id, kind="takeover", user_id=user_id, now=now)
        _audit(conn, "report.taken_over", row, user_id, now)


def _audit(conn: Connection, action: str, row: Row, user_id: int, now: datetime) -> None:  # type: ignore[type-arg]
    record(
        conn,
        action=action,
        site_id=row.site_id,
        user_id=user_id,
        target=f"report:{row.id}",
        now=now,
    )
