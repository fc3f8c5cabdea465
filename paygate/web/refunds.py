"""The refunds API: refund a paid request, list its refunds."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.responses import Response

from paygate.domain.refunds import LABELS, NOTE_MAX, Reason
from paygate.services.refunds.views import RefundOverview, RefundView
from paygate.web.api import ApiRoute, RequestModel, json_response, parse_body
from paygate.web.auth import api_principal, runtime
from paygate.web.payments import PaymentRequestOut, request_out


class RefundCreate(RequestModel):
    multiline = frozenset({"note"})
    amount: int | None = Field(default=None, json_schema_extra={"minimum": 1}, description=(
        "Minor units to refund (2500 is 25.00 USD); omit to refund everything that is "
        "left."))
    reason: str = Field(max_length=32, description="One of: " + ", ".join(
        f"{reason.value} ({label})" for reason, label in LABELS.items()) + ". Only Stripe's "
        "own reason (requested_by_customer, duplicate or fraudulent, or none) is sent to "
        "Stripe.", json_schema_extra={"enum": [reason.value for reason in Reason]})
    note: str = Field(default="", max_length=4 * NOTE_MAX, description=(
        "Why, in your words; kept in paygate, never sent to Stripe. Required for other."))

    @field_validator("amount", mode="before")
    @classmethod
    def whole_minor_units(cls, value: Any) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise PydanticCustomError(
                "int_type", "the amount must be a whole number of minor units "
                "(2500 for 25.00)")
        return value


class RefundOut(RefundView):
    """A refund over the API: the staff view's fields, so the two cannot drift."""


class ReasonOut(BaseModel):
    code: str
    label: str


class RefundsOut(BaseModel):
    payment_request_id: str
    status: str
    amount: int
    amount_refunded: int
    remaining: int
    currency: str
    refundable: bool
    refunds: list[RefundOut]
    reasons: list[ReasonOut]


class RefundCreated(BaseModel):
    refund: RefundOut
    payment_request: PaymentRequestOut
    refunds: RefundsOut


def refund_out(view: RefundView) -> RefundOut:
    return RefundOut(**dict(view))


def refunds_out(overview: RefundOverview) -> RefundsOut:
    return RefundsOut(
        payment_request_id=overview.request_id, status=overview.status,
        amount=overview.amount, amount_refunded=overview.amount_refunded,
        remaining=overview.remaining, currency=overview.currency,
        refundable=overview.refundable, refunds=[refund_out(r) for r in overview.refunds],
        reasons=[ReasonOut(code=r.value, label=label) for r, label in LABELS.items()])


async def create_refund(request: Request) -> Response:
    principal = api_principal(request)
    body = await parse_body(request, RefundCreate)
    result = await runtime(request).refunds.refund(
        principal, request.path_params["request_id"], amount=body.amount,
        reason=body.reason, note=body.note, key=request.headers.get("idempotency-key"))
    return json_response(RefundCreated(refund=refund_out(result.refund),
                                       payment_request=request_out(result.request),
                                       refunds=refunds_out(result.overview)),
                         status_code=201)


async def list_refunds(request: Request) -> Response:
    overview = await runtime(request).refunds.overview(api_principal(request),
                                                       request.path_params["request_id"])
    return json_response(refunds_out(overview))


def routes() -> list[ApiRoute]:
    tags = ("refunds",)
    path = "/api/v1/payment-requests/{request_id}"
    return [
        ApiRoute(f"{path}/refunds", create_refund, methods=["POST"], body=RefundCreate,
                 response=RefundCreated, status_code=201, tags=tags,
                 responses={400: "Amount or reason not valid, or more than is left",
                            403: "Not the call's clinician nor an admin of the clinic",
                            404: "No such payment request",
                            409: "Not paid, already refunded, or another refund running",
                            502: "Stripe refused the refund",
                            503: "Stripe did not answer; retrying cannot refund twice"},
                 summary="Refund all or part of a paid request (the call's clinician or a "
                         "clinic admin). Send an Idempotency-Key header to make retries "
                         "safe."),
        ApiRoute(f"{path}/refunds", list_refunds, methods=["GET"], response=RefundsOut,
                 tags=tags, responses={403: "Not allowed", 404: "Not found"},
                 summary="A payment's refunds and what is left to refund"),
    ]
