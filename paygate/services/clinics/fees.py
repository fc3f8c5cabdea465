"""An organisation's own platform fee (operators set it: `paygate clinics fee`), overriding
PAYGATE_APPLICATION_FEE for its clinics' new payments."""

from __future__ import annotations

from paygate.domain.fees import parse_fee
from paygate.store.database import Database, utcnow
from paygate.store.models import Organisation


async def set_org_fee(db: Database, org_id: str, text: str | None) -> str | None:
    """Store the rule ("1.5%+30"; "0" for no fee) or, with None, go back to the platform's
    default. The rule as stored (normalised), or None."""
    rule = None if text is None else parse_fee(text)
    stored = None if text is None else (rule.text() if rule else "0")
    async with db.transaction() as tx:
        org = await tx.get(Organisation, org_id, with_for_update=True)
        if org is None:
            org = Organisation(id=org_id, name=org_id, created_at=utcnow())
            tx.add(org)
        org.application_fee = stored
    return stored
