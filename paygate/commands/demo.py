"""`paygate demo`: everything in one process, ready to play the in-call flow."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
from types import FrameType
from typing import Any


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser(
        "demo", help="run a self-contained demo (sandbox Stripe, SQLite, mail capture)",
        description="Start paygate with an offline Stripe sandbox (on PORT+1), a temporary "
        "SQLite database, captured email, and a demo clinic ready to take payments. Prints "
        "the URL of a demo call room.")
    demo.add_argument("--port", type=int, default=8000,
                      help="paygate's port (default 8000); the sandbox uses PORT+1")
    demo.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    demo.set_defaults(func=cmd_demo)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the demo the way Ctrl+C does


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        from paygate.demo.runner import run_demo, scratch_folder
    except ModuleNotFoundError as exc:
        if exc.name != "aiosmtpd":
            raise
        print("paygate demo: the demo needs the demo extra: pip install 'paygate[demo]' "
              "(scripts/demo installs it)")
        return 2

    if not 1 <= args.port < 65535:
        print("paygate demo: --port must be between 1 and 65534")
        return 2
    folder = scratch_folder()
    # uvicorn handles SIGINT/SIGTERM while it serves and raises them again once stopped;
    # then these handlers end asyncio.run, and the scratch folder is removed below.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        asyncio.run(run_demo(args.host, args.port, folder))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(folder, ignore_errors=True)
    return 0
