"""JSON API plumbing: routes that declare their body and response models (for /openapi.json),
one body parser that turns validation failures into clear 400s, and the text rules every
request model, path parameter and admin form field gets (no control characters)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from paygate.domain.errors import InvalidInput
from paygate.domain.text import CONTROL_MESSAGE, check_text, has_control_character

M = TypeVar("M", bound=BaseModel)


class RequestModel(BaseModel):
    """A request body: unknown fields refused, and no control characters in any text field
    (tab and line breaks only in the fields listed in `multiline`)."""

    model_config = ConfigDict(extra="forbid")
    multiline: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and has_control_character(
                value, multiline=info.field_name in cls.multiline):
            raise PydanticCustomError("control_character", CONTROL_MESSAGE)
        return value


class ApiRoute(Route):
    """A Route that knows its models, so the OpenAPI document is derived, not hand-kept."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, methods: list[str],
                 summary: str, body: type[BaseModel] | None = None,
                 response: type[BaseModel] | None = None, status_code: int = 200,
                 auth: bool = True, tags: tuple[str, ...] = (),
                 responses: dict[int, str] | None = None, limited: bool = False,
                 media_type: str | None = None) -> None:
        super().__init__(path, endpoint, methods=methods)
        self.summary = summary
        self.body_model = body
        self.response_model = response
        self.status_code = status_code
        self.auth = auth
        self.tags = tags
        self.extra_responses = responses or {}
        self.limited = limited  # rate-limited: 429 with Retry-After is documented
        self.media_type = media_type  # a file (application/pdf) instead of JSON


async def parse_body(request: Request, model: type[M]) -> M:
    raw = await request.body()  # capped in size and time by BodyLimits
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        raise InvalidInput("The request body must be JSON.") from None
    except RecursionError:
        raise InvalidInput("The request body is nested too deeply.") from None
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        message = first["msg"]
        if first["type"] == "missing":
            message = f"{field} is required."
        elif first["type"] == "extra_forbidden":
            message = f"Unknown field {field}."
        elif field:
            message = f"{field}: {message}"
        raise InvalidInput(message, field=field) from None


def json_response(model: BaseModel | list[BaseModel] | dict[str, Any],
                  status_code: int = 200) -> Response:
    if isinstance(model, BaseModel):
        content: Any = model.model_dump(mode="json")
    elif isinstance(model, list):
        content = [m.model_dump(mode="json") for m in model]
    else:
        content = model
    return JSONResponse(content, status_code=status_code,
                        headers={"Cache-Control": "no-store"})


MULTILINE_FORM_FIELDS = frozenset({"note", "body", "reason", "resolution", "rating_comment",
                                   "address", "footer", "description", "comment"})
# Single-line fields whose service refuses a line break itself, in a person's words ("The
# name shown to patients must be on one line"); the form check still refuses every other
# control character in them.
ONE_LINE_BY_SERVICE = frozenset({"display_name", "reply_to", "contact", "new_clinic_name",
                                 "name"})


def check_form(form: FormData, multiline: frozenset[str] = MULTILINE_FORM_FIELDS) -> None:
    """An admin form's text fields follow the same rule as API bodies. Browsers send a
    textarea's line breaks as CRLF, so the multi-line fields allow them."""
    for name, value in form.multi_items():
        check_text(name, "field name")
        if isinstance(value, str):
            if name in ONE_LINE_BY_SERVICE:
                value = value.replace("\r", "").replace("\n", "")
            check_text(value, name, multiline=name in multiline)


class _PathGuard:
    """Refuses a path parameter with a control character (`pr_%00x`) with a 400 naming it,
    before the endpoint runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for name, value in scope.get("path_params", {}).items():
            if isinstance(value, str):
                check_text(value, name)
        await self.app(scope, receive, send)


def guard_path_params(routes: list[BaseRoute]) -> list[BaseRoute]:
    """Every Route's path parameters checked in one place (the routes are changed in place
    and returned)."""
    for route in routes:
        if isinstance(route, Route) and route.param_convertors:
            route.app = _PathGuard(route.app)
    return routes
