"""Events (retrieve, list) and webhook endpoints registered at runtime."""

from __future__ import annotations

from paygate.sandbox.engine import Ctx, Sandbox, apply_metadata
from paygate.sandbox.errors import invalid_request
from paygate.sandbox.resources import Endpoint, route
from paygate.sandbox.state import JSON, new_id, now, rand


def retrieve(sb: Sandbox, ctx: Ctx, params: JSON, evt_id: str) -> JSON:
    return sb.respond(ctx, sb.get(ctx, "event", evt_id), params)


def list_(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    rows = sb.store.scan("event", ctx.account)
    wanted = set(params.get("types") or []) | ({params["type"]} if params.get("type") else set())
    if wanted:
        exact = {w for w in wanted if not w.endswith("*")}
        prefixes = tuple(w[:-1] for w in wanted if w.endswith("*"))
        rows = [r for r in rows if r["type"] in exact or (prefixes and
                                                          r["type"].startswith(prefixes))]
    return sb.page(rows, params, "/v1/events")


def _platform_only(sb: Sandbox, ctx: Ctx) -> None:
    if ctx.connected:
        raise invalid_request("Webhook endpoints can only be managed by the platform in this "
                              "sandbox.")


def create_endpoint(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    _platform_only(sb, ctx)
    if not params["url"].startswith(("http://", "https://")):
        raise invalid_request("Invalid URL: URL must be publicly accessible and use http or "
                              "https.", param="url", code="url_invalid")
    endpoint: JSON = {
        "id": new_id("we"),
        "object": "webhook_endpoint",
        "api_version": params.get("api_version"),
        "application": None,
        "created": now(),
        "description": params.get("description") or None,
        "enabled_events": list(params["enabled_events"]),
        "livemode": False,
        "metadata": apply_metadata({}, params.get("metadata") or {}),
        "status": "enabled",
        "url": params["url"],
    }
    secret = "whsec_" + rand(32)
    sb.store.add(endpoint, ctx.account, {"secret": secret,
                                         "connect": bool(params.get("connect"))})
    return {**sb.respond(ctx, endpoint, params), "secret": secret}


def retrieve_endpoint(sb: Sandbox, ctx: Ctx, params: JSON, we_id: str) -> JSON:
    return sb.respond(ctx, sb.get(ctx, "webhook_endpoint", we_id), params)


def update_endpoint(sb: Sandbox, ctx: Ctx, params: JSON, we_id: str) -> JSON:
    endpoint = sb.get(ctx, "webhook_endpoint", we_id)
    for key in ("url", "description", "enabled_events"):
        if key in params:
            endpoint[key] = params[key] or None if key == "description" else params[key]
    if "disabled" in params:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    if "metadata" in params:
        endpoint["metadata"] = apply_metadata(endpoint["metadata"], params["metadata"])
    return sb.respond(ctx, endpoint, params)


def list_endpoints(sb: Sandbox, ctx: Ctx, params: JSON) -> JSON:
    return sb.page(sb.store.scan("webhook_endpoint", ctx.account), params,
                   "/v1/webhook_endpoints")


def delete_endpoint(sb: Sandbox, ctx: Ctx, params: JSON, we_id: str) -> JSON:
    sb.get(ctx, "webhook_endpoint", we_id)
    sb.store.remove(we_id)
    return {"id": we_id, "object": "webhook_endpoint", "deleted": True}


def endpoints() -> list[Endpoint]:
    """This resource's endpoints, for the sandbox's API to match requests against."""
    return [
        route("GET", "/v1/events/{evt_id}", "EventRetrieveParams", retrieve),
        route("GET", "/v1/events", "EventListParams", list_),
        route("POST", "/v1/webhook_endpoints", "WebhookEndpointCreateParams", create_endpoint),
        route("GET", "/v1/webhook_endpoints/{we_id}", "WebhookEndpointRetrieveParams",
              retrieve_endpoint),
        route("POST", "/v1/webhook_endpoints/{we_id}", "WebhookEndpointUpdateParams",
              update_endpoint),
        route("GET", "/v1/webhook_endpoints", "WebhookEndpointListParams", list_endpoints),
        route("DELETE", "/v1/webhook_endpoints/{we_id}", "WebhookEndpointDeleteParams",
              delete_endpoint),
    ]
