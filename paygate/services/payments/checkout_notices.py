"""The patient at the checkout, as the clinician's panel hears of it ("Patient is paying...").

A hint, not a state: nothing is stored and nothing moves the request. The patient's panel
says when it opens the checkout of a request, again every CHECKOUT_REPEAT seconds while it
stays open, and when it leaves; each notice holds for NOTICE_SECONDS, so a panel closed
without a word clears itself."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from paygate.domain.errors import Conflict, NotFound
from paygate.domain.payment_requests import PAYABLE, Status
from paygate.domain.principals import Principal, Role
from paygate.services.payments.views import call_channel
from paygate.services.ports import Broadcast
from paygate.store.database import Database
from paygate.store.models import PaymentRequest

logger = logging.getLogger("paygate.checkout_notices")

CHECKOUT_REPEAT = 15
NOTICE_SECONDS = 40


def checkout_message(request_id: str, open_: bool) -> str:
    """The call channel's `patient.checkout` notice (no amount, no name: only the id)."""
    return json.dumps({"type": "patient.checkout", "request_id": request_id, "open": open_,
                       "seconds": NOTICE_SECONDS})


class CheckoutNotices:
    def __init__(self, db: Database, broadcast: Broadcast) -> None:
        self._db = db
        self._broadcast = broadcast

    async def patient_checkout(self, principal: Principal, request_id: str, *,
                               open_: bool) -> None:
        """Tell the call that its patient opened (or left) the checkout of `request_id`.
        Only the call's patient may, only for a request of that call, and only while the
        request can be paid (leaving is always fine)."""
        principal.require_role(Role.PATIENT)
        async with self._db.sessions() as tx:
            found = (await tx.execute(select(
                PaymentRequest.org_id, PaymentRequest.clinic_id, PaymentRequest.call_id,
                PaymentRequest.status).where(PaymentRequest.id == request_id))).first()
        if found is None:
            raise NotFound("No such payment request.")
        org_id, clinic_id, call_id, status = found
        principal.require_call(org_id, clinic_id, call_id)
        if open_ and Status(status) not in PAYABLE:
            raise Conflict(f"This payment request is {status}.")
        try:
            await self._broadcast.publish(call_channel(org_id, clinic_id, call_id),
                                          checkout_message(request_id, open_))
        except Exception:  # a lost hint: the next one (or the request's own notice) follows
            logger.exception("could not publish a checkout notice")
