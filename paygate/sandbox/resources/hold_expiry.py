"""Uncaptured holds expire, as on Stripe: a card authorised with capture_method=manual
and not captured within 7 days is released. The PaymentIntent is canceled
(cancellation_reason `automatic`), its charge is refunded in full, and `charge.expired`
and `payment_intent.canceled` are sent.

Tests do not wait a week: `POST /_sandbox/clock {"advance": seconds}` moves the
sandbox's clock for this rule, and expires what is then due. A capture of a hold past
its window expires it first, and so fails as on Stripe."""

from __future__ import annotations

from paygate.sandbox.engine import Sandbox
from paygate.sandbox.resources.charges import DAY
from paygate.sandbox.state import JSON, now

AUTHORIZATION_WINDOW = 7 * DAY
_OFFSET = "clock:offset"


def sandbox_now(sb: Sandbox) -> int:
    """Now, as the sandbox's clock says (the real time plus what tests advanced)."""
    return now() + int(sb.store.private.get(_OFFSET, {}).get("seconds", 0))


def advance(sb: Sandbox, seconds: int) -> list[JSON]:
    """Move the clock on, then expire the holds now past their window."""
    offset = sb.store.private.setdefault(_OFFSET, {"seconds": 0})
    offset["seconds"] += seconds
    sb.dirty = True
    return [pi for pi in sb.store.scan("payment_intent", None) if expire_if_due(sb, pi)]


def expire_if_due(sb: Sandbox, pi: JSON) -> bool:
    """Release one hold if its authorisation is older than the window."""
    if pi["status"] != "requires_capture" or not pi.get("latest_charge"):
        return False
    charge = sb.store.objects[pi["latest_charge"]]
    if charge["created"] + AUTHORIZATION_WINDOW > sandbox_now(sb):
        return False
    owner = sb.store.owner[pi["id"]]
    charge.update(refunded=True, amount_refunded=charge["amount"])
    sb.emit("charge.expired", charge, owner, None)
    pi.update(status="canceled", canceled_at=sandbox_now(sb), next_action=None,
              amount_capturable=0, cancellation_reason="automatic")
    sb.store.private.pop(pi["id"], None)
    sb.emit("payment_intent.canceled", pi, owner, None)
    sb.dirty = True
    return True
