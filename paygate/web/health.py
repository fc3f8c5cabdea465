"""GET /healthz: the process answers and its database does too."""

from __future__ import annotations

import logging

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from paygate import __version__
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


def routes() -> list[ApiRoute]:
    return [ApiRoute("/healthz", healthz, methods=["GET"], response=Health, auth=False,
                     tags=("operations",), summary="Liveness and database reachability",
                     responses={503: "Database unavailable"})]
