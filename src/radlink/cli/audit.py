"""`radlink audit`: print the audit trail of a site."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from radlink.audit import queries
from radlink.cli.common import engine, fail, handled
from radlink.db import read_tx
from radlink.sites import queries as site_queries


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r} is not an ISO 8601 date or time (e.g. 2026-01-31T08:00)")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@handled
def audit(
    site: Annotated[str, typer.Option("--site", help="SiteID whose events to print.")],
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only events at or after this ISO time (UTC if no zone)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many events.")] = 1000,
) -> None:
    """Print a site's audit trail, oldest first: time, action, outcome, user, target, client."""
    with read_tx(engine()) as conn:
        if site_queries.get_site(conn, site_key=site) is None:
            fail(f"no site with SiteID {site}")
        rows = queries.list_events(conn, site_key=site, since=_since(since), limit=limit)
    for row in rows:
        fields = [
            row.at.astimezone(UTC).isoformat(timespec="seconds"),
            row.action,
            row.outcome,
            row.email or "-",
            row.target or "-",
            row.client or "-",
        ]
        typer.echo("\t".join(fields))
