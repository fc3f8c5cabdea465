"""What operators watch: Prometheus metrics, one set per Runtime (nothing at import time).

Counters and histograms live in the process; with several workers (`paygate serve
--workers N`) they go to files in PROMETHEUS_MULTIPROC_DIR (set by `paygate serve`) and any
worker's /metrics adds them all up. Figures the database already holds (requests moved into
each status, outbox backlogs) are read from it at scrape time, so they are the same whichever
worker answers and survive restarts."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "stored_figures"]

# Stripe ids in API paths (pi_..., acct_..., re_...) become {id}: one series per operation.
# An id's part after its prefix mixes cases or digits; "payment_intents" is no id.
STRIPE_ID = re.compile(r"/[a-z]+(?:_[a-z]+)*_(?=[a-z]*[A-Z0-9])[A-Za-z0-9]{8,}(?=/|$)")
NOTICE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        reg = self.registry
        self.webhooks = Counter("paygate_webhooks_received", "Stripe webhooks by outcome",
                                ["type", "outcome"], registry=reg)
        self.webhook_notice = Histogram(
            "paygate_webhook_notice_seconds",
            "From a Stripe webhook's arrival to its notice published to the call",
            buckets=NOTICE_BUCKETS, registry=reg)
        self.sockets = Gauge("paygate_call_sockets", "Call sockets open now",
                             multiprocess_mode="livesum", registry=reg)
        self.stripe_requests = Counter("paygate_stripe_requests",
                                       "Stripe API requests by operation and outcome",
                                       ["operation", "outcome"], registry=reg)
        self.http = Histogram("paygate_http_request_duration_seconds",
                              "HTTP requests by route template", ["method", "route", "status"],
                              registry=reg)

    def close(self) -> None:
        """This worker's open sockets no longer count (its files stay for the totals)."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    def stripe_request(self, method: str, url: str, status: int | None) -> None:
        path = url.split("://", 1)[-1].split("?", 1)[0]
        path = STRIPE_ID.sub("/{id}", "/" + path.split("/", 1)[-1])
        outcome = "error" if status is None else f"{status // 100}xx"
        self.stripe_requests.labels(f"{method.upper()} {path}", outcome).inc()

    def render(self, stored: Collector) -> bytes:
        """The text format: this process's metrics (all workers' in multiprocess mode)
        and the database's figures from `stored`."""
        registry = CollectorRegistry()
        if self.multiprocess:
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry.register(_Forward(self.registry))
        registry.register(stored)
        return generate_latest(registry)


class _Forward(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[object]:  # type: ignore[override]
        return self._registry.collect()


def stored_figures(transitions: dict[str, int], outbox: dict[str, int]) -> Collector:
    """The figures read from the database for one scrape."""

    class Stored(Collector):
        def collect(self) -> Iterable[object]:  # type: ignore[override]
            moved = CounterMetricFamily(
                "paygate_payment_requests", "Payment requests moved into each status",
                labels=["status"])
            for status, count in sorted(transitions.items()):
                moved.add_metric([status], count)
            pending = GaugeMetricFamily("paygate_outbox_pending",
                                        "Messages waiting to go out, by kind", labels=["kind"])
            for kind, count in sorted(outbox.items()):
                pending.add_metric([kind], count)
            return [moved, pending]

    return Stored()
