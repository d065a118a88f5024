from __future__ import annotations

from typing import Annotated

import typer

from radlink.cli.common import engine, handled
from radlink.db import read_tx
from radlink.sites import queries, service

app = typer.Typer(help="Manage sites (one per organisation SiteID).", no_args_is_help=True)


@app.command("create")
@handled
def create(
    site_id: Annotated[str, typer.Argument(help="The SiteID clients will send.")],
    name: Annotated[str, typer.Option("--name", help="Display name of the site.")],
) -> None:
    """Create a site."""
    service.create_site(engine(), site_key=site_id, name=name)
    typer.echo(f"created site {site_id}")


@app.command("list")
@handled
def list_sites() -> None:
    """List sites."""
    with read_tx(engine()) as conn:
        rows = queries.list_sites(conn)
    for row in rows:
        typer.echo(
            f"{row.site_key}\t{row.name}\tdates={row.date_order}\tlang={row.default_app_language}"
        )
