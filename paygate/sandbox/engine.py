"""The sandbox instance: state, the acting request context, events, expansion and lists."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from paygate.sandbox.config import SandboxConfig
from paygate.sandbox.errors import invalid_request, resource_missing
from paygate.sandbox.state import JSON, Store, new_id, now

KIND_NAMES = {
    "payment_intent": "payment_intent",
    "payment_method": "PaymentMethod",
    "charge": "charge",
    "refund": "refund",
    "event": "event",
    "balance_transaction": "balance transaction",
    "dispute": "dispute",
    "payout": "payout",
    "application_fee": "application fee",
    "account": "account",
    "webhook_endpoint": "webhook endpoint",
}


@dataclass
class Ctx:
    """Who is asking: the acting account (owner of what they create) and how."""

    account: str
    api_key: str
    publishable: bool
    request_id: str
    idempotency_key: str | None
    base_url: str
    connected: bool = False  # acting through Stripe-Account or an OAuth access token


@dataclass
class Sandbox:
    config: SandboxConfig
    store: Store
    api_version: str
    # where browsers reach the sandbox; refreshed from requests unless configured
    base_url: str = "http://127.0.0.1"
    # set by the webhook dispatcher: called with each new event id
    on_event: Callable[[str], None] = field(default=lambda _e: None)
    dirty: bool = False

    # ---- lookups ----

    def get(self, ctx: Ctx, kind: str, obj_id: str, param: str = "id") -> JSON:
        obj = self.store.get(obj_id, ctx.account, kind)
        if obj is None:
            raise resource_missing(KIND_NAMES.get(kind, kind), obj_id, param)
        return obj

    # ---- events ----

    def emit(
        self,
        type_: str,
        obj: JSON,
        owner: str,
        ctx: Ctx | None,
        previous: JSON | None = None,
    ) -> JSON:
        """Record an event (a snapshot of `obj`) and hand it to the webhook dispatcher."""
        data: JSON = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event: JSON = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": self.api_version,
            "created": now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {
                "id": ctx.request_id if ctx else None,
                "idempotency_key": ctx.idempotency_key if ctx else None,
            },
            "type": type_,
        }
        if owner != self.store.platform_id:
            event["account"] = owner
        self.store.add(event, owner)
        self.dirty = True
        self.on_event(event["id"])
        return event

    # ---- responses ----

    def expand(self, obj: JSON, paths: list[str], owner: str) -> JSON:
        out = copy.deepcopy(obj)
        for path in paths:
            self._expand(out, path.split("."), owner, path)
        return out

    def _expand(self, node: Any, segs: list[str], owner: str, full: str) -> None:
        if not isinstance(node, dict) or not segs:
            return
        head, rest = segs[0], segs[1:]
        if head == "data" and node.get("object") == "list":
            for item in node.get("data", []):
                self._expand(item, rest, owner, full)
            return
        if head not in node:
            raise invalid_request(f"This property cannot be expanded ({full}).", param="expand")
        value = node[head]
        if isinstance(value, str):
            target = self.store.get(value, owner)
            if target is None:
                raise invalid_request(f"This property cannot be expanded ({full}).",
                                      param="expand")
            node[head] = copy.deepcopy(target)
        self._expand(node[head], rest, owner, full)

    def page(self, rows: list[JSON], params: JSON, url: str) -> JSON:
        """Stripe's list object: newest first, limit, starting_after/ending_before, created."""
        created = params.get("created")
        if isinstance(created, int):
            rows = [r for r in rows if r.get("created") == created]
        elif isinstance(created, dict):
            ops: dict[str, Callable[[int, int], bool]] = {
                "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
                "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
            }
            for op, bound in created.items():
                if op in ops and bound != "":
                    rows = [r for r in rows if ops[op](r.get("created", 0), int(bound))]
        limit = params.get("limit", 10)
        if not 1 <= limit <= 100:
            raise invalid_request(
                "This value must be greater than or equal to 1 and less than or equal to 100.",
                param="limit")
        ids = [r["id"] for r in rows]
        after, before = params.get("starting_after"), params.get("ending_before")
        if after:
            if after not in ids:
                raise resource_missing("object", after, "starting_after")
            rows = rows[ids.index(after) + 1:]
            chunk, has_more = rows[:limit], len(rows) > limit
        elif before:
            if before not in ids:
                raise resource_missing("object", before, "ending_before")
            rows = rows[:ids.index(before)]
            chunk, has_more = rows[-limit:], len(rows) > limit
        else:
            chunk, has_more = rows[:limit], len(rows) > limit
        return {"object": "list", "data": [copy.deepcopy(r) for r in chunk],
                "has_more": has_more, "url": url}

    def respond(self, ctx: Ctx, obj: JSON, params: JSON) -> JSON:
        return self.expand(obj, list(params.get("expand") or []), ctx.account)


def apply_metadata(current: JSON, update: Any) -> JSON:
    """Stripe's metadata rules: "" clears all, a key set to "" is removed, 50 keys max."""
    if update == "":
        return {}
    merged = dict(current)
    for key, value in (update or {}).items():
        if len(key) > 40:
            raise invalid_request(
                "Metadata keys can have a maximum length of 40 characters.",
                param=f"metadata[{key}]")
        if value == "":
            merged.pop(key, None)
            continue
        if len(value) > 500:
            raise invalid_request(
                "Metadata values can have a maximum length of 500 characters.",
                param=f"metadata[{key}]")
        merged[key] = value
    if len(merged) > 50:
        raise invalid_request("Metadata can have a maximum of 50 keys.", param="metadata")
    return merged


def changed(before: JSON, after: JSON) -> JSON:
    """previous_attributes for *.updated events: old values of keys that changed."""
    return {k: copy.deepcopy(v) for k, v in before.items() if after.get(k) != v}
