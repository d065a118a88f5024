"""The baseline: what the launch endpoint would cost with nothing but validation and one INSERT.

A FastAPI app validating a body shaped like the launch request with pydantic, and doing one
INSERT (SQLAlchemy Core, the same engine settings as Radlink) into the same database kind.
Served by uvicorn exactly like `radlink serve`. The database comes from BENCH_DATABASE_URL.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert

from radlink.db import make_engine, write_tx

engine = make_engine(os.environ["BENCH_DATABASE_URL"])
metadata = MetaData()
launches = Table(
    "bench_baseline",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site", String(64), nullable=False),
    Column("accession", String(64), nullable=False),
    Column("modality", String(16)),
    Column("reason", Text),
    Column("token", String(32), nullable=False),
    Column("created_at", DateTime, nullable=False),
)
metadata.create_all(engine)


class Tags(BaseModel):
    SiteID: str = Field(max_length=64)
    Accession: str = Field(max_length=64)
    PatientMRN: str | None = Field(None, max_length=64)
    PatientSex: Literal["M", "F", "O", "U"] | None = None
    Modality: str | None = Field(None, max_length=16)
    StudyDescription: str | None = Field(None, max_length=256)
    ReasonForExam: str | None = None


class Body(BaseModel):
    tags: Tags
    result: Literal["link", "qrcode", "all"] = "link"
    lazyLaunch: bool = False


app = FastAPI()


@app.post("/api/report/launch/clinical")
async def launch(body: Body) -> dict[str, str]:
    token = secrets.token_urlsafe(16)
    with write_tx(engine) as conn:
        conn.execute(
            insert(launches).values(
                site=body.tags.SiteID,
                accession=body.tags.Accession,
                modality=body.tags.Modality,
                reason=body.tags.ReasonForExam,
                token=token,
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    return {"status": "Draft", "reportLink": f"http://127.0.0.1/r/{token}"}
