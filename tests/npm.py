"""Packages from the npm registry for tests that run node: pinned, installed once per set
of versions into a cache in the system's temp directory, then reused offline. Where node
is absent the test is skipped with the reason, except in CI, where it fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def tool(name: str, why: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"node ({name}) is not installed: CI {why}")
        pytest.skip(f"node ({name}) is not installed here; CI {why}")
    return found


def packages(cache_name: str, specs: tuple[str, ...], marker: str, why: str) -> Path:
    """A folder whose node_modules holds `specs`; `marker` is a path under node_modules
    that exists once they are installed. Made in a scratch folder and renamed into place,
    so concurrent runs never see half an install."""
    command = tool("npm", why)
    cache = Path(tempfile.gettempdir()) / cache_name
    cache.mkdir(exist_ok=True)
    where = cache / re.sub(r"[^\w.-]+", "_", "+".join(specs))
    if (where / "node_modules" / marker).exists():
        return where
    scratch = Path(tempfile.mkdtemp(prefix=where.name + ".", dir=cache))
    (scratch / "package.json").write_text('{"private": true}', encoding="utf-8")
    env = {**os.environ, "npm_config_cache": str(cache / "npm"),
           "npm_config_update_notifier": "false", "npm_config_fund": "false",
           "npm_config_audit": "false"}
    result = subprocess.run(
        [command, "install", "--prefer-offline", "--no-package-lock", "--ignore-scripts",
         *specs], cwd=scratch, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        pytest.fail(f"npm could not install {', '.join(specs)} (offline and not cached "
                    f"yet?):\n{result.stdout}{result.stderr}")
    try:
        scratch.rename(where)
    except OSError:  # another run put its copy there first
        shutil.rmtree(scratch, ignore_errors=True)
    return where
