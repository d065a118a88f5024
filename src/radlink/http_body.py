"""Reading a JSON request body with limits, before any parsing work is spent on it."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from radlink.problems import ApiProblem

MAX_BODY_BYTES = 1024 * 1024


async def read_json(request: Request, limit: int = MAX_BODY_BYTES) -> Any:
    content_type = request.headers.get("content-type", "application/json").lower()
    media_type = content_type.split(";", 1)[0].strip()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiProblem(415, "Unsupported media type", "Send Content-Type: application/json.")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise (
            _too_large(limit)
            if declared.isdigit()
            else ApiProblem(400, "Bad request", "Invalid Content-Length.")
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiProblem(400, "Bad request", "The body is not valid UTF-8.") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ApiProblem(400, "Bad request", "The body is not valid JSON.") from None


def _too_large(limit: int) -> ApiProblem:
    return ApiProblem(413, "Payload too large", f"The body must be at most {limit} bytes.")
