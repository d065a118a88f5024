"""The retry policy, in one place: how long to wait before attempt n + 1."""

from __future__ import annotations

from datetime import timedelta


def backoff(attempts: int, *, base_seconds: float, cap_seconds: float) -> timedelta:
    """Exponential: base, 2·base, 4·base … up to the cap (attempts counts those already made)."""
    exponent = min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(cap_seconds, base_seconds * 2**exponent))
