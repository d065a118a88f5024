from sqlalchemy import Column, ForeignKey, Integer, String, Table

from radlink.db import UTCDateTime, metadata

# Server-side sessions: the cookie carries a random token, the table its SHA-256. Deleting rows
# (logout, deactivation) ends sessions at once in every process.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("csrf_secret", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("authenticated_at", UTCDateTime, nullable=False),  # last password entry (sudo mode)
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

# Fixed-window counters shared by all processes: failed logins per account and per client IP.
throttles = Table(
    "throttles",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("window_start", UTCDateTime, nullable=False),
    Column("count", Integer, nullable=False),
)
