"""The worklist: reports of the user's sites, filtered, searched and paginated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine

from radlink.db import read_tx
from radlink.reports import queries as q

PAGE_SIZE = 25
Scope = Literal["mine", "all"]
StatusFilter = Literal["any", "Draft", "Final"]


@dataclass(frozen=True)
class Filters:
    scope: Scope = "all"
    status: StatusFilter = "any"
    search: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: Any) -> Filters:
        """From query parameters; anything unexpected falls back to the default."""
        scope = params.get("scope", "all")
        status = params.get("status", "any")
        page = params.get("page", "1")
        return cls(
            scope="mine" if scope == "mine" else "all",
            status=status if status in ("Draft", "Final") else "any",
            search=str(params.get("q", "")).strip()[:64],
            page=min(int(page), 10_000) if page.isdigit() and int(page) > 0 else 1,
        )

    def query(self, **changes: Any) -> str:
        """The query string of these filters with ``changes`` applied (for links)."""
        from urllib.parse import urlencode

        values = {
            "scope": self.scope,
            "status": self.status,
            "q": self.search,
            "page": self.page,
        } | changes
        defaults = {"scope": "all", "status": "any", "q": "", "page": 1}
        kept = {k: v for k, v in values.items() if v != defaults[k]}
        return "?" + urlencode(kept) if kept else "?"


@dataclass(frozen=True)
class WorklistPage:
    rows: list[Any]
    filters: Filters
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.filters.page > 1


def worklist_page(engine: Engine, *, user_id: int, filters: Filters) -> WorklistPage:
    with read_tx(engine) as conn:
        rows = q.worklist(
            conn,
            user_id=user_id,
            owner_id=user_id if filters.scope == "mine" else None,
            status=None if filters.status == "any" else filters.status,
            search=filters.search or None,
            limit=PAGE_SIZE + 1,
            offset=(filters.page - 1) * PAGE_SIZE,
        )
    return WorklistPage(rows=rows[:PAGE_SIZE], filters=filters, has_next=len(rows) > PAGE_SIZE)
