from __future__ import annotations

import sys
from typing import Annotated

import typer

from radlink.accounts import queries
from radlink.accounts.passwords import generate_password
from radlink.accounts.service import ROLES, create_user
from radlink.cli.common import engine, fail, handled
from radlink.db import read_tx

app = typer.Typer(help="Manage users and their site memberships.", no_args_is_help=True)


@app.command("create")
@handled
def create(
    email: Annotated[str, typer.Option("--email", help="Login email (unique).")],
    name: Annotated[str, typer.Option("--name", help="Full name, as shown on reports.")],
    site: Annotated[list[str], typer.Option("--site", help="SiteID to join; repeatable.")],
    role: Annotated[
        list[str], typer.Option("--role", help="Role per --site: radiologist or admin; repeatable.")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user; prints a generated password unless --password-stdin is given."""
    if len(role) == 1 and len(site) > 1:
        role = role * len(site)
    if len(role) != len(site):
        fail("give one --role per --site (or one --role for all)")
    for r in role:
        if r not in ROLES:
            fail(f"unknown role {r!r}; accepted: {', '.join(ROLES)}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        if len(password) < 8:
            fail("the password must be at least 8 characters")
    else:
        password = generate_password()
    create_user(
        engine(),
        email=email,
        name=name,
        password=password,
        sites=list(zip(site, role, strict=True)),
    )
    typer.echo(f"created user {email.strip().lower()}")
    if not password_stdin:
        typer.echo(f"password: {password}")


@app.command("list")
@handled
def list_users() -> None:
    """List users with their sites and roles."""
    with read_tx(engine()) as conn:
        for user in queries.list_users(conn):
            sites = ",".join(
                f"{m.site_key}:{m.role}" for m in queries.list_memberships(conn, user_id=user.id)
            )
            state = "active" if user.active else "inactive"
            typer.echo(f"{user.email}\t{user.name}\t{state}\t{sites}")
