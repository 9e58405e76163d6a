"""How each benchmark turns its children's results into figures (children faked: no TensorFlow)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat.v4 as v4
import pytest

from benchmarks import __main__ as cli
from benchmarks import (
    grader_latency,
    grading_tool,
    notebook_suite,
    training_figures,
    training_tuning,
)
from benchmarks.harness import ChildRun, Figure


def child(stdout: str = "", wall: float = 1.0, peak: float = 100.0) -> ChildRun:
    return ChildRun(wall=wall, peak_rss_mb=peak, tree_peak_mb=peak * 2, stdout=stdout)


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def training_result(contender: str, tokens_per_second: float, padding: float = 0.4) -> str:
    config = {"contender": contender, "corpus": "bundled", "epochs": 4}
    config |= {"embedding_dim": 200, "n_hidden_rnn": 200, "batch_size": 32}
    return json.dumps(
        {
            "config": config,
            "train_sentences": 5000,
            "n_tags": 11,
            "tokens_per_second": tokens_per_second,
            "chunk_tokens_per_second": [tokens_per_second] * 3,
            "epoch_tokens": [600] * 4,
            "epoch_positions": [600 / (1 - padding)] * 4,
            "steady_epoch_seconds": 10.0,
            "first_epoch_seconds": 12.0,
            "validation_f1": 0.5,
        }
    )


GEMM_RESULT = json.dumps(
    {"step_shape": [32, 400, 800], "step_gflops": 100.0, "large_gflops": 177.0}
)


def contender_of(command: list[str]) -> str:
    """The fake children's name for a command: a training contender, "+bucketed", or "gemm"."""
    if command[2] == "benchmarks.gemm_rate":
        return "gemm"
    name = next(a for a in command if a.startswith("--contender=")).removeprefix("--contender=")
    return name + ("+bucketed" if "--bucket-by-length" in command else "")


def fake_training(speeds: dict[str, list[float]], calls: list | None = None):
    """A runner answering each child from `speeds` (one value per call, in order)."""
    remaining = {name: iter(values) for name, values in speeds.items()}

    def run(command):
        name = contender_of(command)
        if calls is not None:
            calls.append(name)
        if name == "gemm":
            return child(GEMM_RESULT)
        padding = 0.02 if name.endswith("+bucketed") else 0.4
        return child(training_result(name, next(remaining.get(name, iter(())), 1.0), padding))

    return run


def by_name(figures: list[Figure]) -> dict[str, Figure]:
    return {figure.name: figure for figure in figures}


@pytest.fixture
def without_torch_or_wnut16(monkeypatch):
    monkeypatch.setattr(training_figures, "wnut16_available", lambda: False)
    monkeypatch.setattr(training_figures, "torch_available", lambda: False)


def test_training_rounds_rotate_the_order_and_each_holds_one_gemm_child(without_torch_or_wnut16):
    calls = []
    list(training_figures.collect(3, run=fake_training({}, calls)))
    rounds = [calls[0:5], calls[5:10], calls[10:15]]
    members = ["course", "course+bucketed", "keras-fit", "keras-fit-nojit", "gemm"]
    assert [sorted(r) for r in rounds] == [sorted(members)] * 3
    assert rounds[0][0] == "course" and rounds[1][0] == "course+bucketed"
    assert rounds[1] == rounds[0][1:] + rounds[0][:1]


def test_the_ratio_is_against_the_fastest_peer_of_each_round(without_torch_or_wnut16):
    speeds = {
        "course": [100.0, 300.0, 100.0],
        "keras-fit": [50.0, 100.0, 400.0],
        "keras-fit-nojit": [80.0, 150.0, 10.0],
    }
    figures = by_name(training_figures.collect(3, run=fake_training(speeds)))
    ratio = figures["throughput ratio course loop / fastest peer"]
    assert ratio.runs == [1.25, 2.0, 0.25] and ratio.value == 1.25 and ratio.met is True
    assert figures["training throughput, course loop"].value == 100.0


def test_each_contender_reports_its_spread_over_rounds(without_torch_or_wnut16):
    speeds = {"course": [90.0, 100.0, 130.0], "keras-fit": [100.0, 100.0, 100.0]}
    figures = by_name(training_figures.collect(3, run=fake_training(speeds)))
    assert "±30% over rounds (90–130)" in figures["training throughput, course loop"].note
    largest = figures["throughput spread over rounds, largest"]
    assert largest.value == 30.0 and largest.met is False and "course loop" in largest.note


