"""State that survives a restart (--state-file) and the `paygate sandbox` command line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import stripe

from paygate.sandbox import cli
from paygate.sandbox.app import create_sandbox_app
from paygate.sandbox.config import SandboxConfig
from tests.sandbox.conftest import SECRET, make_client
from tests.servers import serve_asgi


def test_state_file_keeps_objects_across_restarts(tmp_path: Path) -> None:
    config = SandboxConfig(secret_key=SECRET, state_file=str(tmp_path / "stripe.json"))
    with serve_asgi(create_sandbox_app(config)) as url:
        client = make_client(url)
        acct = client.v1.accounts.create({"type": "standard", "country": "US"}).id
        pi = client.v1.payment_intents.create(
            {"amount": 4200, "currency": "usd", "confirm": True,
             "payment_method": "pm_card_visa",
             "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}},
            {"stripe_account": acct, "idempotency_key": "persisted-key"})
    with serve_asgi(create_sandbox_app(config)) as url:
        client = make_client(url)
        again = client.v1.payment_intents.retrieve(pi.id, options={"stripe_account": acct})
        assert (again.status, again.amount) == ("succeeded", 4200)
        replay = client.v1.payment_intents.create(
            {"amount": 4200, "currency": "usd", "confirm": True,
             "payment_method": "pm_card_visa",
             "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}},
            {"stripe_account": acct, "idempotency_key": "persisted-key"})
        assert replay.id == pi.id


def test_in_memory_by_default(tmp_path: Path) -> None:
    with serve_asgi(create_sandbox_app(SandboxConfig())) as url:
        first = make_client(url).v1.accounts.retrieve_current().id
    with serve_asgi(create_sandbox_app(SandboxConfig())) as url:
        assert make_client(url).v1.accounts.retrieve_current().id != first
    assert not list(tmp_path.iterdir())


def test_configured_secret_key_is_the_only_one_accepted() -> None:
    with serve_asgi(create_sandbox_app(SandboxConfig(secret_key=SECRET))) as url:
        assert make_client(url).v1.accounts.retrieve_current().object == "account"
        with pytest.raises(stripe.AuthenticationError):
            make_client(url, "sk_test_another").v1.accounts.retrieve_current()


def test_cli_arguments_become_a_config() -> None:
    parser = argparse.ArgumentParser(prog="paygate")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args([
        "sandbox", "--port", "12111", "--webhook-url", "http://127.0.0.1:9/hook",
        "--webhook-secret", "whsec_abc", "--secret-key", "sk_test_x", "--client-id", "ca_x",
        "--fault", "duplicate", "--fault", "shuffle", "--retry-schedule", "0.1,0.2"])
    config = cli.config_from(args)
    assert args.host == "127.0.0.1" and args.port == 12111 and args.func is cli.run
    assert config.webhook_endpoints == (("http://127.0.0.1:9/hook", "whsec_abc"),)
    assert config.faults == frozenset({"duplicate", "shuffle"})
    assert config.retry_schedule == (0.1, 0.2)
    with pytest.raises(SystemExit):
        cli.config_from(parser.parse_args(["sandbox", "--webhook-url", "http://x/hook"]))
