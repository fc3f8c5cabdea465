"""TEST-ONLY account health states (/_sandbox/accounts/{acct} {"state": ...}), in the
shapes Stripe gives accounts that owe it details or whose charges it paused."""

from __future__ import annotations

from paygate.sandbox.engine import Sandbox, changed
from paygate.sandbox.errors import invalid_request
from paygate.sandbox.resources.accounts import requirements_for, set_enabled
from paygate.sandbox.state import JSON, now

# What /_sandbox/accounts/{acct} {"state": ...} puts an account in (Stripe's shapes):
# "verification_due": charges still on, Stripe asks for an identity document within a week;
# "paused": that went past due, so charges and payouts are disabled.
VERIFICATION = ["individual.verification.document"]
WEEK = 7 * 24 * 3600


def set_state(sb: Sandbox, acct: JSON, state: str) -> None:
    """Put the account in a named health state, with one account.updated (none when it is
    already so). "enabled" is onboarded with nothing due."""
    if state == "enabled":
        set_enabled(sb, acct, True, None)
        return
    if state not in ("verification_due", "paused"):
        raise invalid_request("state must be enabled, verification_due or paused",
                              param="state")
    before = sb.store.snapshot(acct)
    paused = state == "paused"
    acct["charges_enabled"] = acct["payouts_enabled"] = not paused
    acct["details_submitted"] = True
    capability = "inactive" if paused else "active"
    acct["capabilities"] = {"card_payments": capability, "transfers": capability}
    req = requirements_for([])
    req.update(currently_due=list(VERIFICATION), eventually_due=list(VERIFICATION))
    if paused:
        req.update(past_due=list(VERIFICATION), disabled_reason="requirements.past_due")
    else:
        req.update(current_deadline=now() + WEEK)
    acct["requirements"] = req
    if before != acct:
        sb.emit("account.updated", acct, acct["id"], None, changed(before, acct))
