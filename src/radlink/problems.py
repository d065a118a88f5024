"""RFC 9457 problem responses: the one error type of the HTTP boundary."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("radlink")
PROBLEM_JSON = "application/problem+json"


class ApiProblem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers


def invalid(errors: list[dict[str, str]]) -> ApiProblem:
    return ApiProblem(422, "Invalid request", "The request body has invalid fields.", errors)


def field_errors(
    exc: ValidationError | RequestValidationError, prefix: str = ""
) -> list[dict[str, str]]:
    """Pydantic errors as ``{field, message}``, without the rejected value (it may be PHI)."""
    out = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part != "body"]
        field = ".".join(([prefix] if prefix else []) + loc) or "body"
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            message = "not a supported field; see docs/api.md for the accepted names"
        elif err.get("type") == "missing":
            message = "is required"
        out.append({"field": field, "message": message})
    return out


def problem_response(problem: ApiProblem) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors is not None:
        body["errors"] = problem.errors
    return JSONResponse(
        body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _problem(_: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(invalid(field_errors(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            ApiProblem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))
        )

    app.add_middleware(_CatchAll)


class _CatchAll:
    """Turns any unhandled error into a bare 500 problem.

    Only the exception type and the code locations are logged: exception messages can quote
    values (a database error quotes the conflicting key), and values can be patient data.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error(
                "unhandled %s on %s %s\n%s",
                type(exc).__name__,
                scope.get("method"),
                scope.get("path"),
                frames,
            )
            if started:
                raise
            response = problem_response(
                ApiProblem(500, "Internal error", "The error has been logged.")
            )
            await response(scope, receive, send)
