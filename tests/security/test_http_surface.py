"""Issue 15, item 12: Allow lists a path's real methods, HSTS over https, and
/openapi.json documents the limits and refusals the server enforces."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paygate.app import create_app
from paygate.domain.money import SUPPORTED, minimum_charge
from paygate.domain.refunds import Reason
from tests.conftest import make_settings
from tests.servers import serve_asgi


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[str]:
    settings = make_settings(tmp_path, database_url, public_url="https://pay.example.com")
    with serve_asgi(create_app(settings, migrate=True)) as url:
        yield url


def test_allow_names_every_method_of_the_path(served: str) -> None:
    path = f"{served}/api/v1/calls/call_1/payment-requests"  # GET and POST: two routes
    options = httpx.options(path)
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    for method in ("TRACE", "DELETE", "PUT"):
        refused = httpx.request(method, path)
        assert refused.status_code == 405
        assert refused.headers["allow"] == "GET, HEAD, OPTIONS, POST"
        assert refused.json()["error"]["code"] == "method_not_allowed"
    only_post = httpx.request("TRACE", f"{served}/api/v1/sessions")
    assert only_post.headers["allow"] == "OPTIONS, POST"


def test_hsts_only_when_the_public_url_is_https(served: str, tmp_path: Path) -> None:
    for path in ("/healthz", "/api/v1/session", "/admin/"):
        assert httpx.get(f"{served}{path}").headers["strict-transport-security"] == (
            "max-age=31536000")
    plain = make_settings(tmp_path / "plain", f"sqlite+aiosqlite:///{tmp_path}/plain.db",
                          public_url="http://127.0.0.1")
    (tmp_path / "plain").mkdir()
    with serve_asgi(create_app(plain, migrate=True)) as url:
        assert "strict-transport-security" not in httpx.get(f"{url}/healthz").headers


def test_openapi_documents_what_the_server_enforces(served: str) -> None:
    doc = httpx.get(f"{served}/openapi.json").json()
    schemas, paths = doc["components"]["schemas"], doc["paths"]
    amount = schemas["PaymentRequestCreate"]["properties"]["amount"]
    assert amount["minimum"] == min(minimum_charge(c) for c in SUPPORTED)
    refund = schemas["RefundCreate"]["properties"]
    assert refund["reason"]["enum"] == [r.value for r in Reason]
    assert refund["amount"]["minimum"] == 1

    sessions = paths["/api/v1/sessions"]["post"]["responses"]
    assert {"201", "400", "401", "408", "413", "429"} <= set(sessions)
    assert "Retry-After" in sessions["429"]["headers"]
    one = paths["/api/v1/payment-requests/{request_id}"]["get"]["responses"]
    assert {"401", "403", "404"} <= set(one) and "413" not in one
    link = paths["/api/v1/payment-requests/{request_id}/pay-link"]["post"]["responses"]
    assert {"404", "409", "413", "429"} <= set(link)

    # What the schema says is what the server answers.
    small = httpx.post(f"{served}/api/v1/sessions", content=b"{" + b" " * 70_000 + b"}")
    assert small.status_code == 413
    assert small.json()["error"]["code"] == "too_large"
