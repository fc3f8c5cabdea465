"""Is a request's Origin this service, or one it trusts? Scheme, host and port must all
match: an http:// page on the same host is not the https:// service."""

from __future__ import annotations

from urllib.parse import urlsplit

from paygate.settings import Settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in, or None if unreadable."""
    parts = urlsplit(url.strip().rstrip("/").lower())
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname, port


def origin_allowed(origin: str | None, host: str | None, scheme: str,
                   settings: Settings) -> bool:
    """Browsers always send Origin on a WebSocket; other clients cannot be tricked by a page.
    Scheme, host and port must all match: an http:// page is not the https:// service.
    `scheme` is this request's ("ws" or "wss"); with PAYGATE_PUBLIC_URL set, its scheme is
    the one that counts, since a TLS proxy in front hands paygate plain ws://."""
    if origin is None:
        return True
    if "*" in settings.allowed_origins:
        return True
    value = origin_of(origin)
    if value is None:
        return False
    allowed = {origin_of(o) for o in settings.allowed_origins}
    if settings.public_url:
        allowed.add(origin_of(settings.public_url))
        own_scheme = urlsplit(settings.public_url).scheme
    else:
        own_scheme = "https" if scheme == "wss" else "http"
    if host and value == origin_of(f"{own_scheme}://{host}"):
        return True  # same origin as this request
    return value in allowed
