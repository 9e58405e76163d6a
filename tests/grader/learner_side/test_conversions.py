"""Describing what learner code returned never runs learner code."""

from __future__ import annotations

import numpy as np

from grader.learner_side.conversions import describe


class Raises:
    def __eq__(self, other):
        raise RuntimeError("learner code ran")

    __hash__ = None


class Returned:
    pass


Returned.__module__ = Raises()


def test_a_class_whose_module_is_an_object_of_the_learners_is_described_without_running_it():
    """Red team 9: a __module__ whose __eq__ raised made the check report a grader bug."""
    assert describe(Returned()) == "an object of type Returned"


def test_common_values_are_described_by_their_kind():
    assert describe(None) == "None"
    assert describe([1]) == "a list"
    assert describe(np.zeros(2)) == "an object of type numpy.ndarray"
