"""Security headers on every response, a strict Content-Security-Policy on every page, and
limits on request headers (431).

A pure ASGI middleware rather than ``@app.middleware("http")``: it adds headers as the response
starts, without buffering bodies, and it also covers static files, problem responses and the
catch-all 500.

The policy allows no inline script and no inline style: every script is a file in
``/static`` (data for scripts travels in ``<script type="application/json">``, which is not
executed), and QR codes are ``data:`` images. ``frame-ancestors`` comes from the per-site
setting when ``radlink.web.framing`` provides it, and is ``'none'`` otherwise.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from radlink.problems import ApiProblem, problem_response

log = logging.getLogger("radlink")

DEFAULT_FRAME_ANCESTORS = "'none'"
_BASE_POLICY = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("font-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
)
# The interactive API reference (/api/docs) is FastAPI's Swagger UI: scripts and styles from
# its CDN and one inline bootstrap script. It shows no patient data; it never gets framed.
_API_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
API_DOCS_PATHS = frozenset({"/api/docs", "/docs/oauth2-redirect"})
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    # Report pages must not leak their URL (which is the link) to anything they load or open.
    "Referrer-Policy": "no-referrer",
}

# uvicorn's httptools parser accepts headers of any size; these are the application's limits.
MAX_HEADER_VALUE = 8 * 1024
MAX_HEADERS_TOTAL = 32 * 1024
MAX_HEADER_COUNT = 100

FrameAncestors = Callable[[Request], "str | Awaitable[str]"]


def _headers_too_large(headers: list[tuple[bytes, bytes]]) -> bool:
    if len(headers) > MAX_HEADER_COUNT:
        return True
    total = 0
    for name, value in headers:
        if len(value) > MAX_HEADER_VALUE:
            return True
        total += len(name) + len(value)
    return total > MAX_HEADERS_TOTAL


def content_security_policy(frame_ancestors: str = DEFAULT_FRAME_ANCESTORS) -> str:
    parts = [f"{name} {value}" for name, value in _BASE_POLICY]
    parts.append(f"frame-ancestors {frame_ancestors or DEFAULT_FRAME_ANCESTORS}")
    return "; ".join(parts)


def _framing_hook() -> FrameAncestors | None:
    """The per-site frame-ancestors lookup, when the framing module exists."""
    try:
        from radlink.web import framing  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    hook: FrameAncestors | None = getattr(framing, "frame_ancestors_for", None)
    return hook


class SecurityHeaders:
    def __init__(self, app: ASGIApp, frame_ancestors: FrameAncestors | None = None) -> None:
        self.app = app
        self.frame_ancestors = frame_ancestors or _framing_hook()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _headers_too_large(scope["headers"]):
            problem = ApiProblem(
                431, "Request header fields too large", "Send fewer or shorter headers."
            )
            await problem_response(problem)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._add_headers(scope, message)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _add_headers(self, scope: Scope, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        for name, value in ALWAYS.items():
            headers[name] = value
        if not headers.get("content-type", "").startswith("text/html"):
            return
        if scope.get("path") in API_DOCS_PATHS:
            headers["Content-Security-Policy"] = _API_DOCS_POLICY
            return
        ancestors = await self._frame_ancestors(scope)
        headers["Content-Security-Policy"] = content_security_policy(ancestors)
        if ancestors != DEFAULT_FRAME_ANCESTORS and "x-frame-options" in headers:
            # X-Frame-Options cannot express a list of origins; the CSP says who may frame.
            del headers["X-Frame-Options"]

    async def _frame_ancestors(self, scope: Scope) -> str:
        if self.frame_ancestors is None:
            return DEFAULT_FRAME_ANCESTORS
        try:
            value: Any = self.frame_ancestors(Request(scope))
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:  # a broken lookup must fail closed, not open
            log.error("frame-ancestors lookup failed: %s", type(exc).__name__)
            return DEFAULT_FRAME_ANCESTORS
        return str(value).strip() or DEFAULT_FRAME_ANCESTORS
