from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, func, insert, or_, select, update

from radlink.accounts.tables import memberships, users
from radlink.reports.tables import addenda, launches, report_events, reports
from radlink.sites.tables import sites

_LAUNCH_VIEW = (
    select(
        launches.c.id,
        launches.c.site_id,
        launches.c.accession,
        launches.c.report_id,
        launches.c.pending_payload,
        launches.c.first_opened_at,
        reports.c.status,
        reports.c.owner_id,
        reports.c.revision,
        users.c.name.label("owner_name"),
        users.c.email.label("owner_email"),
    )
    .outerjoin(reports, reports.c.id == launches.c.report_id)
    .outerjoin(users, users.c.id == reports.c.owner_id)
)


# The launch path's statements are built once: building and cache-keying a statement per call
# cost more than running it (see bench/README.md).
_FIND_LAUNCH = _LAUNCH_VIEW.where(
    launches.c.site_id == bindparam("site_id"), launches.c.accession == bindparam("accession")
)
_GET_LAUNCH = _LAUNCH_VIEW.where(launches.c.id == bindparam("launch_id"))
_INSERT_REPORT = insert(reports)
_INSERT_LAUNCH = insert(launches)


def find_launch(conn: Connection, *, site_id: int, accession: str) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(_FIND_LAUNCH, {"site_id": site_id, "accession": accession}).first()


def get_launch(conn: Connection, *, launch_id: int) -> Row | None:  # type: ignore[type-arg]
    return conn.execute(_GET_LAUNCH, {"launch_id": launch_id}).first()


def insert_report(conn: Connection, *, values: dict[str, Any]) -> int:
    result = conn.execute(_INSERT_REPORT, values)
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_launch(conn: Connection, *, values: dict[str, Any]) -> int:
    result = conn.execute(_INSERT_LAUNCH, values)
    return int(result.inserted_primary_key[0])  # type: ignore[index]


_CONTEXT_COLUMNS = tuple(
    c for c in reports.c if c.name not in {"findings", "impression", "site_id", "accession"}
)
_REPORT_CONTEXT = select(*_CONTEXT_COLUMNS).where(reports.c.id == bindparam("report_id"))


def report_context(conn: Connection, *, report_id: int) -> Row | None:  # type: ignore[type-arg]
    """The report's stored context (everything but the radiologist's text)."""
    return conn.execute(_REPORT_CONTEXT, {"report_id": report_id}).first()


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


# --- The editor -------------------------------------------------------------------------------

_owner = users.alias("owner")
_signer = users.alias("signer")


def report_for_editor(conn: Connection, *, report_id: int) -> Row | None:  # type: ignore[type-arg]
    query = (
        select(reports, _owner.c.name.label("owner_name"), _signer.c.name.label("signer_name"))
        .outerjoin(_owner, _owner.c.id == reports.c.owner_id)
        .outerjoin(_signer, _signer.c.id == reports.c.signed_by)
        .where(reports.c.id == report_id)
    )
    return conn.execute(query).first()


def save_text(
    conn: Connection,
    *,
    report_id: int,
    owner_id: int,
    revision: int,
    findings: str,
    impression: str,
    now: datetime,
    sign: bool = False,
) -> int:
    """Write the draft only if it is still the owner's Draft at ``revision``; returns rowcount."""
    values: dict[str, Any] = {
        "findings": findings,
        "impression": impression,
        "revision": revision + 1,
        "updated_at": now,
    }
    if sign:
        values.update(status="Final", signed_by=owner_id, signed_at=now)
    return conn.execute(
        update(reports)
        .where(
            reports.c.id == report_id,
            reports.c.status == "Draft",
            reports.c.owner_id == owner_id,
            reports.c.revision == revision,
        )
        .values(**values)
    ).rowcount


def set_owner(conn: Connection, *, report_id: int, owner_id: int, now: datetime) -> int:
    return conn.execute(
        update(reports)
        .where(reports.c.id == report_id, reports.c.status == "Draft")
        .values(owner_id=owner_id, revision=reports.c.revision + 1, updated_at=now)
    ).rowcount


def insert_addendum(
    conn: Connection, *, report_id: int, text: str, signed_by: int, now: datetime
) -> int:
    result = conn.execute(
        insert(addenda).values(report_id=report_id, text=text, signed_by=signed_by, signed_at=now)
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def list_addenda(conn: Connection, *, report_id: int) -> list[Row]:  # type: ignore[type-arg]
    query = (
        select(
            addenda.c.id, addenda.c.text, addenda.c.signed_at, _signer.c.name.label("signer_name")
        )
        .join(_signer, _signer.c.id == addenda.c.signed_by)
        .where(addenda.c.report_id == report_id)
        .order_by(addenda.c.signed_at, addenda.c.id)
    )
    return list(conn.execute(query))


def insert_event(
    conn: Connection, *, report_id: int, kind: str, user_id: int | None, now: datetime
) -> None:
    conn.execute(
        insert(report_events).values(report_id=report_id, kind=kind, user_id=user_id, at=now)
    )


# --- The worklist -----------------------------------------------------------------------------


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def worklist(
    conn: Connection,
    *,
    user_id: int,
    owner_id: int | None,
    status: str | None,
    search: str | None,
    limit: int,
    offset: int,
) -> list[Row]:  # type: ignore[type-arg]
    """Reports of the user's sites, newest first; ``search`` matches accession or MRN prefixes."""
    query = (
        select(
            reports.c.id,
            reports.c.status,
            reports.c.accession,
            reports.c.patient_mrn,
            reports.c.patient_name,
            reports.c.modality,
            reports.c.body_part,
            reports.c.study_description,
            reports.c.study_date,
            reports.c.created_at,
            reports.c.updated_at,
            reports.c.owner_id,
            _owner.c.name.label("owner_name"),
            sites.c.name.label("site_name"),
            launches.c.id.label("launch_id"),
        )
        .join(
            memberships,
            and_(memberships.c.site_id == reports.c.site_id, memberships.c.user_id == user_id),
        )
        .join(sites, sites.c.id == reports.c.site_id)
        .join(launches, launches.c.report_id == reports.c.id)
        .outerjoin(_owner, _owner.c.id == reports.c.owner_id)
    )
    if owner_id is not None:
        query = query.where(reports.c.owner_id == owner_id)
    if status is not None:
        query = query.where(reports.c.status == status)
    if search:
        pattern = _like_prefix(search.lower())
        query = query.where(
            or_(
                func.lower(reports.c.accession).like(pattern, escape="\\"),
                func.lower(reports.c.patient_mrn).like(pattern, escape="\\"),
            )
        )
    query = query.order_by(reports.c.created_at.desc(), reports.c.id.desc())
    return list(conn.execute(query.limit(limit).offset(offset)))
