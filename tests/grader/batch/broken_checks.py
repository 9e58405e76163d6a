"""A checks registry whose loading failed for one check, as `grader.checks` records it."""

from toy_checks import CHECKS as _TOY

CHECKS = {"greet": _TOY["greet"]}
LOAD_ERRORS = {"double": "SyntaxError: invalid syntax (check_double.py, line 3)"}
