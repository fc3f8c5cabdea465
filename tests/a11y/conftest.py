"""Accessibility helpers: axe-core audits (bundled with axe-playwright-python, no network)
and the payments tests' fixtures."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

from tests.payments.conftest import clinic, login

__all__ = ["audit", "clinic", "focus_ring", "login"]

SEVERE = ("serious", "critical")
_axe = Axe()


def audit(page: Any, where: str) -> dict[str, Any]:
    """Run axe-core on a page (or frame) and fail on any serious or critical violation
    (color-contrast, names, labels, ARIA, lang ...). Returns axe's full results."""
    results = _axe.run(page)
    response: dict[str, Any] = results.response
    severe = [v for v in response["violations"] if v.get("impact") in SEVERE]
    details = "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(
            f"    {node['target']}: {node['html'][:160]}" for node in v["nodes"][:4])
        for v in severe)
    assert not severe, f"axe found serious problems on {where}:\n{details}"
    assert response["passes"], f"axe ran no checks on {where}"
    return response


def focus_ring(page: Any) -> dict[str, Any]:
    """The focused element and whether a keyboard user can see it: :focus-visible matches
    and it draws a solid outline (or a box-shadow ring) at least 2px wide."""
    return page.evaluate(r"""() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
      const ring = style.boxShadow && style.boxShadow !== "none";
      return {tag: el.tagName, id: el.id,
              text: (el.innerText || el.value || "").replace(/\s+/g, " ").trim(),
              visible: el.matches(":focus-visible") && (outline || Boolean(ring)),
              outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`};
    }""")


def focus_ring_on(page: Any, text: str, timeout: float = 5.0) -> dict[str, Any]:
    """focus_ring once focus is on the element reading `text`: a key press is handled by
    the page after Playwright sends it, so a busy machine may need a moment. Fails with
    the last focused element if focus never gets there."""
    import time

    deadline = time.monotonic() + timeout
    ring = focus_ring(page)
    while ring["text"] != text and time.monotonic() < deadline:
        time.sleep(0.05)
        ring = focus_ring(page)
    assert ring["text"] == text, ring
    return ring
