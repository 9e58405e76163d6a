"""Noticing that a learner's function runs the course's own answer (LEARNER side).

Some library functions do an exercise's whole job and must stay importable for the rest of the
notebook (the corpus readers normalise tokens, `pad_batch` pads a batch). A learner's
`normalize_token` that merely calls them would pass every item. Two witnesses record whether
one of them ran while the learner's function did: a profile hook (this thread only: enough in a
notebook), and, in a graded run, a call to `entered` that the kernel's library has at the top
of each such function (`grader.batch.kernel_library`), which sees every thread (a tf.data
worker included).
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator, Sequence

ENTERED: set[str] = set()
"""The watched functions that ran since `watching_for` last began (any thread)."""


def entered(name: str) -> None:
    """Called first thing by each watched function of the kernel's library."""
    ENTERED.add(name)


def course_code_objects(names: Sequence[str]) -> dict:
    """Code object -> "module:function" for each of `names` that can be imported."""
    codes = {}
    for name in names:
        module_name, _, attribute = name.partition(":")
        try:
            function = getattr(importlib.import_module(module_name), attribute)
            codes[function.__code__] = name
        except Exception:  # not importable here: nothing to watch for
            continue
    return codes


@contextlib.contextmanager
def watching_for(names: Sequence[str]) -> Iterator[set[str]]:
    """Meanwhile, the set yielded receives each of `names` ("module:function") that runs."""
    codes = course_code_objects(names)
    seen: set[str] = set()

    def profile(frame, event, argument):
        if event == "call" and frame.f_code in codes:
            seen.add(codes[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(profile if codes else previous)
    ENTERED.clear()
    try:
        yield seen
    finally:
        sys.setprofile(previous)
        seen.update(ENTERED & set(names))
