from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine

from radlink.accounts import queries
from radlink.accounts.service import create_token, normalise_email, revoke_token
from radlink.accounts.tokens import prefix_of
from radlink.audit.service import record
from radlink.cli.common import engine, fail, handled
from radlink.db import read_tx, utcnow, write_tx

app = typer.Typer(help="Manage API access tokens.", no_args_is_help=True)


@app.command("create")
@handled
def create(
    user: Annotated[str, typer.Option("--user", help="Email of the token's owner.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "API token",
    expires_in: Annotated[
        int | None, typer.Option("--expires-in", help="Days until it expires (default never).")
    ] = None,
) -> None:
    """Create a token and print it, alone on stdout; it is not shown again."""
    db = engine()
    token = create_token(db, email=user, name=name, expires_in_days=expires_in)
    _audit(db, "token.created", prefix_of(token))
    typer.echo(token)


@app.command("list")
@handled
def list_tokens(user: Annotated[str, typer.Option("--user", help="Email of the owner.")]) -> None:
    """List a user's tokens (prefix, name, created, last used, expires, status)."""
    now = utcnow()
    with read_tx(engine()) as conn:
        owner = queries.get_user_by_email(conn, email=normalise_email(user))
        if owner is None:
            fail(f"no user with email {user}")
        rows = queries.list_tokens(conn, user_id=owner.id)
    for row in rows:
        if row.revoked_at:
            status = "revoked"
        elif row.expires_at and row.expires_at <= now:
            status = "expired"
        else:
            status = "active"
        typer.echo(
            "\t".join(
                [
                    row.prefix,
                    row.name,
                    _when(row.created_at),
                    _when(row.last_used_at),
                    _when(row.expires_at),
                    status,
                ]
            )
        )


@app.command("revoke")
@handled
def revoke(
    prefix: Annotated[str, typer.Argument(help="The token's prefix (rl_ and 8 characters).")],
) -> None:
    """Revoke a token at once."""
    db = engine()
    revoke_token(db, prefix=prefix)
    _audit(db, "token.revoked", prefix)
    typer.echo(f"revoked {prefix}")


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"  # type: ignore[attr-defined]


def _audit(db: Engine, action: str, prefix: str) -> None:
    # Owner from the token row; "cli" marks an action taken on the server's command line.
    with write_tx(db) as conn:
        owner = queries.token_owner(conn, prefix=prefix)
        record(conn, action=action, user_id=owner, target=f"token:{prefix}", client="cli")
