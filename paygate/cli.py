"""The `paygate` command. Each command module adds its subcommand with register()."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from paygate.domain.errors import DomainError
from paygate.settings import Settings, SettingsError

# Modules that add subcommands; each defines register(subparsers).
COMMAND_MODULES = (
    "paygate.commands.core",
    "paygate.commands.clinics",
    "paygate.commands.demo",
    "paygate.commands.reconcile",
    "paygate.sandbox.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paygate",
        description="Real-time in-call payments for telehealth video calls.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def load_settings() -> Settings:
    return Settings.from_env(os.environ)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
    except SettingsError as exc:
        print(f"paygate: configuration error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"paygate: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
