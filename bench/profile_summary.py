"""Summarise a `py-spy record --format raw` profile: where the sampled CPU time went.

`python bench/profile_summary.py PROFILE.txt [--top 30] [--focus TEXT]` prints the functions
with the most samples on the stack (inclusive) and at the top of it (self), as a share of
all samples. py-spy leaves idle threads (waiting on a socket or a lock) out by default, so
the shares are of the time a worker spent running Python, not waiting on the gateway.
`--focus` keeps only the stacks that pass through a frame containing TEXT.
"""

import argparse
import collections
import re
import sys

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def frames_of(stack):
    for raw in stack.split(";"):
        match = FRAME.match(raw.strip())
        if not match:
            yield raw.strip()
            continue
        path = match["file"]
        for marker in ("site-packages/", "/work/main/", "python3.11/"):
            if marker in path:
                path = path.split(marker, 1)[1]
                break
        yield f"{match['func']} ({path})"


def summarise(lines, focus=None):
    inclusive = collections.Counter()
    own = collections.Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        if focus and focus not in stack:
            continue
        count = int(count)
        total += count
        frames = list(frames_of(stack))
        # Process/thread header frames come first in py-spy's raw output.
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    return total, inclusive, own


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--focus")
    args = parser.parse_args(argv)
    with open(args.profile) as lines:
        total, inclusive, own = summarise(lines, args.focus)
    if not total:
        sys.exit("no samples")
    print(f"{total} samples")
    print("\ninclusive (on the stack):")
    for frame, count in inclusive.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {frame}")
    print("\nself (at the top):")
    for frame, count in own.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main(sys.argv[1:])
