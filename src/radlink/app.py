"""The ASGI application."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from radlink import problems
from radlink.accounts import grants_web
from radlink.accounts import web as accounts_web
from radlink.delivery.embedded import embedded_worker
from radlink.reports import api as reports_api
from radlink.reports import embedding, sync
from radlink.reports import web as reports_web
from radlink.runtime import Runtime
from radlink.settings import Settings, get_settings
from radlink.sites import web as sites_web
from radlink.web.install import install_web
from radlink.web.security import SecurityHeaders


def create_app(runtime: Runtime | None = None, settings: Settings | None = None) -> FastAPI:
    rt = runtime or Runtime.create(settings or get_settings())
    app = FastAPI(
        title="Radlink",
        version="0.1.0",
        summary="Radiology report links, QR codes and HL7 results",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=embedded_worker,
    )
    app.state.runtime = rt
    problems.install(app)
    app.include_router(reports_api.router)
    app.include_router(accounts_web.router)
    app.include_router(reports_web.router)
    app.include_router(embedding.router)
    app.include_router(sync.router)
    app.include_router(grants_web.router)
    sites_web.install(app)
    install_web(app)
    # Added last, so outermost: it also covers the catch-all 500 and static files.
    app.add_middleware(SecurityHeaders)
    _document_raw_bodies(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _document_raw_bodies(app: FastAPI) -> None:
    """Bodies read by hand (for limits and site-specific parsing) still appear in /openapi.json."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in reports_api.OPENAPI_MODELS:
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(model_schema.pop("$defs", {}))
            components[model.__name__] = model_schema
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
