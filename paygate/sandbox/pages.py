"""Server-rendered pages of the sandbox (jinja2, autoescaped, no external assets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from paygate.sandbox.currencies import exponent

TEMPLATES = Path(__file__).parent / "templates"


def format_amount(amount: int | None, currency: str) -> str:
    """12.50 USD from minor units, with the currency's own exponent."""
    if amount is None:
        return ""
    exp = exponent(currency)
    return f"{amount / 10**exp:,.{exp}f} {currency.upper()}"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates are compiled once, at startup, off the event loop
    )
    env.filters["money"] = format_amount
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: jinja2.Environment = request.app.state.jinja
    html = env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers={
        "Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def framed(response: HTMLResponse) -> HTMLResponse:
    """Pages meant to live in an iframe on the merchant's page (card fields, 3DS)."""
    del response.headers["X-Frame-Options"]
    return response


async def form_data(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8")
    return dict(parse_qsl(body, keep_blank_values=True))
