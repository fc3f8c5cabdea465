"""`paygate sandbox`: run the offline Stripe sandbox on its own."""

from __future__ import annotations

import argparse

from paygate.sandbox.config import FAULTS, SandboxConfig


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "sandbox", help="run the offline Stripe sandbox",
        description="Serve an offline emulation of the Stripe API, Connect OAuth and "
        "Stripe.js for development and tests. Test mode only; no real money moves.")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1; it has no real security)")
    parser.add_argument("--webhook-url", action="append", default=[],
                        help="endpoint receiving every event (repeatable)")
    parser.add_argument("--webhook-secret", action="append", default=[],
                        help="whsec_... signing secret for the matching --webhook-url")
    parser.add_argument("--secret-key", help="accept only this sk_test_ key (default: any)")
    parser.add_argument("--client-id", help="accept only this ca_ client id (default: any)")
    parser.add_argument("--state-file", help="keep state in this JSON file across restarts")
    parser.add_argument("--public-url", help="base URL browsers use to reach the sandbox")
    parser.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS),
                        help="webhook fault mode for testing (repeatable)")
    parser.add_argument("--retry-schedule", default="0.5,1,2,4,8",
                        help="seconds between webhook delivery attempts, comma separated")
    parser.set_defaults(func=run)


def config_from(args: argparse.Namespace) -> SandboxConfig:
    urls, secrets = list(args.webhook_url), list(args.webhook_secret)
    if len(urls) != len(secrets):
        raise SystemExit("give one --webhook-secret per --webhook-url")
    schedule = tuple(float(x) for x in args.retry_schedule.split(",") if x.strip())
    try:
        return SandboxConfig(
            secret_key=args.secret_key, client_id=args.client_id,
            webhook_endpoints=tuple(zip(urls, secrets, strict=True)),
            retry_schedule=schedule, faults=frozenset(args.fault),
            state_file=args.state_file, public_url=args.public_url)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from paygate.sandbox.app import create_sandbox_app

    config = config_from(args)
    app = create_sandbox_app(config)
    base = config.public_url or f"http://{args.host}:{args.port}"
    print(f"Stripe sandbox (TEST MODE) on {base}  dashboard: {base}/dashboard  "
          f"Stripe.js: {base}/v3/", flush=True)
    # No access log: Stripe.js retrieves carry the client_secret in the query string.
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
    return 0
