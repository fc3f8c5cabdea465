"""Who is calling: Bearer access tokens for the API, the same token for sockets."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from paygate.domain.errors import NotAuthenticated
from paygate.domain.principals import Principal
from paygate.runtime import Runtime


def runtime(conn: HTTPConnection) -> Runtime:
    return conn.app.state.runtime  # type: ignore[no-any-return]


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def api_principal(conn: HTTPConnection) -> Principal:
    token = bearer_token(conn)
    if token is None:
        raise NotAuthenticated("Send Authorization: Bearer <access_token>.")
    return runtime(conn).sessions.authenticate(token)
