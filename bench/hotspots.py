"""Summarise py-spy's collapsed stacks (`python -m bench --profile DIR`): where time goes.

    python -m bench.hotspots DIR/paygate-1000-sockets.txt [--top 30] [--match paygate/]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def load(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append((frames.split(";"), int(count)))
    return stacks


# Where a webhook's CPU goes: the breakdown docs/benchmarks.md publishes. A stack passing
# through one of the first phases' frames counts there (logging's own JSON is logging; the
# event's json.loads is parse, the signature's HMAC verify); any other stack counts by its
# innermost frame that names a package.
THROUGH = (
    ("logging", ("/logging/", "paygate/logs.py")),
    ("parse (event JSON)", ("json/decoder.py",)),
    ("verify (signature)", ("stripe/_webhook.py", "/hmac.py", "verify_webhook")),
    ("SQL (asyncpg, statements)", ("asyncpg/", "paygate/store/")),
    ("broadcast", ("paygate/adapters/broadcast/",)),
    ("socket send", ("websockets/", "uvicorn/protocols/websockets")),
    ("JSON (notice, response)", ("json/encoder.py", "pydantic")),
)
INNERMOST = (
    ("paygate (domain, services, web)", ("paygate/",)),
    ("HTTP (uvicorn, httptools, starlette)", ("uvicorn/", "starlette/", "httptools")),
)


STARTUP = ("importlib", "lifespan", "build_parser", "freeze_startup_heap", "create_app",
           "Runtime.build")


def phase_of(frames: list[str]) -> str:
    for name, marks in THROUGH:
        if any(mark in frame for frame in frames for mark in marks):
            return name
    for frame in reversed(frames):
        for name, marks in INNERMOST:
            if any(mark in frame for mark in marks):
                return name
    return "event loop, other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="only frames containing this text")
    parser.add_argument("--under", default="",
                        help="only stacks passing through a frame containing this text")
    parser.add_argument("--phases", action="store_true",
                        help="the busy samples by phase (verify, parse, SQL, JSON, ...)")
    parser.add_argument("--no-startup", action="store_true",
                        help="leave out the server's start-up (imports, app, lifespan)")
    args = parser.parse_args()
    stacks = [(frames, count) for frames, count in load(args.path)
              if (not args.under or any(args.under in f for f in frames))
              and not (args.no_startup and any(mark in f for f in frames
                                                for mark in STARTUP))]
    total = sum(count for _, count in stacks)
    busy = sum(count for frames, count in stacks
               if not ("select" in frames[-1] or "epoll" in frames[-1]))
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in stacks:
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    print(f"{total} samples, {busy} not idle in the event loop's poll")
    if args.phases:
        phases: Counter[str] = Counter()
        for frames, count in stacks:
            if not ("select" in frames[-1] or "epoll" in frames[-1]):
                phases[phase_of(frames)] += count
        print("\nbusy samples by phase:")
        for name, count in phases.most_common():
            print(f"{count / max(busy, 1):6.1%}  {name}")
    print("\ninclusive (share of all samples):")
    shown = 0
    for frame, count in inclusive.most_common():
        if args.match and args.match not in frame:
            continue
        print(f"{count / total:6.1%}  {frame}")
        shown += 1
        if shown >= args.top:
            break
    print("\nself:")
    for frame, count in own.most_common(args.top):
        print(f"{count / total:6.1%}  {frame}")
    by_package: Counter[str] = Counter()
    for frame, count in own.items():
        where = frame.rpartition("(")[2]
        by_package[where.split("/")[0].split(".")[0] or where] += count
    print("\nself, by top-level package:")
    for package, count in by_package.most_common(15):
        print(f"{count / total:6.1%}  {package}")


if __name__ == "__main__":
    main()
