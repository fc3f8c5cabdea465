"""Admin sign-in, the session cookie, roles, CSRF and page security headers (HTTP level;
one journey also in Chromium)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from paygate.app import create_app
from paygate.domain.principals import Role
from paygate.services.auth.tokens import TokenSigner
from tests.admin.conftest import Browser, admin_client, csrf_of, seed
from tests.conftest import SECRET_KEY, Stack, make_settings, mint
from tests.servers import serve_asgi

PAGE = "/admin/clinics/clinic_1/client-payments"


def test_login_sets_a_safe_cookie_and_leaves_the_token_out_of_the_address(
        stack: Stack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        response = client.get("/admin/login", params={"launch": stack.token("clinic_admin")})
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("paygate_admin=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie
        assert "Max-Age=28800" in cookie
        assert "Secure" not in cookie  # served over plain http here
        home = client.get("/admin/")
        assert home.status_code == 200
        assert "Request the Payment Gateway add-on" in home.text
        assert home.headers["content-security-policy"].endswith(
            "frame-ancestors 'none'; base-uri 'none'")
        assert "frame-ancestors 'none'" in home.headers["content-security-policy"]


def test_cookie_is_secure_when_served_over_https(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, public_url="https://paygate.example")
    with serve_asgi(create_app(settings, migrate=True)) as url, httpx.Client() as client:
        token = mint(TokenSigner(SECRET_KEY), "org_admin", clinic=None)
        response = client.get(f"{url}/admin/login", params={"launch": token})
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]


def test_next_login_rotates_the_session_and_logout_revokes_it(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        client.get("/admin/login", params={"launch": stack.token("clinic_admin")})
        first = client.cookies["paygate_admin"]
        client.get("/admin/login", params={"launch": stack.token("clinic_admin")})
        second = client.cookies["paygate_admin"]
        assert first != second
        with httpx.Client(base_url=stack.url, cookies={"paygate_admin": first}) as old:
            refused = old.get("/admin/")
            assert refused.status_code == 401
            assert "sign in again" in refused.text

        page = client.get("/admin/")
        out = client.post("/admin/logout", data={"csrf": csrf_of(page.text)})
        assert out.status_code == 200
        assert "You are signed out" in out.text
        assert 'paygate_admin=""' in out.headers["set-cookie"]
    with httpx.Client(base_url=stack.url, cookies={"paygate_admin": second}) as stolen:
        assert stolen.get("/admin/").status_code == 401


def test_replayed_expired_and_forged_launch_tokens_are_refused(stack: Stack) -> None:
    token = stack.token("clinic_admin")
    with httpx.Client(base_url=stack.url) as client:
        assert client.get("/admin/login", params={"launch": token}).status_code == 303
    with httpx.Client(base_url=stack.url) as client:
        again = client.get("/admin/login", params={"launch": token})
        assert again.status_code == 401
        assert "already been used" in again.text
        assert "paygate_admin" not in client.cookies
        expired = TokenSigner(SECRET_KEY).mint_launch(
            role=Role.CLINIC_ADMIN, org_id="org_1", clinic_id="clinic_1", user_id="u",
            name="U", ttl=1)
        time.sleep(2.1)
        late = client.get("/admin/login", params={"launch": expired})
        assert late.status_code == 401
        assert "expired" in late.text
        forged = client.get("/admin/login", params={"launch": token[:-4] + "AAAA"})
        assert forged.status_code == 401
        assert client.get("/admin/").status_code == 401


def test_roles_without_admin_pages_get_a_403_page(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        for role in ("clinician", "patient"):
            response = client.get("/admin/login", params={"launch": stack.token(role)})
            assert response.status_code == 403
            assert "text/html" in response.headers["content-type"]
            assert "for clinic admins, org admins and operators" in response.text
            assert "paygate_admin" not in client.cookies


def test_admins_only_reach_their_own_clinics(stack: Stack) -> None:
    seed(stack, clinic_id="clinic_1", org_id="org_1")
    seed(stack, clinic_id="clinic_2", org_id="org_1", name="Harbour Clinic")
    seed(stack, clinic_id="clinic_9", org_id="org_2", name="Other Org Clinic")
    with admin_client(stack, "clinic_admin", clinic="clinic_1") as team_admin:
        assert team_admin.get(PAGE).status_code == 200
        other = team_admin.get("/admin/clinics/clinic_2/client-payments")
        assert other.status_code == 403
        assert "You cannot manage this clinic" in other.text
        page = team_admin.get(PAGE)
        posted = team_admin.post("/admin/clinics/clinic_2/client-payments/connect",
                                 data={"csrf": csrf_of(page.text)})
        assert posted.status_code == 403
    with admin_client(stack, "org_admin", clinic=None) as org_admin:
        home = org_admin.get("/admin/")
        assert "Sunrise Clinic" in home.text and "Harbour Clinic" in home.text
        assert "Other Org Clinic" not in home.text
        assert org_admin.get("/admin/clinics/clinic_2/client-payments").status_code == 200
        assert org_admin.get("/admin/clinics/clinic_9/client-payments").status_code == 403
    with admin_client(stack, "operator", org="", clinic=None) as operator:
        assert operator.get("/admin/clinics/clinic_9/client-payments").status_code == 200
        assert "Other Org Clinic" in operator.get("/admin/").text


def test_forms_refuse_missing_csrf_tokens_and_cross_site_posts(stack: Stack) -> None:
    seed(stack)
    with admin_client(stack) as client:
        token = csrf_of(client.get(PAGE).text)
        no_token = client.post(f"{PAGE}/settings", data={"display_name": "Evil"})
        assert no_token.status_code == 403
        assert "did not come from this page" in no_token.text
        cross = client.post(f"{PAGE}/settings", data={"csrf": token, "display_name": "Evil"},
                            headers={"Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        assert "sent from another site" in cross.text
        with admin_client(stack, user="someone-else") as other:
            theirs = csrf_of(other.get(PAGE).text)
        wrong = client.post(f"{PAGE}/settings", data={"csrf": theirs, "display_name": "Evil"})
        assert wrong.status_code == 403
        assert "Evil" not in client.get(PAGE).text


def test_user_text_is_escaped(stack: Stack) -> None:
    seed(stack)
    with admin_client(stack, name="<script>alert(1)</script>") as client:
        page = client.get(PAGE)
        saved = client.post(f"{PAGE}/settings", data={
            "csrf": csrf_of(page.text), "display_name": "<img src=x onerror=alert(2)>",
            "default_currency": "usd", "reply_to": ""})
        assert saved.status_code == 303
        html = client.get(PAGE).text
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


NAVIGATION = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
              "Sec-Fetch-Dest": "document"}


def test_a_launch_link_from_another_site_cannot_swap_or_end_the_admin_session(
        stack: Stack) -> None:
    seed(stack)
    with admin_client(stack, user="vera", name="Vera Admin") as victim:
        cookie = victim.cookies["paygate_admin"]
        theirs = stack.token("clinic_admin", user="mallory", name="Mallory Admin")
        # Another site sends the browser to a sign-in link with its own launch token; a
        # browser without Fetch Metadata is treated the same.
        for headers in (NAVIGATION, {}):
            asked = victim.get("/admin/login", params={"launch": theirs}, headers=headers)
            assert asked.status_code == 200
            assert "set-cookie" not in asked.headers
            assert "frame-ancestors 'none'" in asked.headers["content-security-policy"]
            assert "You are signed in as <strong>Vera Admin</strong>" in asked.text
            assert "Sign in as Mallory Admin" in asked.text
            assert "Stay signed in as Vera Admin" in asked.text
            assert victim.cookies["paygate_admin"] == cookie
            assert "Vera Admin" in victim.get("/admin/").text  # still signed in, as herself

        # Its auto-submitting form cannot say yes: no CSRF token, or sent from another site.
        forged = victim.post("/admin/login", data={"launch": theirs, "next": "/admin/"},
                             headers={"Sec-Fetch-Site": "cross-site"})
        assert forged.status_code == 403
        token = csrf_of(asked.text)
        for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"},
                        {"Origin": stack.url.replace("http://", "https://")}):
            refused = victim.post("/admin/login", data={"csrf": token, "launch": theirs},
                                  headers=headers)
            assert refused.status_code == 403, headers
            assert "sent from another site" in refused.text
        without_token = victim.post("/admin/login", data={"launch": theirs})
        assert without_token.status_code == 403
        assert "Vera Admin" in victim.get("/admin/").text

        # Her own next launch from the platform (cross-site too) signs her in at once.
        mine = victim.get("/admin/login", headers=NAVIGATION, params={
            "launch": stack.token("clinic_admin", user="vera", name="Vera Admin")})
        assert mine.status_code == 303
        assert victim.cookies["paygate_admin"] != cookie
        cookie = victim.cookies["paygate_admin"]

        # Asked again, she chooses to switch: the page's own form does it.
        asked = victim.get("/admin/login", params={"launch": theirs, "next": PAGE},
                           headers=NAVIGATION)
        switched = victim.post("/admin/login", headers={"Origin": stack.url}, data={
            "csrf": csrf_of(asked.text), "launch": theirs, "next": PAGE})
        assert switched.status_code == 303
        assert switched.headers["location"] == PAGE
        assert "Mallory Admin" in victim.get("/admin/").text
        # The session she left is ended, and the link is used up.
        with httpx.Client(base_url=stack.url, cookies={"paygate_admin": cookie}) as old:
            assert old.get("/admin/").status_code == 401
        again = victim.get("/admin/login", params={"launch": theirs})
        assert again.status_code == 401
        assert "already been used" in again.text
        assert "Mallory Admin" in victim.get("/admin/").text


@pytest.mark.browser
def test_in_chromium_a_page_elsewhere_cannot_sign_the_admin_in_as_someone_else(
        stack: Stack, admin_browser: Browser) -> None:
    seed(stack)
    theirs = stack.token("clinic_admin", user="mallory", name="Mallory Admin")

    async def lure(request: Request) -> HTMLResponse:
        return HTMLResponse(f"""<!doctype html><title>Free prize</title>
<script>location.href = {f"{stack.url}/admin/login?launch={theirs}"!r};</script>""")

    page: Any = admin_browser.page("clinic_admin", user="vera", name="Vera Admin")
    expect(page.locator(".who-name")).to_have_text("Vera Admin")
    with serve_asgi(Starlette(routes=[Route("/", lure)])) as elsewhere:
        page.goto(elsewhere)
        expect(page.get_by_role("heading", name="Switch account?")).to_be_visible()
        page.get_by_role("link", name="Stay signed in as Vera Admin").click()
        expect(page.locator(".who-name")).to_have_text("Vera Admin")
        # The same link, followed on purpose, and the person says yes on paygate's page.
        page.goto(elsewhere)
        page.get_by_role("button", name="Sign in as Mallory Admin").click()
        expect(page.locator(".who-name")).to_have_text("Mallory Admin")
