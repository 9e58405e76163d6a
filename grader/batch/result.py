"""What grading one submission produced, as a value and as plain JSON-able data (and back, so
shards graded on different machines can be merged)."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.core.report import CheckItem, Report


@dataclass
class SubmissionResult:
    """What grading one notebook produced: a report per check, a status and what went wrong."""

    path: str
    status: str
    reports: list[tuple[str, Report]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_memory_mb: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent starting the kernel, running the notebook's cells, and probing."""
    phases: dict[str, float] = field(default_factory=dict)
    """Where `seconds` went, phase by phase (`grader.batch.phases.PHASES`; they add up to it)."""
    sandbox: str = ""
    """Where its kernel ran: "bwrap" or "none" ("" when no kernel was started)."""

    @property
    def score(self) -> float:
        """Points earned over every check."""
        return float(sum(report.score for _, report in self.reports))

    @property
    def max_score(self) -> float:
        """Points available over every check."""
        return float(sum(report.max_score for _, report in self.reports))

    def to_dict(self) -> dict:
        """Plain JSON-able data: path, score, max_score, status, items, errors, time."""
        return {
            "path": self.path,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "peak_memory_mb": self.peak_memory_mb,
            "timings": {stage: round(seconds, 3) for stage, seconds in self.timings.items()},
            "phases": {phase: round(seconds, 3) for phase, seconds in self.phases.items()},
            "sandbox": self.sandbox,
            "errors": list(self.errors),
            "items": [
                {
                    "check": check,
                    "title": report.title,
                    "name": item.name,
                    "passed": bool(item.passed),
                    "points": float(item.points),
                    "score": float(item.score),
                    "attempted": bool(item.attempted),
                    "message": item.message,
                }
                for check, report in self.reports
                for item in report.items
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionResult:
        """Rebuild a result from `to_dict()` output (raises KeyError/TypeError/ValueError)."""
        reports: dict[tuple[str, str], Report] = {}
        for item in data["items"]:
            key = (str(item["check"]), str(item["title"]))
            reports.setdefault(key, Report(title=key[1]))
            reports[key].items.append(
                CheckItem(
                    name=str(item["name"]),
                    passed=bool(item["passed"]),
                    message=str(item.get("message", "")),
                    points=float(item["points"]),
                    attempted=bool(item.get("attempted", True)),
                )
            )
        return cls(
            path=str(data["path"]),
            status=str(data["status"]),
            reports=[(check, report) for (check, _), report in reports.items()],
            errors=[str(error) for error in data.get("errors", [])],
            seconds=float(data.get("seconds", 0.0)),
            peak_memory_mb=data.get("peak_memory_mb"),
            timings={str(k): float(v) for k, v in dict(data.get("timings", {})).items()},
            phases={str(k): float(v) for k, v in dict(data.get("phases", {})).items()},
            sandbox=str(data.get("sandbox", "")),
        )
