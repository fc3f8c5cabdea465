"""The widget's email check (widget/email.js) is a subset of the server's rule
(paygate/domain/emails.py): an address the widget refuses is one the server refuses too,
so nobody is stopped in the browser with an address paygate would have taken. Runs the
module itself in node; skipped with the reason where node is absent, except in CI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from paygate.domain.emails import address_or_none

MODULE = Path(__file__).resolve().parents[2] / "widget" / "email.js"
# What people type: good addresses, apostrophes and plus tags, non-ASCII ones, and slips.
TYPED = [
    "pat@example.com", "o'brien@example.ie", "first.last+receipts@mail.example.co.uk",
    "PAT@EXAMPLE.COM", "pat@exämple.de", "جون@example.com", "pat@example", "pat@@example.com",
    "pat example@example.com", "pat@example .com", "<pat@example.com>",
    "Pat <pat@example.com>", "pat@example.com, sam@example.com", "pat@example.com;",
    '"pat"@example.com', "pat@[127.0.0.1]", "pat(home)@example.com", "pat\\@example.com",
    "pat:x@example.com", "pat", "@example.com", "pat@", "pat@.com", "pat@example.",
    "pat..x@example.com", ".pat@example.com", "pat@-example.com", "pat@exa_mple.com",
    "pat@example.c", "a@b.co", "x@" + "a" * 64 + ".com", "p!#$%&*/=?^_`{|}~@example.com",
]
SCRIPT = """
import {looksLikeEmail} from %s;
const typed = JSON.parse(process.argv[1]);
console.log(JSON.stringify(typed.map((text) => looksLikeEmail(text))));
"""


def widget_verdicts(addresses: list[str]) -> list[bool]:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed: CI checks the widget's email rule")
        pytest.skip("node is not installed here; CI checks the widget's email rule")
    result = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT % json.dumps(MODULE.as_uri()),
         json.dumps(addresses)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    verdicts: list[bool] = json.loads(result.stdout)
    return verdicts


def test_what_the_widget_refuses_the_server_refuses_too() -> None:
    verdicts = dict(zip(TYPED, widget_verdicts(TYPED), strict=True))
    refused_here_only = [a for a, ok in verdicts.items()
                         if not ok and address_or_none(a) is not None]
    assert refused_here_only == []
    # And it does catch the usual slips before a round trip, letting real addresses by.
    for slip in ("pat@example", "pat@@example.com", "pat example@example.com",
                 "Pat <pat@example.com>", "pat@example.com, sam@example.com", "pat"):
        assert verdicts[slip] is False, slip
    for address in ("pat@example.com", "o'brien@example.ie",
                    "first.last+receipts@mail.example.co.uk", "pat@exämple.de"):
        assert verdicts[address] is True, address
        assert address_or_none(address) is not None, address
