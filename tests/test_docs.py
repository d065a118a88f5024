"""Everything a user can set or run is documented."""

from __future__ import annotations

from pathlib import Path

import typer

from radlink.cli.main import app
from radlink.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_in_the_configuration_doc() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"RADLINK_{name.upper()}" in doc, name


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    names = [
        f"{prefix}{c.name or c.callback.__name__}".replace("_", "-")  # type: ignore[union-attr]
        for c in group.registered_commands
    ]
    for sub in group.registered_groups:
        names += _commands(sub.typer_instance, f"{prefix}{sub.name} ")  # type: ignore[arg-type]
    return names


def test_every_cli_command_is_in_the_operations_doc() -> None:
    doc = (ROOT / "docs" / "operations.md").read_text()
    for command in _commands(app):
        assert f"radlink {command}" in doc, command
