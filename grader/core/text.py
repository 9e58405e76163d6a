"""Text for people from text nobody controls: one line, a bounded length, a printable error."""

from __future__ import annotations


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) turned into one space."""
    return " ".join(text.split())


def shortened(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def error_text(error: BaseException) -> str:
    """str(error) on one line, even when the exception's own __str__ is broken or lies."""
    try:
        text = str(error)
    except Exception:
        return "(the exception could not be printed)"
    if type(text) is not str:
        return "(the exception could not be printed)"
    return one_line(text)


def short_error(error: BaseException, limit: int = 300) -> str:
    """'TypeName: message' on one line, cut to about `limit` characters of message."""
    return f"{type(error).__name__}: {shortened(error_text(error), limit)}"
