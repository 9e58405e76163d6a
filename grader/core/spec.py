"""A check as three pure pieces, make_inputs (grader) -> probe (learner side) -> judge (grader),
(plus, for some, `recompute`: grader-side values the judge compares with), and the items it
declares, so every verdict is scored against points fixed in advance.

The split lets the grading tool run the probe in the learner's kernel and the judge in its own
process: inputs and observations are plain data (`is_plain_data`), shipped as JSON + .npy.
A check's items (name, points, and the learner object they need) are declared in its spec, so
a failed, timed-out or malformed submission still gets every item, at 0, and a judge can
neither add points nor drop an item.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.core.report import CheckItem, Report
from grader.core.text import error_text, shortened

ERROR_TEXT_LIMIT = 300
"""At most this many characters of an internal error's own message go into its report."""

NOT_JUDGED = (
    "not graded: the check's record of this item is missing (the observations were incomplete "
    "or malformed)."
)


@dataclass(frozen=True)
class ItemSpec:
    """One declared item: a key for the judge, the name learners read, its points, and the
    optional learner object it grades (None: graded whenever the check is)."""

    key: str
    name: str
    points: float = 1.0
    needs: str | None = None


@dataclass(frozen=True)
class CheckSpec:
    """One exercise's check: the learner objects it needs, its three pieces and its items."""

    name: str
    title: str
    objects: tuple[str, ...]
    optional_objects: tuple[str, ...]
    make_inputs: Callable[[np.random.Generator], dict]
    probe: Callable[[Mapping[str, Any], dict], dict]
    judge: Callable[..., Report]
    """`judge(inputs, observations)`; `judge(inputs, observations, recomputed)` with `recompute`."""
    items: tuple[ItemSpec, ...]
    answers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """For each learner object, the course's own implementations of it ("module:name"), taken
    out of the kernel while that object is graded."""
    recompute: Callable[[dict, dict], dict] | None = None
    """Grader-side computation the judge compares the observations with (it may use TensorFlow
    and the course's reference): `recompute(inputs, observations) -> plain data`, passed to
    `judge(inputs, observations, recomputed)`. In a graded run it runs in the grading side's
    worker process (`grader.batch.recompute_worker`), never in the learner's kernel."""

    def __post_init__(self) -> None:
        keys = [item.key for item in self.items]
        names = [item.name for item in self.items]
        if not self.items or len(set(keys)) != len(keys) or len(set(names)) != len(names):
            raise ValueError(f"check {self.name!r} must declare items with unique keys and names")
        unknown = {item.needs for item in self.items} - {None, *self.objects}
        if unknown:
            raise ValueError(f"check {self.name!r}: items need unknown objects {sorted(unknown)}")

    def graded_objects(self, given: Iterable[str] = ()) -> tuple[str, ...]:
        """The required objects plus the optional ones in `given`, in declaration order."""
        given = set(given)
        return tuple(
            name for name in self.objects if name not in self.optional_objects or name in given
        )

    def declared_items(self, graded: Sequence[str] | None = None) -> tuple[ItemSpec, ...]:
        """The items graded when `graded` objects are (default: the required ones)."""
        graded = self.graded_objects() if graded is None else tuple(graded)
        return tuple(item for item in self.items if item.needs is None or item.needs in graded)

    def hidden_answers(self, graded: Sequence[str]) -> tuple[str, ...]:
        """The answers to take out of the kernel while `graded` objects are graded."""
        return tuple(answer for name in graded for answer in self.answers.get(name, ()))

    def judge_observations(self, inputs: dict, observations: Any, recomputed: Any = None) -> Report:
        """The judge's report on `observations` (and the `recomputed` values, when it has any)."""
        if self.recompute is None:
            return self.judge(inputs, observations)
        return self.judge(inputs, observations, recomputed)

    def max_score(self, graded: Sequence[str] | None = None) -> float:
        """The points available when `graded` objects are graded."""
        return float(sum(item.points for item in self.declared_items(graded)))


def item_maker(items: Sequence[ItemSpec]) -> Callable[..., CheckItem]:
    """`item(key, passed, message="", attempted=True) -> CheckItem` for the declared `items`."""
    by_key = {declared.key: declared for declared in items}

    def item(key: str, passed: bool, message: str = "", attempted: bool = True) -> CheckItem:
        declared = by_key[key]
        return CheckItem(declared.name, bool(passed), message, declared.points, attempted)

    return item


