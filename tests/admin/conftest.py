"""Admin-page helpers: a signed-in browser page or HTTP client, and seeded clinics."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from paygate.demo.seed import ClinicSeed, seed_clinic
from paygate.store.database import Database
from tests.conftest import Stack

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def run_async(make: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine from a test, even while Playwright's loop owns this thread."""
    async def main() -> Any:
        return await make()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def seed(stack: Stack, clinic_id: str = "clinic_1", org_id: str = "org_1",
         name: str = "Sunrise Clinic", account_id: str | None = None,
         enabled: bool = True) -> None:
    """A clinic with the add-on enabled (and, given an account id, linked)."""
    async def run() -> None:
        db = Database(stack.settings.database_url)
        try:
            await seed_clinic(db, ClinicSeed(org_id=org_id, clinic_id=clinic_id,
                                             account_id=account_id, clinic_name=name,
                                             addon_enabled=enabled))
        finally:
            await db.close()

    run_async(run)


@contextmanager
def admin_client(stack: Stack, role: str = "clinic_admin",
                 **claims: Any) -> Iterator[httpx.Client]:
    """An HTTP client holding an admin session cookie (signed in like a browser)."""
    with httpx.Client(base_url=stack.url, timeout=15) as client:
        response = client.get("/admin/login", params={"launch": stack.token(role, **claims)})
        assert response.status_code == 303, response.text
        yield client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


class Browser:
    """Opens signed-in admin pages in fresh browser contexts."""

    def __init__(self, stack: Stack, browser: Any) -> None:
        self.stack = stack
        self.browser = browser
        self.contexts: list[Any] = []

    def page(self, role: str = "clinic_admin", **claims: Any) -> Any:
        return self._open({"viewport": {"width": 1200, "height": 900}}, role, claims)

    def phone_page(self, role: str = "clinic_admin", **claims: Any) -> Any:
        """Signed in on a 390x844 touch phone."""
        return self._open({"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                           "has_touch": True, "device_scale_factor": 2}, role, claims)

    def _open(self, options: dict[str, Any], role: str, claims: dict[str, Any]) -> Any:
        context = self.browser.new_context(**options)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        token = self.stack.token(role, **claims)
        page.goto(f"{self.stack.url}/admin/login?launch={token}")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def admin_browser(stack: Stack, browser: Any) -> Iterator[Browser]:
    opened = Browser(stack, browser)
    yield opened
    opened.close()
