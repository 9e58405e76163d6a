"""Vocabularies: an immutable, deterministic mapping between tokens (or tags) and integer ids.

Ids are given in a fixed order: the special tokens first, then every other token in the order
of its first appearance. So the same data always gives the same ids, on every machine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NoReturn

PAD_TOKEN = "<PAD>"
UNK_TOKEN = "<UNK>"


class _FrozenList(list):
    """A list that refuses changes, so `vocabulary.id_to_token` cannot drift from `token_to_id`."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            "a vocabulary cannot be changed; build a new one with Vocabulary.build(...)"
        )

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        # copy/deepcopy would otherwise rebuild it with append(), which is refused.
        return (type(self), (list(self),))


class Vocabulary:
    """Immutable mapping token <-> id (`token_to_id`, `id_to_token`): specials first.

    Make one with `Vocabulary.build(sentences, specials=...)`, or rebuild a saved one with
    `Vocabulary(id_to_token)`.
    """

    __slots__ = ("_id_to_token", "_token_to_id")

    def __init__(self, tokens: Iterable[str]) -> None:
        id_to_token = _FrozenList(tokens)
        token_to_id: dict[str, int] = {}
        for index, token in enumerate(id_to_token):
            if not isinstance(token, str):
                raise TypeError(
                    f"vocabulary entries must be strings; entry {index} is {token!r} "
                    f"({type(token).__name__})"
                )
            if token in token_to_id:
                raise ValueError(
                    f"the token {token!r} appears twice (ids {token_to_id[token]} and {index}); "
                    "each token needs exactly one id"
                )
            token_to_id[token] = index
        self._id_to_token = id_to_token
        self._token_to_id = MappingProxyType(token_to_id)

    @classmethod
    def build(
        cls, sequences: Iterable[Sequence[str]], specials: Sequence[str] = (), min_count: int = 1
    ) -> Vocabulary:
        """Specials first (in the given order), then tokens seen `min_count` times or more,
        in the order of their first appearance. `sequences`: e.g. one list of tokens per tweet.
        """
        if isinstance(specials, str):
            raise TypeError(f"specials must be a sequence of strings, e.g. ({specials!r},)")
        if min_count < 1:
            raise ValueError(f"min_count must be at least 1, found {min_count}")
        if len(set(specials)) != len(specials):
            raise ValueError(f"the specials {list(specials)} contain a duplicate")
        counts: Counter[str] = Counter()
        for index, sequence in enumerate(sequences):
            if isinstance(sequence, str):
                raise TypeError(
                    f"sequence {index} is the string {sequence[:30]!r}; pass one list of tokens "
                    "per sentence (a list of lists), not a list of strings"
                )
            counts.update(sequence)
        # Counter keeps the order of first insertion, which gives deterministic ids.
        frequent = [token for token, count in counts.items() if count >= min_count]
        return cls([*specials, *(token for token in frequent if token not in specials)])

    @property
    def token_to_id(self) -> Mapping[str, int]:
        """Read-only mapping from token to id (the exercise's `token2idx`)."""
        return self._token_to_id

    @property
    def id_to_token(self) -> list[str]:
        """Read-only list from id to token (the exercise's `idx2token`)."""
        return self._id_to_token

    def __len__(self) -> int:
        return len(self._id_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self._token_to_id

    def __iter__(self) -> Iterator[str]:
        return iter(self._id_to_token)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self._id_to_token == other._id_to_token

    def __hash__(self) -> int:
        return hash(tuple(self._id_to_token))

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        # copy, deepcopy (and a multiprocessing worker) rebuild it from its tokens.
        return (type(self), (list(self._id_to_token),))

    def __repr__(self) -> str:
        shown = ", ".join(repr(token) for token in self._id_to_token[:5])
        more = ", ..." if len(self) > 5 else ""
        return f"Vocabulary({len(self)} tokens: {shown}{more})"

    @property
    def pad_index(self) -> int:
        """The id of `<PAD>`; ValueError if this vocabulary has none (e.g. a tag vocabulary)."""
        return self._special_index(PAD_TOKEN, "pad_index")

    @property
    def unk_index(self) -> int:
        """The id of `<UNK>`; ValueError if this vocabulary has none (e.g. a tag vocabulary)."""
        return self._special_index(UNK_TOKEN, "unk_index")

    def _special_index(self, token: str, name: str) -> int:
        if token not in self._token_to_id:
            raise ValueError(
                f"this vocabulary has no {token} token, so it has no {name}; build it with "
                f"specials=({token!r}, ...), e.g. with build_token_vocabulary(...)"
            )
        return self._token_to_id[token]

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Ids of `tokens`; unknown tokens get `<UNK>`'s id, or KeyError without `<UNK>`."""
        if isinstance(tokens, str):
            raise TypeError(f"encode takes a list of tokens, found the string {tokens[:30]!r}")
        token_to_id = self._token_to_id
        unk = token_to_id.get(UNK_TOKEN)
        if unk is not None:
            return [token_to_id.get(token, unk) for token in tokens]
        try:
            return [token_to_id[token] for token in tokens]
        except KeyError as error:
            raise KeyError(
                f"{error.args[0]!r} is not in this vocabulary, which has no {UNK_TOKEN} to fall "
                f"back on; its entries are {self!r}. Check that you used the right vocabulary "
                "(tokens or tags) or rebuild it from data that contains this entry"
            ) from None

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens of the integer `ids` (Python or NumPy ints); IndexError for an unknown id."""
        id_to_token = self._id_to_token
        size = len(id_to_token)
        tokens = []
        for position, token_id in enumerate(ids):
            index = int(token_id)
            if not 0 <= index < size:
                raise IndexError(
                    f"id {index} (at position {position}) is outside this vocabulary, whose ids "
                    f"run from 0 to {size - 1}; were these ids made with another vocabulary?"
                )
            tokens.append(id_to_token[index])
        return tokens


def build_token_vocabulary(tokens: Iterable[Sequence[str]]) -> Vocabulary:
    """Token vocabulary as in the exercise: `<UNK>` (id 0), `<PAD>` (id 1), then the tokens."""
    return Vocabulary.build(tokens, specials=(UNK_TOKEN, PAD_TOKEN))


def build_tag_vocabulary(tags: Iterable[Sequence[str]]) -> Vocabulary:
    """Tag vocabulary as in the exercise: `O` is id 0, then the tags in order of appearance."""
    return Vocabulary.build(tags, specials=("O",))
