"""Text for people from text nobody controls: one line, a bounded length, a printable error,
control characters made visible."""

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


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_INVISIBLE = [
    *range(0x20),  # C0: newline, carriage return, ESC (terminal escapes), ...
    *range(0x7F, 0xA0),  # DEL and C1 (0x9b: a one-byte CSI)
    0x2028,  # line and paragraph separators: line breaks to str.splitlines and some viewers
    0x2029,
    *range(0x202A, 0x202F),  # bidirectional embeddings and overrides ("trojan source")
    *range(0x2066, 0x206A),  # bidirectional isolates
    *range(0xD800, 0xE000),  # lone surrogates (a file name that is not UTF-8): as wide as shown
]
_ESCAPES = {
    code: _NAMED_ESCAPES.get(chr(code)) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    for code in _INVISIBLE
}
_ESCAPES_KEEPING_LINES = {
    code: escape for code, escape in _ESCAPES.items() if chr(code) not in "\n\t"
}


def printable(text: str) -> str:
    """`text` on one line with every control character written as an escape (`\\n`, `\\x1b`,
    `\\u202e`), for a name or message a learner controls: it can neither start a new row of a
    table nor send a terminal escape. Other text, non-ASCII included, is kept as it is."""
    return text.translate(_ESCAPES)


def printable_lines(text: str) -> str:
    """`printable`, keeping newlines and tabs: for text laid out in lines by us (a report)."""
    return text.translate(_ESCAPES_KEEPING_LINES)
