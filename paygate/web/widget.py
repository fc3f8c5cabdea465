"""The in-call panel: /widget/frame (what a host puts in its Apps & Tools iframe) and the
widget's static files under /widget/static/."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from paygate.resources import resource_dir
from paygate.settings import Settings

STATIC_PATH = "/widget/static"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def frame_policy(settings: Settings) -> str:
    """Framed only by the host platforms; scripts from here and Stripe.js; Stripe's iframes."""
    stripe = _origin(settings.stripe_js_url)
    frames, api = [stripe], {stripe, _origin(settings.stripe_api_base)}
    if stripe == "https://js.stripe.com":
        frames.append("https://hooks.stripe.com")  # Stripe's 3-D Secure pages
    ancestors = " ".join(["'self'", *settings.allowed_origins])
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {stripe}",
        f"frame-src {' '.join(frames)}",
        f"connect-src 'self' {' '.join(sorted(api))}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


def parent_origins(settings: Settings) -> str:
    if "*" in settings.allowed_origins:
        return "*"
    origins = list(settings.allowed_origins)
    if settings.public_url and _origin(settings.public_url) not in origins:
        origins.append(_origin(settings.public_url))
    return " ".join(origins)


async def frame(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    response: Response = request.app.state.templates.TemplateResponse(
        request, "widget/frame.html",
        {"static": STATIC_PATH, "parent_origins": parent_origins(settings)})
    response.headers["Content-Security-Policy"] = frame_policy(settings)
    response.headers["Cache-Control"] = "no-store"
    # The launch token is in this page's address: never send it on as a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


class WidgetCors:
    """CORS for the host pages in PAYGATE_ALLOWED_ORIGINS that mount the widget as a script
    (PayGate.mount): the module files and the JSON API only, never the admin pages."""

    PATHS = ("/api/", STATIC_PATH + "/")

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, allow_origins=list(origins),
                                   allow_methods=["GET", "POST"],
                                   allow_headers=["Authorization", "Content-Type"],
                                   max_age=600)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.PATHS):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def cors_middleware(settings: Settings) -> list[Middleware]:
    if not settings.allowed_origins:
        return []
    return [Middleware(WidgetCors, origins=settings.allowed_origins)]


def routes() -> list[BaseRoute]:
    return [
        Route("/widget/frame", frame, methods=["GET"]),
        Mount(STATIC_PATH, app=StaticFiles(directory=str(resource_dir("widget"))),
              name="widget-static"),
    ]
