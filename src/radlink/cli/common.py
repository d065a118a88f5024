"""What every command needs: settings, an engine, and one way to fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, NoReturn, TypeVar

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from radlink.db import make_engine
from radlink.errors import ServiceError
from radlink.settings import ConfigError, get_settings

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def engine() -> Engine:
    return make_engine(get_settings().resolved_database_url)


@contextmanager
def failures() -> Iterator[None]:
    """Expected failures become one line on stderr and exit code 1."""
    try:
        yield
    except (ServiceError, ConfigError) as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"database error: {exc.orig.__class__.__name__}: {str(exc.orig).splitlines()[0]}")


def handled(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with failures():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
