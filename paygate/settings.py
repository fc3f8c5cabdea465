"""Settings: read once from the environment into a frozen object passed to create_app."""

from __future__ import annotations

import secrets
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from paygate.domain.errors import InvalidInput
from paygate.domain.fees import parse_fee


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


DEFAULT_STRIPE_API_BASE = "https://api.stripe.com"
DEFAULT_STRIPE_CONNECT_BASE = "https://connect.stripe.com"
DEFAULT_STRIPE_JS_URL = "https://js.stripe.com/v3/"


@dataclass(frozen=True)
class Rate:
    """At most `count` hits per `seconds` (PAYGATE_LIMIT_* variables read "count/seconds")."""

    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}"


@dataclass(frozen=True)
class Settings:
    secret_key: str
    database_url: str
    data_dir: Path = Path(".paygate")
    broadcast_url: str = "memory://"
    public_url: str | None = None
    allowed_origins: tuple[str, ...] = ()
    stripe_secret_key: str | None = None
    stripe_publishable_key: str | None = None
    stripe_client_id: str | None = None
    stripe_webhook_secrets: tuple[str, ...] = ()
    stripe_api_base: str = DEFAULT_STRIPE_API_BASE
    stripe_connect_base: str = DEFAULT_STRIPE_CONNECT_BASE
    stripe_js_url: str = DEFAULT_STRIPE_JS_URL
    smtp_url: str | None = None
    mail_from: str = "paygate <no-reply@localhost>"
    log_level: str = "INFO"
    log_format: str = "json"
    library_log_level: str = "WARNING"
    access_token_ttl: int = 4 * 3600
    admin_session_ttl: int = 8 * 3600
    launch_token_max_ttl: int = 24 * 3600
    # The host platform's own JWT launch tokens (README, "For host platforms").
    launch_issuer: str | None = None
    launch_jwt_secret: str | None = None
    launch_jwks_url: str | None = None
    # Signed events to the host platform (Standard Webhooks): where, and the secret(s).
    events_url: str | None = None
    events_secrets: tuple[str, ...] = ()
    # The service desk: paygate's own SMTP listener for replies to case emails
    # ("host:port", off by default), the domain of the reply addresses it hands out, the
    # secret a mail provider's inbound webhook carries, and the days a proposed resolution
    # waits for the requester before the case closes by itself.
    inbound_smtp: tuple[str, int] | None = None
    reply_domain: str | None = None
    inbound_secret: str | None = None
    case_autoclose_days: int = 7
    metrics_token: str | None = None  # GET /metrics takes `Authorization: Bearer <it>`
    payment_request_ttl: int = 30 * 60
    reconcile_interval: int = 60
    sockets_per_session: int = 5
    stripe_timeout: int = 10
    run_workers: bool = True
    # The platform's fee on each payment, e.g. "1.5%+30" (paygate.domain.fees); "" none.
    application_fee: str = ""
    # Request limits (docs/deployment.md, "Limits"): body bytes for the API and admin forms,
    # for Stripe's webhooks, and the seconds a whole body may take to arrive.
    max_body_bytes: int = 64 * 1024
    max_webhook_bytes: int = 512 * 1024
    body_timeout: float = 20.0
    # uvicorn's: idle keep-alive seconds, the largest request head (h11), open connections
    # and sockets per worker before it answers 503.
    keep_alive_timeout: int = 5
    max_header_bytes: int = 16 * 1024
    max_connections: int = 10_000
    # Rate limits, per client address unless said otherwise.
    limit_sessions: Rate = Rate(30, 60)          # launch-token and pay-link exchanges
    limit_admin_login: Rate = Rate(20, 60)
    limit_pay_links_per_request: Rate = Rate(5, 3600)
    limit_pay_links_per_clinician: Rate = Rate(30, 3600)
    limit_pay_links_per_address: Rate = Rate(60, 3600)
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def stripe_configured(self) -> bool:
        return bool(self.stripe_secret_key and self.stripe_publishable_key)

    @property
    def secure_cookies(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))

    @property
    def mail_domain(self) -> str:
        """Where replies to case emails go: PAYGATE_REPLY_DOMAIN, else the public URL's
        host."""
        host = urlsplit(self.public_url or "").hostname
        return self.reply_domain or host or "paygate.local"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        env = _Env(environ)
        data_dir = Path(env.get("PAYGATE_DATA_DIR") or ".paygate")
        issuer, jwt_secret, jwks_url = env.launch_jwt()
        return cls(
            launch_issuer=issuer, launch_jwt_secret=jwt_secret, launch_jwks_url=jwks_url,
            events_url=env.optional_url("PAYGATE_EVENTS_URL"),
            events_secrets=env.events_secrets(),
            metrics_token=env.get("PAYGATE_METRICS_TOKEN"),
            inbound_smtp=env.host_port("PAYGATE_INBOUND_SMTP"),
            reply_domain=env.domain("PAYGATE_REPLY_DOMAIN"),
            inbound_secret=env.inbound_secret("PAYGATE_INBOUND_SECRET"),
            case_autoclose_days=env.count("PAYGATE_CASE_AUTOCLOSE_DAYS", 7),
            secret_key=env.secret_key("PAYGATE_SECRET_KEY", data_dir),
            database_url=env.database_url("PAYGATE_DATABASE_URL", data_dir),
            data_dir=data_dir,
            broadcast_url=env.url(
                "PAYGATE_BROADCAST_URL", default="memory://",
                schemes=("memory", "redis", "rediss", "postgres", "postgresql"),
            ),
            public_url=env.optional_url("PAYGATE_PUBLIC_URL"),
            allowed_origins=env.origins("PAYGATE_ALLOWED_ORIGINS"),
            stripe_secret_key=env.prefixed("PAYGATE_STRIPE_SECRET_KEY", ("sk_", "rk_")),
            stripe_publishable_key=env.prefixed("PAYGATE_STRIPE_PUBLISHABLE_KEY", ("pk_",)),
            stripe_client_id=env.prefixed("PAYGATE_STRIPE_CLIENT_ID", ("ca_",)),
            stripe_webhook_secrets=env.webhook_secrets("PAYGATE_STRIPE_WEBHOOK_SECRET"),
            stripe_api_base=env.url("PAYGATE_STRIPE_API_BASE", DEFAULT_STRIPE_API_BASE),
            stripe_connect_base=env.url(
                "PAYGATE_STRIPE_CONNECT_BASE", DEFAULT_STRIPE_CONNECT_BASE
            ),
            stripe_js_url=env.url("PAYGATE_STRIPE_JS_URL", DEFAULT_STRIPE_JS_URL),
            smtp_url=env.optional_url("PAYGATE_SMTP_URL", schemes=("smtp", "smtps")),
            mail_from=env.get("PAYGATE_MAIL_FROM") or "paygate <no-reply@localhost>",
            log_level=env.choice(
                "PAYGATE_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"
            ),
            log_format=env.choice("PAYGATE_LOG_FORMAT", ("json", "text"), "json"),
            library_log_level=env.choice(
                "PAYGATE_LIBRARY_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "WARNING"
            ),
            access_token_ttl=env.seconds("PAYGATE_ACCESS_TOKEN_TTL", 4 * 3600),
            admin_session_ttl=env.seconds("PAYGATE_ADMIN_SESSION_TTL", 8 * 3600),
            payment_request_ttl=env.seconds("PAYGATE_PAYMENT_REQUEST_TTL", 30 * 60),
            reconcile_interval=env.seconds("PAYGATE_RECONCILE_INTERVAL", 60),
            sockets_per_session=env.count("PAYGATE_SOCKETS_PER_SESSION", 5),
            stripe_timeout=env.seconds("PAYGATE_STRIPE_TIMEOUT", 10),
            run_workers=env.flag("PAYGATE_RUN_WORKERS", True),
            application_fee=env.fee("PAYGATE_APPLICATION_FEE"),
            max_body_bytes=env.count("PAYGATE_MAX_BODY_BYTES", 64 * 1024),
            max_webhook_bytes=env.count("PAYGATE_MAX_WEBHOOK_BYTES", 512 * 1024),
            body_timeout=env.seconds("PAYGATE_BODY_TIMEOUT", 20),
            keep_alive_timeout=env.seconds("PAYGATE_KEEP_ALIVE_TIMEOUT", 5),
            max_header_bytes=env.count("PAYGATE_MAX_HEADER_BYTES", 16 * 1024),
            max_connections=env.count("PAYGATE_MAX_CONNECTIONS", 10_000),
            limit_sessions=env.rate("PAYGATE_LIMIT_SESSIONS", Rate(30, 60)),
            limit_admin_login=env.rate("PAYGATE_LIMIT_ADMIN_LOGIN", Rate(20, 60)),
            limit_pay_links_per_request=env.rate("PAYGATE_LIMIT_PAY_LINKS_PER_REQUEST",
                                                 Rate(5, 3600)),
            limit_pay_links_per_clinician=env.rate("PAYGATE_LIMIT_PAY_LINKS_PER_CLINICIAN",
                                                   Rate(60, 3600)),
            limit_pay_links_per_address=env.rate("PAYGATE_LIMIT_PAY_LINKS_PER_ADDRESS",
                                                 Rate(60, 3600)),
        )


