"""The in-call panel: /widget/frame (what a host puts in its Apps & Tools iframe) and the
widget's static files under /widget/static/."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

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


def routes() -> list[BaseRoute]:
    return [
        Route("/widget/frame", frame, methods=["GET"]),
        Mount(STATIC_PATH, app=StaticFiles(directory=str(resource_dir("widget"))),
              name="widget-static"),
    ]
