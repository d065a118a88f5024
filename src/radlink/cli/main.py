"""The `radlink` command."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Annotated

import typer

from radlink.cli import delivery, sites, tokens, users
from radlink.cli.audit import audit
from radlink.cli.backup import backup
from radlink.cli.common import engine, fail, handled
from radlink.cli.demo import ensure_demo
from radlink.settings import get_settings

app = typer.Typer(
    help="Radlink: radiology report links, QR codes, a reporting app and HL7 results.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(sites.app, name="sites")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.add_typer(delivery.deliveries, name="deliveries")
app.add_typer(delivery.hl7, name="hl7")
app.command("worker")(handled(delivery.worker))
app.command("audit")(audit)
app.command("backup")(backup)


@app.command()
@handled
def migrate() -> None:
    """Create or upgrade the database schema."""
    from radlink.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.load_secret_key()  # creates it on first run, refuses a placeholder
    upgrade(engine())
    typer.echo("database is up to date")


@app.command()
def check() -> None:
    """Print configuration problems; exit 1 when one is an error."""
    from radlink.checks import run_checks

    found = run_checks(get_settings())
    for finding in found:
        typer.echo(f"{finding.level}: {finding.message}")
    if any(f.level == "error" for f in found):
        raise typer.Exit(1)
    if not found:
        typer.echo("configuration ok")


@app.command()
@handled
def demo() -> None:
    """Create the demo site, user and token on first run and print how to use them."""
    typer.echo(ensure_demo(engine(), get_settings()))


@app.command()
@handled
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default RADLINK_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default RADLINK_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default RADLINK_WORKERS).")
    ] = None,
) -> None:
    """Serve the API and the reporting app."""
    import uvicorn

    from radlink.checks import run_checks

    settings = get_settings()
    errors = [f.message for f in run_checks(settings) if f.level == "error"]
    if errors:
        fail("; ".join(errors))
    # uvicorn shuts down gracefully on SIGTERM/SIGINT (in-flight requests, then the lifespan
    # joins the embedded worker's attempt), then re-raises the signal. A completed shutdown is a
    # success for service managers: exit 0 rather than "killed by SIGTERM".
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_cleanly)
    uvicorn.run(
        "radlink.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        proxy_headers=False,
        server_header=False,
    )


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    app()
