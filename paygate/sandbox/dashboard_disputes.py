"""The dashboard's dispute page: what Stripe's Dashboard offers for responding. As there,
evidence goes in **Additional information** (`uncategorized_text`) and **Submit evidence**
sends it: `winning_evidence` wins a test dispute, `losing_evidence` loses it
(docs.stripe.com/testing#disputes); **Accept dispute** closes it as lost."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from paygate.sandbox.engine import Ctx, Sandbox
from paygate.sandbox.errors import StripeError
from paygate.sandbox.pages import form_data, render
from paygate.sandbox.resources import disputes
from paygate.sandbox.state import new_id


def _ctx(sb: Sandbox, acct: str) -> Ctx:
    """The account itself, signed in to its Dashboard."""
    return Ctx(account=acct, api_key="dashboard", publishable=False,
               request_id=new_id("req"), idempotency_key=None, base_url=sb.base_url)


async def dispute_page(request: Request) -> Response:
    sb: Sandbox = request.app.state.sandbox
    acct, dp_id = request.path_params["acct"], request.path_params["dp"]
    ctx = _ctx(sb, acct)
    message = None
    if request.method == "POST":
        form = await form_data(request)
        try:
            if form.get("action") == "accept":
                disputes.close(sb, ctx, {}, dp_id)
            else:
                disputes.update(sb, ctx, {"evidence": {
                    "uncategorized_text": form.get("uncategorized_text", "")}}, dp_id)
        except StripeError as exc:
            message = exc.message
        else:
            return RedirectResponse(request.url.path, status_code=303)
    dispute = sb.store.get(dp_id, acct, "dispute")
    if dispute is None:
        return render(request, "oauth_error.html", 404, message=f"No such dispute: {dp_id}")
    return render(request, "dashboard_dispute.html", 400 if message else 200,
                  dispute=dispute, account=acct, message=message,
                  closed=dispute["status"] in disputes.CLOSED)
