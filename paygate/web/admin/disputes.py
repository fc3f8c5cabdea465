"""Configure > Disputes: a clinic's disputes, open ones first, each with its deadline and
a link to respond in the clinic's Stripe Dashboard (paygate itself submits no evidence)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate.web.admin.session import admin_principal, render
from paygate.web.admin.stripe_dashboard import dashboard_url
from paygate.web.auth import runtime


async def disputes_page(request: Request) -> Response:
    who = await admin_principal(request)
    clinic_id = request.path_params["clinic_id"]
    rt = runtime(request)
    clinic = await rt.clinics.clinic(who, clinic_id)
    rows = await rt.disputes.list_for(who, clinic_id)
    return render(request, "admin/disputes.html", who, {
        "section": "disputes", "clinic": clinic, "rows": rows,
        "open_count": sum(1 for r in rows if r.dispute.open),
        "dashboard_url": dashboard_url(request)})


def routes() -> list[Route]:
    return [Route("/admin/clinics/{clinic_id}/disputes", disputes_page, methods=["GET"])]
