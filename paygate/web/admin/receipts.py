"""Client Payments > Edit > Receipts (what receipts say about the clinic, clinicians'
provider numbers), and the receipt PDF from the admin payment page (issue 22)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate.domain.errors import InvalidInput
from paygate.domain.principals import Principal
from paygate.services.receipts.profiles import ProfileInput
from paygate.web.admin.session import admin_principal, checked_form, field, redirect, render
from paygate.web.auth import runtime
from paygate.web.receipts import pdf_response


def _edit_page(clinic_id: str) -> str:
    return f"/admin/clinics/{clinic_id}/client-payments/edit"


async def receipts_context(request: Request, who: Principal, clinic_id: str,
                           form: ProfileInput | None = None) -> dict[str, Any]:
    """What the Edit page's Receipts section shows."""
    receipts = runtime(request).receipts
    return {"receipts": form or await receipts.profile(who, clinic_id),
            "providers": await receipts.provider_numbers(who, clinic_id)}


async def save_profile(request: Request) -> Response:
    who, data = await checked_form(request)
    clinic_id = request.path_params["clinic_id"]
    form = ProfileInput(
        legal_name=field(data, "legal_name"), tax_id_kind=field(data, "tax_id_kind") or "abn",
        tax_id=field(data, "tax_id"), tax_id_label=field(data, "tax_id_label"),
        address=field(data, "address"), phone=field(data, "phone"),
        gst_registered=field(data, "gst_registered") == "on", footer=field(data, "footer"))
    try:
        await runtime(request).receipts.save_profile(who, clinic_id, form)
    except InvalidInput as exc:
        return await _refused(request, who, clinic_id, exc, form)
    return redirect(request, _edit_page(clinic_id), "receipts_saved")


async def save_provider_number(request: Request) -> Response:
    who, data = await checked_form(request)
    clinic_id = request.path_params["clinic_id"]
    try:
        await runtime(request).receipts.set_provider_number(
            who, clinic_id, field(data, "user_id"), field(data, "provider_number"))
    except InvalidInput as exc:
        return await _refused(request, who, clinic_id, exc)
    return redirect(request, _edit_page(clinic_id), "receipts_saved")


async def _refused(request: Request, who: Principal, clinic_id: str, exc: InvalidInput,
                   form: ProfileInput | None = None) -> Response:
    from paygate.web.admin.client_payments import edit_context

    context = await edit_context(request, who, clinic_id)
    context.update(await receipts_context(request, who, clinic_id, form))
    context.update({"receipts_alert": exc.message, "receipts_error_field": exc.field})
    return render(request, "admin/edit.html", who, context, status_code=400)


async def admin_receipt(request: Request) -> Response:
    who = await admin_principal(request)
    pdf = await runtime(request).receipts.pdf_for(who, request.path_params["request_id"])
    return pdf_response(pdf.filename, pdf.content)


async def resend_receipt(request: Request) -> Response:
    who, _ = await checked_form(request)
    request_id = request.path_params["request_id"]
    await runtime(request).receipts.resend(who, request_id)
    return redirect(request, f"/admin/payments/{request_id}", "receipt_resent")


def routes() -> list[Route]:
    base = "/admin/clinics/{clinic_id}/client-payments"
    return [
        Route(f"{base}/receipts", save_profile, methods=["POST"]),
        Route(f"{base}/provider-numbers", save_provider_number, methods=["POST"]),
        Route("/admin/payments/{request_id}/receipt.pdf", admin_receipt, methods=["GET"]),
        Route("/admin/payments/{request_id}/resend-receipt", resend_receipt,
              methods=["POST"]),
    ]
