"""Teach the `<UNK>` row: training tokens seen only once are read as `<UNK>` now and then.

The token vocabulary is built from the training tweets, so no training token maps to `<UNK>`:
its embedding row is never looked up, gets no gradient and stays as initialised, while every
unseen word of a new tweet (about a third of the entity tokens on the WNUT-16 validation set)
is read through it. Replacing each occurrence of a word the training data holds only once
("singleton") with `<UNK>` with some probability, anew each epoch, gives that row gradients
from exactly the kind of rare words the tagger will meet unseen. This is the singleton
replacement of Lample et al. (2016), "Neural Architectures for Named Entity Recognition".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def singleton_ids(token_ids: Sequence[Sequence[int]]) -> frozenset[int]:
    """The token ids that occur exactly once in all of `token_ids` (one list per sentence)."""
    counts = Counter(token for sentence in token_ids for token in sentence)
    return frozenset(token for token, count in counts.items() if count == 1)


def replace_singletons(
    token_ids: Sequence[Sequence[int]],
    singletons: frozenset[int],
    unknown_index: int,
    rate: float,
    rng: np.random.Generator,
) -> list[list[int]]:
    """A copy of `token_ids` with each id in `singletons` replaced by `unknown_index` at `rate`.

    Each occurrence draws on its own, so the words replaced change from one call to the next;
    the input is never modified.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"the unknown-word rate must be between 0 and 1, found {rate}")
    replaced: list[list[int]] = []
    for sentence in token_ids:
        draws = rng.random(len(sentence))
        replaced.append(
            [
                unknown_index if token in singletons and draw < rate else int(token)
                for token, draw in zip(sentence, draws, strict=True)
            ]
        )
    return replaced
