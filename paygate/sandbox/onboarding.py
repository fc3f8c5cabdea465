"""Stripe-hosted onboarding, where an account link leads: a form for what is still due.

A link is single use, as Stripe's are: the first visit opens the form (bound to a form
token), any later visit, or one after the link expired, is sent to the link's
`refresh_url`. "Agree and submit" with every field filled finishes onboarding (one
`account.updated`: details submitted, charges and payouts enabled); "Save and finish
later" keeps what was given and leaves the rest due. Both return to `return_url`, which,
as on Stripe, says nothing about the outcome: the platform reads the account.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from paygate.sandbox.engine import Sandbox
from paygate.sandbox.pages import form_data, render
from paygate.sandbox.resources.accounts import settle_requirements
from paygate.sandbox.state import JSON, new_id, now, rand

# How long an opened form may be worked on before it has to be started again.
FORM_TTL = 3600
SUBMIT, LATER = "Agree and submit", "Save and finish later"
# form field -> (label, the requirements it satisfies)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "url": ("Business website", ("business_profile.url",)),
    "product_description": ("What the business sells",
                            ("business_profile.product_description",)),
    "support_phone": ("Support phone number", ("business_profile.support_phone",)),
    "account_number": ("Bank account number (test: 000123456789)", ("external_account",)),
    "tos": ("I agree to the Stripe Connected Account Agreement",
            ("tos_acceptance.date", "tos_acceptance.ip")),
}


def _sb(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def _bank_account(acct: JSON, number: str) -> JSON:
    return {"id": new_id("ba"), "object": "bank_account", "account": acct["id"],
            "account_holder_name": None, "account_holder_type": None,
            "bank_name": "STRIPE TEST BANK", "country": acct["country"],
            "currency": acct["default_currency"], "default_for_currency": True,
            "fingerprint": rand(16), "last4": number[-4:], "metadata": {},
            "routing_number": "110000000", "status": "new"}


def _fill(acct: JSON, form: dict[str, str], ip: str) -> list[str]:
    """Copy the filled fields onto the account; the requirements they satisfied."""
    done: list[str] = []
    for name in ("url", "product_description", "support_phone"):
        value = form.get(name, "").strip()
        if value:
            acct["business_profile"][name] = value
            done += FIELDS[name][1]
    number = "".join(ch for ch in form.get("account_number", "") if ch.isdigit())
    if len(number) >= 4:
        acct["external_accounts"]["data"] = [_bank_account(acct, number)]
        done += FIELDS["account_number"][1]
    if form.get("tos") == "on":
        acct["tos_acceptance"].update({"date": now(), "ip": ip})
        done += FIELDS["tos"][1]
    return done


def _due_fields(acct: JSON) -> list[str]:
    due = set(acct["requirements"]["currently_due"]) | set(acct["requirements"]["past_due"])
    return [name for name, (_, reqs) in FIELDS.items() if due & set(reqs)]


async def onboarding(request: Request) -> Response:
    sb = _sb(request)
    acct_id = request.path_params["acct"]
    link = sb.store.oauth_codes.get("link_" + request.path_params["token"])
    if link is None or link["account"] != acct_id:
        return render(request, "oauth_error.html", 404, message="This link is not valid.")
    acct = sb.store.find(acct_id)
    if acct is None:
        return render(request, "oauth_error.html", 404, message="This account was deleted.")
    if request.method == "GET":
        if link["used"] or link["expires_at"] < time.time():
            return RedirectResponse(link["refresh_url"], status_code=302)
        link.update(used=True, form=rand(24), form_expires_at=time.time() + FORM_TTL)
        sb.dirty = True
        return _page(request, acct, link, [], {})
    form = await form_data(request)
    if form.get("form") != link.get("form") or link["form_expires_at"] < time.time():
        return RedirectResponse(link["refresh_url"], status_code=302)
    wanted = _due_fields(acct)
    if form.get("action") == "submit":
        missing = [n for n in wanted if not _given(n, form)]
        if missing:
            return _page(request, acct, link, missing, form, status=400)
    ip = request.client.host if request.client else "127.0.0.1"
    before = sb.store.snapshot(acct)
    settle_requirements(sb, acct, before, _fill(acct, form, ip))
    link["form"] = None  # spent: a resubmission goes to refresh_url
    return RedirectResponse(link["return_url"], status_code=302)


def _given(name: str, form: dict[str, str]) -> bool:
    if name == "tos":
        return form.get("tos") == "on"
    if name == "account_number":
        return sum(ch.isdigit() for ch in form.get(name, "")) >= 4
    return bool(form.get(name, "").strip())


def _page(request: Request, acct: JSON, link: JSON, missing: list[str],
          form: dict[str, str], status: int = 200) -> Response:
    wanted = _due_fields(acct)
    return render(request, "onboarding.html", status, account=acct, form_token=link["form"],
                  fields=[(n, FIELDS[n][0]) for n in wanted], missing=missing, values=form,
                  update=link.get("type") == "account_update" or acct["details_submitted"],
                  submit_label=SUBMIT, later_label=LATER)
