"""A watchdog on what a learner's kernel keeps on the grading machine's disk (grading process).

A kernel may write only in its own folders (working copy, exchange folder, HOME), but files are
limited one by one (`sandbox.MAX_FILE_BYTES`): without a total, a loop writing file after file
would fill the disk every other submission, and the tool's own results, are written to. The
watch adds up what those folders hold, and the files the kernel's processes hold open that no
folder lists (deleted while open, or `memfd_create`'s, which are memory the memory watch does
not see), a few times a second, and stops the kernel past either limit. It polls, so a fast
writer gets a little past the limit before it is stopped.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

MAX_WRITTEN_BYTES = 2**30
"""What a kernel's folders may hold at once (disk blocks, so a sparse file counts what it uses)."""
MAX_ENTRIES = 20_000
"""Files and folders they may hold: millions of empty files fill a disk's inodes instead."""
POLL_SECONDS = 0.25


def disk_use(folders: Iterable[Path], stop_after: int) -> tuple[int, int]:
    """The bytes allocated to, and the number of entries in, everything under `folders`
    (symbolic links are not followed); counting stops once `stop_after` entries were seen."""
    allocated = entries = 0
    pending = [str(folder) for folder in folders]
    while pending and entries <= stop_after:
        try:
            scanner = os.scandir(pending.pop())
        except OSError:  # removed meanwhile, or not a folder
            continue
        with scanner:
            for entry in scanner:
                entries += 1
                try:
                    allocated += entry.stat(follow_symlinks=False).st_blocks * 512
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                except OSError:
                    continue
                if entries > stop_after:
                    break
    return allocated, entries


def held_open(pids: Iterable[int]) -> int:
    """The bytes allocated to the files the processes `pids` hold open that no folder lists
    (deleted while open, memfd): read from /proc, 0 where it cannot be read."""
    allocated = 0
    seen: set[tuple[int, int]] = set()
    for pid in pids:
        folder = f"/proc/{pid}/fd"
        try:
            descriptors = os.listdir(folder)
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                status = os.stat(f"{folder}/{descriptor}")
            except OSError:
                continue
            key = (status.st_dev, status.st_ino)
            if stat.S_ISREG(status.st_mode) and status.st_nlink == 0 and key not in seen:
                seen.add(key)
                allocated += status.st_blocks * 512
    return allocated


class DiskWatch:
    """Polls the total a kernel's folders hold; calls `stop` once it passes a limit."""

    def __init__(
        self,
        folders: Iterable[Path],
        limit_bytes: int | None = None,
        limit_entries: int | None = None,
    ) -> None:
        self.folders = tuple(folders)
        self.limit_bytes = MAX_WRITTEN_BYTES if limit_bytes is None else limit_bytes
        self.limit_entries = MAX_ENTRIES if limit_entries is None else limit_entries
        self.exceeded = False
        self.peak_bytes = 0

    def describe_limit(self) -> str:
        """The limits, as a sentence's end: "more than 1024 MB or 20000 files"."""
        return f"more than {self.limit_bytes / 2**20:g} MB or {self.limit_entries} files"

    async def run(self, stop: Callable[[], None], pids: Callable[[], list[int]]) -> None:
        """Poll until a limit is passed, then call `stop`; `pids`: the kernel's processes."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            allocated, entries = await asyncio.to_thread(self._use, pids())
            self.peak_bytes = max(self.peak_bytes, allocated)
            if allocated > self.limit_bytes or entries > self.limit_entries:
                self.exceeded = True
                stop()
                return

    def check(self, pids: list[int]) -> bool:
        """One look now (the polls may have missed a burst): whether a limit is passed."""
        allocated, entries = self._use(pids)
        self.peak_bytes = max(self.peak_bytes, allocated)
        if allocated > self.limit_bytes or entries > self.limit_entries:
            self.exceeded = True
        return self.exceeded

    def _use(self, pids: list[int]) -> tuple[int, int]:
        allocated, entries = disk_use(self.folders, self.limit_entries)
        return allocated + held_open(pids), entries
