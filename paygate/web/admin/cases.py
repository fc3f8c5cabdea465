"""Enablement requests: file one, My requests, the case thread, the operator's actions."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate.domain.cases import OPEN_STATUSES
from paygate.domain.errors import Conflict, InvalidInput
from paygate.domain.principals import Principal, Role
from paygate.services.clinics.cases import RequestInput
from paygate.web.admin.session import admin_principal, checked_form, field, redirect, render
from paygate.web.auth import runtime

NOTICES = {
    "filed": "Your request is filed. We emailed you a copy and will email you at each step.",
    "replied": "Your reply was added to the case.",
    "assigned": "The case is assigned to you and in progress.",
    "approved": "Approved: the Payment Gateway add-on is enabled for the case's clinics.",
    "rejected": "The case was rejected; the requester has been told why.",
    "rated": "Thank you for rating this case.",
}


def _case_page(number: str) -> str:
    return f"/admin/requests/{number}"


async def my_requests(request: Request) -> Response:
    who = await admin_principal(request)
    if who.role is Role.OPERATOR:
        return redirect(request, "/admin/operator")
    cases = await runtime(request).cases.list_for(who)
    return render(request, "admin/requests.html", who,
                  {"cases": cases, "section": "requests"})


async def _new_form(request: Request, who: Principal, values: dict[str, Any],
                    alert: str | None = None, error_field: str | None = None,
                    status_code: int = 200) -> Response:
    rows = await runtime(request).clinics.clinics_for(who)
    choices = [row.clinic for row in rows if not row.clinic.addon_enabled]
    return render(request, "admin/request_new.html", who, {
        "choices": choices, "form": values, "alert": alert, "error_field": error_field,
        "section": "requests"}, status_code=status_code)


async def new_request(request: Request) -> Response:
    who = await admin_principal(request)
    who.require_role(Role.CLINIC_ADMIN, Role.ORG_ADMIN)
    query = request.query_params
    follows = query.get("follows", "")
    values: dict[str, Any] = {"clinics": query.getlist("clinic"), "reason": "",
                              "contact": who.email or "", "follows": follows,
                              "new_clinic_id": "", "new_clinic_name": ""}
    if follows:
        earlier = await runtime(request).cases.thread(who, follows)
        values["clinics"] = [c.clinic_id for c in earlier.clinics]
        values["contact"] = earlier.case.contact
    return await _new_form(request, who, values)


def _request_values(form: FormData) -> dict[str, Any]:
    return {"clinics": [v for v in form.getlist("clinic") if isinstance(v, str)],
            "reason": field(form, "reason"), "contact": field(form, "contact"),
            "follows": field(form, "follows"), "new_clinic_id": field(form, "new_clinic_id"),
            "new_clinic_name": field(form, "new_clinic_name")}


async def file_request(request: Request) -> Response:
    who, form = await checked_form(request)
    values = _request_values(form)
    clinics = [(c, "") for c in values["clinics"]]
    if values["new_clinic_id"].strip():
        clinics.append((values["new_clinic_id"], values["new_clinic_name"]))
    try:
        filed = await runtime(request).cases.file(who, RequestInput(
            clinics=clinics, reason=values["reason"], contact=values["contact"],
            follows_up=values["follows"] or None))
    except (InvalidInput, Conflict) as exc:
        return await _new_form(request, who, values, exc.message, exc.field,
                               status_code=400 if isinstance(exc, InvalidInput) else 409)
    return redirect(request, _case_page(filed.number), "filed")


async def _thread(request: Request, who: Principal, number: str, alert: str | None = None,
                  draft: str = "", status_code: int = 200) -> Response:
    thread = await runtime(request).cases.thread(who, number)
    return render(request, "admin/case.html", who, {
        "thread": thread, "alert": alert, "draft": draft,
        "notice": NOTICES.get(request.query_params.get("notice", "")),
        "section": "operator" if who.role is Role.OPERATOR else "requests",
    }, status_code=status_code)


async def show_case(request: Request) -> Response:
    who = await admin_principal(request)
    return await _thread(request, who, request.path_params["number"])


async def _act(request: Request, action: str) -> Response:
    who, form = await checked_form(request)
    number = request.path_params["number"]
    cases = runtime(request).cases
    try:
        if action == "replied":
            await cases.comment(who, number, field(form, "body"))
        elif action == "assigned":
            await cases.assign(who, number)
        elif action in ("approved", "rejected"):
            await cases.resolve(who, number, action == "approved", field(form, "resolution"))
        elif action == "rated":
            rating = field(form, "rating")
            if not rating.isdigit():
                raise InvalidInput("Choose a rating from 1 to 5.", field="rating")
            await cases.rate(who, number, int(rating), field(form, "rating_comment"))
    except (InvalidInput, Conflict) as exc:
        return await _thread(request, who, number, exc.message, field(form, "body"),
                             status_code=400 if isinstance(exc, InvalidInput) else 409)
    return redirect(request, _case_page(number), action)


async def comment(request: Request) -> Response:
    return await _act(request, "replied")


async def assign(request: Request) -> Response:
    return await _act(request, "assigned")


async def approve(request: Request) -> Response:
    return await _act(request, "approved")


async def reject(request: Request) -> Response:
    return await _act(request, "rejected")


async def rate(request: Request) -> Response:
    return await _act(request, "rated")


async def console(request: Request) -> Response:
    who = await admin_principal(request)
    who.require_role(Role.OPERATOR)
    cases = await runtime(request).cases.list_for(who)
    open_cases = [c for c in cases if c.case.status in OPEN_STATUSES]
    closed = [c for c in cases if c.case.status not in OPEN_STATUSES]
    return render(request, "admin/operator.html", who, {
        "open_cases": open_cases, "closed_cases": closed[:20], "section": "operator"})


def routes() -> list[Route]:
    one = "/admin/requests/{number}"
    return [
        Route("/admin/requests", my_requests, methods=["GET"]),
        Route("/admin/requests", file_request, methods=["POST"]),
        Route("/admin/requests/new", new_request, methods=["GET"]),
        Route(one, show_case, methods=["GET"]),
        Route(f"{one}/comments", comment, methods=["POST"]),
        Route(f"{one}/assign", assign, methods=["POST"]),
        Route(f"{one}/approve", approve, methods=["POST"]),
        Route(f"{one}/reject", reject, methods=["POST"]),
        Route(f"{one}/rating", rate, methods=["POST"]),
        Route("/admin/operator", console, methods=["GET"]),
    ]
