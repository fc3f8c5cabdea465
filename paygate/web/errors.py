"""The one place that maps domain errors to HTTP responses."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Match, Route

from paygate.domain import errors as e
from paygate.logs import log_event

logger = logging.getLogger("paygate.web")

STATUS: list[tuple[type[e.DomainError], int]] = [
    (e.NotAuthenticated, 401),
    (e.Forbidden, 403),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.AmountMismatch, 422),
    (e.InvalidInput, 400),
    (e.PaymentProviderUnavailable, 503),
    (e.PaymentProviderError, 502),
]

_HTTP_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden",
               404: "not_found", 405: "method_not_allowed", 413: "too_large",
               415: "unsupported_media_type", 408: "request_timeout",
               429: "too_many_requests"}


def status_for(error: e.DomainError) -> int:
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 400


def error_body(code: str, message: str, field: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return {"error": body}


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/webhooks/", "/openapi.json", "/healthz", "/widget/i18n/")):
        return True
    return "application/json" in request.headers.get("accept", "")


def render_error_page(request: Request, status: int, title: str, message: str) -> Response:
    templates = getattr(request.app.state, "templates", None)
    if templates is not None:
        try:
            return templates.TemplateResponse(  # type: ignore[no-any-return]
                request, "error.html", {"title": title, "message": message},
                status_code=status,
            )
        except Exception:
            logger.exception("error page failed to render")
    from html import escape

    return HTMLResponse(f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
                        f"<p>{escape(message)}</p>", status_code=status)


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, e.DomainError)
    status = status_for(exc)
    log_event(logger, "request refused", logging.INFO, path=request.url.path,
              code=exc.code, status=status)
    if wants_json(request):
        return JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=status)
    title = {401: "Please sign in", 403: "Not allowed", 404: "Not found"}.get(status, "Sorry")
    return render_error_page(request, status, title, exc.message)


def allowed_methods(request: Request) -> str:
    """Every method some route answers on this path (Starlette's own 405 names only the
    first route's, and a path's GET and POST are often two routes)."""
    methods = {"OPTIONS"}
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return ", ".join(sorted(methods))


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else "Request refused."
    if wants_json(request):
        return JSONResponse(error_body(code, message), status_code=exc.status_code,
                            headers=headers)
    response = render_error_page(request, exc.status_code, message, message)
    response.headers.update(headers)
    return response


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s", request.url.path)
    message = "Something went wrong on our side. Please try again."
    if wants_json(request):
        return JSONResponse(error_body("internal_error", message), status_code=500)
    return render_error_page(request, 500, "Something went wrong", message)


EXCEPTION_HANDLERS = {
    e.DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}
