"""Password login and password changes for the reporting app."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Engine

from radlink.accounts import queries as q
from radlink.accounts.passwords import hash_password, verify_password
from radlink.accounts.service import normalise_email
from radlink.db import read_tx, write_tx
from radlink.errors import Invalid

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
PasswordProblem = Literal["wrong", "short", "long", "same", "mismatch"]


def check_password(engine: Engine, *, email: str, password: str) -> int | None:
    """The user's id when the password is right; as slow for unknown emails as for known ones."""
    try:
        email = normalise_email(email)
    except Invalid:
        email = ""
    row = None
    if email:
        with read_tx(engine) as conn:
            row = q.get_user_by_email(conn, email=email)
    stored = row.password_hash if row is not None and row.active else None
    # verify_password checks a dummy hash when there is none, and then answers False.
    if not verify_password(stored, password[:MAX_PASSWORD_LENGTH]) or row is None:
        return None
    return int(row.id)


def change_password(
    engine: Engine, *, user_id: int, current: str, new: str, confirm: str
) -> PasswordProblem | None:
    """Set a new password; returns what is wrong instead when it cannot."""
    with read_tx(engine) as conn:
        row = q.get_user(conn, user_id=user_id)
    if row is None or not verify_password(row.password_hash, current[:MAX_PASSWORD_LENGTH]):
        return "wrong"
    if new != confirm:
        return "mismatch"
    if len(new) < MIN_PASSWORD_LENGTH:
        return "short"
    if len(new) > MAX_PASSWORD_LENGTH:
        return "long"
    if new == current:
        return "same"
    with write_tx(engine) as conn:
        q.set_password_hash(conn, user_id=user_id, password_hash=hash_password(new))
    return None


def set_language(engine: Engine, *, user_id: int, language: str | None) -> None:
    with write_tx(engine) as conn:
        q.set_user_language(conn, user_id=user_id, language=language)
