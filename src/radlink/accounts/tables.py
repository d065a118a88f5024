from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table

from radlink.db import UTCDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),  # stored lower-case
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=True),  # None: cannot log in with a password
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("language", String(8), nullable=True),
    # Follow the host worklist: a new launch for this user switches an open reporting window.
    Column("sync_launch", Boolean, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),  # radiologist | admin
    Column("created_at", UTCDateTime, nullable=False),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("name", String(100), nullable=False),
    # The first characters of the token, shown in lists and used to find the row.
    Column("prefix", String(16), nullable=False, unique=True),
    Column("digest", String(64), nullable=False),  # SHA-256 hex of the whole token
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

# One-time, short-lived credentials, stored as SHA-256 digests: set-password links sent by an
# admin, and sign-in grants carried by links assigned to a user through `userInfo`.
one_time_grants = Table(
    "one_time_grants",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # set-password | sign-in
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("launch_id", Integer, ForeignKey("launches.id"), nullable=True),  # sign-in grants
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)

# Token buckets shared by every process (per-token API rate limit, /r/ guessing brakes).
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Append-only record of who did what. Never patient values: ids, kinds and outcomes only.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=True, index=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("token_id", Integer, ForeignKey("access_tokens.id"), nullable=True),
    Column("action", String(40), nullable=False),
    Column("target", String(64), nullable=True),  # e.g. "report:12", "token:rl_ab12cd34"
    Column("outcome", String(16), nullable=False, server_default="ok"),
    Column("client", String(64), nullable=True),  # peer address
)
