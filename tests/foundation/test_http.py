"""The HTTP surface every host platform relies on: health, OpenAPI, sessions, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paygate.app import create_app
from paygate.domain.principals import Role
from paygate.services.auth.tokens import TokenSigner
from tests.conftest import make_settings, mint
from tests.servers import serve_asgi

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def base_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    app = create_app(make_settings(tmp_path, database_url), migrate=True)
    with serve_asgi(app) as url:
        yield url


def exchange(base_url: str, token: str) -> httpx.Response:
    return httpx.post(f"{base_url}/api/v1/sessions", json={"launch_token": token})


@BOTH
def test_health_reports_the_database(base_url: str) -> None:
    response = httpx.get(f"{base_url}/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@BOTH
def test_launch_token_is_exchanged_once(base_url: str, signer: TokenSigner) -> None:
    token = mint(signer, Role.CLINICIAN, org="o1", clinic="c1", call="k1", user="u1",
                 name="Dr Ada")
    first = exchange(base_url, token)
    assert first.status_code == 201
    body = first.json()
    assert body["role"] == "clinician" and body["call_id"] == "k1"
    assert body["user"] == {"id": "u1", "name": "Dr Ada", "email": None}
    assert body["access_token"] and body["expires_at"]

    replay = exchange(base_url, token)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "token_already_used"

    me = httpx.get(f"{base_url}/api/v1/session",
                   headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["clinic_id"] == "c1"


def test_api_refuses_missing_or_bad_credentials(base_url: str) -> None:
    assert httpx.get(f"{base_url}/api/v1/session").json()["error"]["code"] == \
        "not_authenticated"
    bad = httpx.get(f"{base_url}/api/v1/session", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize(("body", "code", "fragment"), [
    (b"not json", "invalid_request", "must be JSON"),
    (b"[1, 2]", "invalid_request", "JSON object"),
    (b"{}", "invalid_request", "launch_token is required"),
    (b'{"launch_token": "x", "extra": 1}', "invalid_request", "Unknown field extra"),
    (b'{"launch_token": "garbage"}', "invalid_token", "not valid"),
])
def test_bad_input_gets_a_clear_json_error(base_url: str, body: bytes, code: str,
                                           fragment: str) -> None:
    response = httpx.post(f"{base_url}/api/v1/sessions", content=body,
                          headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    error = response.json()["error"]
    assert error["code"] == code and fragment in error["message"]


def test_unknown_api_path_is_a_json_404(base_url: str) -> None:
    response = httpx.get(f"{base_url}/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_openapi_describes_every_json_endpoint(base_url: str) -> None:
    spec = httpx.get(f"{base_url}/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "post" in spec["paths"]["/api/v1/sessions"]
    assert "get" in spec["paths"]["/healthz"]
    create = spec["paths"]["/api/v1/sessions"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"] == \
        "#/components/schemas/SessionCreate"
    assert "401" in spec["paths"]["/api/v1/session"]["get"]["responses"]
    from paygate.app import build_routes
    from paygate.web.api import ApiRoute

    for route in build_routes():
        if isinstance(route, ApiRoute):
            assert route.path in spec["paths"], route.path


def test_responses_carry_security_headers(base_url: str) -> None:
    response = httpx.get(f"{base_url}/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors" in response.headers["content-security-policy"]
