"""Payment links: the clinician emails one for an open request (and can revoke it); GET
/pay/{token} is the standalone page it opens, and the session that page pays with.

While the request is open the page mounts the same patient checkout as the in-call panel
(Stripe's Payment Element, the same confirmation); otherwise it says, without JavaScript,
that the request was paid, cancelled or has expired."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from paygate import i18n
from paygate.domain.errors import DomainError, NotFound
from paygate.domain.payment_requests import SETTLED, Status
from paygate.services.pay_links.service import LinkedRequest
from paygate.web.api import ApiRoute, RequestModel, json_response, parse_body
from paygate.web.auth import api_principal, runtime
from paygate.web.payments import PaymentRequestOut, request_out
from paygate.web.rate_limits import enforce, enforce_per_address
from paygate.web.receipts import pdf_response
from paygate.web.sessions import SessionOut, UserOut
from paygate.web.widget import STATIC_PATH, catalog_json, frame_policy


class PayLinkCreate(RequestModel):
    email: str | None = Field(default=None, max_length=320, description=(
        "Where to send the link; else the address the patient gave, if any."))
    locale: str | None = Field(default=None, max_length=35, description=(
        "The email's language; else the patient's, else English."))


class PayLinkOut(BaseModel):
    sent_to: str
    expires_at: datetime = Field(description=(
        "The link works until then (the clinic's link validity, 72 hours unless changed); "
        "the request stays payable that long, unless the link is revoked."))


class PayLinkSessionCreate(RequestModel):
    token: str = Field(min_length=1, max_length=512)
    locale: str | None = Field(default=None, max_length=35)


class PayLinkSessionOut(SessionOut):
    payment_request_id: str


def _headers(request: Request) -> dict[str, str]:
    policy = frame_policy(runtime(request).settings).split("; ")
    policy = [p for p in policy if not p.startswith("frame-ancestors")]
    return {"Content-Security-Policy": "; ".join([*policy, "frame-ancestors 'none'"]),
            "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex"}


def _state(linked: LinkedRequest) -> str:
    status = linked.view.status
    if linked.payable:
        return "payable"
    if Status(status) in SETTLED:
        return "paid"
    if status == Status.CANCELLED.value:
        return "cancelled"
    if status == Status.EXPIRED.value:
        return "expired"
    return "revoked" if linked.link == "revoked" else "expired"  # open, this link not


async def pay_page(request: Request) -> Response:
    rt = runtime(request)
    token = request.path_params["token"]
    accept = request.headers.get("accept-language")
    try:
        linked = await rt.pay_links.open(token)
    except DomainError as exc:
        locale = i18n.negotiate(accept=accept)
        return _render(request, locale, {"state": "invalid", "message": exc.message}, 404)
    locale = i18n.negotiate(linked.locale_hint, accept=accept)
    state = _state(linked)
    view = linked.view
    context = {
        "state": state, "token": token, "view": view, "static": STATIC_PATH,
        "amount": i18n.format_money(view.amount, view.currency, locale),
        "paid_at": i18n.format_datetime(view.paid_at, locale) if view.paid_at else None,
        "expires": i18n.format_datetime(linked.link_expires_at, locale),
        "receipt_url": (f"/pay/{token}/receipt.pdf?locale={locale}"
                        if state == "paid" and linked.link != "revoked" else None),
        # No "<" inside the JSON: nothing in it can end its <script> element early.
        "catalog": json.dumps(catalog_json(locale), ensure_ascii=False).replace("<", "\\u003c"),
    }
    status = 200 if state in ("payable", "paid") else 410
    return _render(request, locale, context, status)


def _render(request: Request, locale: str, context: dict[str, object],
            status: int) -> Response:
    html = i18n.template_env(locale).get_template("pay/page.html").render(context)
    headers = _headers(request) | {"Content-Language": locale}
    return HTMLResponse(html, status_code=status, headers=headers)


async def pay_page_receipt(request: Request) -> Response:
    """The receipt PDF from a paid request's payment link (a revoked link gives none)."""
    rt = runtime(request)
    linked = await rt.pay_links.open(request.path_params["token"])
    if linked.link == "revoked":
        raise NotFound("This payment link was withdrawn; ask the clinic for the receipt.")
    locale = i18n.negotiate(request.query_params.get("locale") or linked.locale_hint,
                            accept=request.headers.get("accept-language"))
    pdf = await rt.receipts.pdf_for_link(linked.view.id, locale)
    return pdf_response(pdf.filename, pdf.content)


