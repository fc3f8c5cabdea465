"""The widget's JSDoc types hold: `tsc --noEmit --checkJs` over widget/ (tsconfig.json at the
repository root) finds nothing, and no module imports another role's view.

TypeScript comes from the npm registry through npx, pinned, into a cache in the system's
temp directory (downloaded once, then reused offline). Where node is absent the check is
skipped with the reason, except in CI, where a missing node is a failure."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "widget"
TYPESCRIPT = "typescript@5.9.3"
# The pages' entry points mount a view; every other module is a piece the views share.
VIEWS = {"clinician.js", "patient.js"}
ENTRIES = {"app.js", "paypage.js"}
IMPORT = re.compile(r'^\s*import\s[^;]*?from\s+"\./([\w-]+\.js)"', re.MULTILINE)


def npx() -> str:
    found = shutil.which("npx")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("node (npx) is not installed: CI checks the widget's types")
        pytest.skip("node (npx) is not installed here; CI checks the widget's types")
    return found


def test_tsc_finds_nothing_wrong_in_the_widget() -> None:
    command = npx()
    cache = Path(tempfile.gettempdir()) / "paygate-tsc"
    cache.mkdir(exist_ok=True)
    env = {**os.environ, "npm_config_cache": str(cache / "npm"),
           "npm_config_update_notifier": "false", "npm_config_fund": "false"}
    result = subprocess.run(
        [command, "--yes", "--prefer-offline", "-p", TYPESCRIPT, "tsc", "--noEmit",
         "--checkJs", "-p", str(ROOT / "tsconfig.json")],
        cwd=cache, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_widget_module_imports_another_view() -> None:
    importers: dict[str, set[str]] = {view: set() for view in VIEWS}
    for module in sorted(WIDGET.glob("*.js")):
        for imported in IMPORT.findall(module.read_text(encoding="utf-8")):
            if imported in VIEWS:
                importers[imported].add(module.name)
    assert all(found <= ENTRIES for found in importers.values()), importers
