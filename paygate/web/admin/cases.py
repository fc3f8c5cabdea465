"""Service desk cases: file an enablement request, My requests, the case thread with its
replies and attachments, the requester's answer to a proposed resolution, and the
operators' console and actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate.domain.cases import DEPARTMENT_LABELS, OPEN_STATUSES, PRIORITY_LABELS, TYPE_LABELS
from paygate.domain.errors import Conflict, InvalidInput
from paygate.domain.principals import Principal, Role
from paygate.services.desk.attachments import LIMITS, MAX_BYTES, MAX_FILES, PHI_WORDS, Upload
from paygate.services.desk.filing import RequestInput
from paygate.store.database import utcnow
from paygate.web.admin.session import (
    admin_principal,
    checked_form,
    field,
    read_files,
    redirect,
    render,
)
from paygate.web.auth import runtime

NOTICES = {
    "filed": "Your request is filed. We emailed you a copy and will email you at each step.",
    "replied": "Your reply was added to the case.",
    "assigned": "The case is assigned to you and in progress.",
    "approved": "Approved: the Payment Gateway add-on is enabled for the case's clinics.",
    "rejected": "The case was rejected; the requester has been told why.",
    "rated": "Thank you for rating this case.",
    "reassigned": "The case was passed on; the thread says to whom.",
    "priority": "The priority was changed.",
    "proposed": "Proposed as resolved: the requester was asked to confirm.",
    "resolved": "Thank you: the case is resolved.",
    "not_resolved": "Thank you: the case went back to the service desk.",
    "kept": "Your attachments are added to the case.",
    "discarded": "Your attachments were discarded.",
    "team": "The colleague's department and tier are saved.",
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
                  draft: str = "", status_code: int = 200,
                  error_field: str | None = None) -> Response:
    rt = runtime(request)
    thread = await rt.cases.thread(who, number)
    team = await rt.cases.operators.team() if who.role is Role.OPERATOR else []
    return render(request, "admin/case.html", who, {
        "thread": thread, "alert": alert, "draft": draft, "error_field": error_field,
        "team": team, "departments": DEPARTMENT_LABELS, "priorities": PRIORITY_LABELS,
        "types": TYPE_LABELS, "limits": LIMITS, "phi_words": PHI_WORDS,
        "autoclose_days": rt.settings.case_autoclose_days,
        "notice": NOTICES.get(request.query_params.get("notice", "")),
        "section": "operator" if who.role is Role.OPERATOR else "requests",
    }, status_code=status_code)


async def show_case(request: Request) -> Response:
    who = await admin_principal(request)
    return await _thread(request, who, request.path_params["number"])


async def _uploads(form: FormData) -> list[Upload]:
    return [Upload(name, content) for name, content in
            await read_files(form, "attachments", MAX_BYTES)]


async def _act(request: Request, action: str) -> Response:
    who, form = await checked_form(request, files=MAX_FILES if action == "replied" else 0)
    number = request.path_params["number"]
    cases = runtime(request).cases
    operators = cases.operators
    try:
        if action == "replied":
            await cases.comment(who, number, field(form, "body"), await _uploads(form),
                                field(form, "no_phi") == "yes", field(form, "wait") == "yes")
        elif action == "assigned":
            await operators.assign(who, number)
        elif action == "reassigned":
            await operators.assign(who, number, colleague=field(form, "colleague"),
                                   department=field(form, "department"))
        elif action == "priority":
            await operators.set_priority(who, number, field(form, "priority"))
        elif action == "proposed":
            await operators.propose(who, number, field(form, "resolution"))
        elif action in ("approved", "rejected"):
            await operators.decide(who, number, action == "approved", field(form, "resolution"))
        elif action == "answered":
            resolved = field(form, "resolved") == "yes"
            rating = field(form, "rating")
            await cases.answer_resolution(who, number, resolved,
                                          int(rating) if rating.isdigit() else None,
                                          field(form, "comment"))
            action = "resolved" if resolved else "not_resolved"
        elif action == "attachments":
            keep = field(form, "keep") == "yes"
            await cases.confirm_attachments(who, number, keep)
            action = "kept" if keep else "discarded"
        elif action == "rated":
            rating = field(form, "rating")
            if not rating.isdigit():
                raise InvalidInput("Choose a rating from 1 to 5.", field="rating")
            await cases.rate(who, number, int(rating), field(form, "rating_comment"))
    except (InvalidInput, Conflict) as exc:
        return await _thread(request, who, number, exc.message, field(form, "body"),
                             status_code=400 if isinstance(exc, InvalidInput) else 409,
                             error_field=exc.field)
    return redirect(request, _case_page(number), action)


def _action(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await _act(request, name)
    endpoint.__name__ = name
    return endpoint


async def attachment(request: Request) -> Response:
    """One file of a case, to who may see the case: always a download, never rendered in
    paygate's origin (a PDF or image cannot run script here)."""
    who = await admin_principal(request)
    raw = request.path_params["attachment_id"]
    if not raw.isdigit():
        raise InvalidInput("There is no such attachment on this case.")
    row = await runtime(request).cases.attachment(who, request.path_params["number"],
                                                  int(raw))
    return Response(row.content, media_type=row.content_type, headers={
        "Content-Disposition": f'attachment; filename="{row.filename}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


async def console(request: Request) -> Response:
    """Every open case, what is due first on top; the desk's team and their tiers."""
    who = await admin_principal(request)
    who.require_role(Role.OPERATOR)
    rt = runtime(request)
    cases = await rt.cases.list_for(who)
    open_cases = [c for c in cases if c.case.status in OPEN_STATUSES]
    now = utcnow()
    closed = sorted((c for c in cases if c.case.status not in OPEN_STATUSES),
                    key=lambda c: c.case.updated_at, reverse=True)
    return render(request, "admin/operator.html", who, {
        "open_cases": open_cases, "closed_cases": closed[:20], "section": "operator",
        "overdue": {c.number for c in open_cases if c.overdue(now)},
        "team": await rt.cases.operators.team(),
        "departments": DEPARTMENT_LABELS, "notice": NOTICES.get(
            request.query_params.get("notice", ""))})


async def set_member(request: Request) -> Response:
    who, form = await checked_form(request)
    tier = field(form, "tier")
    if not tier.isdigit():
        raise InvalidInput("A tier is 1 to 3.", field="tier")
    await runtime(request).cases.operators.set_member(
        who, field(form, "user_id"), field(form, "department"), int(tier))
    return redirect(request, "/admin/operator", "team")


def routes() -> list[Route]:
    one = "/admin/requests/{number}"
    return [
        Route("/admin/requests", my_requests, methods=["GET"]),
        Route("/admin/requests", file_request, methods=["POST"]),
        Route("/admin/requests/new", new_request, methods=["GET"]),
        Route(one, show_case, methods=["GET"]),
        *(Route(f"{one}/{path}", _action(name), methods=["POST"]) for path, name in (
            ("comments", "replied"), ("assign", "assigned"), ("reassign", "reassigned"),
            ("priority", "priority"), ("propose", "proposed"), ("approve", "approved"),
            ("reject", "rejected"), ("resolution", "answered"), ("rating", "rated"),
            ("attachments", "attachments"))),
        Route(f"{one}/attachments/{{attachment_id}}", attachment, methods=["GET"]),
        Route("/admin/operator", console, methods=["GET"]),
        Route("/admin/operator/team", set_member, methods=["POST"]),
    ]
