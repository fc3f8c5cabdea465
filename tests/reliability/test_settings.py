"""The reliability settings: defaults, and a clear refusal of a bad value."""

from __future__ import annotations

import pytest

from paygate.settings import Settings, SettingsError

BASE = {"PAYGATE_SECRET_KEY": "k" * 40, "PAYGATE_DATABASE_URL": "sqlite:///x.db"}


def test_defaults() -> None:
    settings = Settings.from_env(BASE)
    assert settings.reconcile_interval == 60
    assert settings.stripe_timeout == 10
    assert settings.payment_request_ttl == 30 * 60


def test_values_from_the_environment() -> None:
    settings = Settings.from_env({**BASE, "PAYGATE_RECONCILE_INTERVAL": "15",
                                  "PAYGATE_STRIPE_TIMEOUT": "4"})
    assert (settings.reconcile_interval, settings.stripe_timeout) == (15, 4)


@pytest.mark.parametrize("name", ["PAYGATE_RECONCILE_INTERVAL", "PAYGATE_STRIPE_TIMEOUT"])
@pytest.mark.parametrize("value", ["0", "-5", "1.5", "soon"])
def test_a_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({**BASE, name: value})
