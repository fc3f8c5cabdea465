"""Connect OAuth: the consent page, /oauth/token, /oauth/deauthorize."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from paygate.sandbox.engine import Sandbox
from paygate.sandbox.errors import OAuthError
from paygate.sandbox.pages import form_data, render
from paygate.sandbox.resources.accounts import COUNTRY_CURRENCY, new_account
from paygate.sandbox.state import JSON, rand

CODE_TTL = 300
AUTHORIZE_BUTTON = "Authorize access to this account"
DENY_BUTTON = "Deny"


def _sb(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def _redirect(base: str, **query: str | None) -> RedirectResponse:
    sep = "&" if "?" in base else "?"
    clean = {k: v for k, v in query.items() if v is not None}
    return RedirectResponse(base + sep + urlencode(clean), status_code=302)


def _check_client(sb: Sandbox, client_id: str | None) -> str | None:
    """An error message for a bad client id, else None."""
    if not client_id:
        return "No client_id was provided."
    if not client_id.startswith("ca_") or sb.config.client_id not in (None, client_id):
        return f"No such application: '{client_id}'"
    return None


def _application(client_id: str) -> JSON:
    return {"id": client_id, "object": "application", "name": "paygate (sandbox platform)"}


async def authorize_page(request: Request) -> Response:
    sb = _sb(request)
    q = request.query_params
    problem = _check_client(sb, q.get("client_id"))
    if not problem and q.get("response_type", "code") != "code":
        problem = "Invalid response_type: only 'code' is supported."
    redirect_uri = q.get("redirect_uri", "")
    if not problem and not redirect_uri.startswith(("http://", "https://")):
        problem = "Invalid redirect_uri: this sandbox needs an http(s) redirect_uri."
    if problem:
        return render(request, "oauth_error.html", 400, message=problem)
    accounts = sb.store.accounts()
    return render(
        request, "oauth_authorize.html",
        accounts=accounts, client_id=q["client_id"], state=q.get("state", ""),
        scope=q.get("scope", "read_only"), redirect_uri=redirect_uri,
        prefill_name=q.get("stripe_user[business_name]", ""),
        prefill_email=q.get("stripe_user[email]", ""),
        countries=sorted(COUNTRY_CURRENCY), currencies=sorted(set(COUNTRY_CURRENCY.values())),
        authorize_label=AUTHORIZE_BUTTON, deny_label=DENY_BUTTON,
    )


async def authorize_submit(request: Request) -> Response:
    sb = _sb(request)
    form = await form_data(request)
    problem = _check_client(sb, form.get("client_id"))
    redirect_uri = form.get("redirect_uri", "")
    if problem or not redirect_uri.startswith(("http://", "https://")):
        return render(request, "oauth_error.html", 400,
                      message=problem or "Invalid redirect_uri.")
    state = form.get("state") or None
    if form.get("action") != "authorize":
        return _redirect(redirect_uri, error="access_denied",
                         error_description="The user denied your request", state=state)
    choice = form.get("account", "new")
    if choice == "new":
        name = form.get("business_name", "").strip() or "Test clinic"
        country = form.get("country", "US").upper()
        acct = new_account(country=country if country in COUNTRY_CURRENCY else "US",
                           email=form.get("email", "").strip() or None, name=name,
                           default_currency=form.get("currency") or None, enabled=True)
        sb.store.add(acct, acct["id"])
    else:
        found = sb.store.find(choice)
        if found is None or found.get("object") != "account":
            return render(request, "oauth_error.html", 400, message="Unknown account.")
        acct = found
    sb.store.connected[acct["id"]] = {"via": "oauth", "revoked": False}
    code = "ac_" + rand(32)
    scope = form.get("scope") or "read_only"
    sb.store.oauth_codes[code] = {"account": acct["id"], "scope": scope, "used": False,
                                  "expires_at": time.time() + CODE_TTL}
    sb.emit("account.application.authorized", _application(form["client_id"]), acct["id"],
            None)
    return _redirect(redirect_uri, code=code, scope=scope, state=state)


def _oauth_json(exc: OAuthError) -> JSONResponse:
    return JSONResponse(exc.body(), exc.status)


def _secret_key(sb: Sandbox, request: Request, form: dict[str, str]) -> None:
    auth = request.headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else form.get("client_secret")
    if not key:
        raise OAuthError("invalid_request", "No client secret or API key provided.", 401)
    if not key.startswith("sk_test_") or sb.config.secret_key not in (None, key) \
            or key in sb.store.tokens:
        raise OAuthError("invalid_client", "Invalid API Key provided.", 401)


def _tokens_for(sb: Sandbox, acct: str, scope: str) -> JSON:
    store = sb.store
    access = next((t for t, a in store.tokens.items() if a == acct), None)
    if access is None:
        access = "sk_test_" + rand(40)
        store.tokens[access] = acct
    refresh = next((t for t, a in store.refresh_tokens.items() if a == acct), None)
    if refresh is None:
        refresh = "rt_" + rand(40)
        store.refresh_tokens[refresh] = acct
    publishable = next((t for t, a in store.publishable_keys.items() if a == acct), None)
    if publishable is None:
        publishable = "pk_test_" + rand(40)
        store.publishable_keys[publishable] = acct
    return {"access_token": access, "livemode": False, "refresh_token": refresh,
            "scope": scope, "stripe_publishable_key": publishable, "stripe_user_id": acct,
            "token_type": "bearer"}


async def token(request: Request) -> Response:
    sb = _sb(request)
    form = await form_data(request)
    try:
        _secret_key(sb, request, form)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            code = form.get("code")
            if not code:
                raise OAuthError("invalid_request", "No authorization code provided")
            entry = sb.store.oauth_codes.get(code)
            if entry is None or code.startswith("link_"):
                raise OAuthError("invalid_grant", f"Authorization code does not exist: {code}")
            if entry["used"]:
                raise OAuthError("invalid_grant", f"Authorization code already used: {code}")
            if entry["expires_at"] < time.time():
                raise OAuthError("invalid_grant", f"Authorization code expired: {code}")
            entry["used"] = True
            acct, scope = entry["account"], entry["scope"]
        elif grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            found = sb.store.refresh_tokens.get(refresh)
            if found is None or not sb.store.has_access(found):
                raise OAuthError("invalid_grant", f"Refresh token does not exist: {refresh}")
            acct, scope = found, form.get("scope") or "read_write"
        else:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant type: {grant}")
    except OAuthError as exc:
        return _oauth_json(exc)
    if not sb.store.has_access(acct):
        return _oauth_json(OAuthError("invalid_grant", "This account is no longer connected."))
    sb.dirty = True
    return JSONResponse(_tokens_for(sb, acct, scope))


async def deauthorize(request: Request) -> Response:
    sb = _sb(request)
    form = await form_data(request)
    try:
        _secret_key(sb, request, form)
        problem = _check_client(sb, form.get("client_id"))
        if problem:
            raise OAuthError("invalid_client", problem, 401)
        acct = form.get("stripe_user_id", "")
        if not sb.store.has_access(acct):
            raise OAuthError("invalid_client", f"This application is not connected to stripe "
                             f"account {acct}, or that account does not exist.", 401)
    except OAuthError as exc:
        return _oauth_json(exc)
    sb.store.connected[acct]["revoked"] = True
    for table in (sb.store.tokens, sb.store.refresh_tokens, sb.store.publishable_keys):
        for key in [k for k, v in table.items() if v == acct]:
            del table[key]
    sb.emit("account.application.deauthorized", _application(form["client_id"]), acct, None)
    return JSONResponse({"stripe_user_id": acct})
