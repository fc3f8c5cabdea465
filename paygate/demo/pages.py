"""The demo's own pages: the call room (both people of one call side by side) and the
captured email."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from paygate import i18n
from paygate.demo.mail import DemoMailbox, send_reply
from paygate.domain.principals import Role
from paygate.web.auth import runtime

CALL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Who "Open as ..." signs in: (role, user id, name). The clinic admin manages the demo
# clinic; the operator approves enablement requests for every clinic.
ADMINS = {
    "clinic-admin": (Role.CLINIC_ADMIN, "alex-admin", "Alex Admin", "alex@sunrise.example"),
    "operator": (Role.OPERATOR, "sam-operator", "Sam Operator", "sam@paygate.example"),
}


@dataclass(frozen=True)
class DemoInfo:
    org_id: str
    clinic_id: str
    clinic_name: str
    sandbox_url: str
    account_id: str
    mailbox: DemoMailbox
    new_clinic_id: str | None = None     # a clinic without the add-on, if seeded
    new_clinic_name: str | None = None


def demo_routes(info: DemoInfo) -> list[BaseRoute]:
    async def home(request: Request) -> Response:
        return RedirectResponse("/demo", status_code=302)

    async def room(request: Request) -> Response:
        call = request.query_params.get("call") or "consult-1001"
        if not CALL_ID.match(call):
            call = "consult-1001"
        # ?locale=fa puts both panels in that language; without it they follow the browser.
        locale = i18n.normalize(request.query_params.get("locale"))
        signer = runtime(request).signer
        clinician = signer.mint_launch(
            role=Role.CLINICIAN, org_id=info.org_id, clinic_id=info.clinic_id, call_id=call,
            user_id="dr-ada-grey", name="Dr Ada Grey", locale=locale, ttl=600)
        patient = signer.mint_launch(
            role=Role.PATIENT, org_id=info.org_id, clinic_id=info.clinic_id, call_id=call,
            user_id="pat-doe", name="Pat Doe", email="pat.doe@example.com", locale=locale,
            ttl=600)
        response: Response = request.app.state.templates.TemplateResponse(
            request, "demo/room.html", {
                "call": call, "clinic_name": info.clinic_name,
                "clinician_src": f"/widget/frame?launch={clinician}",
                "patient_src": f"/widget/frame?launch={patient}",
                "dashboard_url": f"{info.sandbox_url}/dashboard/accounts/{info.account_id}",
                "locale": locale, "languages": i18n.NAMES,
                "new_clinic_id": info.new_clinic_id, "new_clinic_name": info.new_clinic_name,
            })
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def admin(request: Request) -> Response:
        """Sign in to the admin pages as a host would: a fresh launch token for each click
        (a token is used once), handed to /admin/login."""
        found = ADMINS.get(request.path_params["who"])
        if found is None:
            return Response("No such demo sign-in.", status_code=404)
        role, user_id, name, email = found
        clinic = info.clinic_id
        if request.query_params.get("clinic") == info.new_clinic_id and info.new_clinic_id:
            clinic, user_id, name = info.new_clinic_id, "hana-admin", "Hana Admin"
            email = "hana@harbour.example"
        token = runtime(request).signer.mint_launch(
            role=role, org_id="" if role is Role.OPERATOR else info.org_id, user_id=user_id,
            name=name, email=email,
            clinic_id=clinic if role is Role.CLINIC_ADMIN else None, ttl=60)
        return RedirectResponse(f"/admin/login?{urlencode({'launch': token})}",
                                status_code=303, headers={"Cache-Control": "no-store",
                                                          "Referrer-Policy": "no-referrer"})

    async def mail(request: Request) -> Response:
        listener = runtime(request).settings.inbound_smtp
        response: Response = request.app.state.templates.TemplateResponse(
            request, "demo/mail.html", {
                "messages": info.mailbox.messages(),
                "listener": f"{listener[0]}:{listener[1]}" if listener else None,
                "sent": request.query_params.get("sent", "")[:300]})
        response.headers["Cache-Control"] = "no-store"
        return response

    async def reply(request: Request) -> Response:
        """Reply to a case email from its recipient's mailbox (as a mail client would)."""
        if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
            return Response("Replies are sent from this page only.", status_code=403)
        listener = runtime(request).settings.inbound_smtp
        async with request.form(max_files=0, max_fields=4) as form:
            index, body = str(form.get("index", "")), str(form.get("body", "")).strip()
        original = info.mailbox.by_index(int(index)) if index.isdigit() else None
        if listener is None or original is None or not original.reply_to or not body:
            return Response("Write a reply to a case email.", status_code=400)
        said = await send_reply(listener, original, body)
        return RedirectResponse(f"/demo/mail?{urlencode({'sent': said})}", status_code=303)

    return [Route("/", home), Route("/demo", room), Route("/demo/mail", mail),
            Route("/demo/mail/reply", reply, methods=["POST"]),
            Route("/demo/admin/{who:str}", admin, methods=["GET"])]
