from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table

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
