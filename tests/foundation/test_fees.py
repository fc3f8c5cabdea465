"""The platform fee rule ("1.5%+30"): parsing, the fee in minor units (half up, never
more than the amount), and PAYGATE_APPLICATION_FEE refused at start-up when malformed."""

from __future__ import annotations

import pytest

from paygate.domain.errors import InvalidInput
from paygate.domain.fees import FeeRule, parse_fee
from paygate.settings import Settings, SettingsError


@pytest.mark.parametrize("text,rule", [
    ("1.5%+30", FeeRule(150, 30)), ("2%", FeeRule(200, 0)), ("30", FeeRule(0, 30)),
    (" 0.25 % + 5 ", FeeRule(25, 5)), ("", None), ("0", None), ("0%+0", None)])
def test_parse(text: str, rule: FeeRule | None) -> None:
    assert parse_fee(text) == rule


@pytest.mark.parametrize("text", ["abc", "1.555%", "150%", "-1%", "1.5%+-3", "%"])
def test_malformed_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"like 1\.5%\+30"):
        parse_fee(text)


def test_the_fee_rounds_half_up_and_never_exceeds_the_amount() -> None:
    rule = FeeRule(150, 30)
    assert rule.fee(10_000) == 180           # 150 + 30
    assert rule.fee(1_033) == 45             # 15.495 -> 15, + 30
    assert rule.fee(1_100) == 47             # 16.5 -> 17 (half up), + 30
    assert rule.fee(20) == 20                # at most the amount
    assert FeeRule(250, 0).fee(500) == 13    # 12.5 -> 13 (JPY 500: 13 yen)
    assert rule.text() == "1.5%+30" and FeeRule(200, 0).text() == "2%+0"


def test_the_setting_is_checked_at_start_up(tmp_path: object) -> None:
    env = {"PAYGATE_SECRET_KEY": "k" * 40, "PAYGATE_DATA_DIR": str(tmp_path)}
    assert Settings.from_env({**env, "PAYGATE_APPLICATION_FEE": "1.5% + 30"}
                             ).application_fee == "1.5%+30"
    assert Settings.from_env(env).application_fee == ""
    with pytest.raises(SettingsError, match="PAYGATE_APPLICATION_FEE"):
        Settings.from_env({**env, "PAYGATE_APPLICATION_FEE": "lots"})
