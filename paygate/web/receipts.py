"""Receipts over the API: the optional receipt details of Request Payment, and the
receipt PDF (issue 22)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from paygate import i18n
from paygate.domain.principals import Principal
from paygate.domain.receipts import CODE_MAX, ITEM_DESCRIPTION_MAX, ITEMS_MAX, Gst, LineItem
from paygate.services.receipts.details import DetailInput
from paygate.web.api import ApiRoute, RequestModel
from paygate.web.auth import api_principal, runtime


class LineItemIn(RequestModel):
    code: str | None = Field(default=None, max_length=CODE_MAX,
                             description="The item number, e.g. a Medicare item (23).")
    description: str = Field(max_length=ITEM_DESCRIPTION_MAX)
    amount: int = Field(description="Minor units, GST included when taxable.",
                        json_schema_extra={"minimum": 1})
    gst: Literal["free", "taxable"] = Field(
        default="free", description="Health services are GST-free; a taxable line's "
                                    "price includes GST (1/11).")


class ReceiptFields(BaseModel):
    """What Request Payment may add for the receipt: kept in paygate, never sent to
    Stripe."""

    items: list[LineItemIn] | None = Field(
        default=None, max_length=ITEMS_MAX,
        description="Line items; their amounts must add up to `amount` (else 422).")
    service_date: date | None = Field(
        default=None, description="The date of service (ISO date); today in the clinic's "
                                  "time zone if omitted.")

    def receipt_detail(self) -> DetailInput:
        return DetailInput(
            items=tuple(LineItem(i.description, i.amount, Gst(i.gst), i.code)
                        for i in self.items or ()),
            service_date=self.service_date)


async def checked_detail(request: Request, principal: Principal, amount: int,
                         body: ReceiptFields) -> DetailInput:
    return await runtime(request).receipts.check_details(principal, amount,
                                                         body.receipt_detail())


async def record_detail(request: Request, principal: Principal, request_id: str,
                        detail: DetailInput) -> None:
    await runtime(request).receipts.record_details(principal, request_id, detail)


async def receipt_pdf(request: Request) -> Response:
    principal = api_principal(request)
    locale = i18n.normalize(request.query_params.get("locale"))
    pdf = await runtime(request).receipts.pdf_for(principal, request.path_params["request_id"],
                                                  locale)
    return pdf_response(pdf.filename, pdf.content)


def pdf_response(filename: str, content: bytes) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def routes() -> list[ApiRoute]:
    return [
        ApiRoute("/api/v1/payment-requests/{request_id}/receipt.pdf", receipt_pdf,
                 methods=["GET"], tags=("payments",), media_type="application/pdf",
                 responses={404: "No such request, or not paid yet"},
                 summary="The receipt PDF of a paid request (its patient or clinician, the "
                         "clinic's admins); ?locale= picks the language"),
    ]
