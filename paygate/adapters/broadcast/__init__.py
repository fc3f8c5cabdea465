"""Broadcast backends, chosen by the scheme of PAYGATE_BROADCAST_URL (imported lazily)."""

from __future__ import annotations

from urllib.parse import urlsplit

from paygate.services.ports import Broadcast


def make_broadcast(url: str, namespace: str = "") -> Broadcast:
    """`namespace`: the deployment's (Redis channels are shared by everyone on the server;
    PostgreSQL's LISTEN/NOTIFY channels already belong to one database)."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        from paygate.adapters.broadcast.memory import MemoryBroadcast

        return MemoryBroadcast()
    if scheme in ("redis", "rediss"):
        from paygate.adapters.broadcast.redis import RedisBroadcast

        return RedisBroadcast(url, namespace)
    if scheme.startswith("postgres"):
        from paygate.adapters.broadcast.postgres import PostgresBroadcast

        return PostgresBroadcast(url)
    raise ValueError(f"no broadcast backend for {scheme}://")
