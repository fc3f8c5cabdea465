"""The service desk API: file a case, list and read cases, reply, and answer a proposed
resolution. The admin pages use the same services."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from paygate.domain.cases import CaseStatus
from paygate.domain.errors import InvalidInput
from paygate.services.desk.filing import CaseInput, RequestInput
from paygate.services.desk.views import CaseDetailView, CaseView, case_detail, case_view
from paygate.web.api import ApiRoute, RequestModel, json_response, parse_body
from paygate.web.auth import api_principal, runtime


class CaseCreate(RequestModel):
    multiline = frozenset({"description"})
    type: Literal["enablement", "payment", "billing", "other"]
    category: str = Field(default="", max_length=32, description=(
        "One of the type's categories (GET /openapi.json lists them in the description of "
        "this field): enablement: addon; payment: question, complaint, refund, declined; "
        "billing: invoice, fees, plan; other: general, feedback."))
    subject: str = Field(default="", max_length=200)
    description: str = Field(max_length=4000)
    priority: Literal["critical", "high", "routine", "planned"] = "routine"
    clinic_id: str = Field(max_length=64)
    reference: str = Field(default="", max_length=64, description=(
        "A payment case's PAY-... reference or Stripe id (pi_..., dp_...) of one of the "
        "clinic's payments; a billing invoice case's invoice number."))
    department: str = Field(default="", max_length=32)
    colleague: str = Field(default="", max_length=64, description=(
        "An operator's user id: send the case to them by name."))
    follows_up: str | None = Field(default=None, max_length=16)


class CommentCreate(RequestModel):
    multiline = frozenset({"body"})
    body: str = Field(max_length=4000)


class ResolutionAnswer(RequestModel):
    multiline = frozenset({"comment"})
    resolved: bool
    rating: int | None = Field(default=None, ge=1, le=5)
    comment: str = Field(default="", max_length=4000)


class CaseOut(CaseView):
    """A case in a list."""


class CaseDetailOut(CaseDetailView):
    """A case with its comments (by web or email) and its history."""


class CasesOut(BaseModel):
    cases: list[CaseOut]


async def create_case(request: Request) -> Response:
    who = api_principal(request)
    body = await parse_body(request, CaseCreate)
    cases = runtime(request).cases
    if body.type == "enablement":
        filed = await cases.file(who, RequestInput(
            clinics=[(body.clinic_id, "")], reason=body.description,
            contact=who.email or "", follows_up=body.follows_up))
    else:
        filed = await cases.file_case(who, CaseInput(
            kind=body.type, category=body.category, subject=body.subject,
            description=body.description, clinic_id=body.clinic_id, priority=body.priority,
            reference=body.reference, department=body.department, colleague=body.colleague,
            follows_up=body.follows_up))
    return json_response(CaseOut(**dict(case_view(filed))), status_code=201)


async def list_cases(request: Request) -> Response:
    status = request.query_params.get("status") or None
    if status is not None and status not in {s.value for s in CaseStatus}:
        raise InvalidInput("status is one of " + ", ".join(s.value for s in CaseStatus) + ".",
                           field="status")
    rows = await runtime(request).cases.list_for(api_principal(request), status=status)
    return json_response(CasesOut(cases=[CaseOut(**dict(case_view(r))) for r in rows]))


async def get_case(request: Request) -> Response:
    thread = await runtime(request).cases.thread(api_principal(request),
                                                 request.path_params["number"])
    return json_response(CaseDetailOut(**dict(case_detail(thread))))


async def add_comment(request: Request) -> Response:
    who = api_principal(request)
    body = await parse_body(request, CommentCreate)
    cases = runtime(request).cases
    number = request.path_params["number"]
    await cases.comment(who, number, body.body)
    return json_response(CaseDetailOut(**dict(case_detail(await cases.thread(who, number)))),
                         status_code=201)


async def answer(request: Request) -> Response:
    who = api_principal(request)
    body = await parse_body(request, ResolutionAnswer)
    cases = runtime(request).cases
    number = request.path_params["number"]
    await cases.answer_resolution(who, number, body.resolved, body.rating, body.comment)
    return json_response(CaseDetailOut(**dict(case_detail(await cases.thread(who, number)))))


def routes() -> list[ApiRoute]:
    tags = ("cases",)
    one = "/api/v1/cases/{number}"
    closed = {409: "The case is closed: open a follow-up case (follows_up) instead"}
    return [
        ApiRoute("/api/v1/cases", create_case, methods=["POST"], body=CaseCreate,
                 response=CaseOut, status_code=201, tags=tags,
                 responses={400: "A field is missing or not valid (a payment reference "
                                 "that is not one of the clinic's payments, a category of "
                                 "another type)", 403: "Not a clinic or org admin",
                            409: "The add-on is already enabled or requested"},
                 summary="File a case with the service desk (clinic and org admins)"),
        ApiRoute("/api/v1/cases", list_cases, methods=["GET"], response=CasesOut, tags=tags,
                 responses={403: "Your role cannot see cases"},
                 summary="The cases you may see, newest first (?status= to filter)"),
        ApiRoute(one, get_case, methods=["GET"], response=CaseDetailOut, tags=tags,
                 responses={403: "Another clinic's or organisation's case",
                            404: "No such case"},
                 summary="A case with its comments and history"),
        ApiRoute(f"{one}/comments", add_comment, methods=["POST"], body=CommentCreate,
                 response=CaseDetailOut, status_code=201, tags=tags,
                 responses={403: "Another clinic's or organisation's case", **closed},
                 summary="Reply on an open case"),
        ApiRoute(f"{one}/resolution", answer, methods=["POST"], body=ResolutionAnswer,
                 response=CaseDetailOut, tags=tags,
                 responses={403: "Not the requester's side", **closed},
                 summary="Resolved (and maybe a rating) or not resolved (say what is "
                         "still wrong) for a proposed resolution"),
    ]

