"""What a check found: one `CheckItem` per property, gathered in a `Report` with points."""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass, field

TEXT_WIDTH = 100
"""The printed report's lines are at most this long (a long word may exceed it)."""
_TABLE = "border-collapse:collapse;margin:0.3em 0;table-layout:auto"
_CELL = "text-align:left;vertical-align:top;padding:0.15em 0.6em"


@dataclass(frozen=True)
class CheckItem:
    """One property a check established (or not), with a message for the learner."""

    name: str
    passed: bool
    message: str = ""
    points: float = 1.0
    attempted: bool = True

    @property
    def score(self) -> float:
        """The points earned: all of them when passed, none otherwise."""
        return self.points if self.passed else 0.0

    def to_dict(self) -> dict:
        """This item as plain JSON-able data."""
        return {
            "name": self.name,
            "passed": bool(self.passed),
            "message": self.message,
            "points": float(self.points),
            "score": float(self.score),
            "attempted": bool(self.attempted),
        }


@dataclass
class Report:
    """The items one check produced; prints as text in a terminal and as a table in Jupyter."""

    title: str
    items: list[CheckItem] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when there is at least one item and every item passed."""
        return bool(self.items) and all(item.passed for item in self.items)

    @property
    def score(self) -> float:
        """Points earned over all items."""
        return float(sum(item.score for item in self.items))

    @property
    def max_score(self) -> float:
        """Points available over all items."""
        return float(sum(item.points for item in self.items))

    @property
    def attempted(self) -> bool:
        """True when the learner attempted at least one item (a stub attempts none)."""
        return any(item.attempted for item in self.items)

    def to_dict(self) -> dict:
        """The report as plain JSON-able data."""
        return {
            "title": self.title,
            "passed": self.passed,
            "score": self.score,
            "max_score": self.max_score,
            "attempted": self.attempted,
            "items": [item.to_dict() for item in self.items],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        """Rebuild a report from `to_dict()` output (e.g. read back from JSON)."""
        items = [
            CheckItem(
                name=str(item["name"]),
                passed=bool(item["passed"]),
                message=str(item.get("message", "")),
                points=float(item.get("points", 1.0)),
                attempted=bool(item.get("attempted", True)),
            )
            for item in data.get("items", [])
        ]
        return cls(title=str(data["title"]), items=items)

    def _total_line(self) -> str:
        verdict = "all checks passed" if self.passed else "some checks failed"
        if not self.items:
            verdict = "nothing was checked"
        return f"{_points(self.score)}/{_points(self.max_score)} points: {verdict}"

    def __str__(self) -> str:
        lines = [self.title]
        for item in self.items:
            mark = "✓" if item.passed else "✗"
            lines.extend(_wrapped(f"{mark} {item.name}", indent="  "))
            if not item.passed and item.message:
                for line in item.message.splitlines():
                    lines.extend(_wrapped(line, indent="    ", first_indent="    "))
        lines.append(self._total_line())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        # Inline styles: JupyterLab right-aligns table cells and centres tables by default.
        rows = []
        for item in self.items:
            colour = "#1a7f37" if item.passed else "#cf222e"
            mark = "✓" if item.passed else "✗"
            message = "" if item.passed else html.escape(item.message).replace("\n", "<br>")
            rows.append(
                f'<tr><td style="{_CELL};color:{colour};font-weight:bold">{mark}</td>'
                f'<td style="{_CELL};min-width:14em">{html.escape(item.name)}</td>'
                f'<td style="{_CELL};white-space:nowrap">'
                f"{_points(item.score)}/{_points(item.points)}</td>"
                f'<td style="{_CELL};max-width:48em">{message}</td></tr>'
            )
        colour = "#1a7f37" if self.passed else "#cf222e"
        return (
            f"<div><b>{html.escape(self.title)}</b>"
            f'<table style="{_TABLE}">'
            f"{''.join(rows)}</table>"
            f'<span style="color:{colour}">{html.escape(self._total_line())}</span></div>'
        )

    def __repr__(self) -> str:
        return f"Report(title={self.title!r}, score={self.score:g}/{self.max_score:g})"


def _wrapped(text: str, indent: str, first_indent: str = "") -> list[str]:
    """`text` as lines of at most `TEXT_WIDTH` characters, never breaking a word or a hyphen."""
    return textwrap.wrap(
        text,
        width=TEXT_WIDTH,
        initial_indent=first_indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first_indent.rstrip()]


def _points(value: float) -> str:
    """1.0 -> '1', 0.5 -> '0.5'."""
    return f"{value:g}"
