"""The sandbox's memory: every Stripe object, who owns it, and the bookkeeping around it.

Objects are kept as the JSON Stripe would send (ids in place of related objects);
sandbox-only facts (a test card's behaviour, the owner account) live beside them, never
inside, so nothing private leaks into a response.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import string
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

ALPHABET = string.ascii_letters + string.digits


def rand(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_id(prefix: str, n: int = 24) -> str:
    """Ids shaped like Stripe's: `pi_3Pg...` (prefix, then 24 letters and digits)."""
    return f"{prefix}_{rand(n)}"


def now() -> int:
    return int(time.time())


@dataclass
class Store:
    platform_id: str = field(default_factory=lambda: new_id("acct", 16))
    objects: dict[str, JSON] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)
    seq: dict[str, int] = field(default_factory=dict)
    private: dict[str, JSON] = field(default_factory=dict)
    # account id -> {"via": "api"|"oauth", "revoked": bool}; accounts the platform controls
    connected: dict[str, JSON] = field(default_factory=dict)
    oauth_codes: dict[str, JSON] = field(default_factory=dict)
    # access token / refresh token / publishable key -> account id
    tokens: dict[str, str] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    publishable_keys: dict[str, str] = field(default_factory=dict)
    # (acting account, idempotency key) -> {"fingerprint", "status", "body"}
    idempotency: dict[str, JSON] = field(default_factory=dict)
    # delivery attempts, newest last: {"event", "endpoint", "url", "status", "error", "at"}
    deliveries: list[JSON] = field(default_factory=list)
    fingerprint_salt: str = field(default_factory=lambda: rand(16))
    counter: int = 0
    # kind -> ids of that kind (insertion-ordered), so lists and webhook targets don't walk
    # every stored object; rebuilt on load, never persisted.
    by_kind: dict[str, dict[str, None]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for obj_id, obj in self.objects.items():
            self.by_kind.setdefault(str(obj.get("object")), {})[obj_id] = None

    # ---- objects ----

    def add(self, obj: JSON, owner: str, private: JSON | None = None) -> JSON:
        self.counter += 1
        self.objects[obj["id"]] = obj
        self.by_kind.setdefault(str(obj.get("object")), {})[obj["id"]] = None
        self.owner[obj["id"]] = owner
        self.seq[obj["id"]] = self.counter
        if private:
            self.private[obj["id"]] = private
        return obj

    def get(self, obj_id: str, owner: str, kind: str | None = None) -> JSON | None:
        obj = self.objects.get(obj_id)
        if obj is None or self.owner.get(obj_id) != owner:
            return None
        if kind is not None and obj.get("object") != kind:
            return None
        return obj

    def find(self, obj_id: str) -> JSON | None:
        """Regardless of owner: for the sandbox's own pages and flows."""
        return self.objects.get(obj_id)

    def remove(self, obj_id: str) -> None:
        obj = self.objects.get(obj_id)
        if obj is not None:
            self.by_kind.get(str(obj.get("object")), {}).pop(obj_id, None)
        for table in (self.objects, self.owner, self.seq, self.private):
            table.pop(obj_id, None)

    def scan(self, kind: str, owner: str | None) -> list[JSON]:
        """Objects of one kind, newest first (Stripe's list order)."""
        rows = [
            self.objects[i] for i in self.by_kind.get(kind, ())
            if owner is None or self.owner[i] == owner
        ]
        rows.sort(key=lambda o: (o.get("created", 0), self.seq[o["id"]]), reverse=True)
        return rows

    def snapshot(self, obj: JSON) -> JSON:
        return copy.deepcopy(obj)

    # ---- accounts ----

    def accounts(self) -> list[JSON]:
        return [a for a in self.scan("account", None) if a["id"] != self.platform_id]

    def has_access(self, account: str) -> bool:
        link = self.connected.get(account)
        return link is not None and not link.get("revoked", False)

    # ---- persistence ----

    def to_json(self) -> JSON:
        return {
            "platform_id": self.platform_id,
            "objects": self.objects,
            "owner": self.owner,
            "seq": self.seq,
            "private": self.private,
            "connected": self.connected,
            "oauth_codes": self.oauth_codes,
            "tokens": self.tokens,
            "refresh_tokens": self.refresh_tokens,
            "publishable_keys": self.publishable_keys,
            "idempotency": self.idempotency,
            "deliveries": self.deliveries[-500:],
            "fingerprint_salt": self.fingerprint_salt,
            "counter": self.counter,
        }

    @classmethod
    def from_json(cls, data: JSON) -> Store:
        return cls(**data)


def load(path: str | None) -> Store:
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            return Store.from_json(json.load(fh))
    return Store()


def save(text: str, path: str) -> None:
    """Atomic write (run in a thread): a crash never leaves half a state file."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".sandbox-state-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
