"""SQL for assigned launches and the site admin's view of reports (kept beside queries.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, func, or_, select, update

from radlink.accounts.tables import users
from radlink.reports.tables import launches, reports
from radlink.sites.tables import sites


def set_assignee(conn: Connection, *, launch_id: int, user_id: int) -> None:
    conn.execute(
        update(launches)
        .where(launches.c.id == launch_id, launches.c.report_id.is_(None))
        .values(assignee_id=user_id)
    )


def launch_extras(conn: Connection, *, launch_id: int) -> Row | None:  # type: ignore[type-arg]
    """What open_launch needs beside the launch view: assignee, age and the site's settings."""
    query = (
        select(
            launches.c.assignee_id,
            launches.c.created_at,
            users.c.name.label("assignee_name"),
            users.c.email.label("assignee_email"),
            sites.c.site_key,
            sites.c.prelaunch_lifetime_days,
            sites.c.frame_ancestors,
        )
        .join(sites, sites.c.id == launches.c.site_id)
        .outerjoin(users, users.c.id == launches.c.assignee_id)
        .where(launches.c.id == launch_id)
    )
    return conn.execute(query).first()


def site_reports(
    conn: Connection, *, site_id: int, search: str | None, limit: int, offset: int
) -> list[Row]:  # type: ignore[type-arg]
    """Every report of a site with its owner, newest first (the admin's worklist)."""
    query = (
        select(
            reports.c.id,
            reports.c.status,
            reports.c.accession,
            reports.c.patient_name,
            reports.c.modality,
            reports.c.study_description,
            reports.c.updated_at,
            reports.c.owner_id,
            users.c.name.label("owner_name"),
            launches.c.id.label("launch_id"),
        )
        .join(launches, launches.c.report_id == reports.c.id)
        .outerjoin(users, users.c.id == reports.c.owner_id)
        .where(reports.c.site_id == site_id)
    )
    if search:
        pattern = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(
            or_(
                func.lower(reports.c.accession).like(pattern + "%", escape="\\"),
                func.lower(reports.c.patient_mrn).like(pattern + "%", escape="\\"),
            )
        )
    query = query.order_by(reports.c.created_at.desc(), reports.c.id.desc())
    return list(conn.execute(query.limit(limit).offset(offset)))


def reassign(
    conn: Connection, *, report_id: int, site_id: int, owner_id: int, now: datetime
) -> int:
    return conn.execute(
        update(reports)
        .where(reports.c.id == report_id, reports.c.site_id == site_id, reports.c.status == "Draft")
        .values(owner_id=owner_id, revision=reports.c.revision + 1, updated_at=now)
    ).rowcount
