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


def same_origin(origin: str, host: str | None, scheme: str, settings: Settings) -> bool:
    """Is `origin` this service: its public URL, or the host this request was sent to?
    `scheme` is the request's own (http/ws or https/wss); with PAYGATE_PUBLIC_URL set, the
    public URL's scheme is the one that counts, since a TLS proxy in front hands paygate
    plain http."""
    value = origin_of(origin)
    if value is None:
        return False
    if settings.public_url:
        if value == origin_of(settings.public_url):
            return True
        own_scheme = urlsplit(settings.public_url).scheme
    else:
        own_scheme = "https" if scheme in ("https", "wss") else "http"
    return bool(host) and value == origin_of(f"{own_scheme}://{host}")


def origin_allowed(origin: str | None, host: str | None, scheme: str,
                   settings: Settings) -> bool:
    """For a WebSocket handshake: this service or an origin in PAYGATE_ALLOWED_ORIGINS.
    Browsers always send Origin on a WebSocket; other clients cannot be tricked by a
    page."""
    if origin is None or "*" in settings.allowed_origins:
        return True
    if same_origin(origin, host, scheme, settings):
        return True
    value = origin_of(origin)
    return value is not None and value in {origin_of(o) for o in settings.allowed_origins}
