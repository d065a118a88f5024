"""`radlink backup PATH`: an online copy of the SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from radlink.backup import backup_sqlite, sqlite_path
from radlink.cli.common import handled
from radlink.settings import get_settings


@handled
def backup(
    path: Annotated[
        Path, typer.Argument(help="File to write (must not exist), or a folder to write into.")
    ],
) -> None:
    """Copy the SQLite database while Radlink runs (PostgreSQL: use pg_dump)."""
    source = sqlite_path(get_settings().resolved_database_url)
    written = backup_sqlite(source, path)
    typer.echo(f"backup written to {written}")