def test_the_distance_to_the_limit_is_the_course_flop_rate_over_the_step_gemm_rate(
    without_torch_or_wnut16,
):
    speeds = {"course": [10_000.0]}
    figures = by_name(training_figures.collect(1, run=fake_training(speeds)))
    rate = figures["compute rate, course loop"]
    assert rate.value == pytest.approx(10_000 * 3_866_400 / 1e9)  # 38.7 GFLOP/s
    fraction = figures["fraction of the step-GEMM rate, course loop"]
    assert fraction.value == pytest.approx(0.38664) and fraction.met is True
    assert figures["float32 GEMM rate, LSTM step shape"].value == 100.0


def test_padding_is_reported_for_plain_and_bucketed_batches(without_torch_or_wnut16):
    figures = by_name(training_figures.collect(1, run=fake_training({})))
    plain = figures["padding share of computed positions, course loop"]
    bucketed = figures["padding share of computed positions, course loop, bucketed by length"]
    assert plain.value == pytest.approx(40.0) and bucketed.value == pytest.approx(2.0)


def test_without_torch_its_figure_says_how_to_install_the_bench_extra(without_torch_or_wnut16):
    calls = []
    figures = by_name(training_figures.collect(1, run=fake_training({}, calls)))
    skipped = figures["training throughput, PyTorch (nn.LSTM, packed)"]
    assert skipped.runs == [] and "skipped: install the bench extra" in skipped.note
    assert "download.pytorch.org/whl/cpu" in skipped.note and "torch" not in calls


def test_with_torch_it_is_a_peer(monkeypatch):
    monkeypatch.setattr(training_figures, "wnut16_available", lambda: False)
    monkeypatch.setattr(training_figures, "torch_available", lambda: True)
    speeds = {"course": [100.0], "keras-fit": [50.0], "torch": [200.0]}
    figures = by_name(training_figures.collect(1, run=fake_training(speeds)))
    ratio = figures["throughput ratio course loop / fastest peer"]
    assert ratio.value == 0.5 and "PyTorch" in ratio.note


def test_speed_rounds_measure_the_configured_epochs_after_a_warm_up(without_torch_or_wnut16):
    commands = []

    def run(command):
        commands.append(command)
        return fake_training({})(command)

    list(training_figures.collect(1, run=run, measured_epochs=5))
    training = [c for c in commands if contender_of(c) != "gemm"]
    assert all("--epochs=6" in c for c in training[:4])
    assert all("--train-limit=1600" in c for c in training[:4])


def test_epoch_time_f1_and_memory_come_from_full_runs_with_the_default_epochs(
    without_torch_or_wnut16,
):
    commands = []

    def run(command):
        commands.append(command)
        return child(fake_training({})(command).stdout, peak=500.0 if len(commands) > 5 else 1.0)

    figures = by_name(training_figures.collect(1, run=run, full_runs=2))
    # notebook 05 trains with bucketed batches and the <UNK> training; the rest are defaults
    expected = ["--contender=course", "--bucket-by-length", "--unknown-rate=0.3"]
    assert commands[5][3:] == commands[6][3:] == expected
    assert figures["validation entity F1 after 4 epochs (bundled)"].runs == [0.5, 0.5]
    assert figures["epoch time, course loop (bundled)"].value == 10.0
    assert figures["peak memory, training (course)"].runs == [500.0, 500.0]


def test_training_on_wnut16_is_skipped_with_the_download_command_when_absent(
    without_torch_or_wnut16,
):
    figures = by_name(training_figures.collect(1, run=fake_training({})))
    skipped = figures["epoch time, course loop (wnut16)"]
    assert skipped.runs == [] and "download wnut16" in skipped.note


def test_training_on_wnut16_when_downloaded(monkeypatch):
    monkeypatch.setattr(training_figures, "wnut16_available", lambda: True)
    monkeypatch.setattr(training_figures, "torch_available", lambda: False)
    commands = []

    def run(command):
        commands.append(command)
        return fake_training({})(command)

    figures = by_name(training_figures.collect(1, run=run))
    assert commands[-1][-1] == "--corpus=wnut16"
    assert "epoch time, course loop (bundled)" in figures  # (the fake says bundled)


