"""Configure > Client Payments: the add-on's status, Go to Stripe, edit, remove."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from paygate.domain.account_requirements import describe, disabled_because
from paygate.domain.errors import Conflict, InvalidInput
from paygate.domain.money import SUPPORTED
from paygate.domain.principals import Principal
from paygate.domain.time_zones import all_zones, zone_for_country
from paygate.services.clinics.onboarding import COUNTRIES
from paygate.services.clinics.service import ClinicSettingsInput
from paygate.web.admin.receipts import receipts_context
from paygate.web.admin.session import (
    admin_principal,
    checked_form,
    field,
    page_headers,
    public_base,
    redirect,
    render,
)
from paygate.web.admin.stripe_dashboard import dashboard_url
from paygate.web.auth import runtime

NOTICES = {
    "linked": "Your Stripe account is linked. Clinicians can now request payments in calls.",
    "denied": "Stripe access was not granted (Deny was chosen on Stripe), so nothing was "
              "linked.",
    "stripe_error": "Stripe could not complete the authorization, so nothing was linked. "
                    "Try Go to Stripe again.",
    "saved": "Settings saved.",
    "receipts_saved": "Receipt details saved.",
    "refreshed": "Account details refreshed from Stripe.",
    "onboarded": "Your new Stripe account is set up and linked. Clinicians can now request "
                 "payments in calls.",
    "details_needed": "Your new Stripe account is linked, but Stripe still needs some details "
                      "before it accepts payments: see below.",
    "removed": "The Stripe account was removed: paygate's access to it was revoked and the "
               "clinic's open payment requests were cancelled.",
}
CURRENCIES = sorted(SUPPORTED)


def _page(clinic_id: str, suffix: str = "") -> str:
    return f"/admin/clinics/{clinic_id}/client-payments{suffix}"


def notice_of(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("notice", ""))


async def overview(request: Request) -> Response:
    who = await admin_principal(request)
    view = await runtime(request).clinics.overview(who, request.path_params["clinic_id"])
    return render(request, "admin/client_payments.html", who,
                  {"view": view, "notice": notice_of(request), "section": "client-payments",
                   "countries": COUNTRIES, "describe": describe,
                   "disabled_because": disabled_because,
                   "dashboard_url": dashboard_url(request)})


async def connect(request: Request) -> Response:
    who, _ = await checked_form(request)
    url = await runtime(request).clinics.begin_link(
        who, request.path_params["clinic_id"], f"{public_base(request)}/admin/stripe/callback")
    return RedirectResponse(url, status_code=303, headers=page_headers(request))


async def stripe_callback(request: Request) -> Response:
    who = await admin_principal(request)
    query = request.query_params
    try:
        clinic_id, linked = await runtime(request).clinics.finish_link(
            who, query.get("state", ""), query.get("code"), query.get("error"))
    except (InvalidInput, Conflict) as exc:
        return render(request, "admin/problem.html", who,
                      {"title": "Nothing was linked", "message": exc.message},
                      status_code=409 if isinstance(exc, Conflict) else 400)
    if linked:
        notice = "linked"
    else:
        notice = "denied" if query.get("error") == "access_denied" else "stripe_error"
    return redirect(request, _page(clinic_id), notice)


async def edit_context(request: Request, who: Principal, clinic_id: str) -> dict[str, Any]:
    """The Edit page's settings form as saved (the Receipts section adds its own)."""
    view = await runtime(request).clinics.overview(who, clinic_id)
    clinic = view.clinic
    form = {"display_name": clinic.display_name or "", "reply_to": clinic.reply_to or "",
            "default_currency": clinic.default_currency,
            "share_description": clinic.share_description,
            "redirect_methods": clinic.redirect_methods,
            "pay_link_hours": str(clinic.pay_link_ttl // 3600),
            "hold_hours": str(clinic.hold_hours),
            "default_capture": clinic.default_capture,
            "time_zone": clinic.time_zone or zone_for_country(
                view.link.country if view.link else None)}
    return {"view": view, "form": form, "currencies": CURRENCIES, "zones": all_zones(),
            "section": "client-payments"}


async def edit(request: Request) -> Response:
    who = await admin_principal(request)
    clinic_id = request.path_params["clinic_id"]
    context = await edit_context(request, who, clinic_id)
    context.update(await receipts_context(request, who, clinic_id))
    context["notice"] = notice_of(request)
    return render(request, "admin/edit.html", who, context)


async def save_settings(request: Request) -> Response:
    who, data = await checked_form(request)
    clinic_id = request.path_params["clinic_id"]
    form = ClinicSettingsInput(
        display_name=field(data, "display_name"), reply_to=field(data, "reply_to"),
        default_currency=field(data, "default_currency"),
        share_description=field(data, "share_description") == "on",
        redirect_methods=field(data, "redirect_methods") == "on",
        pay_link_hours=field(data, "pay_link_hours"), hold_hours=field(data, "hold_hours"),
        default_capture=field(data, "default_capture"),
        time_zone=field(data, "time_zone"))
    clinics = runtime(request).clinics
    try:
        await clinics.save_settings(who, clinic_id, form)
    except InvalidInput as exc:
        view = await clinics.overview(who, clinic_id)
        return render(request, "admin/edit.html", who, {
            "view": view, "form": form.__dict__, "currencies": CURRENCIES,
            "zones": all_zones(), "alert": exc.message, "error_field": exc.field,
            "section": "client-payments",
            **await receipts_context(request, who, clinic_id)},
            status_code=400)
    return redirect(request, _page(clinic_id), "saved")


async def refresh(request: Request) -> Response:
    who, _ = await checked_form(request)
    clinic_id = request.path_params["clinic_id"]
    await runtime(request).clinics.refresh(who, clinic_id)
    return redirect(request, _page(clinic_id), "refreshed")


async def confirm_remove(request: Request) -> Response:
    who = await admin_principal(request)
    view = await runtime(request).clinics.overview(who, request.path_params["clinic_id"])
    if view.link is None:
        return redirect(request, _page(view.clinic.id))
    return render(request, "admin/remove.html", who,
                  {"view": view, "section": "client-payments"})


async def remove(request: Request) -> Response:
    who, _ = await checked_form(request)
    clinic_id = request.path_params["clinic_id"]
    await runtime(request).clinics.unlink(who, clinic_id)
    return redirect(request, _page(clinic_id), "removed")


def routes() -> list[Route]:
    base = "/admin/clinics/{clinic_id}/client-payments"
    return [
        Route(base, overview, methods=["GET"]),
        Route(f"{base}/connect", connect, methods=["POST"]),
        Route(f"{base}/edit", edit, methods=["GET"]),
        Route(f"{base}/settings", save_settings, methods=["POST"]),
        Route(f"{base}/refresh", refresh, methods=["POST"]),
        Route(f"{base}/remove", confirm_remove, methods=["GET"]),
        Route(f"{base}/remove", remove, methods=["POST"]),
        Route("/admin/stripe/callback", stripe_callback, methods=["GET"]),
    ]
