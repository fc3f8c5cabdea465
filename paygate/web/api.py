"""JSON API plumbing: routes that declare their body and response models (for /openapi.json)
and one body parser that turns validation failures into clear 400s."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paygate.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
MAX_BODY = 64 * 1024


class ApiRoute(Route):
    """A Route that knows its models, so the OpenAPI document is derived, not hand-kept."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, methods: list[str],
                 summary: str, body: type[BaseModel] | None = None,
                 response: type[BaseModel] | None = None, status_code: int = 200,
                 auth: bool = True, tags: tuple[str, ...] = (),
                 responses: dict[int, str] | None = None) -> None:
        super().__init__(path, endpoint, methods=methods)
        self.summary = summary
        self.body_model = body
        self.response_model = response
        self.status_code = status_code
        self.auth = auth
        self.tags = tags
        self.extra_responses = responses or {}


async def parse_body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidInput("The request body is too large.")
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        raise InvalidInput("The request body must be JSON.") from None
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
