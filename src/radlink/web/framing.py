"""Who may show Radlink pages in an iframe: the CSP ``frame-ancestors`` source list.

Report pages set ``request.state.frame_ancestors`` from their site's setting; every other page
(and a report page of a site that allows none) answers ``'none'``. A security-headers
middleware that writes one CSP for every response asks ``frame_ancestors_for(request)``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import Request, Response

from radlink.errors import Invalid

NONE = "'none'"
MAX_ORIGINS = 10
_HOST = re.compile(r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")


def parse_origins(text: str | None) -> list[str]:
    """Origins from a setting (whitespace- or line-separated): ``https://host[:port]`` each.

    Exact origins only: no wildcards, paths or keywords, because the same list is also the
    set of targets for ``postMessage``, which needs exact origins.
    """
    origins: list[str] = []
    for item in (text or "").split():
        origin = item.rstrip("/").lower()
        parts = urlsplit(origin)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or not _HOST.match(parts.netloc.rsplit(":", 1)[0] if port else parts.netloc)
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
            or port == -1
        ):
            raise Invalid(f"not an origin (scheme://host[:port]): {item[:80]}")
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise Invalid(f"at most {MAX_ORIGINS} origins")
    return origins


def frame_ancestors_for(request: Request) -> str:
    """The CSP frame-ancestors source list for this request's response."""
    origins: list[str] | None = getattr(request.state, "frame_ancestors", None)
    return " ".join(origins) if origins else NONE


def allow_framing(request: Request, response: Response) -> Response:
    """Set the frame-ancestors policy on a report page.

    Until a global security-headers middleware writes the whole CSP, this sets a CSP holding
    only ``frame-ancestors`` (when none is set yet), and drops X-Frame-Options on framable
    pages: browsers ignore it beside frame-ancestors, but older ones do not.
    """
    ancestors = frame_ancestors_for(request)
    if "content-security-policy" not in response.headers:
        response.headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    if ancestors != NONE and "x-frame-options" in response.headers:
        del response.headers["x-frame-options"]
    return response
