"""Settings are read once from PAYGATE_* variables; a bad value names its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from paygate.settings import Rate, Settings, SettingsError


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PAYGATE_DATA_DIR": str(tmp_path), **values}


def test_embedded_defaults_need_no_configuration(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path))
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'paygate.db'}"
    assert settings.broadcast_url == "memory://"
    assert settings.stripe_api_base == "https://api.stripe.com"
    assert settings.stripe_js_url == "https://js.stripe.com/v3/"
    assert settings.payment_request_ttl == 30 * 60
    assert not settings.stripe_configured


def test_generated_secret_key_is_kept_so_token_and_serve_agree(tmp_path: Path) -> None:
    first = Settings.from_env(env(tmp_path)).secret_key
    second = Settings.from_env(env(tmp_path)).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_urls_use_the_async_driver(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, PAYGATE_DATABASE_URL="postgres://u@db/pay"))
    assert settings.database_url == "postgresql+asyncpg://u@db/pay"
    assert not settings.is_sqlite


def test_webhook_secrets_accept_several_for_rotation(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(tmp_path, PAYGATE_STRIPE_WEBHOOK_SECRET="whsec_old, whsec_new"))
    assert settings.stripe_webhook_secrets == ("whsec_old", "whsec_new")


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path))
    with pytest.raises(AttributeError):
        settings.database_url = "x"  # type: ignore[misc]


@pytest.mark.parametrize(("name", "value"), [
    ("PAYGATE_SECRET_KEY", "short"),
    ("PAYGATE_DATABASE_URL", "mysql://x/y"),
    ("PAYGATE_BROADCAST_URL", "kafka://x"),
    ("PAYGATE_PUBLIC_URL", "ftp://example.com"),
    ("PAYGATE_ALLOWED_ORIGINS", "https://ok.example.com, not-an-origin"),
    ("PAYGATE_ALLOWED_ORIGINS", "https://video.example.com/path"),
    ("PAYGATE_STRIPE_SECRET_KEY", "pk_test_wrongkind"),
    ("PAYGATE_STRIPE_PUBLISHABLE_KEY", "sk_test_wrongkind"),
    ("PAYGATE_STRIPE_CLIENT_ID", "client"),
    ("PAYGATE_STRIPE_WEBHOOK_SECRET", "whsec_ok,nope"),
    ("PAYGATE_STRIPE_API_BASE", "api.stripe.com"),
    ("PAYGATE_SMTP_URL", "http://mail.example.com"),
    ("PAYGATE_LOG_LEVEL", "LOUD"),
    ("PAYGATE_LIBRARY_LOG_LEVEL", "CHATTY"),
    ("PAYGATE_PAYMENT_REQUEST_TTL", "-5"),
    ("PAYGATE_RUN_WORKERS", "maybe"),
    ("PAYGATE_INBOUND_SMTP", "2525"),
    ("PAYGATE_INBOUND_SMTP", "0.0.0.0:99999"),
    ("PAYGATE_REPLY_DOMAIN", "reply example com"),
    ("PAYGATE_INBOUND_SECRET", "short"),
    ("PAYGATE_CASE_AUTOCLOSE_DAYS", "0"),
])
def test_a_bad_value_stops_start_up_naming_the_variable(
        tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env(tmp_path, **{name: value}))


def test_limits_have_defaults_and_read_count_per_seconds(tmp_path: Path) -> None:
    defaults = Settings.from_env(env(tmp_path))
    assert defaults.max_body_bytes == 64 * 1024 and defaults.body_timeout == 20
    assert defaults.limit_sessions == Rate(30, 60)
    assert defaults.limit_pay_links_per_request == Rate(5, 3600)
    tuned = Settings.from_env(env(tmp_path, PAYGATE_LIMIT_SESSIONS="5/10",
                                  PAYGATE_MAX_BODY_BYTES="2048", PAYGATE_BODY_TIMEOUT="3",
                                  PAYGATE_MAX_CONNECTIONS="50"))
    assert tuned.limit_sessions == Rate(5, 10) and str(tuned.limit_sessions) == "5/10"
    assert (tuned.max_body_bytes, tuned.body_timeout, tuned.max_connections) == (2048, 3, 50)
    for name, value in (("PAYGATE_LIMIT_SESSIONS", "5"), ("PAYGATE_LIMIT_ADMIN_LOGIN", "0/60"),
                        ("PAYGATE_LIMIT_PAY_LINKS_PER_REQUEST", "a/b"),
                        ("PAYGATE_MAX_BODY_BYTES", "0"), ("PAYGATE_MAX_CONNECTIONS", "lots")):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env(env(tmp_path, **{name: value}))


def test_sockets_per_session_defaults_to_five_and_must_be_a_count(tmp_path: Path) -> None:
    assert Settings.from_env(env(tmp_path)).sockets_per_session == 5
    raised = Settings.from_env(env(tmp_path, PAYGATE_SOCKETS_PER_SESSION="12"))
    assert raised.sockets_per_session == 12
    for bad in ("0", "five", "-1"):
        with pytest.raises(SettingsError, match="PAYGATE_SOCKETS_PER_SESSION"):
            Settings.from_env(env(tmp_path, PAYGATE_SOCKETS_PER_SESSION=bad))


def test_the_desk_reads_replies_only_where_told(tmp_path: Path) -> None:
    quiet = Settings.from_env(env(tmp_path, PAYGATE_PUBLIC_URL="https://pay.example.com"))
    assert (quiet.inbound_smtp, quiet.inbound_secret, quiet.case_autoclose_days) == (
        None, None, 7)
    assert quiet.mail_domain == "pay.example.com"
    told = Settings.from_env(env(tmp_path, PAYGATE_INBOUND_SMTP="0.0.0.0:2525",
                                 PAYGATE_REPLY_DOMAIN="Reply.Example.com"))
    assert (told.inbound_smtp, told.mail_domain) == (("0.0.0.0", 2525), "reply.example.com")
