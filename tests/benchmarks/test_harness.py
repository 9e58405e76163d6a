"""The benchmark harness: goals, medians, the table, the JSON, and children's time and memory."""

from __future__ import annotations

import json
import math
import sys

import pytest

from benchmarks.harness import (
    Figure,
    format_table,
    goal_met,
    median_of,
    run_child,
    write_results,
)

ALLOCATE = "import time; block = b'x' * ({mb} * 2**20); time.sleep({sleep})"


def test_goals_compare_the_value_with_the_threshold():
    assert goal_met(0.8, "< 10")
    assert not goal_met(12.0, "< 10")
    assert goal_met(1.0, ">= 1.0")
    assert not goal_met(0.99, ">= 1.0")


def test_a_goal_without_a_known_operator_is_refused():
    with pytest.raises(ValueError, match="looks like"):
        goal_met(1.0, "about 1")


def test_a_figure_is_the_median_of_its_runs_and_judged_against_its_goal():
    figure = Figure.of_runs("speed", [3.0, 1.0, 20.0], "s", goal="< 10")
    assert figure.value == 3.0
    assert figure.runs == [3.0, 1.0, 20.0]
    assert figure.met is True


def test_a_figure_without_runs_is_not_a_number_and_not_judged():
    figure = Figure.of_runs("skipped", [], "s", goal="< 10")
    assert math.isnan(figure.value)
    assert figure.met is None


def test_median_of_calls_the_function_repeat_times():
    values = iter([5.0, 1.0, 3.0])
    assert median_of(lambda: next(values), 3) == (3.0, [5.0, 1.0, 3.0])


def test_the_table_aligns_columns_and_flags_missed_goals():
    table = format_table(
        [
            Figure.of_runs("fast enough", [2.0], "s", goal="< 10"),
            Figure.of_runs("too slow", [12345.0], "s", goal="< 10"),
            Figure("skipped", math.nan, "s", note="not downloaded"),
        ]
    )
    lines = table.splitlines()
    assert lines[0].split() == ["figure", "median", "unit", "runs", "goal", "met", "note"]
    assert "yes" in lines[2] and "NO" in lines[3] and "12,345" in lines[3]
    assert "n/a" in lines[4] and "not downloaded" in lines[4]
    assert lines[0].index("median") == lines[2].index("2")


def test_results_are_standard_json_with_the_machine_and_skipped_figures_as_null(tmp_path):
    path = tmp_path / "results" / "latest.json"
    write_results([Figure.of_runs("a", [1.0], "s"), Figure("b", math.nan, "s")], path, {"x": 1})
    payload = json.loads(path.read_text(), parse_constant=pytest.fail)
    assert payload["machine"]["cores"] >= 1 and payload["machine"]["cpu"]
    assert [f["value"] for f in payload["figures"]] == [1.0, None]
    assert payload["x"] == 1


def test_a_child_reports_its_stdout_wall_time_and_its_own_peak_memory():
    child = run_child([sys.executable, "-c", ALLOCATE.format(mb=120, sleep=0.3) + "; print(7)"])
    assert child.stdout.strip() == "7"
    assert child.wall >= 0.3
    assert 120 <= child.peak_rss_mb < 400
    small = run_child([sys.executable, "-c", "print(1)"])
    assert small.peak_rss_mb < 100  # the earlier, bigger child does not leak into this one


def test_a_big_parent_does_not_count_in_its_childs_peak():
    ballast = b"x" * (300 * 2**20)  # wait4's ru_maxrss would report at least this much
    child = run_child([sys.executable, "-c", "print(1)"])
    assert len(ballast) and child.peak_rss_mb < 100


def test_the_tree_peak_adds_up_a_child_and_its_grandchild():
    grandchild = ALLOCATE.format(mb=100, sleep=1.0)
    script = (
        "import subprocess, sys\n"
        f"grandchild = subprocess.Popen([sys.executable, '-c', {grandchild!r}])\n"
        + ALLOCATE.format(mb=100, sleep=0.8)
        + "\ngrandchild.wait()"
    )
    child = run_child([sys.executable, "-c", script], interval=0.05)
    assert child.peak_rss_mb < 190  # wait4 gives the largest single process
    assert child.tree_peak_mb >= 200


def test_a_failing_child_raises_with_the_end_of_its_output():
    with pytest.raises(RuntimeError, match="exited with 3"):
        run_child([sys.executable, "-c", "import sys; print('the reason'); sys.exit(3)"])
    with pytest.raises(RuntimeError, match="the reason"):
        run_child([sys.executable, "-c", "import sys; sys.exit('the reason')"])


def test_a_child_running_past_its_timeout_is_killed():
    with pytest.raises(TimeoutError, match="longer than"):
        run_child([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)


def test_a_child_printing_one_json_line_is_parsed():
    child = run_child([sys.executable, "-c", "print('warming up'); print('{\"a\": 1}')"])
    assert child.json() == {"a": 1}
