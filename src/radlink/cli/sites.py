from __future__ import annotations

from typing import Annotated

import typer

from radlink.cli.common import engine, fail, handled
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


@app.command("set-hl7")
@handled
def set_hl7(
    site_id: Annotated[str, typer.Argument(help="The SiteID.")],
    host: Annotated[str | None, typer.Option("--host", help="MLLP receiver host.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="MLLP receiver port.")] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="HTTP(S) endpoint instead of MLLP.")
    ] = None,
    tls: Annotated[bool, typer.Option("--tls", help="MLLP over TLS.")] = False,
    ca_file: Annotated[str | None, typer.Option("--ca-file", help="CA bundle to verify.")] = None,
    cert_file: Annotated[
        str | None, typer.Option("--cert-file", help="Client certificate (mutual TLS).")
    ] = None,
    key_file: Annotated[str | None, typer.Option("--key-file", help="Client key.")] = None,
    sending_app: Annotated[str, typer.Option("--sending-app", help="MSH-3.")] = "RADLINK",
    sending_facility: Annotated[str, typer.Option("--sending-facility", help="MSH-4.")] = "",
    receiving_app: Annotated[str, typer.Option("--receiving-app", help="MSH-5.")] = "",
    receiving_facility: Annotated[str, typer.Option("--receiving-facility", help="MSH-6.")] = "",
    version: Annotated[str, typer.Option("--version", help="2.5.1 or 2.3.")] = "2.5.1",
    text_layout: Annotated[
        str, typer.Option("--text-layout", help="obx-per-line or tx-repeat.")
    ] = "obx-per-line",
    add: Annotated[
        bool, typer.Option("--add", help="Add beside the existing destinations.")
    ] = False,
) -> None:
    """Set where the site's signed reports are sent (replaces existing ones unless --add)."""
    from radlink.delivery.service import DestinationSpec, set_destinations

    spec = DestinationSpec(
        kind="http" if url else "mllp",
        host=host,
        port=port,
        url=url,
        tls=tls,
        ca_file=ca_file,
        cert_file=cert_file,
        key_file=key_file,
        sending_app=sending_app,
        sending_facility=sending_facility,
        receiving_app=receiving_app,
        receiving_facility=receiving_facility,
        version=version,
        text_layout=text_layout,
    )
    routed = set_destinations(engine(), site_key=site_id, specs=[spec], replace=not add)
    typer.echo(
        f"HL7 destination set for {site_id}"
        + (f"; {routed} waiting message(s) queued" if routed else "")
    )


@app.command("show")
@handled
def show(site_id: Annotated[str, typer.Argument(help="The SiteID.")]) -> None:
    """Show a site's settings and HL7 destinations."""
    from radlink.delivery.service import destinations

    with read_tx(engine()) as conn:
        site = queries.get_site(conn, site_key=site_id)
    if site is None:
        fail(f"no site with SiteID {site_id}")
    typer.echo(f"site {site.site_key}: {site.name}")
    typer.echo(
        f"  date order {site.date_order}, app language {site.default_app_language}, "
        f"speech language {site.default_speech_language}"
    )
    dests = destinations(engine(), site_key=site_id)
    if not dests:
        typer.echo("  HL7: no destination (signed reports are recorded as no-destination)")
    for d in dests:
        where = d.url if d.kind == "http" else f"{d.host}:{d.port}{' tls' if d.tls else ''}"
        typer.echo(
            f"  HL7 {d.kind} {where}  v{d.version} {d.text_layout}  "
            f"{d.sending_app}/{d.sending_facility} -> "
            f"{d.receiving_app}/{d.receiving_facility}"
        )
