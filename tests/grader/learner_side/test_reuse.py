"""A learner's function that runs the course's own answer is seen doing so, from any thread."""

from __future__ import annotations

import threading

from grader.batch.kernel_library import watched
from grader.learner_side import reuse

SOURCE = '''
def _helper(token):
    """Does the exercise's whole job."""
    return token.upper()
'''


def test_a_watched_function_reports_that_it_runs_from_any_thread():
    namespace: dict = {}
    exec(
        compile(watched(SOURCE, "course.module", ["_helper"]), "course/module.py", "exec"),
        namespace,
    )
    with reuse.watching_for(["course.module:_helper"]) as seen:
        worker = threading.Thread(target=namespace["_helper"], args=("x",))
        worker.start()
        worker.join()
    assert seen == {"course.module:_helper"}
    assert namespace["_helper"].__doc__ == "Does the exercise's whole job."


def test_nothing_is_seen_when_the_watched_function_does_not_run():
    with reuse.watching_for(["course.module:_helper"]) as seen:
        str.upper("x")
    assert seen == set()
