"""internal_error_report: a bug in the grader is reported in a few readable lines."""

from __future__ import annotations

import numpy as np

from grader.core.spec import ERROR_TEXT_LIMIT, internal_error_report


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def test_a_short_error_is_reported_whole_with_its_type_and_place():
    report = internal_error_report("check_x()", _raised(RuntimeError("oops")))
    (item,) = report.items
    assert not report.passed and item.name == "internal grader error"
    assert item.message.startswith("internal grader error: RuntimeError: oops at ")
    assert "test_spec.py" in item.message and "not in your code" in item.message


def test_a_huge_error_message_is_cut_keeping_its_type_and_start():
    matrix = np.arange(4000, dtype=np.float32).reshape(200, 20)
    printed = np.array2string(matrix, threshold=matrix.size)  # ~40,000 characters
    error = _raised(ValueError(f"cannot assign {printed} to the embedding"))
    (item,) = internal_error_report("check_x()", error).items
    assert item.message.startswith(
        "internal grader error: ValueError: cannot assign [[0.000e+00 1.000e+00"
    )
    assert len(item.message) < ERROR_TEXT_LIMIT + 300
    assert "more characters)" in item.message and "\n" not in item.message
    assert "not in your code" in item.message


def test_an_error_that_cannot_be_printed_is_still_reported():
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    (item,) = internal_error_report("check_x()", _raised(Unprintable())).items
    assert "Unprintable: (the exception could not be printed)" in item.message
