"""Configure > Undelivered events (operators): signed events the host platform did not
take yet, with Redeliver (same webhook-id and body)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate.domain.errors import NotFound
from paygate.web.admin.session import admin_principal, checked_form, redirect, render
from paygate.web.auth import runtime

PAGE = "/admin/host-events"
NOTICES = {"redelivered": "The event is queued again; paygate sends it within seconds."}


async def undelivered(request: Request) -> Response:
    who = await admin_principal(request)
    relay = runtime(request).host_events
    if relay is None:
        raise NotFound("Events to the host platform are not configured (PAYGATE_EVENTS_URL).")
    events = await relay.failed(who)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    return render(request, "admin/host_events.html", who,
                  {"events": events, "notice": notice, "section": "host-events"})


async def redeliver(request: Request) -> Response:
    who, _ = await checked_form(request)
    raw = request.path_params["delivery_id"]
    relay = runtime(request).host_events
    if relay is None or not raw.isdigit():
        raise NotFound("No such undelivered event.")
    await relay.redeliver(who, int(raw))
    return redirect(request, PAGE, notice="redelivered")


def routes() -> list[Route]:
    return [
        Route(PAGE, undelivered, methods=["GET"]),
        Route(PAGE + "/{delivery_id}/redeliver", redeliver, methods=["POST"]),
    ]
