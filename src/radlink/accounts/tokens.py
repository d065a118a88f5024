"""Access tokens: ``rl_`` + 43 random characters, shown once, stored as prefix + SHA-256.

A plain SHA-256 is enough: the token carries 256 random bits, so there is nothing to brute-force
and no reason to tie stored digests to SECRET_KEY (rotating it would void every token).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_MARK = "rl_"
PREFIX_LENGTH = 11  # "rl_" + 8 characters: shown in lists, used to find the row


def mint() -> str:
    return TOKEN_MARK + secrets.token_urlsafe(32)


def prefix_of(token: str) -> str:
    return token[:PREFIX_LENGTH]


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def matches(token: str, digest: str) -> bool:
    return hmac.compare_digest(digest_of(token), digest)


def looks_like_token(token: str) -> bool:
    return token.startswith(TOKEN_MARK) and 20 <= len(token) <= 100 and token.isascii()
