"""create_app(settings): the ASGI application. Nothing is built at import time."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from paygate.logs import configure_logging
from paygate.resources import resource_dir
from paygate.runtime import Runtime
from paygate.settings import Settings
from paygate.store.database import upgrade_async
from paygate.web import (
    admin,
    cases,
    checkout_notices,
    health,
    inbound_mail,
    pay_links,
    pay_return,
    payments,
    realtime,
    receipts,
    refunds,
    sessions,
    webhooks,
    widget,
)
from paygate.web.api import guard_path_params
from paygate.web.body_limits import BodyLimits
from paygate.web.errors import EXCEPTION_HANDLERS
from paygate.web.middleware import ResponseMiddleware
from paygate.web.openapi import openapi_endpoint
from paygate.web.rate_limits import build_rate_limiter

# Where files arrive: case forms with attachments, and mail providers' inbound webhook.
UPLOAD_PATHS = {r"/admin/cases/new": 16 * 1024 * 1024,
                r"/admin/requests/[^/]+/comments": 16 * 1024 * 1024,
                r"/inbound/email": 26 * 1024 * 1024}


def build_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [Route("/openapi.json", openapi_endpoint, methods=["GET"])]
    routes += health.routes()
    routes += sessions.routes()
    routes += webhooks.routes()
    routes += payments.routes()
    routes += checkout_notices.routes()
    routes += widget.routes()
    routes += admin.routes()
    routes += refunds.routes()
    routes += pay_return.routes()
    routes += pay_links.routes()
    routes += receipts.routes()
    routes += cases.routes()
    routes += inbound_mail.routes()
    return routes


def create_app(settings: Settings, *, migrate: bool | None = None,
               extra_routes: Sequence[BaseRoute] = (), freeze_heap: bool = False) -> Starlette:
    """Build the app. With `migrate` (default: on for SQLite) the schema is brought up to
    date at start-up; on PostgreSQL run `paygate db upgrade` as a release step.
    `extra_routes` come first (the demo adds its room and mail pages). `freeze_heap`: the
    process serves only this app (`paygate serve`), see freeze_startup_heap."""
    run_migrations = settings.is_sqlite if migrate is None else migrate

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if run_migrations:
            await upgrade_async(settings.database_url)
        runtime = Runtime.build(settings)
        app.state.runtime = runtime
        app.state.rate_limiter = build_rate_limiter(settings)
        await runtime.start()
        if freeze_heap:
            freeze_startup_heap()
        try:
            yield
        finally:
            await app.state.rate_limiter.close()
            await runtime.close()

    app = Starlette(
        routes=guard_path_params([*extra_routes, *build_routes()]),
        middleware=[Middleware(realtime.CallSocketShortcut),
                    Middleware(ResponseMiddleware, hsts=settings.secure_cookies),
                    Middleware(BodyLimits, max_bytes=settings.max_body_bytes,
                               timeout=settings.body_timeout,
                               max_bytes_under={"/webhooks/": settings.max_webhook_bytes},
                               max_bytes_matching=UPLOAD_PATHS),
                    *widget.cors_middleware(settings)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=str(resource_dir("templates")))
    return app


def freeze_startup_heap() -> None:
    """Keep what start-up built (modules, the stripe SDK's and SQLAlchemy's classes,
    templates, pools: most of the process's objects, alive until it exits) out of every
    later garbage collection. Unfrozen, each full collection walked them all, pausing the
    event loop for 90-230 ms under load (docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()


def app_from_env() -> Starlette:
    """uvicorn --factory entry point (the Procfile uses it)."""
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level, settings.log_format, settings.library_log_level)
    return create_app(settings, freeze_heap=True)
