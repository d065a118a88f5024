"""Wires the reporting app into the ASGI application: static files and page-level errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from radlink.problems import ApiProblem, problem_response
from radlink.web.csrf import HEADER, CsrfRefused
from radlink.web.session import LoginRequired, login_url
from radlink.web.templating import STATIC_DIR, render


def wants_json(request: Request) -> bool:
    return HEADER.lower() in request.headers or "application/json" in request.headers.get(
        "accept", ""
    )


def error_page(request: Request, status: int, language: str | None = None) -> Response:
    """The 403/404 pages: the same words whatever the reason, so nothing is revealed."""
    return render(request, "error.html", {"status": status}, status_code=status, language=language)


def install_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        if wants_json(request) or request.headers.get("content-type", "").startswith(
            "application/json"
        ):
            return problem_response(
                ApiProblem(403, "Forbidden", "The request lacks a valid CSRF token; reload.")
            )
        return render(request, "error.html", {"status": 403, "csrf": True}, status_code=403)
