"""Everything that may run inside a learner's kernel, and nothing that knows a right answer.

The trust boundary of the grader is this folder (with each check's `probe.py`): code here calls
learner code (`calling`), converts what it returns to plain data (`conversions`), probes a
learner's tagger (`models`), calls a function on a list of cases (`cases`) and answers the
grading tool's request in the kernel (`kernel_probe`). It imports only `grader.core` and this
folder; no judge, reference or expected value (tests/grader/test_trust_boundary.py keeps it so).
"""
