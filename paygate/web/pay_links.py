"""GET /pay/{token}: the standalone page a payment link opens, and the session it pays with.

While the request is open the page mounts the same patient checkout as the in-call panel
(Stripe's Payment Element, the same confirmation); otherwise it says, without JavaScript,
that the request was paid, cancelled or has expired."""

from __future__ import annotations

import json

from pydantic import Field
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from paygate import i18n
from paygate.domain.errors import DomainError
from paygate.domain.payment_requests import SETTLED, Status
from paygate.services.pay_links.service import LinkedRequest
from paygate.web.api import ApiRoute, RequestModel, json_response, parse_body
from paygate.web.auth import runtime
from paygate.web.rate_limits import enforce_per_address
from paygate.web.sessions import SessionOut, UserOut
from paygate.web.widget import STATIC_PATH, catalog_json, frame_policy


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


def routes() -> list[BaseRoute]:
    return [
        Route("/pay/{token:str}", pay_page, methods=["GET"]),
        ApiRoute("/api/v1/pay-links/session", start_session, methods=["POST"],
                 body=PayLinkSessionCreate, response=PayLinkSessionOut, status_code=201,
                 auth=False, tags=("pay links",), limited=True,
                 responses={401: "Not a valid link", 409: "Paid, cancelled or expired"},
                 summary="Open a payment link: a session that reads and pays that one "
                         "request only (not its call), while the link and request stand"),
    ]
