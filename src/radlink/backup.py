"""Online backups of the SQLite database (PostgreSQL is backed up with pg_dump; see
docs/operations.md)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import unquote

from radlink.errors import Invalid


def sqlite_path(database_url: str) -> Path:
    """The file of a ``sqlite:///PATH`` URL."""
    if not database_url.startswith("sqlite:///"):
        raise Invalid(
            "radlink backup copies SQLite databases; back up PostgreSQL with pg_dump "
            "(see docs/operations.md)"
        )
    path = unquote(database_url.removeprefix("sqlite:///").split("?", 1)[0])
    if not path or path == ":memory:":
        raise Invalid("an in-memory database cannot be backed up")
    return Path(path)


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy a live database with SQLite's online backup API, consistent even while it is written.

    The copy is written beside the target and renamed into place, so a crash leaves either no
    file or a whole one; an existing file is never overwritten.
    """
    if not source.exists():
        raise Invalid(f"there is no database at {source}")
    if target.is_dir():
        target = target / "radlink-backup.sqlite3"
    if target.exists():
        raise Invalid(f"{target} exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(partial)
    try:
        src.execute("PRAGMA busy_timeout=10000")
        # Pages in steps: writers are blocked only for the few milliseconds of each step.
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        result = dst.execute("PRAGMA integrity_check").fetchone()
        if result is None or result[0] != "ok":
            raise Invalid("the copy failed its integrity check")
    finally:
        dst.close()
        src.close()
    partial.chmod(0o600)  # patient data
    os.replace(partial, target)
    return target
