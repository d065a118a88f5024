"""The audit trail: append-only, ids and outcomes only, never patient values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine

from radlink.audit import queries as q
from radlink.db import utcnow, write_tx

ACTIONS = frozenset(
    {
        "launch",  # a token launched (or re-launched) a report
        "link.opened",
        "report.viewed",
        "report.edited",
        "report.signed",
        "report.taken_over",
        "report.addendum",
        "report.reassigned",
        "hl7.delivered",
        "hl7.parked",
        "token.created",
        "token.revoked",
        "login.success",
        "login.failure",
        "user.created",
        "user.changed",
        "site.changed",
    }
)


def record(
    conn: Connection,
    *,
    action: str,
    site_id: int | None = None,
    user_id: int | None = None,
    token_id: int | None = None,
    target: str | None = None,
    outcome: str = "ok",
    client: str | None = None,
    now: datetime | None = None,
) -> None:
    """Add one event inside the caller's transaction (so it commits with what it records)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    values = {
        "at": now or utcnow(),
        "site_id": site_id,
        "user_id": user_id,
        "token_id": token_id,
        "action": action,
        "target": target,
        "outcome": outcome,
        "client": client[:64] if client else None,
    }
    q.insert_event(conn, values=values)


def record_now(engine: Engine, **kwargs: object) -> None:
    """Same, in a transaction of its own (for events with nothing else to commit)."""
    with write_tx(engine) as conn:
        record(conn, **kwargs)  # type: ignore[arg-type]