def test_quick_training_uses_small_sizes():
    assert "--embedding-dim=16" in training_figures.QUICK_SPEED_ARGS
    assert "--embedding-dim=16" in training_figures.QUICK_FULL_ARGS


def test_spread_is_the_largest_distance_from_the_median_in_percent():
    assert training_figures.spread_percent([90.0, 100.0, 130.0]) == 30.0
    assert training_figures.spread_percent([5.0]) == 0.0


def test_tuning_reports_each_variants_per_round_speed_up_over_the_plain_loop():
    speeds = {training_tuning.PLAIN: iter([100.0, 50.0]), "oneDNN on": iter([150.0, 100.0])}
    flags = {flag for variant in training_tuning.VARIANTS.values() for flag in variant}

    def run(command):
        given = tuple(argument for argument in command if argument in flags)
        label = next(k for k, v in training_tuning.VARIANTS.items() if v == given)
        return child(training_result("course", next(speeds.get(label, iter([1.0])), 1.0)))

    figures = by_name(training_tuning.collect(2, run=run))
    speed_up = figures["speed-up over the plain course loop, oneDNN on"]
    assert speed_up.runs == [1.5, 2.0] and speed_up.value == 1.75
    assert figures["training throughput, course loop, defaults"].runs == [100.0, 50.0]


def test_grader_latency_takes_the_first_calls_of_each_child():
    rounds = iter([(8.0, 2.0), (12.0, 3.0), (9.0, 2.5)])

    def run(command):
        cold, warm = next(rounds)
        names = {name: cold / 3 for name in grader_latency.CHECK_NAMES}
        return child(json.dumps({"cold": {**names, "all": cold}, "warm": {"all": [warm]}}))

    figures = by_name(grader_latency.collect(3, run=run))
    first = figures["three grader checks, first calls"]
    assert first.value == 9.0 and first.goal == "< 10" and first.met is True
    assert figures["three grader checks, warm"].value == 2.5


def write_notebook(path: Path, checks: list) -> Path:
    notebook = v4.new_notebook(cells=[v4.new_code_cell("x = 1")])
    notebook.metadata["grader"] = {"checks": checks}
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def test_the_submission_to_grade_is_the_solution_declaring_the_most_checks(tmp_path):
    write_notebook(tmp_path / "01.ipynb", [])
    write_notebook(tmp_path / "03.ipynb", ["a", {"check": "b", "objects": {}}])
    write_notebook(tmp_path / "04.ipynb", ["c"])
    assert grading_tool.busiest_solution(tmp_path).name == "03.ipynb"
    with pytest.raises(FileNotFoundError, match="declares grader checks"):
        grading_tool.busiest_solution(tmp_path / "empty")


def test_a_batch_is_copies_of_one_notebook(tmp_path):
    source = write_notebook(tmp_path / "03.ipynb", ["a"])
    copies = grading_tool.copy_batch(source, 3, tmp_path / "batch")
    assert [c.name for c in copies] == [f"03_0{i}.ipynb" for i in (1, 2, 3)]  # graded as 03
    assert all(c.read_bytes() == source.read_bytes() for c in copies)


def fake_grader(score: float = 2.0, wall: float = 10.0):
    """A runner standing in for `python -m grader grade`: writes results to --json."""
    calls = []

    def run(command):
        calls.append(command)
        paths = command[command.index("grade") + 1 : command.index("--jobs")]
        submissions = [
            {"path": p, "status": "graded", "score": score, "max_score": 2.0, "errors": []}
            for p in paths
        ]
        Path(option(command, "--json")).write_text(json.dumps({"submissions": submissions}))
        return child(wall=wall * len(paths) / int(option(command, "--jobs")))

    return run, calls


def test_grading_figures_time_one_submission_and_batches_with_one_and_two_jobs(tmp_path):
    run, calls = fake_grader()
    notebook = write_notebook(tmp_path / "03.ipynb", ["a"])
    figures = by_name(grading_tool.collect(2, batch_size=4, notebook=notebook, run=run))
    one = figures["grade one submission (03.ipynb)"]
    assert one.runs == [10.0, 10.0] and one.met is True
    assert figures["peak memory, grading one submission"].value == 200.0
    assert figures["grade a batch of 4, --jobs 1"].value == pytest.approx(4 / 40 * 60)
    assert figures["grade a batch of 4, --jobs 2"].value == pytest.approx(4 / 20 * 60)
    assert [option(c, "--jobs") for c in calls] == ["1", "1", "1", "2"]


