"""check_normalize_token (notebook 01): `normalize_token(token) -> str` on random tweet tokens.

__init__   the declaration: title, items (what the learner reads) and points
inputs     grader side: one random token of each kind, new at every run
probe      LEARNER side: calls normalize_token on each token, records plain data
judge      grader side: compares with the expected token worked out there
spec       the CheckSpec tying them together (grader side)
"""

from __future__ import annotations

from grader.core.spec import ItemSpec

TITLE = "check_normalize_token"
USER_TOKEN = "<USR>"
URL_TOKEN = "<URL>"
"""The same strings as `bilstm_ner.data.USER_TOKEN` / `URL_TOKEN` (a test keeps them equal)."""

ITEMS = (
    ItemSpec("mention", "a mention becomes <USR>"),
    ItemSpec("http", "a link becomes <URL>"),
    ItemSpec("https", "an https link becomes <URL>"),
    ItemSpec("word", "a word is kept as it is"),
    ItemSpec("hashtag", "a hashtag is kept"),
    ItemSpec("lone_at", "a lone @ is punctuation, kept"),
    ItemSpec("email", "an e-mail is not a mention"),
    ItemSpec("mention_punctuation", "a mention followed by punctuation (@name:) becomes <USR>"),
    ItemSpec("scheme_case", "a link's scheme in any case (HTTPS://) becomes <URL>"),
    ItemSpec("link_inside", "a token with http:// after its start is kept"),
    ItemSpec("http_word", "a token starting with http but without :// is kept"),
    ItemSpec("link_like", "an address without http:// or https:// is kept (www.site.com)"),
)
"""One item per kind of token; the key is the kind."""

ANSWERS = {"normalize_token": ("bilstm_ner.data.conll:normalize_token",)}
"""The course's own implementations, taken out of the kernel while their object is graded."""
COURSE_ANSWERS = ("bilstm_ner.data.conll:_normalized",)
"""The course's code that does this exercise's whole job and stays importable for the rest of
the notebook: a learner's function that runs it earns nothing (`learner_side.reuse`)."""
