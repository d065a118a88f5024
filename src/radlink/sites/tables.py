from sqlalchemy import Column, Integer, String, Table, Text

from radlink.db import UTCDateTime, metadata

sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True),
    # The SiteID clients send; compared exactly as given.
    Column("site_key", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("default_app_language", String(8), nullable=False, server_default="en"),
    Column("default_speech_language", String(8), nullable=False, server_default="en"),
    # How an ambiguous 8-digit date (01021975) is read: MDY (the seed's example) or DMY.
    Column("date_order", String(3), nullable=False, server_default="MDY"),
    # Space-separated origins allowed to frame report pages (CSP frame-ancestors); NULL: none.
    Column("frame_ancestors", Text, nullable=True),
    # Days a PreLaunch link stays openable; NULL: no limit.
    Column("prelaunch_lifetime_days", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)
