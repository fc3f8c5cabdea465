"""Filing a payment, billing or other case: a one-page form or a step-by-step assistant,
both ending in a preview, then a page linking to the new case and to the list of cases.

Both are one server-rendered form: the assistant shows one step at a time and carries the
answers so far in hidden fields. Files are checked (type by content, size, the no-PHI
confirmation) when the preview is made and wait, seen by their sender only, for the
submit; without the confirmation nothing is uploaded."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate.domain.cases import (
    CATEGORIES,
    DEPARTMENT_FOR,
    DEPARTMENT_LABELS,
    PRIORITY_LABELS,
    TARGETS,
    TYPE_LABELS,
    CaseType,
    category_of,
    parse_type,
)
from paygate.domain.errors import Conflict, InvalidInput
from paygate.domain.principals import Principal, Role
from paygate.services.desk.attachments import LIMITS, MAX_BYTES, MAX_FILES, PHI_WORDS, Upload
from paygate.services.desk.filing import CaseInput
from paygate.web.admin.session import admin_principal, checked_form, field, read_files, render
from paygate.web.auth import runtime

FIELDS = ("clinic_id", "type", "category", "subject", "description", "reference",
          "priority", "route", "department", "colleague", "no_phi", "draft", "follows")
# The assistant's steps, and the fields each asks for.
STEPS = (("clinic", ("clinic_id",)), ("type", ("type",)), ("category", ("category",)),
         ("details", ("subject", "description", "reference")),
         ("routing", ("priority", "route", "department", "colleague")),
         ("files", ("no_phi", "attachments")))
STEP_NAMES = {"clinic": "Clinic", "type": "Kind of case", "category": "Category",
              "details": "Details", "routing": "Who and how urgent", "files": "Attachments"}


def _hours(delta: Any) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 24:
        return f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{hours // 24} day{'s' if hours >= 48 else ''}"


_TARGET_WORDS = {p: _hours(t.first_answer) for p, t in TARGETS.items()}


def _values(form: FormData | None, who: Principal) -> dict[str, str]:
    values = {name: field(form, name) if form is not None else "" for name in FIELDS}
    values["priority"] = values["priority"] or "routine"
    values["route"] = values["route"] or "department"
    if who.role is Role.CLINIC_ADMIN and who.clinic_id:
        values["clinic_id"] = who.clinic_id
    return values


async def _uploads(form: FormData) -> list[Upload]:
    return [Upload(name, content) for name, content in
            await read_files(form, "attachments", MAX_BYTES)]


def _input(values: dict[str, str], uploads: list[Upload]) -> CaseInput:
    colleague = values["colleague"] if values["route"] == "colleague" else ""
    department = values["department"] if values["route"] != "colleague" else ""
    return CaseInput(
        kind=values["type"], category=values["category"], subject=values["subject"],
        description=values["description"], clinic_id=values["clinic_id"],
        priority=values["priority"], reference=values["reference"],
        department=department, colleague=colleague, uploads=uploads,
        no_phi=values["no_phi"] == "yes", draft=values["draft"],
        follows_up=values["follows"] or None)


def _steps(clinics: list[Any]) -> list[str]:
    return [name for name, _ in STEPS if name != "clinic" or len(clinics) > 1]


def _step_of(field_name: str | None) -> str | None:
    return next((name for name, fields in STEPS if field_name in fields), None)


async def _page(request: Request, who: Principal, mode: str, values: dict[str, str],
                step: str = "", preview: bool = False, alert: str | None = None,
                error_field: str | None = None, status_code: int = 200) -> Response:
    rt = runtime(request)
    clinics = [row.clinic for row in await rt.clinics.clinics_for(who)]
    steps = _steps(clinics)
    if not values["clinic_id"] and len(clinics) == 1:
        values["clinic_id"] = clinics[0].id
    kind = None
    try:
        kind = parse_type(values["type"]) if values["type"] else None
    except InvalidInput:
        pass
    category = None
    if kind is not None and values["category"]:
        try:
            category = category_of(kind, values["category"])
        except InvalidInput:
            pass
    team = await rt.cases.operators.team()
    return render(request, "admin/case_new.html", who, {
        "section": "requests", "mode": mode, "values": values, "step": step or steps[0],
        "steps": steps, "step_names": STEP_NAMES, "preview": preview, "alert": alert,
        "error_field": error_field, "clinics": clinics,
        "clinic": next((c for c in clinics if c.id == values["clinic_id"]), None),
        "types": {t: label for t, label in TYPE_LABELS.items() if t is not CaseType.ENABLEMENT},
        "kind": kind, "categories": CATEGORIES, "category": category,
        "priorities": PRIORITY_LABELS, "targets": _TARGET_WORDS, "departments": DEPARTMENT_LABELS,
        "default_department": DEPARTMENT_FOR.get(kind) if kind else None, "team": team,
        "files": await rt.cases.draft_files(who, values["draft"]),
        "limits": LIMITS, "phi_words": PHI_WORDS, "max_files": MAX_FILES,
    }, status_code=status_code)


async def new_case(request: Request) -> Response:
    who = await admin_principal(request)
    who.require_role(Role.CLINIC_ADMIN, Role.ORG_ADMIN)
    mode = "assistant" if request.query_params.get("mode") == "assistant" else "form"
    values = _values(None, who)
    values["type"] = request.query_params.get("type", "")
    values["follows"] = request.query_params.get("follows", "")
    if values["follows"]:
        earlier = (await runtime(request).cases.thread(who, values["follows"])).case
        values.update(type=earlier.kind, category=earlier.category,
                      subject=earlier.subject or "", reference=earlier.reference or "")
    return await _page(request, who, mode, values)


async def post_case(request: Request) -> Response:
    who, form = await checked_form(request, files=MAX_FILES)
    uploads = await _uploads(form)
    values = _values(form, who)
    mode = "assistant" if field(form, "mode") == "assistant" else "form"
    action, step = field(form, "action"), field(form, "step")
    cases = runtime(request).cases
    if values["type"] == CaseType.ENABLEMENT.value:
        return await _page(request, who, mode, values, "type",
                           alert="Enablement has its own request form.", error_field="type")
    if action in ("edit", "back"):
        if action == "back":
            clinics = [row.clinic for row in await runtime(request).clinics.clinics_for(who)]
            steps = _steps(clinics)
            step = steps[max(steps.index(step) - 1, 0)] if step in steps else steps[0]
        return await _page(request, who, mode, values, step)
    try:
        if action == "submit":
            filed = await cases.file_case(who, _input(values, []))
            return render(request, "admin/case_filed.html", who, {
                "section": "requests", "summary": filed}, status_code=201)
        values["draft"] = await cases.check_case(who, _input(values, uploads))
    except (InvalidInput, Conflict) as exc:
        at = _step_of(exc.field)
        if mode == "assistant" and action == "next" and at is not None:
            clinics = [row.clinic for row in await runtime(request).clinics.clinics_for(who)]
            steps = _steps(clinics)
            if step in steps and at in steps and steps.index(at) > steps.index(step):
                return await _page(request, who, mode, values,
                                   steps[steps.index(step) + 1])
        return await _page(request, who, mode, values, at or step, alert=exc.message,
                           error_field=exc.field,
                           status_code=400 if isinstance(exc, InvalidInput) else 409)
    if mode == "assistant" and action == "next":
        clinics = [row.clinic for row in await runtime(request).clinics.clinics_for(who)]
        steps = _steps(clinics)
        if step in steps and steps.index(step) + 1 < len(steps):
            return await _page(request, who, mode, values, steps[steps.index(step) + 1])
    return await _page(request, who, mode, values, preview=True)


def routes() -> list[Route]:
    return [Route("/admin/cases/new", new_case, methods=["GET"]),
            Route("/admin/cases/new", post_case, methods=["POST"])]
