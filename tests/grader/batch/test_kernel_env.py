"""The kernel's environment is allow-listed: what Python, Jupyter, TensorFlow and the course
need, never the rest of what the grading tool was started with (tokens, passwords, keys)."""

from __future__ import annotations

from grader.batch.kernel_process import KERNEL_ENV, kernel_env
from grader.batch.kernel_run import KernelLimits

LIMITS = KernelLimits(timeout=60.0, memory_limit_mb=400.0)


def test_a_variable_not_on_the_list_is_not_passed(monkeypatch):
    for name in ("AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "RT5_DUMMY_SECRET", "PYTEST_X"):
        monkeypatch.setenv(name, "instructor-only")
    env = kernel_env(LIMITS)
    assert "instructor-only" not in env.values()


def test_what_python_and_the_course_need_is_passed(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("NER_DATASET", "wnut16")
    env = kernel_env(LIMITS)
    kept = (env["PATH"], env["LC_ALL"], env["NER_DATASET"])
    assert kept == ("/usr/bin:/bin", "C.UTF-8", "wnut16")
    assert KERNEL_ENV.items() <= env.items()  # TensorFlow's quiet start, headless matplotlib


def test_parallel_kernels_share_the_cores_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "3")
    env = kernel_env(KernelLimits(timeout=60.0, memory_limit_mb=400.0, jobs=64))
    assert env["OMP_NUM_THREADS"] == "1" and env["TF_NUM_INTRAOP_THREADS"] == "3"