async def start_session(request: Request) -> Response:
    await enforce_per_address(request, "sessions", runtime(request).settings.limit_sessions)
    body = await parse_body(request, PayLinkSessionCreate)
    locale = i18n.negotiate(body.locale, accept=request.headers.get("accept-language"))
    issued, view = await runtime(request).pay_links.start_session(body.token, locale)
    p = issued.principal
    return json_response(PayLinkSessionOut(
        access_token=issued.access_token, expires_at=issued.expires_at, role=p.role.value,
        user=UserOut(id=p.user_id, name=p.name, email=p.email), org_id=p.org_id,
        clinic_id=p.clinic_id, call_id=p.call_id, locale=p.locale,
        payment_request_id=view.id), status_code=201)


async def send_pay_link(request: Request) -> Response:
    principal = api_principal(request)
    body = await parse_body(request, PayLinkCreate)
    rt = runtime(request)
    limits, request_id = rt.settings, request.path_params["request_id"]
    # Narrowest first, so a refusal there spends nothing of the wider allowances.
    await enforce(request, "pay_links_request", limits.limit_pay_links_per_request, request_id)
    await enforce(request, "pay_links_clinician", limits.limit_pay_links_per_clinician,
                  f"{principal.org_id}/{principal.user_id}")
    await enforce_per_address(request, "pay_links_address", limits.limit_pay_links_per_address)
    base = rt.settings.public_url or str(request.base_url)
    sent = await rt.pay_links.send(principal, request_id,
                                   email=body.email, locale=body.locale, base_url=base)
    return json_response(PayLinkOut(sent_to=sent.to, expires_at=sent.expires_at),
                         status_code=202)


async def revoke_pay_link(request: Request) -> Response:
    view = await runtime(request).pay_links.revoke(api_principal(request),
                                                   request.path_params["request_id"])
    return json_response(request_out(view))


def routes() -> list[BaseRoute]:
    tags = ("pay links",)
    path = "/api/v1/payment-requests/{request_id}"
    return [
        ApiRoute(f"{path}/pay-link", send_pay_link, methods=["POST"], body=PayLinkCreate,
                 response=PayLinkOut, status_code=202, tags=tags, limited=True,
                 responses={400: "No valid email address", 409: "The request is not open"},
                 summary="Email the patient a link to pay this open request on its own "
                         "page (clinician)"),
        ApiRoute(f"{path}/pay-link/revoke", revoke_pay_link, methods=["POST"],
                 response=PaymentRequestOut, tags=tags,
                 responses={403: "Not the call's clinician nor an admin of the clinic",
                            404: "No such payment request"},
                 summary="Revoke the request's payment links: they and the sessions opened "
                         "from them stop working; the request keeps only its own time "
                         "(the call's clinician or a clinic admin)"),
        Route("/pay/{token:str}", pay_page, methods=["GET"]),
        Route("/pay/{token:str}/receipt.pdf", pay_page_receipt, methods=["GET"]),
        ApiRoute("/api/v1/pay-links/session", start_session, methods=["POST"],
                 body=PayLinkSessionCreate, response=PayLinkSessionOut, status_code=201,
                 auth=False, tags=tags, limited=True,
                 responses={401: "Not a valid link", 409: "Paid, cancelled or expired"},
                 summary="Open a payment link: a session that reads and pays that one "
                         "request only (not its call), while the link and request stand"),
    ]
