"""The in-call payments JSON API (/api/v1): clinicians request, patients pay."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.responses import Response

from paygate import i18n
from paygate.domain.money import SUPPORTED, exponent, minimum_charge
from paygate.domain.principals import Role
from paygate.services.payments.service import DESCRIPTION_MAX, RequestDetail
from paygate.services.payments.views import RequestView
from paygate.web.api import ApiRoute, RequestModel, json_response, parse_body
from paygate.web.auth import api_principal, runtime
from paygate.web.receipts import ReceiptFields, checked_detail, record_detail

# The smallest charge in any supported currency: each currency's own minimum is checked
# by the domain (money.minimum_charge) and listed in GET .../payment-options.
SMALLEST_CHARGE = min(minimum_charge(code) for code in SUPPORTED)


class PaymentRequestCreate(RequestModel, ReceiptFields):
    multiline = frozenset({"description"})
    amount: int = Field(description="Minor units of the currency: 2500 is 25.00 USD, "
                                    "500 is 500 JPY. At least the currency's minimum "
                                    "charge (see payment-options).",
                        json_schema_extra={"minimum": SMALLEST_CHARGE})
    currency: str | None = Field(default=None, min_length=3, max_length=3,
                                 description="ISO code; the clinic's default if omitted.")
    description: str = Field(max_length=2000, description="What the payment is for. "
                             "Avoid clinical details.")
    capture: Literal["automatic", "manual"] | None = Field(default=None, description=(
        "automatic: charged when the patient pays; manual: a hold of up to `amount`, "
        "charged at the end of the call with POST .../capture, or released with "
        "POST .../cancel. If omitted, the clinic's default (payment-options' "
        "default_capture)."))

    @field_validator("amount", mode="before")
    @classmethod
    def whole_minor_units(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise PydanticCustomError(
                "int_type", "the amount must be a whole number of minor units "
                "(2500 for 25.00)")
        return value


class CaptureIn(RequestModel):
    amount: int | None = Field(default=None, description=(
        "Minor units to charge, at most the hold and at least the currency's minimum; "
        "the whole hold if omitted."), json_schema_extra={"minimum": SMALLEST_CHARGE})


class ReceiptEmail(RequestModel):
    email: str = Field(max_length=320)
    locale: str | None = Field(
        default=None, max_length=35,
        description="The language for the receipt (e.g. fr, fa-IR); else the token's "
                    "locale, else Accept-Language, else English.")


class DisputeOut(BaseModel):
    status: str = Field(description="Stripe's: needs_response, under_review, won, lost; "
                                    "warning_needs_response, warning_under_review, "
                                    "warning_closed for an inquiry.")
    reason: str = Field(description="Stripe's reason, e.g. fraudulent, product_not_received.")
    amount: int = Field(description="Minor units disputed (of the request's currency).")
    evidence_due_by: str | None = Field(description="ISO time the clinic must respond by.")


class PaymentRequestOut(RequestView):
    """A payment request over the API: the call's view of it, and what only its patient
    (or the clinician who made it) may read."""

    model_config = ConfigDict(frozen=False)

    receipt_email: str | None = Field(default=None, description="The patient's only.")
    client_secret: str | None = Field(default=None, description=(
        "For the call's patient while the request is payable: what Stripe.js needs."))
    publishable_key: str | None = None
    stripe_account: str | None = None
    dispute: DisputeOut | None = Field(default=None, description=(
        "The latest dispute of the payment's charge (for the clinic's side), else null."))


class PaymentRequestList(BaseModel):
    requests: list[PaymentRequestOut]


class CurrencyOut(BaseModel):
    code: str
    exponent: int
    minimum: int


class CallOptionsOut(BaseModel):
    clinic_name: str
    default_currency: str
    max_amount: int | None
    pay_link_hours: int = Field(description="How long an emailed payment link stays valid.")
    ready: bool
    not_ready_reason: str | None
    not_ready_code: str | None = Field(
        None, description="Why not ready, for clients to word it: addon_not_enabled, "
                          "stripe_account_not_linked, account_not_ready (Stripe does not "
                          "accept charges on the clinic's account now).")
    default_capture: Literal["automatic", "manual"] = Field(
        description="What a new request is when it does not say, as the clinic set it.")
    description_max: int
    currencies: list[CurrencyOut]
    stripe_js_url: str


def request_out(view: RequestView, detail: RequestDetail | None = None) -> PaymentRequestOut:
    """A request over the API; with its detail, what only the detail endpoints show."""
    out = PaymentRequestOut.model_validate(view.public())
    if detail is not None:
        out.receipt_email = detail.receipt_email
        if detail.checkout is not None:
            out.client_secret = detail.checkout.client_secret
            out.publishable_key = detail.checkout.publishable_key
            out.stripe_account = detail.checkout.stripe_account
    return out


async def _with_disputes(request: Request, outs: list[PaymentRequestOut]
                         ) -> list[PaymentRequestOut]:
    """Fill in each paid request's dispute (never for the patient: it is the clinic's)."""
    if api_principal(request).role is Role.PATIENT:
        return outs
    found = await runtime(request).disputes.latest_for(
        [o.id for o in outs if o.paid_at is not None])
    for out in outs:
        if out.id in found:
            out.dispute = DisputeOut(**found[out.id].api())
    return outs


async def _detail_out(request: Request, detail: RequestDetail) -> PaymentRequestOut:
    return (await _with_disputes(request, [request_out(detail.view, detail)]))[0]


async def call_options(request: Request) -> Response:
    rt = runtime(request)
    opts = await rt.payments.options(api_principal(request), request.path_params["call_id"])
    return json_response(CallOptionsOut(
        clinic_name=opts.clinic_name, default_currency=opts.default_currency,
        max_amount=opts.max_amount, pay_link_hours=opts.pay_link_hours, ready=opts.ready,
        not_ready_reason=opts.not_ready_reason, not_ready_code=opts.not_ready_code,
        default_capture=opts.default_capture, description_max=DESCRIPTION_MAX,
        stripe_js_url=rt.settings.stripe_js_url,
        currencies=[CurrencyOut(code=c, exponent=exponent(c), minimum=minimum_charge(c))
                    for c in sorted(SUPPORTED)]))


async def create_request(request: Request) -> Response:
    principal = api_principal(request)
    body = await parse_body(request, PaymentRequestCreate)
    detail = await checked_detail(request, principal, body.amount, body)
    view = await runtime(request).payments.create(
        principal, request.path_params["call_id"], amount=body.amount,
        currency=body.currency, description=body.description, capture=body.capture)
    await record_detail(request, principal, view.id, detail)
    return json_response(request_out(view), status_code=201)


async def capture_request(request: Request) -> Response:
    principal = api_principal(request)
    body = await parse_body(request, CaptureIn)
    view = await runtime(request).payments.capture(principal,
                                                   request.path_params["request_id"],
                                                   body.amount)
    return json_response(request_out(view))


async def list_requests(request: Request) -> Response:
    views = await runtime(request).payments.list_for_call(api_principal(request),
                                                          request.path_params["call_id"])
    outs = await _with_disputes(request, [request_out(v) for v in views])
    return json_response(PaymentRequestList(requests=outs))


async def get_request(request: Request) -> Response:
    detail = await runtime(request).payments.get(api_principal(request),
                                                 request.path_params["request_id"])
    return json_response(await _detail_out(request, detail))


async def cancel_request(request: Request) -> Response:
    view = await runtime(request).payments.cancel(api_principal(request),
                                                  request.path_params["request_id"])
    return json_response(request_out(view))


async def set_receipt(request: Request) -> Response:
    principal = api_principal(request)
    body = await parse_body(request, ReceiptEmail)
    locale = i18n.negotiate(body.locale, principal.locale,
                            accept=request.headers.get("accept-language"))
    detail = await runtime(request).payments.set_receipt_email(
        principal, request.path_params["request_id"], body.email, locale)
    return json_response(await _detail_out(request, detail))


async def refresh_request(request: Request) -> Response:
    detail = await runtime(request).payments.refresh(api_principal(request),
                                                     request.path_params["request_id"])
    return json_response(await _detail_out(request, detail))


def routes() -> list[ApiRoute]:
    tags = ("payments",)
    conflict = {404: "No such payment request", 409: "Not allowed in its current status"}
    return [
        ApiRoute("/api/v1/calls/{call_id}/payment-options", call_options, methods=["GET"],
                 response=CallOptionsOut, tags=tags,
                 summary="The clinic's payment settings for this call (currency, limits)"),
        ApiRoute("/api/v1/calls/{call_id}/payment-requests", create_request,
                 methods=["POST"], body=PaymentRequestCreate, response=PaymentRequestOut,
                 status_code=201, tags=tags,
                 responses={409: "Add-on not enabled or no Stripe account linked",
                            422: "Line items that do not add up to the amount",
                            502: "Stripe refused", 503: "Stripe unavailable"},
                 summary="Request a payment from the patient of this call (clinician)"),
        ApiRoute("/api/v1/calls/{call_id}/payment-requests", list_requests, methods=["GET"],
                 response=PaymentRequestList, tags=tags,
                 summary="The call's payment requests, newest first"),
        ApiRoute("/api/v1/payment-requests/{request_id}", get_request, methods=["GET"],
                 response=PaymentRequestOut, tags=tags, responses={404: "Not found"},
                 summary="One payment request (with Stripe.js details for the patient)"),
        ApiRoute("/api/v1/payment-requests/{request_id}/cancel", cancel_request,
                 methods=["POST"], response=PaymentRequestOut, tags=tags,
                 responses=conflict, summary="Cancel an open payment request (clinician)"),
        ApiRoute("/api/v1/payment-requests/{request_id}/capture", capture_request,
                 methods=["POST"], body=CaptureIn, response=PaymentRequestOut, tags=tags,
                 responses=conflict,
                 summary="Charge an authorised hold, all or part of it (clinician)"),
        ApiRoute("/api/v1/payment-requests/{request_id}/receipt", set_receipt,
                 methods=["POST"], body=ReceiptEmail, response=PaymentRequestOut, tags=tags,
                 responses=conflict,
                 summary="Where the patient wants the receipt emailed (patient)"),
        ApiRoute("/api/v1/payment-requests/{request_id}/refresh", refresh_request,
                 methods=["POST"], response=PaymentRequestOut, tags=tags,
                 responses=conflict,
                 summary="Re-read the payment's state from Stripe"),
    ]
