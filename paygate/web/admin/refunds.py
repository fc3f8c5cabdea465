"""Admin: a payment's detail page (refunds and history), and Refund -> confirm -> done."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate import i18n
from paygate.domain.errors import DomainError, InvalidInput
from paygate.domain.money import Money
from paygate.domain.payment_requests import OPEN
from paygate.domain.principals import Principal
from paygate.domain.refunds import LABELS, RefundStatus
from paygate.store.database import utcnow
from paygate.web.admin.reports import STATUS_LABELS
from paygate.web.admin.session import admin_principal, checked_form, field, redirect, render
from paygate.web.admin.stripe_dashboard import dashboard_url
from paygate.web.auth import runtime
from paygate.web.errors import status_for

STATUS_TEXT = {s.value: label for s, label in STATUS_LABELS.items()}
NOTICES = {"refunded": "Refund made. The patient gets an email with its details, if they "
                       "gave an address for their receipt.",
           "link_revoked": "Payment link revoked: it and the sessions opened from it no "
                           "longer work.",
           "receipt_resent": "The receipt is being emailed again, with its PDF."}
REFUND_STATUS = {RefundStatus.PENDING: "Waiting for Stripe", RefundStatus.SUCCEEDED: "Refunded",
                 RefundStatus.FAILED: "Failed"}


def _money(amount: int, currency: str) -> str:
    # The admin pages are English: amounts as the widget and emails write them ("$45.50").
    return i18n.format_money(amount, currency, "en")


def _major(amount: int, currency: str) -> str:
    return format(Money(amount, currency).to_major(), "f")


def _base(request_id: str) -> str:
    return f"/admin/payments/{request_id}"


async def payment_page(request: Request) -> Response:
    who = await admin_principal(request)
    rt = runtime(request)
    detail = await rt.refunds.detail(who, request.path_params["request_id"])
    view = detail.view
    link_stands = (view.status in OPEN and view.pay_link_until is not None
                   and view.pay_link_until > utcnow())
    return render(request, "admin/refund_payment.html", who, {
        "section": "reports", "detail": detail, "money": _money, "link_stands": link_stands,
        "status_text": STATUS_TEXT, "refund_status": REFUND_STATUS,
        "disputes": await rt.disputes.for_payment(view.id),
        "dashboard_url": dashboard_url(request),
        "notice": NOTICES.get(request.query_params.get("notice", ""))})


async def refund_form(request: Request) -> Response:
    who = await admin_principal(request)
    return await _form(request, who, None, None)


async def _form(request: Request, who: Principal, form: FormData | None,
                problem: DomainError | None) -> Response:
    request_id = request.path_params["request_id"]
    detail = await runtime(request).refunds.detail(who, request_id)
    overview = detail.overview
    values = {"amount": field(form, "amount") if form else
              _major(overview.remaining, overview.currency),
              "reason": field(form, "reason") if form else "",
              "note": field(form, "note") if form else ""}
    context: dict[str, Any] = {
        "section": "reports", "detail": detail, "form": values, "reasons": LABELS.items(),
        "money": _money, "status_text": STATUS_TEXT}
    status = 200
    if problem is not None:
        context["alert"] = problem.message
        context["error_field"] = problem.field
        status = status_for(problem)
    return render(request, "admin/refund_form.html", who, context, status_code=status)


async def refund_submit(request: Request) -> Response:
    who, form = await checked_form(request)
    request_id = request.path_params["request_id"]
    service = runtime(request).refunds
    try:
        if field(form, "step") == "confirm":
            await service.refund(
                who, request_id, amount=_minor(field(form, "amount_minor")),
                reason=field(form, "reason"), note=field(form, "note"),
                key=field(form, "attempt") or None)
            return redirect(request, _base(request_id), notice="refunded")
        overview = await service.overview(who, request_id)
        amount = Money.from_major(field(form, "amount").strip(), overview.currency).amount
        preview = await service.preview(who, request_id, amount=amount,
                                        reason=field(form, "reason"), note=field(form, "note"))
    except DomainError as exc:
        if exc.field is None and isinstance(exc, InvalidInput) and "amount" in exc.message:
            exc.field = "amount"
        return await _form(request, who, form, exc)
    detail = await service.detail(who, request_id)
    return render(request, "admin/refund_confirm.html", who, {
        "section": "reports", "detail": detail, "preview": preview, "money": _money,
        "reason_label": preview.reason.label, "attempt": secrets.token_urlsafe(16),
        "amount_text": _major(preview.amount, detail.overview.currency)})


async def revoke_link(request: Request) -> Response:
    who, _ = await checked_form(request)
    request_id = request.path_params["request_id"]
    await runtime(request).pay_links.revoke(who, request_id)
    return redirect(request, _base(request_id), notice="link_revoked")


def _minor(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("The refund amount is missing; start again.", field="amount") \
            from None


def routes() -> list[Route]:
    return [
        Route("/admin/payments/{request_id}", payment_page, methods=["GET"]),
        Route("/admin/payments/{request_id}/refund", refund_form, methods=["GET"]),
        Route("/admin/payments/{request_id}/refund", refund_submit, methods=["POST"]),
        Route("/admin/payments/{request_id}/revoke-link", revoke_link, methods=["POST"]),
    ]
