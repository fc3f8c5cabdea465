"""Shared fixtures: real servers on 127.0.0.1 (sandbox Stripe, aiosmtpd, paygate, Postgres).

`stack` gives one test a whole world: its own Stripe sandbox, SMTP server and paygate on
free ports, wired as in production but for the base URLs."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from paygate.domain.principals import Role
from paygate.services.auth.tokens import TokenSigner
from paygate.settings import Rate, Settings
from paygate.web import ws_protocol
from tests.mailbox import MailServer
from tests.servers import free_port, serve_asgi

POSTGRES_URL = os.environ.get("PAYGATE_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PAYGATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET_KEY = "test-secret-key-" + "x" * 32


def _share_default_ssl_context() -> None:
    """Every httpx client (the tests' own, and paygate's and the sandbox's in this process)
    loads the CA bundle into a new SSL context: 20-30 ms of CPU each, several times per
    test. They all verify with the same bundle, so they share one context, as httpx's docs
    advise for clients made often."""
    import ssl

    from httpx._transports import default

    make = default.create_ssl_context
    shared: list[ssl.SSLContext] = []

    def cached(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
        if verify is not True or cert is not None or not trust_env:
            return make(verify=verify, cert=cert, trust_env=trust_env)
        if not shared:
            shared.append(make())
        return shared[0]

    default.create_ssl_context = cached  # type: ignore[assignment]


_share_default_ssl_context()
STRIPE_SECRET = "sk_test_paygate_tests"
STRIPE_PUBLISHABLE = "pk_test_paygate_tests"
STRIPE_CLIENT_ID = "ca_paygate_tests"


def _service_missing(what: str, error: Exception) -> None:
    """Skip where the service is absent on a developer machine; fail in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI but unreachable: {error}")
    pytest.skip(f"{what} not reachable on this machine ({error}); CI runs these")


# -- databases -------------------------------------------------------------------------

def _pg_admin(sql: str) -> None:
    """Run one admin statement on its own thread and loop (safe whatever loop is current)."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(run())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"paygate_t_{secrets.token_hex(6)}"
    try:
        _pg_admin(f'CREATE DATABASE "{name}"')
    except (OSError, Exception) as exc:
        _service_missing("PostgreSQL", exc)
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:
        _service_missing("Redis", exc)
    return REDIS_URL


class SchemaTemplate:
    """The migrated schema, made once per test session (by the same Alembic migrations)
    and copied into each stack's empty database: a file copy for SQLite, CREATE DATABASE
    ... TEMPLATE for PostgreSQL. The migrations' own tests start from empty databases."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    def fill(self, database_url: str) -> None:
        from paygate.store.database import upgrade

        if database_url.startswith("sqlite"):
            if self._sqlite is None:
                path = self._folder / "schema.db"
                upgrade(f"sqlite+aiosqlite:///{path}")
                self._sqlite = path
            target = Path(database_url.split(":///", 1)[1])
            if not target.exists():
                shutil.copyfile(self._sqlite, target)
            return
        if self._postgres is None:
            self._postgres = f"paygate_schema_{secrets.token_hex(6)}"
            _pg_admin(f'CREATE DATABASE "{self._postgres}"')
            base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://",
                                                         "postgresql+asyncpg://", 1)
            upgrade(f"{base}/{self._postgres}")
        name = database_url.rsplit("/", 1)[1]
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._postgres}"')

    def close(self) -> None:
        if self._postgres is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self._postgres}" WITH (FORCE)')


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SchemaTemplate]:
    template = SchemaTemplate(tmp_path_factory.mktemp("schema"))
    yield template
    template.close()


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite by default; parametrize indirectly with "postgres" to run on both."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite+aiosqlite:///{tmp_path / 'paygate.db'}"


# -- settings and tokens ---------------------------------------------------------------

# Tests sign in far more often than people do: rate limits stay out of their way unless a
# test sets its own (tests/security/test_rate_limits.py).
UNLIMITED = {name: Rate(1_000_000, 60) for name in (
    "limit_sessions", "limit_admin_login", "limit_pay_links_per_request",
    "limit_pay_links_per_clinician", "limit_pay_links_per_address")}
# The same for a `paygate serve` started with environment variables.
UNLIMITED_ENV = {f"PAYGATE_{name.upper()}": str(rate) for name, rate in UNLIMITED.items()}


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    base = Settings(secret_key=SECRET_KEY, database_url=database_url,
                    data_dir=tmp_path, log_format="text", **UNLIMITED)
    return base.with_overrides(**overrides)


@pytest.fixture
def signer() -> TokenSigner:
    return TokenSigner(SECRET_KEY)


def mint(signer: TokenSigner, role: Role | str, *, org: str = "org_1",
         clinic: str | None = "clinic_1", call: str | None = "call_1",
         user: str | None = None, name: str | None = None, email: str | None = None,
         locale: str | None = None, ttl: int = 300,
         provider_number: str | None = None) -> str:
    role = Role(role)
    return signer.mint_launch(
        role=role, org_id=org, user_id=user or f"{role.value}-user",
        name=name or role.value.title(),
        clinic_id=clinic, call_id=call if role in (Role.CLINICIAN, Role.PATIENT) else None,
        email=email, locale=locale, ttl=ttl, provider_number=provider_number,
    )


# -- the whole world -------------------------------------------------------------------

