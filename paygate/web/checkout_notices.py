"""POST /api/v1/payment-requests/{id}/checkout-notice: the patient's panel says it opened
or left the checkout, so the clinician's panel can show "Patient is paying..."."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from paygate.services.payments.checkout_notices import CHECKOUT_REPEAT, NOTICE_SECONDS
from paygate.web.api import ApiRoute, json_response, parse_body
from paygate.web.auth import api_principal, runtime


class CheckoutNotice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    open: bool = Field(description=f"true when the checkout opens (again every "
                                   f"{CHECKOUT_REPEAT} s while it stays open), false when "
                                   f"the patient leaves it.")


class CheckoutNoticeOut(BaseModel):
    request_id: str
    open: bool
    seconds: int = Field(description="How long the clinician's panel shows it without "
                                     "another notice.")
    repeat: int = Field(description="Send it again after this many seconds while open.")


async def checkout_notice(request: Request) -> Response:
    body = await parse_body(request, CheckoutNotice)
    request_id = request.path_params["request_id"]
    await runtime(request).checkout_notices.patient_checkout(
        api_principal(request), request_id, open_=body.open)
    return json_response(CheckoutNoticeOut(request_id=request_id, open=body.open,
                                           seconds=NOTICE_SECONDS, repeat=CHECKOUT_REPEAT),
                         status_code=202)


def routes() -> list[ApiRoute]:
    return [ApiRoute(
        "/api/v1/payment-requests/{request_id}/checkout-notice", checkout_notice,
        methods=["POST"], body=CheckoutNotice, response=CheckoutNoticeOut, status_code=202,
        tags=("payments",),
        responses={403: "Not this call's patient", 404: "No such payment request",
                   409: "The request can no longer be paid"},
        summary="The patient opened or left the checkout (patient); the call hears of it")]
