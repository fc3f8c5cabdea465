"""Links into the clinic's own Stripe Dashboard (the sandbox's pages when paygate talks to
the sandbox), for what paygate shows but Stripe resolves: requirements, disputes."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from paygate.settings import DEFAULT_STRIPE_API_BASE
from paygate.web.auth import runtime

DashboardUrl = Callable[..., str]


def dashboard_url(request: Request) -> DashboardUrl:
    """A function (account id, livemode, page) -> the Dashboard's URL of that page:
    "" the account's home, "disputes/dp_..." one dispute. The clinic signs in to its own
    Dashboard, so the URL names no account on real Stripe."""
    base = runtime(request).settings.stripe_api_base.rstrip("/")

    def url(account_id: str, livemode: bool = False, page: str = "") -> str:
        if base == DEFAULT_STRIPE_API_BASE.rstrip("/"):
            return "https://dashboard.stripe.com/" + ("" if livemode else "test/") + page
        return f"{base}/dashboard/accounts/{account_id}" + (f"/{page}" if page else "")

    return url
