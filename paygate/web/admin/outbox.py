"""Configure > Undelivered email: emails paygate could not send yet, with a Resend button."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate.domain.errors import NotFound
from paygate.web.admin.session import admin_principal, checked_form, redirect, render
from paygate.web.auth import runtime

PAGE = "/admin/emails"
NOTICES = {"resent": "The email is queued again; paygate sends it within a few seconds."}


async def undelivered(request: Request) -> Response:
    who = await admin_principal(request)
    emails = await runtime(request).undelivered.list_for(who)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    return render(request, "admin/outbox.html", who,
                  {"emails": emails, "notice": notice, "section": "emails"})


async def resend(request: Request) -> Response:
    who, _ = await checked_form(request)
    raw = request.path_params["email_id"]
    if not raw.isdigit():
        raise NotFound("No such email.")
    await runtime(request).undelivered.resend(who, int(raw))
    return redirect(request, PAGE, notice="resent")


def routes() -> list[Route]:
    return [
        Route(PAGE, undelivered, methods=["GET"]),
        Route(PAGE + "/{email_id}/resend", resend, methods=["POST"]),
    ]