def test_sandbox_overhead_interleaves_bwrap_and_none_and_compares_them_round_by_round(tmp_path):
    run, calls = fake_grader()
    walls = iter([12.0, 10.0, 11.0, 10.0, 13.0, 10.0])
    timed = lambda command: (run(command), child(wall=next(walls)))[1]  # noqa: E731
    notebook = write_notebook(tmp_path / "03.ipynb", ["a"])
    figures = by_name(grading_tool.sandbox_overhead(3, notebook=notebook, run=timed))
    assert [option(c, "--sandbox") for c in calls] == ["bwrap", "none"] * 3
    assert figures["sandbox overhead per submission"].runs == [2.0, 1.0, 3.0]
    assert figures["sandbox overhead, ratio bwrap / none"].value == pytest.approx(1.2)
    assert figures["sandbox overhead per submission"].met is False


def test_a_submission_without_full_marks_is_an_error_not_a_timing(tmp_path):
    run, _ = fake_grader(score=1.0)
    notebook = write_notebook(tmp_path / "03.ipynb", ["a"])
    with pytest.raises(ValueError, match="not graded with full marks"):
        list(grading_tool.collect(1, batch_size=2, notebook=notebook, run=run))


NOTEBOOKS = [Path("solutions/01_data.ipynb"), Path("solutions/02_embeddings.ipynb")]


def write_times(path: Path, failed: list[str]) -> Path:
    seconds = {"01_data.ipynb": 2.0, "02_embeddings.ipynb": 4.0}
    path.write_text(json.dumps({"seconds": seconds, "failed": failed}))
    return path


def test_each_notebook_gets_the_summed_time_of_its_cells(tmp_path):
    times = write_times(tmp_path / "times.json", failed=[])
    seconds, failed = notebook_suite.notebook_seconds(times, [*NOTEBOOKS, Path("03_absent.ipynb")])
    assert seconds == {"01_data.ipynb": 2.0, "02_embeddings.ipynb": 4.0, "03_absent.ipynb": 0.0}
    assert failed == []


def fake_pytest(failed: list[str], returncode: int = 0):
    def run(command, env):
        assert "--nbval" in command and "--nbval-current-env" in command
        write_times(Path(env["BENCH_NBVAL_TIMES"]), failed=failed)
        return ChildRun(42.0, 1.0, 1.0, "", returncode)

    return run


def test_the_suite_figure_is_the_wall_time_of_one_pytest_run_against_five_minutes():
    figures = by_name(notebook_suite.collect(1, NOTEBOOKS, run=fake_pytest(failed=[])))
    suite = figures["nbval suite (2 notebooks)"]
    assert suite.value == 42.0 and suite.goal == "< 300" and suite.met is True
    assert figures["nbval 01_data.ipynb"].value == 2.0


def test_a_failing_notebook_cell_is_named_after_the_figures_of_the_others():
    figures = []
    run = fake_pytest(failed=["02_embeddings.ipynb::Cell 0"], returncode=1)
    with pytest.raises(RuntimeError, match=r"02_embeddings.ipynb::Cell 0"):
        for figure in notebook_suite.collect(1, NOTEBOOKS, run=run):
            figures.append(figure)
    notes = {figure.name: figure.note for figure in figures}
    assert notes["nbval 02_embeddings.ipynb"] == "FAILED: 02_embeddings.ipynb::Cell 0"
    assert "FAILED" not in notes["nbval 01_data.ipynb"]
    assert notes["nbval suite (2 notebooks)"].endswith("WITH FAILURES")


def test_a_pytest_that_runs_no_cell_is_an_error():
    def run(command, env):
        return ChildRun(1.0, 1.0, 1.0, "ERROR: file or directory not found", 4)

    with pytest.raises(RuntimeError, match="exited with 4 before running any cell"):
        list(notebook_suite.collect(1, NOTEBOOKS, run=run))


def test_the_command_line_refuses_unknown_benchmarks(capsys):
    with pytest.raises(SystemExit):
        cli.parse_arguments(["--only", "training,speed"])
    assert "unknown benchmark speed" in capsys.readouterr().err