class _Env:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def get(self, name: str) -> str | None:
        value = self._environ.get(name)
        return value.strip() if value and value.strip() else None

    def fee(self, name: str) -> str:
        value = self.get(name) or ""
        try:
            rule = parse_fee(value)
        except InvalidInput as exc:
            raise SettingsError(f"{name}: {exc.message}") from None
        return rule.text() if rule else ""

    def secret_key(self, name: str, data_dir: Path) -> str:
        value = self.get(name)
        if value is None:
            return _local_secret_key(data_dir)
        if len(value) < 32:
            raise SettingsError(f"{name} must be at least 32 characters long.")
        return value

    def launch_jwt(self) -> tuple[str | None, str | None, str | None]:
        """(issuer, HS256 secret, JWKS URL): keys need the issuer they come from."""
        secret, jwks = self.get("PAYGATE_LAUNCH_JWT_SECRET"), \
            self.optional_url("PAYGATE_LAUNCH_JWKS_URL")
        issuer = self.get("PAYGATE_LAUNCH_ISSUER")
        if secret is not None and len(secret.encode()) < 32:
            raise SettingsError("PAYGATE_LAUNCH_JWT_SECRET must be at least 32 bytes (HS256).")
        if (secret or jwks) and not issuer:
            raise SettingsError("PAYGATE_LAUNCH_ISSUER must name the host platform (the "
                                "tokens' iss) when a JWT secret or JWKS URL is set.")
        if issuer and not (secret or jwks):
            raise SettingsError("PAYGATE_LAUNCH_ISSUER needs PAYGATE_LAUNCH_JWT_SECRET or "
                                "PAYGATE_LAUNCH_JWKS_URL.")
        return issuer, secret, jwks

    def host_port(self, name: str) -> tuple[str, int] | None:
        value = self.get(name)
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError(f"{name} must read host:port, such as 0.0.0.0:2525")
        return host.strip("[]"), int(port)

    def domain(self, name: str) -> str | None:
        value = self.get(name)
        if value is not None and not all(
                part and len(part) <= 63 and part.replace("-", "").isalnum()
                for part in value.split(".")):
            raise SettingsError(f"{name} must be a mail domain, such as reply.example.com")
        return value.lower() if value else None

    def inbound_secret(self, name: str) -> str | None:
        value = self.get(name)
        if value is not None and len(value) < 32:
            raise SettingsError(f"{name} must be at least 32 characters long.")
        return value

    def events_secrets(self) -> tuple[str, ...]:
        """PAYGATE_EVENTS_SECRET: whsec_ + base64 (Standard Webhooks), comma-separated while
        rotating; required with PAYGATE_EVENTS_URL."""
        value, url = self.get("PAYGATE_EVENTS_SECRET"), self.get("PAYGATE_EVENTS_URL")
        items = tuple(p.strip() for p in (value or "").split(",") if p.strip())
        for item in items:
            try:
                ok = item.startswith("whsec_") and len(b64decode(item[6:], validate=True)) >= 24
            except ValueError:
                ok = False
            if not ok:
                raise SettingsError("PAYGATE_EVENTS_SECRET: each secret is whsec_ followed by "
                                    "the base64 of 24 to 64 random bytes.")
        if url and not items:
            raise SettingsError("PAYGATE_EVENTS_URL needs PAYGATE_EVENTS_SECRET.")
        return items

    def database_url(self, name: str, data_dir: Path) -> str:
        value = self.get(name)
        if value is None:
            return f"sqlite+aiosqlite:///{data_dir / 'paygate.db'}"
        scheme = value.split("://", 1)[0] if "://" in value else ""
        mapping = {
            "sqlite": "sqlite+aiosqlite", "sqlite+aiosqlite": "sqlite+aiosqlite",
            "postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg",
            "postgresql+asyncpg": "postgresql+asyncpg",
        }
        if scheme not in mapping:
            raise SettingsError(
                f"{name} must be a sqlite:/// or postgresql:// URL, not {scheme or value!r}."
            )
        return mapping[scheme] + value[len(scheme):]

    def url(self, name: str, default: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
        return self.optional_url(name, schemes) or default

    def optional_url(
        self, name: str, schemes: tuple[str, ...] = ("http", "https")
    ) -> str | None:
        value = self.get(name)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes or (not parts.netloc and parts.scheme != "memory"):
            allowed = ", ".join(f"{s}://" for s in schemes)
            raise SettingsError(f"{name} must be a URL starting with {allowed}")
        return value.rstrip("/") if parts.scheme in ("http", "https") else value

    def origins(self, name: str) -> tuple[str, ...]:
        value = self.get(name)
        if value is None:
            return ()
        result = []
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            parts = urlsplit(item)
            if item != "*" and (parts.scheme not in ("http", "https") or not parts.netloc
                                or parts.path not in ("", "/")):
                raise SettingsError(
                    f"{name}: {item!r} is not an origin like https://video.example.com"
                )
            result.append(item.rstrip("/"))
        return tuple(result)

    def prefixed(self, name: str, prefixes: tuple[str, ...]) -> str | None:
        value = self.get(name)
        if value is not None and not value.startswith(prefixes):
            raise SettingsError(f"{name} must start with {' or '.join(prefixes)}")
        return value

    def webhook_secrets(self, name: str) -> tuple[str, ...]:
        value = self.get(name)
        if value is None:
            return ()
        items = tuple(part.strip() for part in value.split(",") if part.strip())
        for item in items:
            if not item.startswith("whsec_"):
                raise SettingsError(f"{name}: every secret must start with whsec_")
        return items

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.get(name)
        if value is None:
            return default
        if value not in allowed and value.upper() not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}")
        return value.upper() if value.upper() in allowed else value

    def seconds(self, name: str, default: int) -> int:
        value = self.get(name)
        if value is None:
            return default
        if not value.isdigit() or int(value) <= 0:
            raise SettingsError(f"{name} must be a whole number of seconds above 0")
        return int(value)

    def count(self, name: str, default: int) -> int:
        value = self.get(name)
        if value is None:
            return default
        if not value.isdigit() or int(value) <= 0:
            raise SettingsError(f"{name} must be a whole number above 0")
        return int(value)

    def rate(self, name: str, default: Rate) -> Rate:
        value = self.get(name)
        if value is None:
            return default
        count, _, seconds = value.partition("/")
        if not (count.isdigit() and seconds.isdigit() and int(count) > 0
                and int(seconds) > 0):
            raise SettingsError(f"{name} must read count/seconds, such as 30/60")
        return Rate(int(count), int(seconds))

    def flag(self, name: str, default: bool) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
            raise SettingsError(f"{name} must be true or false")
        return value.lower() in ("1", "true", "yes")


def _local_secret_key(data_dir: Path) -> str:
    """The embedded default: one generated key kept in the data folder, so `paygate token`
    and `paygate serve` agree. Production sets PAYGATE_SECRET_KEY."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
