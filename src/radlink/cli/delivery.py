"""`radlink worker`, `radlink deliveries …` and `radlink hl7 preview`."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from radlink.cli.common import engine, handled
from radlink.db import read_tx
from radlink.delivery import queries, service
from radlink.delivery.worker import Worker
from radlink.settings import get_settings

deliveries = typer.Typer(help="Inspect and retry HL7 deliveries.", no_args_is_help=True)
hl7 = typer.Typer(help="HL7 messages.", no_args_is_help=True)


def worker() -> None:
    """Deliver HL7 messages until SIGTERM or SIGINT (the attempt in progress is finished)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner = Worker(engine(), get_settings().worker_config())
    typer.echo(f"worker {runner.name} started", err=True)
    runner.run(stop)


@deliveries.command("list")
@handled
def list_deliveries(
    site: Annotated[str | None, typer.Option("--site", help="Only this SiteID.")] = None,
    state: Annotated[
        str | None,
        typer.Option("--state", help="pending, sending, delivered, parked or no-destination."),
    ] = None,
) -> None:
    """List HL7 messages, newest first."""
    with read_tx(engine()) as conn:
        rows = queries.list_messages(conn, site_key=site, state=state)
    for row in rows:
        when = row.delivered_at.strftime("%Y-%m-%d %H:%M:%S") if row.delivered_at else "-"
        typer.echo(
            f"{row.id}\t{row.site_key}\t{row.control_id}\t{row.kind}\t{row.state}\t"
            f"attempts={row.attempts}\tdelivered={when}"
        )


@deliveries.command("show")
@handled
def show(message_id: Annotated[int, typer.Argument(help="Message id (from list).")]) -> None:
    """Show a message: state, every attempt with its ACK, and the message itself."""
    message, attempts = service.message_detail(engine(), message_id=message_id)
    typer.echo(
        f"message {message.id}  control id {message.control_id}  state {message.state}  "
        f"attempts {message.attempts}"
    )
    if message.last_error:
        typer.echo(f"last error: {message.last_error}")
    for a in attempts:
        typer.echo(
            f"  {a.started_at:%Y-%m-%d %H:%M:%S}  {a.worker}  {a.outcome}  "
            f"{a.ack_code or ''}  {a.detail or ''}".rstrip()
        )
    typer.echo("")
    typer.echo(message.payload.replace("\r", "\n"))


@deliveries.command("retry")
@handled
def retry(message_id: Annotated[int, typer.Argument(help="Message id (from list).")]) -> None:
    """Send a parked message again (or route a no-destination one, once configured)."""
    service.retry(engine(), message_id=message_id)
    typer.echo(f"message {message_id} queued")


@hl7.command("preview")
@handled
def preview(report_id: Annotated[int, typer.Argument(help="Report id.")]) -> None:
    """Print the ORU^R01 that would be sent for a signed report (segments one per line)."""
    typer.echo(service.preview(engine(), report_id=report_id).replace("\r", "\n"))
