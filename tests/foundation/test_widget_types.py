"""The widget's JSDoc types hold: `tsc --noEmit --checkJs` over widget/ (tsconfig.json at the
repository root) finds nothing, and no module imports another role's view. widget/checkout.js
is typed with the official `@stripe/stripe-js` types, so its use of Stripe.js (and the
sandbox's stand-in, which it runs against in tests) stays valid against the real API.

TypeScript and those types come from the npm registry, pinned, into a cache in the system's
temp directory (downloaded once, then reused offline). Where node is absent the check is
skipped with the reason, except in CI, where a missing node is a failure."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import stripe

from tests.npm import packages

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "widget"
TYPESCRIPT = "typescript@5.9.3"
STRIPE_JS = "@stripe/stripe-js@10.2.1"  # Stripe.js's official types, of the SDK's release train
# The pages' entry points mount a view; every other module is a piece the views share.
VIEWS = {"clinician.js", "patient.js"}
ENTRIES = {"app.js", "paypage.js"}
IMPORT = re.compile(r'^\s*import\s[^;]*?from\s+"\./([\w-]+\.js)"', re.MULTILINE)


@pytest.fixture(scope="module")
def tools() -> Path:
    """typescript and @stripe/stripe-js, installed once per pair of versions."""
    return packages("paygate-tsc", (TYPESCRIPT, STRIPE_JS), "@stripe/stripe-js/package.json",
                    "checks the widget's types")


def tsc(tools: Path, **config: object) -> str:
    """tsc over the repository's tsconfig.json, with `@stripe/stripe-js` mapped to the
    official package and `config` on top; returns what it printed (nothing when clean)."""
    path = tools / f"tsconfig.{os.getpid()}.json"
    options = {"paths": {"@stripe/stripe-js": [str(tools / "node_modules" / "@stripe" /
                                                 "stripe-js")]}}
    path.write_text(json.dumps({"extends": str(ROOT / "tsconfig.json"),
                                "compilerOptions": options | dict(config.pop("options", {})),
                                "include": [str(WIDGET / "*.js")], **config}),
                    encoding="utf-8")
    try:
        result = subprocess.run(
            ["node", str(tools / "node_modules" / "typescript" / "bin" / "tsc"), "-p",
             str(path)], cwd=tools, capture_output=True, text=True, timeout=600)
    finally:
        path.unlink()
    return result.stdout + result.stderr


def test_tsc_finds_nothing_wrong_in_the_widget_with_stripes_own_types(tools: Path) -> None:
    assert tsc(tools) == ""


def test_checkout_is_strict_clean_against_stripes_types(tools: Path) -> None:
    # The module that speaks to Stripe.js, as the issue compiled it: `tsc --strict`. The
    # modules it imports are held to the repository's (non-strict) settings above.
    found = tsc(tools, options={"strict": True}, include=[],
                files=[str(WIDGET / "checkout.js")])
    mine = [line for line in found.splitlines() if "widget/checkout.js(" in line]
    assert mine == [], found


def test_the_types_are_of_the_release_train_the_sandbox_speaks(tools: Path) -> None:
    shared = tools / "node_modules" / "@stripe" / "stripe-js" / "dist" / "shared.d.ts"
    train = re.search(r"ReleaseTrain = '(\w+)'", shared.read_text(encoding="utf-8"))
    assert train is not None
    # The sandbox answers as the pinned SDK's API version, e.g. 2026-10-28.endive.
    assert stripe.api_version.endswith("." + train.group(1)), (stripe.api_version, train[1])


def test_no_widget_module_imports_another_view() -> None:
    importers: dict[str, set[str]] = {view: set() for view in VIEWS}
    for module in sorted(WIDGET.glob("*.js")):
        for imported in IMPORT.findall(module.read_text(encoding="utf-8")):
            if imported in VIEWS:
                importers[imported].add(module.name)
    assert all(found <= ENTRIES for found in importers.values()), importers
