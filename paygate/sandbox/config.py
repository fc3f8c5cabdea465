"""Settings of one sandbox instance."""

from __future__ import annotations

from dataclasses import dataclass, field

FAULTS = frozenset({"duplicate", "shuffle", "delay"})


@dataclass(frozen=True)
class SandboxConfig:
    # None accepts any sk_test_... key, as a fresh Stripe test account would for its own key.
    secret_key: str | None = None
    # None accepts any ca_... client id on the OAuth endpoints.
    client_id: str | None = None
    # (url, whsec_... secret) pairs; each gets every event, platform and Connect alike.
    webhook_endpoints: tuple[tuple[str, str], ...] = ()
    # Seconds to wait before each retry of a failed delivery; Stripe's is ~3 days, compressed.
    retry_schedule: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
    delivery_timeout: float = 5.0
    faults: frozenset[str] = field(default_factory=frozenset)
    # Seconds each delivery waits when the "delay" fault is on.
    webhook_delay: float = 0.5
    state_file: str | None = None
    # Base URL browsers use for /v3/ and the card iframe; None derives it from each request.
    public_url: str | None = None
    # API version stamped on events; None means the installed stripe SDK's own version.
    api_version: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown sandbox fault(s): {', '.join(sorted(unknown))}")
        if self.secret_key is not None and not self.secret_key.startswith("sk_test_"):
            raise ValueError("the sandbox secret key must start with sk_test_")
        if self.client_id is not None and not self.client_id.startswith("ca_"):
            raise ValueError("the sandbox client id must start with ca_")
        for url, secret in self.webhook_endpoints:
            if not url.startswith(("http://", "https://")) or not secret.startswith("whsec_"):
                raise ValueError(f"bad webhook endpoint {url!r}: need an http(s) URL and whsec_")
