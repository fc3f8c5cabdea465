"""serve, db, token."""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import Any

from paygate.domain.principals import Role

# uvicorn's WebSocket implementations and paygate's lean websockets-sansio (web/ws_protocol);
# the default is what measured best per idle call socket (docs/benchmarks.md: `python -m
# bench`).
WS_IMPLEMENTATIONS = ("paygate", "websockets-sansio", "websockets", "wsproto")
DEFAULT_WS = "paygate"
DEFAULT_WS_DEFLATE = "off"


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="serve paygate with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1,
                       help="uvicorn worker processes (>1 needs PostgreSQL and a shared "
                            "PAYGATE_BROADCAST_URL such as redis://)")
    serve.add_argument("--ws", choices=WS_IMPLEMENTATIONS, default=DEFAULT_WS,
                       help=f"WebSocket implementation (default {DEFAULT_WS})")
    serve.add_argument("--ws-per-message-deflate", choices=("on", "off"),
                       default=DEFAULT_WS_DEFLATE,
                       help=f"compress socket messages (default {DEFAULT_WS_DEFLATE}: notices "
                            "are small and a compressor per socket costs memory)")
    serve.add_argument("--forwarded-allow-ips", default=None,
                       help="proxies trusted for X-Forwarded-For/-Proto (default: uvicorn's, "
                            "$FORWARDED_ALLOW_IPS or 127.0.0.1)")
    serve.add_argument("--backlog", type=int, default=2048,
                       help="pending connections the listening socket queues")
    serve.set_defaults(func=cmd_serve)

    db = subparsers.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply every migration").set_defaults(func=cmd_db_upgrade)
    down = db_sub.add_parser("downgrade", help="roll back to a revision")
    down.add_argument("revision")
    down.set_defaults(func=cmd_db_downgrade)

    token = subparsers.add_parser(
        "token", help="print a signed launch token (what a host platform mints)")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--org", required=True)
    token.add_argument("--clinic")
    token.add_argument("--call")
    token.add_argument("--user", required=True)
    token.add_argument("--name", required=True)
    token.add_argument("--email")
    token.add_argument("--locale")
    token.add_argument("--provider-number", help="a clinician's, printed on receipts")
    token.add_argument("--ttl", type=int, default=300, help="seconds (default 300)")
    token.set_defaults(func=cmd_token)


def uvicorn_ws(name: str) -> str:
    """What uvicorn's `ws` option gets for a `--ws` choice."""
    from paygate.web import ws_protocol

    return ws_protocol.IMPORT if name == ws_protocol.NAME else name


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from paygate.cli import load_settings
    from paygate.logs import configure_logging
    from paygate.store.database import upgrade

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format, settings.library_log_level)
    if args.workers > 1:
        if settings.is_sqlite:
            print("paygate: several workers need PostgreSQL (PAYGATE_DATABASE_URL)")
            return 2
        if settings.broadcast_url.startswith("memory"):
            print("paygate: several workers need a shared PAYGATE_BROADCAST_URL (redis:// or "
                  "postgresql://), or notices stay inside the worker that made them")
            return 2
    if settings.is_sqlite:
        upgrade(settings.database_url)
    options: dict[str, Any] = {
        "host": args.host, "port": args.port, "proxy_headers": True, "log_config": None,
        "access_log": False, "ws": uvicorn_ws(args.ws), "backlog": args.backlog,
        "ws_per_message_deflate": args.ws_per_message_deflate == "on",
        # docs/deployment.md, "Limits": what uvicorn bounds itself; bodies are capped and
        # timed by paygate's BodyLimits middleware.
        "timeout_keep_alive": settings.keep_alive_timeout,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "limit_concurrency": settings.max_connections,
    }
    if args.forwarded_allow_ips is not None:
        options["forwarded_allow_ips"] = args.forwarded_allow_ips
    print(f"paygate serving on http://{args.host}:{args.port}", flush=True)
    if args.workers > 1:
        # Each worker writes its metrics here and /metrics adds them up (paygate.metrics).
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                              tempfile.mkdtemp(prefix="paygate-metrics-"))
        uvicorn.run("paygate.app:app_from_env", factory=True, workers=args.workers, **options)
        return 0
    from paygate.app import create_app

    uvicorn.run(create_app(settings, migrate=False, freeze_heap=True), **options)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from paygate.cli import load_settings
    from paygate.store.database import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    from paygate.cli import load_settings
    from paygate.store.database import downgrade

    downgrade(load_settings().database_url, args.revision)
    print(f"database rolled back to {args.revision}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from paygate.cli import load_settings
    from paygate.services.auth.tokens import TokenSigner

    settings = load_settings()
    signer = TokenSigner(settings.secret_key, settings.launch_token_max_ttl)
    print(signer.mint_launch(
        role=Role(args.role), org_id=args.org, user_id=args.user, name=args.name,
        clinic_id=args.clinic, call_id=args.call, email=args.email, locale=args.locale,
        ttl=args.ttl, provider_number=args.provider_number,
    ))
    return 0
