"""The admin home: the clinics this admin manages, their requests, and the stylesheet."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from paygate.domain.principals import Role
from paygate.resources import resource_dir
from paygate.web.admin.session import admin_principal, render
from paygate.web.auth import runtime


async def home(request: Request) -> Response:
    who = await admin_principal(request)
    rt = runtime(request)
    clinics = await rt.clinics.clinics_for(who)
    cases = await rt.cases.list_for(who, only_open=who.role is Role.OPERATOR)
    return render(request, "admin/home.html", who,
                  {"clinics": clinics, "cases": cases[:5], "section": "home"})


async def stylesheet(request: Request) -> Response:
    return FileResponse(resource_dir("widget") / "admin.css", media_type="text/css",
                        headers={"Cache-Control": "public, max-age=300"})


async def favicon(request: Request) -> Response:
    """The site's icon, asked for by every page a browser opens (admin, widget, pay page)."""
    return FileResponse(resource_dir("widget") / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


async def to_home(request: Request) -> Response:
    return RedirectResponse("/admin/", status_code=307)


def routes() -> list[Route]:
    return [
        Route("/admin", to_home, methods=["GET"]),
        Route("/admin/", home, methods=["GET"]),
        Route("/admin/assets/admin.css", stylesheet, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
    ]
