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
# isort: split
from bilstm_ner.data.corpora import (
    CORPUS_NAMES,
    Corpus,
    CorpusNotFoundError,
    Split,
    default_corpus_name,
    default_data_dir,
    load_corpus,
)
from bilstm_ner.data.download import DownloadError, download_corpus
from bilstm_ner.data.synthetic import generate_corpus

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
    # (in the `__all__ +=` after this list, which ruff's RUF022 can keep sorted on its own)
    # --- End of corpus names. ---
]
__all__ += [
    "CORPUS_NAMES",
    "Corpus",
    "CorpusNotFoundError",
    "DownloadError",
    "Split",
    "default_corpus_name",
    "default_data_dir",
    "download_corpus",
    "generate_corpus",
    "load_corpus",
]
