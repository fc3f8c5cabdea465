"""GET /pay/return: where Stripe sends a patient back from a payment method that left the
page for their bank (only clinics that allow such methods offer them). It reads the result
from Stripe (services.payments.returns) and says, in the patient's language, whether the
payment went through; without JavaScript, and with no way to pay from here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from paygate import i18n
from paygate.domain.errors import NotFound
from paygate.domain.payment_requests import SETTLED, Status
from paygate.services.payments.returns import Returned
from paygate.web.auth import runtime


def _state(returned: Returned) -> str:
    status = Status(returned.view.status)
    if status in SETTLED:
        return "paid"
    if status is Status.FAILED or returned.failure:
        return "failed"
    if status in (Status.CANCELLED, Status.EXPIRED):
        return "ended"
    return "processing"  # the bank has not answered yet (or a hold is authorised)


async def pay_return(request: Request) -> Response:
    query = request.query_params
    locale = i18n.negotiate(query.get("locale"), accept=request.headers.get("accept-language"))
    try:
        returned = await runtime(request).payments.returns.returned(
            query.get("payment_intent", "")[:255],
            query.get("payment_intent_client_secret", "")[:255])
    except NotFound:
        return _render(request, locale, {"state": "unknown"}, 404)
    view = returned.view
    return _render(request, locale, {
        "state": _state(returned), "view": view, "failure": returned.failure,
        "amount": i18n.format_money(view.amount_paid or view.amount, view.currency, locale),
        "paid_at": i18n.format_datetime(view.paid_at, locale) if view.paid_at else None,
    }, 200)


def _headers(request: Request, locale: str) -> dict[str, str]:
    # No script at all; framed where the panel is (the patient left the call's panel for
    # the bank and comes back inside it), by the host platforms only. Never cached, and no
    # Referer: the address holds the intent's client secret.
    ancestors = " ".join(["'self'", *runtime(request).settings.allowed_origins])
    policy = ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
              f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}")
    return {"Content-Security-Policy": policy, "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
            "Content-Language": locale}


def _render(request: Request, locale: str, context: dict[str, object],
            status: int) -> Response:
    html = i18n.template_env(locale).get_template("pay/returned.html").render(context)
    return HTMLResponse(html, status_code=status, headers=_headers(request, locale))


def routes() -> list[Route]:
    return [Route("/pay/return", pay_return, methods=["GET"])]  # before /pay/{token}
