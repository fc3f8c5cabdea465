"""The in-call panel: /widget/frame (what a host puts in its Apps & Tools iframe) and the
widget's static files under /widget/static/."""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from paygate import i18n
from paygate.domain.errors import DomainError
from paygate.resources import resource_dir
from paygate.settings import Settings
from paygate.web.api import ApiRoute
from paygate.web.auth import runtime

STATIC_PATH = "/widget/static"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Stripe's CSP guide (docs.stripe.com/security/guide#content-security-policy), for Stripe.js
# and the Payment Element: its scripts, its frames (3-D Secure on hooks.stripe.com) and the
# API it calls.
STRIPE_SCRIPTS = ("https://*.js.stripe.com", "https://js.stripe.com")
STRIPE_FRAMES = (*STRIPE_SCRIPTS, "https://hooks.stripe.com")
STRIPE_API = "https://api.stripe.com"


def stripe_sources(settings: Settings) -> dict[str, tuple[str, ...]]:
    """script-src, frame-src and connect-src for Stripe.js: Stripe's list for the real one;
    for the sandbox's stand-in the same shape on its own origin."""
    js, api = _origin(settings.stripe_js_url), _origin(settings.stripe_api_base)
    if js == "https://js.stripe.com":
        return {"script": STRIPE_SCRIPTS, "frame": STRIPE_FRAMES,
                "connect": tuple(sorted({STRIPE_API, api}))}
    return {"script": (js,), "frame": (js,), "connect": tuple(sorted({js, api}))}


def frame_policy(settings: Settings) -> str:
    """Framed only by the host platforms; scripts from here and Stripe.js; Stripe's iframes."""
    stripe = stripe_sources(settings)
    ancestors = " ".join(["'self'", *settings.allowed_origins])
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {' '.join(stripe['script'])}",
        f"frame-src {' '.join(stripe['frame'])}",
        f"connect-src 'self' {' '.join(stripe['connect'])}",
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


class WidgetCatalog(BaseModel):
    locale: str = Field(description="The locale paygate picked: en, fr, fa or bn.")
    dir: Literal["ltr", "rtl"]
    stripe_locale: str = Field(description="What to pass to Stripe.js as `locale`.")
    currency_display: Literal["code", "symbol"] = Field(
        description="Intl.NumberFormat's currencyDisplay for amounts.")
    messages: dict[str, str] = Field(description="English text -> its translation.")


def catalog_json(locale: str) -> dict[str, Any]:
    """What the widget needs to speak a locale: its words and how to write numbers."""
    return WidgetCatalog(
        locale=locale, dir=i18n.direction(locale), stripe_locale=i18n.stripe_locale(locale),
        currency_display=i18n.CURRENCY_DISPLAY,
        messages=i18n.widget_messages(locale),
    ).model_dump()


async def frame_locale(request: Request) -> str:
    """The launch token's locale claim when the address still holds it (read, not used up),
    else the browser's Accept-Language."""
    claim = None
    launch = request.query_params.get("launch")
    if launch:
        try:
            claim = (await runtime(request).launch.read(launch)).principal.locale
        except DomainError:
            claim = None  # the widget shows the token's problem once it tries to use it
    return i18n.negotiate(claim, accept=request.headers.get("accept-language"))


async def frame(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    locale = await frame_locale(request)
    # No "<" at all inside the JSON: nothing in it can end its <script> element early.
    catalog = json.dumps(catalog_json(locale), ensure_ascii=False).replace("<", "\\u003c")
    html = i18n.template_env(locale).get_template("widget/frame.html").render(
        static=STATIC_PATH, parent_origins=parent_origins(settings), catalog=catalog)
    response = HTMLResponse(html)
    response.headers["Content-Security-Policy"] = frame_policy(settings)
    response.headers["Content-Language"] = locale
    response.headers["Cache-Control"] = "no-store"
    # The launch token is in this page's address: never send it on as a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def widget_catalog(request: Request) -> Response:
    """GET /widget/i18n/{tag}.json: the catalog for a locale tag (e.g. a token's claim), or
    for the browser's Accept-Language when the tag is "auto" or one paygate doesn't speak."""
    tag = request.path_params["tag"]
    accept = request.headers.get("accept-language")
    locale = i18n.negotiate(None if tag == "auto" else tag, accept=accept)
    return JSONResponse(catalog_json(locale), headers={
        "Cache-Control": "public, max-age=300", "Vary": "Accept-Language",
        "Content-Language": locale})


class WidgetCors:
    """CORS for the host pages in PAYGATE_ALLOWED_ORIGINS that mount the widget as a script
    (PayGate.mount): the module files and the JSON API only, never the admin pages."""

    PATHS = ("/api/", STATIC_PATH + "/", "/widget/i18n/")

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, allow_origins=list(origins),
                                   allow_methods=["GET", "POST"],
                                   allow_headers=["Authorization", "Content-Type",
                                                  "Idempotency-Key"],
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
    i18n.load_all()  # read the catalogs at start-up, not inside a request
    return [
        Route("/widget/frame", frame, methods=["GET"]),
        ApiRoute("/widget/i18n/{tag}.json", widget_catalog, methods=["GET"],
                 response=WidgetCatalog, auth=False, tags=("widget",),
                 summary="The widget's words for a locale tag (\"auto\": Accept-Language)"),
        Mount(STATIC_PATH, app=StaticFiles(directory=str(resource_dir("widget"))),
              name="widget-static"),
    ]
