"""The load generator: many idle call sockets, and a paced, open-loop webhook sender.

Kept light on purpose (the machine has few cores): raw HTTP/1.1 keep-alive connections with
pre-built requests, `websockets` clients in the same event loop, and latency taken from
each webhook's *scheduled* send time (so a slow server cannot hide queueing by slowing the
sender down) to the moment its notice arrives on the clinician's socket."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect

from bench.stats import (
    DATABASES,
    Latencies,
    MachineCpu,
    busiest,
    cpu_of_commands,
    process_cpu,
)


def stripe_signature(payload: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# -- HTTP ------------------------------------------------------------------------------

class HttpConn:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for uvicorn's answers."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            assert self._reader is not None
            try:
                self._writer.write(raw)
                head = await self._reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await self._reader.readexactly(length) if length else b""
                return status, body
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def http_request(method: str, base_url: str, path: str, body: bytes,
                 headers: dict[str, str]) -> bytes:
    host = urlsplit(base_url).netloc
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}",
             *(f"{k}: {v}" for k, v in headers.items()), f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# -- sockets ---------------------------------------------------------------------------

@dataclass
class SocketPool:
    """Open call sockets; every message goes to `on_message(text, received_at)`."""

    on_message: Callable[[str, float], None] = field(default=lambda _t, _r: None)
    sockets: list[ClientConnection] = field(default_factory=list)
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    async def open(self, targets: Sequence[tuple[str, str]], concurrency: int = 64) -> None:
        """`targets`: (ws url, access token or "") pairs; each waits for its first message
        (paygate's snapshot) before it counts as open."""
        gate = asyncio.Semaphore(concurrency)

        async def one(url: str, token: str) -> None:
            protocols: Any = ["paygate.v1", f"bearer.{token}"] if token else ["paygate.v1"]
            async with gate:
                ws = await connect(url, subprotocols=protocols, ping_interval=None,
                                   open_timeout=60, max_size=2**20)
                await asyncio.wait_for(ws.recv(), timeout=60)
            self.sockets.append(ws)
            self._readers.append(asyncio.create_task(self._read(ws)))

        await asyncio.gather(*(one(url, token) for url, token in targets))

    async def _read(self, ws: ClientConnection) -> None:
        on_message = self.on_message
        with contextlib.suppress(Exception):
            async for message in ws:
                on_message(message if isinstance(message, str) else message.decode(),
                           time.perf_counter())

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        self.sockets.clear()
        self._readers.clear()


# -- webhooks --------------------------------------------------------------------------

@dataclass
class Webhook:
    request_id: str
    payload: bytes  # the event JSON, as Stripe sends it

    def signed(self, base_url: str, secret: str, timestamp: int) -> bytes:
        return http_request("POST", base_url, "/webhooks/stripe", self.payload, {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": stripe_signature(self.payload, secret, timestamp),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})


@dataclass
class RateResult:
    offered: float
    sent: int
    http_ok: int
    received: int
    achieved: float
    latencies: Latencies
    server_cpu: float          # cores used by the server processes during the run
    machine_busy: float        # share of all cores busy during the run
    generator_cpu: float       # cores used by this process during the run
    database_cpu: float        # cores used by PostgreSQL and Redis during the run
    late_p99_ms: float         # how far behind schedule the sender was (its 99th pct)
    others: list[tuple[str, float]] = field(default_factory=list)  # what else ran (cores)


    @property
    def other_cpu(self) -> float:
        """Cores busy with anything else on the machine (other work shares it)."""
        used = self.machine_busy * (os.cpu_count() or 1)
        return max(0.0, used - self.server_cpu - self.generator_cpu - self.database_cpu)


class Receiver:
    """Matches notices to webhooks: `pending` maps request id -> scheduled send time."""

    def __init__(self) -> None:
        self.pending: dict[str, float] = {}
        self.latencies: list[float] = []
        self.last = 0.0
        self.expected = 0
        self.done = asyncio.Event()

    def __call__(self, text: str, received_at: float) -> None:
        if '"request.updated"' not in text:
            return
        request = json.loads(text)["request"]
        if request["status"] != "paid":
            return
        sent = self.pending.pop(request["id"], None)
        if sent is not None:
            self.latencies.append(received_at - sent)
            self.last = received_at
            if len(self.latencies) >= self.expected:
                self.done.set()


async def send_webhooks(receiver: Receiver, bases: Sequence[str], hooks: Sequence[Webhook],
                        secret: str, rate: float, *, connections: int = 64,
                        drain: float = 10.0,
                        cpu_of_servers: Callable[[], float] = lambda: 0.0,
                        server_pids: frozenset[int] = frozenset()) -> RateResult:
    """Send `hooks` at `rate` per second (open loop, round robin over `bases`), then wait up
    to `drain` seconds for the notices still on their way."""
    timestamp = int(time.time())
    prepared = [(h.request_id, h.signed(bases[i % len(bases)], secret, timestamp), i % len(bases))
                for i, h in enumerate(hooks)]
    queues: list[asyncio.Queue[bytes]] = [asyncio.Queue() for _ in bases]
    http_ok = 0
    late: list[float] = []

    async def worker(queue: asyncio.Queue[bytes], base: str) -> None:
        nonlocal http_ok
        conn = HttpConn(base)
        try:
            while True:
                raw = await queue.get()
                try:
                    status, _ = await conn.request(raw)
                except (OSError, asyncio.IncompleteReadError):
                    status = 0
                http_ok += 200 <= status < 300
                queue.task_done()
        finally:
            conn.close()

    workers = [asyncio.create_task(worker(queues[n % len(bases)], bases[n % len(bases)]))
               for n in range(max(connections, len(bases)))]
    receiver.expected, receiver.done = len(prepared), asyncio.Event()
    machine, cpu0, own0 = MachineCpu(), cpu_of_servers(), time.process_time()
    db0, procs0 = cpu_of_commands(DATABASES), process_cpu()
    start = time.perf_counter() + 0.05
    for k, (request_id, raw, target) in enumerate(prepared):
        due = start + k / rate
        delay = due - time.perf_counter()
        if delay > 0.0005:
            await asyncio.sleep(delay)
        receiver.pending[request_id] = due
        queues[target].put_nowait(raw)
        late.append(max(0.0, time.perf_counter() - due))
    deadline = time.perf_counter() + drain
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(receiver.done.wait(), drain)
    for queue in queues:  # let in-flight requests finish (bounded by the drain too)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(queue.join(), max(0.1, deadline - time.perf_counter()))
    wall = max(time.perf_counter() - start, 1e-6)
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    received = len(receiver.latencies)
    span = (receiver.last - start) if received else wall
    result = RateResult(
        offered=rate, sent=len(prepared), http_ok=http_ok, received=received,
        achieved=received / max(span, 1e-6), latencies=Latencies(receiver.latencies),
        server_cpu=(cpu_of_servers() - cpu0) / wall, machine_busy=machine.busy(),
        generator_cpu=(time.process_time() - own0) / wall,
        database_cpu=max(0.0, cpu_of_commands(DATABASES) - db0) / wall,
        late_p99_ms=Latencies(late).pct(99) * 1000,
        others=busiest(procs0, process_cpu(), wall, skip=server_pids | {os.getpid()}))
    receiver.pending.clear()
    receiver.latencies = []
    receiver.last = 0.0
    return result
