"""The disk watch adds up what a kernel's folders hold and stops it past a limit."""

from __future__ import annotations

import asyncio
import os

from grader.batch.disk_watch import DiskWatch, disk_use, held_open


def test_disk_use_counts_allocated_blocks_and_entries(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data").write_bytes(b"x" * 2**20)
    (tmp_path / "empty").touch()
    allocated, entries = disk_use([tmp_path], stop_after=100)
    assert entries == 3
    assert 2**20 <= allocated < 2**20 + 2**16


def test_a_sparse_file_counts_what_it_uses_not_its_length(tmp_path):
    with open(tmp_path / "sparse", "wb") as sparse:
        sparse.truncate(2**30)
    assert disk_use([tmp_path], stop_after=100)[0] < 2**20


def test_symbolic_links_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big").write_bytes(b"x" * 2**20)
    watched = tmp_path / "watched"
    watched.mkdir()
    os.symlink(outside, watched / "link")
    allocated, entries = disk_use([watched], stop_after=100)
    assert entries == 1 and allocated < 2**16


def test_counting_stops_past_the_entry_limit(tmp_path):
    for n in range(50):
        (tmp_path / str(n)).touch()
    assert disk_use([tmp_path], stop_after=10)[1] == 11


def test_a_missing_folder_holds_nothing(tmp_path):
    assert disk_use([tmp_path / "gone"], stop_after=10) == (0, 0)


def test_the_watch_stops_the_kernel_once_a_limit_is_passed(tmp_path):
    stopped = []
    watch = DiskWatch([tmp_path], limit_bytes=2**20, limit_entries=100)

    async def fill() -> None:
        task = asyncio.ensure_future(watch.run(lambda: stopped.append(True), list))
        await asyncio.sleep(0.3)
        assert not stopped  # nothing written yet
        (tmp_path / "big").write_bytes(b"x" * 2 * 2**20)
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(fill())
    assert stopped == [True] and watch.exceeded
    assert watch.peak_bytes >= 2 * 2**20
    assert watch.describe_limit() == "more than 1 MB or 100 files"


def test_files_held_open_after_their_deletion_are_counted(tmp_path):
    """No folder lists them, yet they fill the disk until the kernel closes them."""
    before = held_open([os.getpid()])
    with open(tmp_path / "gone", "wb") as held:
        held.write(b"x" * 2**20)
        held.flush()
        os.unlink(tmp_path / "gone")
        assert held_open([os.getpid()]) - before >= 2**20
    assert held_open([os.getpid()]) == before


def test_memory_files_are_counted(tmp_path):
    """memfd_create's files are memory that no resident-memory figure shows."""
    before = held_open([os.getpid()])
    descriptor = os.memfd_create("hidden")
    try:
        os.write(descriptor, b"x" * 2**20)
        assert held_open([os.getpid()]) - before >= 2**20
    finally:
        os.close(descriptor)


def test_a_process_that_is_gone_holds_nothing():
    assert held_open([2**22 + 17]) == 0