@dataclass
class Stack:
    url: str                 # paygate
    sandbox_url: str         # Stripe sandbox
    settings: Settings
    signer: TokenSigner
    mail: MailServer
    stripe: stripe.StripeClient   # the platform's view of the sandbox, for assertions

    def token(self, role: Role | str, **kwargs: Any) -> str:
        return mint(self.signer, role, **kwargs)

    def login(self, role: Role | str, **kwargs: Any) -> httpx.Client:
        """An API client holding the access token of a freshly minted launch token."""
        response = httpx.post(f"{self.url}/api/v1/sessions",
                              json={"launch_token": self.token(role, **kwargs)})
        assert response.status_code == 201, response.text
        access = response.json()["access_token"]
        return httpx.Client(base_url=self.url, timeout=15,
                            headers={"Authorization": f"Bearer {access}"})

    def connected_account(self, name: str = "Sunrise Clinic", country: str = "US",
                          currency: str = "usd", onboarded: bool = True) -> str:
        """A Standard account on the sandbox; `onboarded` finishes its onboarding (charges
        and payouts enabled), as a clinic's real, active Stripe account would be."""
        account = self.stripe.v1.accounts.create({
            "type": "standard", "country": country, "email": "billing@sunrise.example",
            "default_currency": currency, "business_profile": {"name": name},
        })
        if onboarded:
            response = httpx.post(f"{self.sandbox_url}/_sandbox/accounts/{account.id}",
                                  json={"charges_enabled": True})
            assert response.status_code == 200, response.text
        return str(account.id)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack_overrides() -> dict[str, Any]:
    """Override in a test module to change paygate settings for its stack."""
    return {}


@pytest.fixture
def sandbox_config_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def webhook_secret() -> str:
    """The secret the sandbox signs this test's webhooks with."""
    return "whsec_" + secrets.token_hex(16)


@pytest.fixture
def stack(tmp_path: Path, database_url: str, mail_server: MailServer, signer: TokenSigner,
          webhook_secret: str, stack_overrides: dict[str, Any],
          sandbox_config_overrides: dict[str, Any],
          schema_template: SchemaTemplate) -> Iterator[Stack]:
    from paygate.app import create_app
    from paygate.sandbox.app import create_sandbox_app
    from paygate.sandbox.config import SandboxConfig

    schema_template.fill(database_url)
    paygate_port = free_port()
    paygate_url = f"http://127.0.0.1:{paygate_port}"
    sandbox = create_sandbox_app(SandboxConfig(
        secret_key=STRIPE_SECRET, client_id=STRIPE_CLIENT_ID,
        webhook_endpoints=((f"{paygate_url}/webhooks/stripe", webhook_secret),),
        retry_schedule=(0.2, 0.5, 1.0, 2.0), **sandbox_config_overrides,
    ))
    with serve_asgi(sandbox) as sandbox_url:
        settings = make_settings(
            tmp_path, database_url, public_url=paygate_url,
            allowed_origins=(paygate_url,),
            stripe_secret_key=STRIPE_SECRET, stripe_publishable_key=STRIPE_PUBLISHABLE,
            stripe_client_id=STRIPE_CLIENT_ID, stripe_webhook_secrets=(webhook_secret,),
            stripe_api_base=sandbox_url, stripe_connect_base=sandbox_url,
            stripe_js_url=f"{sandbox_url}/v3/", smtp_url=mail_server.url,
            mail_from="Sunrise via paygate <payments@paygate.test>",
        ).with_overrides(**stack_overrides)
        app = create_app(settings, migrate=True)
        # The WebSocket implementation `paygate serve` runs by default.
        with serve_asgi(app, port=paygate_port, ws=ws_protocol.IMPORT,
                        ws_per_message_deflate=False):
            # Retries as Stripe advises: a pooled connection the server closed as idle just
            # as a request went out fails once (RemoteDisconnected), and the SDK retries none
            # by default.
            client = stripe.StripeClient(
                STRIPE_SECRET, base_addresses={"api": sandbox_url, "connect": sandbox_url},
                max_network_retries=2)
            yield Stack(url=paygate_url, sandbox_url=sandbox_url, settings=settings,
                        signer=signer, mail=mail_server, stripe=client)


# -- a real browser --------------------------------------------------------------------

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_executable(playwright: Any) -> str | None:
    """Playwright's own Chromium where installed, else Debian's package."""
    own = Path(playwright.chromium.executable_path)
    if own.exists():
        return None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return None


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium for one test; the test opens its own contexts.

    Function-scoped on purpose: Playwright's sync API runs the test inside a greenlet of a
    running event loop, so a longer-lived instance breaks asyncio in every later test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = chromium_executable(playwright)
        if executable is None and not Path(playwright.chromium.executable_path).exists():
            _service_missing("Chromium", RuntimeError("no Chromium found"))
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                              headless=True)
        yield instance
        instance.close()


def screenshots_dir() -> Path:
    """Where browser tests save their screenshots: docs/screenshots when
    PAYGATE_SCREENSHOTS=1 (to refresh the README's pictures), else a scratch folder, so an
    ordinary test run leaves the work tree untouched."""
    if os.environ.get("PAYGATE_SCREENSHOTS") == "1":
        path = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
    else:
        path = Path(tempfile.gettempdir()) / "paygate-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
