"""Tweets and their tags: the CoNLL reader, vocabularies and padded batches (no TensorFlow here)."""

from bilstm_ner.batching import Batch, batches_generator
from bilstm_ner.data.conll import (
    URL_TOKEN,
    USER_TOKEN,
    DataFormatError,
    normalize_token,
    parse_conll,
    read_conll,
    write_conll,
)
from bilstm_ner.vocabulary import Vocabulary, build_tag_vocabulary, build_token_vocabulary

# --- Corpus re-exports (bundled sample, WNUT downloads, load_corpus): imports below. ---
# --- End of corpus imports. ---

__all__ = [
    "URL_TOKEN",
    "USER_TOKEN",
    "Batch",
    "DataFormatError",
    "Vocabulary",
    "batches_generator",
    "build_tag_vocabulary",
    "build_token_vocabulary",
    "normalize_token",
    "parse_conll",
    "read_conll",
    "write_conll",
    # --- Corpus re-exports: names below. ---
    # --- End of corpus names. ---
]
