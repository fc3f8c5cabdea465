"""Admin sign-in from a launch token, the session cookie, CSRF checks and page rendering.

A launch link never replaces one person's admin session with another's by itself: a page
from another site could send the browser to `/admin/login?launch=<someone else's token>`
(login CSRF, and a forced sign-out of whoever was signed in). Over a session of another
person the link asks first, and only the POST of that page, same-origin and carrying the
session's CSRF token, switches."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from paygate.domain.errors import Forbidden, NotAuthenticated
from paygate.domain.principals import ADMIN_ROLES, Principal
from paygate.web.api import check_form
from paygate.web.auth import runtime
from paygate.web.origins import same_origin
from paygate.web.rate_limits import enforce_per_address

COOKIE = "paygate_admin"
COOKIE_SALT = "paygate.admin-cookie.v1"
CSRF_SALT = "paygate.admin-csrf.v1"
CROSS_SITE = ("cross-site", "same-site")


def _csp(request: Request) -> str:
    connect = runtime(request).settings.stripe_connect_base
    # form-action covers the redirect to Stripe's consent page after "Go to Stripe".
    return ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
            f"form-action 'self' {connect}; frame-ancestors 'none'; base-uri 'none'")


def page_headers(request: Request) -> dict[str, str]:
    return {"Content-Security-Policy": _csp(request), "Cache-Control": "no-store"}


def csrf_token(request: Request, who: Principal) -> str:
    return str(runtime(request).signer.serializer(CSRF_SALT).dumps(who.session_id))


def render(request: Request, template: str, who: Principal | None,
           context: Mapping[str, Any] | None = None, status_code: int = 200) -> Response:
    ctx: dict[str, Any] = {"me": who, "csrf": csrf_token(request, who) if who else "",
                           "notice": None, "alert": None,
                           "host_events_on": runtime(request).host_events is not None}
    ctx.update(context or {})
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, template, ctx, status_code=status_code, headers=page_headers(request))


def redirect(request: Request, path: str, notice: str | None = None) -> RedirectResponse:
    url = path + (f"?notice={notice}" if notice else "")
    return RedirectResponse(url, status_code=303, headers=page_headers(request))


async def admin_principal(request: Request) -> Principal:
    """The signed-in admin, from the cookie, checked against the sessions table."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        raise NotAuthenticated("Open the admin pages from your video platform to sign in.")
    rt = runtime(request)
    try:
        session_id = rt.signer.serializer(COOKIE_SALT).loads(
            raw, max_age=rt.settings.admin_session_ttl)
    except BadSignature:
        raise NotAuthenticated("Your admin session has ended; sign in again.") from None
    return await rt.sessions.load_admin(str(session_id))


async def checked_form(request: Request, files: int = 0) -> tuple[Principal, FormData]:
    """For every POST: the admin, after the Fetch-Metadata and CSRF token checks. `files`:
    how many file parts the form may carry (their size is capped by BodyLimits)."""
    origin = request.headers.get("origin")
    if (request.headers.get("sec-fetch-site", "same-origin") in CROSS_SITE
            or (origin not in (None, "null") and not same_origin(
                str(origin), request.headers.get("host"), request.url.scheme,
                runtime(request).settings))):
        raise Forbidden("This form was sent from another site, so it was refused.")
    who = await admin_principal(request)
    form = await request.form(max_files=files, max_fields=60, max_part_size=64 * 1024)
    token = form.get("csrf")
    rt = runtime(request)
    try:
        ok = isinstance(token, str) and rt.signer.serializer(CSRF_SALT).loads(
            token, max_age=rt.settings.admin_session_ttl) == who.session_id
    except BadSignature:
        ok = False
    if not ok:
        raise Forbidden("This form has expired or did not come from this page. Go back, "
                        "reload the page and try again.")
    check_form(form)
    return who, form


async def read_files(form: FormData, name: str, limit: int) -> list[tuple[str, bytes]]:
    """(filename, at most `limit` + 1 bytes) of each file chosen in `name`; every file part
    of the form is closed, chosen or not."""
    files = []
    for key, item in form.multi_items():
        if isinstance(item, UploadFile):
            if key == name and (item.filename or item.size):
                files.append((item.filename or "attachment", await item.read(limit + 1)))
            await item.close()
    return files


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def public_base(request: Request) -> str:
    configured = runtime(request).settings.public_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


def _safe_next(value: str | None) -> str:
    if not value:
        return "/admin/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/admin/") or "\\" in value:
        return "/admin/"
    return value


async def _admin_claims(request: Request, token: str) -> Principal:
    principal = (await runtime(request).launch.read(token)).principal
    if principal.role not in ADMIN_ROLES:
        raise Forbidden("The admin pages are for clinic admins, org admins and operators.")
    return principal


def _same_person(a: Principal, b: Principal) -> bool:
    return (a.user_id, a.role, a.org_id, a.clinic_id) == (b.user_id, b.role, b.org_id,
                                                          b.clinic_id)


async def login(request: Request) -> Response:
    """GET /admin/login?launch=...: sign in, or (over another person's session) ask."""
    token = request.query_params.get("launch", "")
    rt = runtime(request)
    await enforce_per_address(request, "admin_login", rt.settings.limit_admin_login)
    incoming = await _admin_claims(request, token)  # a bad token changes nothing
    try:
        previous: Principal | None = await admin_principal(request)
    except NotAuthenticated:
        previous = None
    target = _safe_next(request.query_params.get("next"))
    if previous is not None and not _same_person(previous, incoming):
        return render(request, "admin/switch_account.html", previous,
                      {"incoming": incoming, "launch": token, "next": target})
    return await _sign_in(request, token, previous, target)


async def confirm_login(request: Request) -> Response:
    """POST /admin/login from the "Switch account?" page."""
    previous, form = await checked_form(request)
    await enforce_per_address(request, "admin_login", runtime(request).settings.limit_admin_login)
    token = field(form, "launch")
    await _admin_claims(request, token)
    return await _sign_in(request, token, previous, _safe_next(field(form, "next")))


async def _sign_in(request: Request, token: str, previous: Principal | None,
                   target: str) -> Response:
    rt = runtime(request)
    issued = await rt.sessions.exchange(token, kind="admin")
    if previous is not None:
        await rt.sessions.revoke(previous.session_id)
    await rt.clinics.note_admin_login(issued.principal)
    await rt.cases.operators.signed_in(issued.principal)
    response = redirect(request, target)
    response.set_cookie(
        COOKIE, rt.signer.serializer(COOKIE_SALT).dumps(issued.session_id),
        max_age=rt.settings.admin_session_ttl, path="/admin", httponly=True,
        secure=rt.settings.secure_cookies or request.url.scheme == "https", samesite="lax")
    return response


async def logout(request: Request) -> Response:
    who, _ = await checked_form(request)
    await runtime(request).sessions.revoke(who.session_id)
    response = render(request, "admin/signed_out.html", None)
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="lax",
                           secure=runtime(request).settings.secure_cookies)
    return response


def routes() -> list[Route]:
    return [
        Route("/admin/login", login, methods=["GET"]),
        Route("/admin/login", confirm_login, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
    ]
