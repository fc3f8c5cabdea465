"""Configure > Client Payments: Create a Stripe account, and Stripe-hosted onboarding's
way back (return_url, refresh_url)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from paygate.domain.errors import Conflict, InvalidInput
from paygate.services.clinics.onboarding import OnboardingUrls
from paygate.web.admin.session import (
    admin_principal,
    checked_form,
    field,
    page_headers,
    public_base,
    redirect,
    render,
)
from paygate.web.auth import runtime

BASE = "/admin/clinics/{clinic_id}/client-payments"
def _page(clinic_id: str, suffix: str = "") -> str:
    return f"/admin/clinics/{clinic_id}/client-payments{suffix}"


def _urls(request: Request, clinic_id: str) -> OnboardingUrls:
    base = public_base(request) + _page(clinic_id, "/onboarding")
    return OnboardingUrls(return_url=base + "/return", refresh_url=base + "/refresh")


def _to_stripe(request: Request, url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers=page_headers(request))


async def create_account(request: Request) -> Response:
    who, data = await checked_form(request)
    clinic_id = request.path_params["clinic_id"]
    onboarding = runtime(request).clinics.onboarding
    try:
        url = await onboarding.create_account(who, clinic_id, field(data, "country"),
                                              _urls(request, clinic_id))
    except (InvalidInput, Conflict) as exc:
        return render(request, "admin/problem.html", who,
                      {"title": "No Stripe account was created", "message": exc.message},
                      status_code=409 if isinstance(exc, Conflict) else 400)
    return _to_stripe(request, url)


async def continue_onboarding(request: Request) -> Response:
    """POST from the page's Continue button, or GET from Stripe's refresh_url."""
    if request.method == "POST":
        who, _ = await checked_form(request)
    else:
        who = await admin_principal(request)
    clinic_id = request.path_params["clinic_id"]
    try:
        url = await runtime(request).clinics.onboarding.continue_url(
            who, clinic_id, _urls(request, clinic_id))
    except Conflict as exc:
        return render(request, "admin/problem.html", who,
                      {"title": "Nothing to continue", "message": exc.message},
                      status_code=409)
    return _to_stripe(request, url)


async def returned(request: Request) -> Response:
    """Stripe's return_url says nothing of the outcome: read the account to know."""
    who = await admin_principal(request)
    clinic_id = request.path_params["clinic_id"]
    clinics = runtime(request).clinics
    await clinics.refresh(who, clinic_id)
    view = await clinics.overview(who, clinic_id)
    ready = view.link is not None and view.link.charges_enabled and not (
        view.link.currently_due or view.link.past_due)
    return redirect(request, _page(clinic_id), "onboarded" if ready else "details_needed")


def routes() -> list[Route]:
    return [
        Route(f"{BASE}/create-account", create_account, methods=["POST"]),
        Route(f"{BASE}/onboarding", continue_onboarding, methods=["POST"]),
        Route(f"{BASE}/onboarding/refresh", continue_onboarding, methods=["GET"]),
        Route(f"{BASE}/onboarding/return", returned, methods=["GET"]),
    ]
