"""Imports every slice's tables so that ``metadata`` knows the whole schema (Alembic, tests)."""

from radlink.accounts import tables as accounts_tables
from radlink.db import metadata
from radlink.delivery import tables as delivery_tables
from radlink.reports import tables as reports_tables
from radlink.sites import tables as sites_tables
from radlink.web import tables as web_tables

__all__ = [
    "accounts_tables",
    "delivery_tables",
    "metadata",
    "reports_tables",
    "sites_tables",
    "web_tables",
]
