"""POST /api/v1/sessions: a launch token in, short-lived API credentials out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from paygate.web.api import ApiRoute, RequestModel, json_response, parse_body
from paygate.web.auth import api_principal, runtime
from paygate.web.rate_limits import enforce_per_address


class SessionCreate(RequestModel):
    launch_token: str = Field(min_length=1, max_length=4096)


class UserOut(BaseModel):
    id: str
    name: str
    email: str | None = None


class SessionOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime
    role: str
    user: UserOut
    org_id: str
    clinic_id: str | None
    call_id: str | None
    locale: str | None


class WhoAmI(BaseModel):
    role: str
    user: UserOut
    org_id: str
    clinic_id: str | None
    call_id: str | None
    locale: str | None


async def create_session(request: Request) -> Response:
    await enforce_per_address(request, "sessions", runtime(request).settings.limit_sessions)
    body = await parse_body(request, SessionCreate)
    issued = await runtime(request).sessions.exchange(body.launch_token)
    p = issued.principal
    return json_response(SessionOut(
        access_token=issued.access_token, expires_at=issued.expires_at, role=p.role.value,
        user=UserOut(id=p.user_id, name=p.name, email=p.email), org_id=p.org_id,
        clinic_id=p.clinic_id, call_id=p.call_id, locale=p.locale,
    ), status_code=201)


async def whoami(request: Request) -> Response:
    p = api_principal(request)
    return json_response(WhoAmI(
        role=p.role.value, user=UserOut(id=p.user_id, name=p.name, email=p.email),
        org_id=p.org_id, clinic_id=p.clinic_id, call_id=p.call_id, locale=p.locale,
    ))


def routes() -> list[ApiRoute]:
    return [
        ApiRoute("/api/v1/sessions", create_session, methods=["POST"], body=SessionCreate,
                 response=SessionOut, status_code=201, auth=False, tags=("sessions",),
                 responses={401: "Not a valid launch token, or already used"}, limited=True,
                 summary="Exchange a launch token (once) for an access token"),
        ApiRoute("/api/v1/session", whoami, methods=["GET"], response=WhoAmI,
                 tags=("sessions",), summary="Who the access token belongs to"),
    ]
