"""Token buckets shared by every process through the ``rate_limits`` table.

A bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per second. Taking a token
is one statement: an UPSERT whose UPDATE branch only applies when the refilled bucket holds at
least one token, returning the tokens left. No row back means refused. The refill is computed
in SQL from the stored ``updated_at``, so concurrent processes never lose each other's takes
(the row lock or SQLite's write lock serialises them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from radlink.accounts.tables import rate_limits
from radlink.db import UTCDateTime, read_tx, utcnow, write_tx


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens per second
    burst: float  # bucket size


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds until one token is back (when refused)

    def __bool__(self) -> bool:
        return self.allowed


def _refilled(dialect: str, limit: Limit, now: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL for the bucket's tokens at ``now``: stored tokens plus the refill, capped at burst."""
    stored = rate_limits.c.tokens
    if dialect == "postgresql":
        elapsed = func.greatest(func.extract("epoch", now - rate_limits.c.updated_at), 0)
        return func.least(literal(limit.burst), stored + elapsed * limit.rate)
    # julianday() is a double of days: ~50 µs of noise, removed by rounding to milliseconds.
    seconds = (func.julianday(now) - func.julianday(rate_limits.c.updated_at)) * 86400
    elapsed = func.max(func.round(seconds, 3), 0)
    return func.min(literal(limit.burst), stored + elapsed * limit.rate)


@lru_cache(maxsize=64)
def _take_statement(dialect: str, limit: Limit) -> Any:
    # Built once per (database kind, limit): it runs on every API request.
    at = bindparam("now", type_=UTCDateTime)
    module: Any = postgresql if dialect == "postgresql" else sqlite
    refilled = _refilled(dialect, limit, at)
    return (
        module.insert(rate_limits)
        .values(key=bindparam("key"), tokens=limit.burst - 1, updated_at=at)
        .on_conflict_do_update(
            index_elements=[rate_limits.c.key],
            set_={"tokens": refilled - 1, "updated_at": at},
            where=refilled >= 1,
        )
        .returning(rate_limits.c.tokens)
    )


def take(conn: Connection, *, key: str, limit: Limit, now: datetime) -> Decision:
    """Take one token from ``key``'s bucket, inside the caller's transaction."""
    statement = _take_statement(conn.dialect.name, limit)
    if conn.execute(statement, {"key": key, "now": now}).first() is not None:
        return Decision(True)
    return Decision(False, _retry_after(conn, key=key, limit=limit, now=now))


def _retry_after(conn: Connection, *, key: str, limit: Limit, now: datetime) -> int:
    tokens = available(conn, key=key, limit=limit, now=now)
    missing = 1 - (tokens if tokens is not None else limit.burst)
    return max(1, math.ceil(missing / limit.rate)) if limit.rate > 0 else 3600


def available(conn: Connection, *, key: str, limit: Limit, now: datetime) -> float | None:
    """Tokens in ``key``'s bucket at ``now`` (None: no bucket yet, i.e. full)."""
    at = bindparam("now", now, type_=UTCDateTime)
    query = select(_refilled(conn.dialect.name, limit, at)).where(rate_limits.c.key == key)
    value = conn.execute(query).scalar()
    return None if value is None else float(value)


def take_now(engine: Engine, *, key: str, limit: Limit, now: datetime | None = None) -> Decision:
    """Take one token in a transaction of its own."""
    with write_tx(engine) as conn:
        if conn.dialect.name == "postgresql":
            # A bucket lost in a crash only forgives a few requests: no need to wait for fsync.
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        return take(conn, key=key, limit=limit, now=now or utcnow())


def check_now(engine: Engine, *, key: str, limit: Limit, now: datetime | None = None) -> Decision:
    """Whether a token is available, without taking it (a read, no write)."""
    now = now or utcnow()
    with read_tx(engine) as conn:
        tokens = available(conn, key=key, limit=limit, now=now)
    if tokens is None or tokens >= 1:
        return Decision(True)
    return Decision(False, max(1, math.ceil((1 - tokens) / limit.rate)))
