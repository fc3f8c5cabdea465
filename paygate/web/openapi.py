"""/openapi.json, derived from the ApiRoutes the app mounts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount

from paygate import __version__
from paygate.web.api import ApiRoute

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "field": {"type": "string"}}}},
}


def _walk(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, ApiRoute]]:
    found: list[tuple[str, ApiRoute]] = []
    for route in routes:
        if isinstance(route, ApiRoute):
            found.append((prefix + route.path, route))
        elif isinstance(route, Mount):
            found.extend(_walk(list(route.routes), prefix + route.path))
    return found


def build_openapi(routes: list[BaseRoute]) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}

    def ref(model: type[BaseModel], mode: JsonSchemaMode = "validation") -> dict[str, str]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}",
                                         mode=mode)
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[model.__name__] = schema
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    for path, route in _walk(routes):
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            operation: dict[str, Any] = {"summary": route.summary, "tags": list(route.tags)}
            params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                      for p in route.param_convertors]
            if params:
                operation["parameters"] = params
            if route.body_model is not None:
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": ref(route.body_model)}}}
            ok: dict[str, Any] = {"description": "Success"}
            if route.response_model is not None:
                schema = ref(route.response_model, "serialization")
                ok["content"] = {"application/json": {"schema": schema}}
            elif route.media_type is not None:
                ok["content"] = {route.media_type: {"schema": {"type": "string",
                                                               "format": "binary"}}}
            responses: dict[str, Any] = {str(route.status_code): ok}
            error = {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
            codes = {400: "Invalid request"}
            if route.auth:
                codes.update({401: "Not authenticated", 403: "Not allowed"})
            if params:
                codes[404] = "Not found"
            if route.body_model is not None:  # web/body_limits.py
                codes.update({408: "The body took too long to arrive",
                              413: "The body is larger than the server accepts"})
            codes.update(route.extra_responses)
            for code, text in sorted(codes.items()):
                responses[str(code)] = {"description": text, **error}
            if route.limited:  # web/rate_limits.py
                responses["429"] = {"description": "Too many requests", **error, "headers": {
                    "Retry-After": {"description": "Seconds to wait before trying again",
                                    "schema": {"type": "integer", "minimum": 1}}}}
            operation["responses"] = responses
            if route.auth:
                operation["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "paygate", "version": __version__,
                 "description": "Real-time in-call payments for telehealth video calls."},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "access_token from POST /api/v1/sessions"}}},
    }


async def openapi_endpoint(request: Request) -> Response:
    cached = getattr(request.app.state, "openapi", None)
    if cached is None:
        cached = build_openapi(list(request.app.routes))
        request.app.state.openapi = cached
    return JSONResponse(cached)
