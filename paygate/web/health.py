"""GET /healthz (the process answers, and its database), GET /readyz (ready for traffic:
database and broadcast reachable, migrations current) and GET /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import hmac
import logging

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from paygate import __version__
from paygate.domain.errors import NotAuthenticated, NotFound
from paygate.metrics import CONTENT_TYPE_LATEST, stored_figures
from paygate.services.reports.operations import outbox_pending, status_moves
from paygate.store.database import head_revision
from paygate.web.api import ApiRoute, json_response
from paygate.web.auth import runtime

logger = logging.getLogger("paygate.health")


class Health(BaseModel):
    status: str
    version: str
    database: str


async def healthz(request: Request) -> Response:
    try:
        await runtime(request).db.ping()
        database = "ok"
    except Exception:
        logger.exception("database ping failed")
        database = "unavailable"
    status = "ok" if database == "ok" else "degraded"
    return json_response(Health(status=status, version=__version__, database=database),
                         status_code=200 if status == "ok" else 503)


class Readiness(BaseModel):
    status: str
    database: str
    broadcast: str
    migrations: str


async def readyz(request: Request) -> Response:
    rt = runtime(request)
    checks = {"database": "ok", "broadcast": "ok", "migrations": "ok"}
    try:
        current = await rt.db.current_revision()
        head = await asyncio.to_thread(head_revision)
        if current != head:
            checks["migrations"] = f"at {current or 'none'}, code needs {head}"
    except Exception:
        logger.exception("readiness: database check failed")
        checks["database"] = checks["migrations"] = "unavailable"
    try:
        await rt.broadcast.publish("paygate:readyz", "1")
    except Exception:
        logger.exception("readiness: broadcast check failed")
        checks["broadcast"] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return json_response(Readiness(status="ready" if ready else "not_ready", **checks),
                         status_code=200 if ready else 503)


async def metrics(request: Request) -> Response:
    rt = runtime(request)
    expected = rt.settings.metrics_token
    given = request.headers.get("authorization", "")
    if not expected:
        raise NotFound("Not found.")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        raise NotAuthenticated("Send Authorization: Bearer <PAYGATE_METRICS_TOKEN>.")
    stored = stored_figures(await status_moves(rt.db), await outbox_pending(rt.db))
    return Response(rt.metrics.render(stored), media_type=CONTENT_TYPE_LATEST)


def routes() -> list[BaseRoute]:
    return [ApiRoute("/healthz", healthz, methods=["GET"], response=Health, auth=False,
                     tags=("operations",), summary="Liveness and database reachability",
                     responses={503: "Database unavailable"}),
            ApiRoute("/readyz", readyz, methods=["GET"], response=Readiness, auth=False,
                     tags=("operations",),
                     summary="Readiness: database, broadcast and migrations",
                     responses={503: "Not ready: the body says which check failed"}),
            Route("/metrics", metrics, methods=["GET"])]
