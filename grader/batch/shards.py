"""Splitting one batch over many machines: `--shard K/N` grades a stable, disjoint part of the
collected notebooks (K from 0 to N-1; the parts for K = 0..N-1 are all of them), so an existing
cluster engine (a Kubernetes Indexed Job, a Slurm job array) can run one part per task."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path


def parse_shard(text: str) -> tuple[int, int]:
    """ "K/N" -> (K, N) with 0 <= K < N; ValueError with what to write otherwise."""
    match = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
    if not match:
        raise ValueError(f"expected K/N (e.g. 0/4), got {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"expected K/N with 0 <= K < N, got {text!r}")
    return index, count


def shard_of(path: Path, root: Path, count: int) -> int:
    """The shard (0 to count-1) of a notebook: from its path inside the folder it was found in,
    so the same submission lands in the same shard on every machine."""
    try:
        relative = path.relative_to(root).as_posix()
    except ValueError:
        relative = path.name
    digest = hashlib.sha256(relative.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count


def select(
    notebooks: list[tuple[Path, Path]], shard: tuple[int, int] | None
) -> list[tuple[Path, Path]]:
    """The (notebook, root) pairs of `shard` (all of them for None), in their order."""
    if shard is None:
        return notebooks
    index, count = shard
    return [(path, root) for path, root in notebooks if shard_of(path, root, count) == index]
