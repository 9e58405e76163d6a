"""The comparison helper the judges share: NaN and infinities never match."""

import numpy as np
import pytest

from grader.checks.judging import finite_allclose


def test_equal_finite_arrays_match_within_the_tolerance():
    assert finite_allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7]), rtol=0, atol=1e-6)
    assert not finite_allclose(np.array([1.0, 2.0]), np.array([1.0, 2.1]), rtol=0, atol=1e-6)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_a_non_finite_value_matches_nothing_not_even_itself(bad):
    values = np.array([1.0, bad])
    assert not finite_allclose(values, values.copy(), rtol=1e-5, atol=1e-6)


def test_arrays_of_other_shapes_or_non_numbers_do_not_match():
    assert not finite_allclose(np.zeros(3), np.zeros((3, 1)), rtol=1e-5, atol=1e-6)
    assert not finite_allclose(np.array(["a"]), np.array(["a"]), rtol=1e-5, atol=1e-6)