def test_quick_means_one_run_unless_told_otherwise():
    assert cli.parse_arguments(["--quick"]).repeat == 1
    assert cli.parse_arguments([]).repeat == 3
    assert cli.parse_arguments(["--quick", "--repeat", "2"]).repeat == 2


def test_one_broken_benchmark_is_reported_and_the_others_still_written(
    monkeypatch, tmp_path, capsys
):
    def broken(repeat):
        yield Figure.of_runs("nbval 01.ipynb", [3.0], "s")
        raise RuntimeError("nbval failed in 02.ipynb::Cell 3")

    fakes = {"training": lambda repeat: [Figure.of_runs("speed", [1.0] * repeat, "x")]}
    fakes["notebooks"] = broken
    monkeypatch.setattr(cli, "benchmarks", lambda quick, **options: fakes)
    output = tmp_path / "latest.json"
    assert cli.main(["--output", str(output), "--repeat", "2"]) == 1
    payload = json.loads(output.read_text())
    assert [f["name"] for f in payload["figures"]] == ["speed", "nbval 01.ipynb"]
    assert "02.ipynb::Cell 3" in payload["failures"]["notebooks"]
    assert "speed" in capsys.readouterr().out


def test_the_nbval_timer_plugin_adds_up_cell_phases_and_names_failing_cells(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from benchmarks import nbval_timer

    monkeypatch.setattr(nbval_timer, "_seconds", {})
    monkeypatch.setattr(nbval_timer, "_failed", [])
    item = SimpleNamespace(path=Path("/somewhere/solutions/01_data.ipynb"), name="Cell 3")
    try:
        pytest.skip("an nbval skip is not a failure")
    except pytest.skip.Exception:
        skipped = pytest.ExceptionInfo.from_current()
    try:
        raise AssertionError("output mismatch")
    except AssertionError:
        failed = pytest.ExceptionInfo.from_current()
    for duration, excinfo in [(1.5, None), (0.25, skipped), (0.25, failed)]:
        nbval_timer.pytest_runtest_makereport(
            item, SimpleNamespace(duration=duration, excinfo=excinfo)
        )
    target = tmp_path / "times.json"
    monkeypatch.setenv("BENCH_NBVAL_TIMES", str(target))
    nbval_timer.pytest_sessionfinish(None, 0)
    payload = json.loads(target.read_text())
    assert payload == {"seconds": {"01_data.ipynb": 2.0}, "failed": ["01_data.ipynb::Cell 3"]}


def test_results_become_the_readme_table_with_missed_goals_in_bold(tmp_path):
    from benchmarks.harness import write_results
    from benchmarks.markdown import machine_line, markdown_table

    path = tmp_path / "latest.json"
    figures = [
        Figure.of_runs("suite", [400.0], "s", goal="< 300"),
        Figure("wnut16", float("nan"), "s", note="skipped"),
    ]
    write_results(figures, path, {"failures": {"notebooks": "RuntimeError: nbval\nmore"}})
    payload = json.loads(path.read_text())
    table = markdown_table(payload).splitlines()
    assert table[2] == "| suite | 400 s | < 300 (**missed**) | 1 |  |"
    assert table[3] == "| wnut16 | n/a |  | 0 | skipped |"
    assert table[4] == "| notebooks | failed | | | RuntimeError: nbval |"
    assert "cores" in machine_line(payload["machine"])


def test_shard_throughput_grades_the_batch_once_whole_and_once_in_shards(tmp_path):
    calls = []

    def run(command):
        calls.append(command)
        folder = Path(command[command.index("grade") + 1])
        notebooks = sorted(str(p) for p in folder.glob("*.ipynb"))
        if "--shard" in command:
            k, n = map(int, option(command, "--shard").split("/"))
            notebooks = notebooks[k::n]
        submissions = [
            {"path": p, "status": "graded", "score": 2.0, "max_score": 2.0, "errors": []}
            for p in notebooks
        ]
        Path(option(command, "--json")).write_text(json.dumps({"submissions": submissions}))
        return child(wall=10.0)

    notebook = write_notebook(tmp_path / "02.ipynb", ["a"])
    figures = by_name(grading_tool.shard_throughput(4, 2, notebook=notebook, run=run))
    assert figures["grade a batch of 4, one --jobs 1 run"].value == pytest.approx(24.0)
    assert sorted(option(c, "--shard") for c in calls if "--shard" in c) == ["0/2", "1/2"]
    assert "throughput ratio shards / one run" in figures
