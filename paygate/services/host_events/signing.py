"""Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
`{webhook-id}.{webhook-timestamp}.{body}` with each `whsec_` secret, space-separated."""

from __future__ import annotations

import base64
import hashlib
import hmac


class EventSigner:
    def __init__(self, secrets: tuple[str, ...]) -> None:
        self._keys = [base64.b64decode(s.removeprefix("whsec_")) for s in secrets]

    def headers(self, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
        signed = f"{webhook_id}.{timestamp}.".encode() + body
        signatures = " ".join(
            "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            for key in self._keys)
        return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp),
                "webhook-signature": signatures, "content-type": "application/json"}
