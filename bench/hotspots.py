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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="only frames containing this text")
    parser.add_argument("--under", default="",
                        help="only stacks passing through a frame containing this text")
    args = parser.parse_args()
    stacks = [(frames, count) for frames, count in load(args.path)
              if not args.under or any(args.under in f for f in frames)]
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