def conform(report: Report, declared: Sequence[ItemSpec], title: str) -> Report:
    """`report` with exactly the `declared` items, in order, worth their declared points.

    An item the judge left out fails (with the report's internal error when there was one);
    an item it made up is dropped, unless it is a 0-point note, which never changes a score.
    """
    found = {item.name: item for item in report.items}
    names = {declared_item.name for declared_item in declared}
    fallback = next(
        (item.message for item in report.items if item.name == "internal grader error"),
        NOT_JUDGED,
    )
    items = []
    for declared_item in declared:
        item = found.get(declared_item.name)
        if item is None:
            items.append(CheckItem(declared_item.name, False, fallback, declared_item.points))
        else:
            items.append(
                CheckItem(
                    declared_item.name,
                    bool(item.passed),
                    item.message,
                    declared_item.points,
                    bool(item.attempted),
                )
            )
    notes = [item for item in report.items if item.name not in names and item.points == 0]
    return Report(title=title, items=notes + items)


def failed_report(
    spec: CheckSpec, graded: Sequence[str] | None, reason: str, *, attempted: bool
) -> Report:
    """Every item `spec` declares for `graded`, failed with `reason` (the maximum stays right)."""
    return Report(
        title=spec.title,
        items=[
            CheckItem(declared.name, False, reason, declared.points, attempted)
            for declared in spec.declared_items(graded)
        ],
    )


def not_attempted_report(
    title: str, declared: Sequence[ItemSpec], message: str | None = None
) -> Report:
    """Every declared item failed and not attempted; the first one carries the stub's message."""
    items = []
    for number, declared_item in enumerate(declared):
        text = (message or "Not attempted yet.") if number == 0 else "Not attempted yet."
        items.append(CheckItem(declared_item.name, False, text, declared_item.points, False))
    return Report(title, items)


def run_check(
    spec: CheckSpec,
    objects: Mapping[str, Any],
    *,
    seed: int | None = None,
    graded: Sequence[str] | None = None,
) -> Report:
    """Run `spec` in this process on the learner's `objects`; never raises.

    `graded`: the objects whose items count (default: the required ones and every optional one
    given, not None). Randomised at every call unless `seed` is given. Anything the grader
    itself fails on becomes failed items "internal grader error: ..." rather than an exception.
    """
    if graded is None:
        graded = spec.graded_objects(name for name, value in objects.items() if value is not None)
    declared = spec.declared_items(graded)
    try:
        inputs = spec.make_inputs(np.random.default_rng(seed))
        observations = spec.probe({name: objects.get(name) for name in graded}, inputs)
        recomputed = spec.recompute(inputs, observations) if spec.recompute else None
        report = spec.judge_observations(inputs, observations, recomputed)
        if not isinstance(report, Report):
            raise TypeError(f"the judge returned {type(report).__name__}, not a Report")
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a check must never raise into the notebook
        report = internal_error_report(spec.title, error)
    return conform(report, declared, spec.title)


def internal_error_report(title: str, error: BaseException) -> Report:
    """A one-item failed report for a bug in the grader itself (which should never happen)."""
    where = traceback.extract_tb(error.__traceback__)
    place = f" at {where[-1].filename}:{where[-1].lineno}" if where else ""
    text = shortened(error_text(error), ERROR_TEXT_LIMIT)
    return Report(
        title=title,
        items=[
            CheckItem(
                name="internal grader error",
                passed=False,
                message=(
                    f"internal grader error: {type(error).__name__}: {text}{place}. "
                    "This is a bug in the grader, not in your code: please report it."
                ),
                points=1.0,
            )
        ],
    )


_PLAIN_SCALARS = (type(None), bool, int, float, str)


def is_plain_data(value: Any) -> bool:
    """True if `value` holds only None/bool/int/float/str, lists/tuples, str-keyed dicts and
    numeric or bool NumPy arrays: what may cross between the learner's kernel and the grader."""
    if type(value) in _PLAIN_SCALARS:
        return True
    if type(value) is np.ndarray:
        return value.dtype.kind in "biuf"
    if type(value) in (list, tuple):
        return all(is_plain_data(item) for item in value)
    if type(value) is dict:
        return all(type(key) is str and is_plain_data(item) for key, item in value.items())
    return False
