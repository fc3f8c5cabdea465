"""Launch tokens (minted by the host platform) and the access tokens they are exchanged for.

Both are itsdangerous signatures with one salt per purpose, so a token made for one purpose
never verifies as another.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from paygate.domain.errors import InvalidInput, InvalidToken, TokenExpired
from paygate.domain.principals import Principal, Role, validate_claims
from paygate.domain.receipts import check_provider_number
from paygate.domain.text import check_text

LAUNCH_SALT = "paygate.launch.v1"
ACCESS_SALT = "paygate.access.v1"
STATE_SALT = "paygate.oauth-state.v1"


@dataclass(frozen=True)
class LaunchClaims:
    principal: Principal
    jti: str
    expires_at: int
    provider_number: str | None = None  # optional claim: the clinician's, for receipts


class TokenSigner:
    def __init__(self, secret_key: str, launch_max_ttl: int = 24 * 3600) -> None:
        self._launch = URLSafeTimedSerializer(secret_key, salt=LAUNCH_SALT)
        self._access = URLSafeTimedSerializer(secret_key, salt=ACCESS_SALT)
        self._secret_key = secret_key
        self._launch_max_ttl = launch_max_ttl

    def serializer(self, salt: str) -> URLSafeTimedSerializer:
        """A serializer for another purpose (OAuth state, CSRF, ...), with its own salt."""
        return URLSafeTimedSerializer(self._secret_key, salt=salt)

    # -- launch tokens -----------------------------------------------------------------
    def mint_launch(self, *, role: Role, org_id: str, user_id: str, name: str,
                    clinic_id: str | None = None, call_id: str | None = None,
                    email: str | None = None, locale: str | None = None,
                    ttl: int = 300, provider_number: str | None = None) -> str:
        validate_claims(role, org_id, clinic_id, call_id)
        if not user_id:
            raise InvalidInput("A user id is required.", field="user")
        if not 0 < ttl <= self._launch_max_ttl:
            raise InvalidInput(
                f"The lifetime must be 1 to {self._launch_max_ttl} seconds.", field="ttl"
            )
        claims = {
            "sub": user_id, "name": name, "role": role.value, "org": org_id,
            "clinic": clinic_id, "call": call_id, "email": email, "locale": locale,
            "exp": int(time.time()) + ttl, "jti": secrets.token_urlsafe(16),
            "provider_number": check_provider_number(provider_number),
        }
        return self._launch.dumps({k: v for k, v in claims.items() if v is not None})

    def read_launch(self, token: str) -> LaunchClaims:
        data, _ = _loads(self._launch, token, self._launch_max_ttl, "launch token")
        principal = _principal(data)
        jti = data.get("jti")
        if not isinstance(jti, str) or not jti:
            raise InvalidToken("The launch token has no id.")
        return LaunchClaims(principal=principal, jti=jti, expires_at=int(data["exp"]),
                            provider_number=_provider_number(data.get("provider_number")))

    # -- access tokens -----------------------------------------------------------------
    def mint_access(self, principal: Principal, session_id: str, expires_at: int) -> str:
        claims = {
            "sid": session_id, "sub": principal.user_id, "name": principal.name,
            "role": principal.role.value, "org": principal.org_id,
            "clinic": principal.clinic_id, "call": principal.call_id,
            "email": principal.email, "locale": principal.locale, "exp": expires_at,
        }
        if principal.payment_request_id is not None:  # a pay link's narrower session
            claims["req"] = principal.payment_request_id
        return self._access.dumps(claims)

    def read_access(self, token: str, max_ttl: int) -> Principal:
        return self.read_access_until(token, max_ttl)[0]

    def read_access_until(self, token: str, max_ttl: int) -> tuple[Principal, float]:
        """The token's principal and the moment (epoch seconds) it stops verifying: its
        `exp`, or earlier when the configured lifetime has been shortened since."""
        data, signed_at = _loads(self._access, token, max_ttl, "access token")
        until = min(float(data["exp"]), signed_at + max_ttl)
        return _principal(data, session_id=str(data.get("sid", ""))), until


def _loads(serializer: URLSafeTimedSerializer, token: str, max_age: int,
           what: str) -> tuple[dict[str, Any], float]:
    """The claims and when they were signed (epoch seconds)."""
    if not token or len(token) > 4096:
        raise InvalidToken(f"The {what} is missing or malformed.")
    try:
        data, signed_at = serializer.loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise TokenExpired(f"The {what} has expired.") from None
    except BadSignature:
        raise InvalidToken(f"The {what} is not valid.") from None
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int):
        raise InvalidToken(f"The {what} is malformed.")
    if data["exp"] < time.time():
        raise TokenExpired(f"The {what} has expired.")
    return data, signed_at.timestamp()


def _provider_number(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidToken("The launch token's provider_number is malformed.")
    try:
        return check_provider_number(value, field="launch_token.provider_number")
    except InvalidInput as exc:
        raise InvalidToken(f"The launch token's provider_number: {exc.message}") from None


def _principal(data: dict[str, Any], session_id: str = "") -> Principal:
    for claim in ("sub", "name", "org", "clinic", "call", "email", "locale"):
        value = data.get(claim)
        if isinstance(value, str):  # the host platform signed it, but PostgreSQL refuses NUL
            check_text(value, f"launch_token.{claim}")
    scope = data.get("req")
    if scope is not None and not (isinstance(scope, str) and scope and session_id):
        raise InvalidToken("The token's claims are malformed.")
    try:
        role = Role(data["role"])
        principal = Principal(
            user_id=str(data["sub"]), name=str(data.get("name", "")), role=role,
            org_id=str(data.get("org") or ""), clinic_id=data.get("clinic"),
            call_id=data.get("call"), email=data.get("email"), locale=data.get("locale"),
            session_id=session_id, payment_request_id=scope,
        )
    except (KeyError, ValueError):
        raise InvalidToken("The token's claims are malformed.") from None
    try:
        validate_claims(role, principal.org_id, principal.clinic_id, principal.call_id)
    except InvalidInput as exc:
        raise InvalidToken(f"The token's claims are incomplete: {exc.message}") from None
    return principal
