"""load_corpus: names, environment variables, the bundled corpus and downloaded WNUT layouts."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from bilstm_ner.data import download
from bilstm_ner.data.corpora import (
    CORPUS_NAMES,
    Corpus,
    CorpusNotFoundError,
    Split,
    default_corpus_name,
    default_data_dir,
    load_corpus,
    resplit_sizes,
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for variable in ("NER_DATASET", "NER_DATA_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(scope="module")
def bundled() -> Corpus:
    return load_corpus("bundled")


def _fake_files(monkeypatch, folder: Path, corpus: str, contents: dict[str, bytes]) -> None:
    """Write `contents` into folder/corpus and point the registry at their checksums."""
    (folder / corpus).mkdir(parents=True, exist_ok=True)
    files = []
    for name, data in contents.items():
        (folder / corpus / name).write_bytes(data)
        files.append(download.RemoteFile(name, hashlib.sha256(data).hexdigest()))
    entry = replace(download.REGISTRY[corpus], files=tuple(files))
    monkeypatch.setitem(download.REGISTRY, corpus, entry)


def _tweets(prefix: str, count: int) -> bytes:
    return "".join(f"{prefix}{i}\tO\nParis\tB-geo-loc\n\n" for i in range(count)).encode()


def test_the_bundled_corpus_is_the_default(bundled):
    assert default_corpus_name() == "bundled"
    assert load_corpus().train == bundled.train


def test_bundled_splits_are_normalised_once(bundled):
    tokens = [token for tweet in bundled.train.tokens for token in tweet]
    assert "<USR>" in tokens and "<URL>" in tokens
    assert not any(token.startswith(("@", "http")) and len(token) > 1 for token in tokens)


def test_splits_know_their_length_and_the_description_gives_the_sizes(bundled):
    assert (len(bundled.train), len(bundled.validation), len(bundled.test)) == (5000, 700, 700)
    assert isinstance(bundled.train, Split)
    assert "5,000 / 700 / 700" in bundled.description


def test_ner_dataset_chooses_the_corpus(monkeypatch, tmp_path):
    monkeypatch.setenv("NER_DATASET", "wnut17")
    assert default_corpus_name() == "wnut17"
    with pytest.raises(CorpusNotFoundError):
        load_corpus(data_dir=tmp_path)


def test_an_unknown_name_is_named_with_the_choices():
    with pytest.raises(ValueError, match=r"'wnut18' \(passed to load_corpus\).*bundled, wnut16"):
        load_corpus("wnut18")


def test_an_unknown_ner_dataset_says_where_the_name_came_from(monkeypatch):
    monkeypatch.setenv("NER_DATASET", "conll2003")
    with pytest.raises(ValueError, match=r"'conll2003' .*NER_DATASET"):
        load_corpus()


def test_data_dir_comes_from_ner_data_dir_then_xdg_cache_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir() == tmp_path / "home" / ".cache" / "bilstm-ner"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "bilstm-ner"
    monkeypatch.setenv("NER_DATA_DIR", str(tmp_path / "data"))
    assert default_data_dir() == tmp_path / "data"


@pytest.mark.parametrize("name", ["wnut16", "wnut16-official", "wnut17"])
def test_a_corpus_not_downloaded_says_the_exact_command(tmp_path, name):
    command = "python -m bilstm_ner.data download " + name.removesuffix("-official")
    with pytest.raises(CorpusNotFoundError, match=f"Run `{command}`"):
        load_corpus(name, data_dir=tmp_path)


def test_a_changed_file_is_refused_with_the_command_to_refetch(monkeypatch, tmp_path):
    _fake_files(
        monkeypatch,
        tmp_path,
        "wnut17",
        dict.fromkeys(
            ("wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated"), b"a\tO\n"
        ),
    )
    (tmp_path / "wnut17" / "emerging.dev.conll").write_bytes(b"b\tO\n")
    with pytest.raises(CorpusNotFoundError, match="download wnut17 --force"):
        load_corpus("wnut17", data_dir=tmp_path)


def test_the_course_resplit_sizes_of_wnut16():
    assert resplit_sizes(7244) == (5795, 724, 725)


def test_wnut16_is_re_split_80_10_10_deterministically(monkeypatch, tmp_path):
    _fake_files(
        monkeypatch,
        tmp_path,
        "wnut16",
        {"train": _tweets("a", 50), "dev": _tweets("b", 20), "test": _tweets("c", 30)},
    )
    corpus = load_corpus("wnut16", data_dir=tmp_path)
    assert (len(corpus.train), len(corpus.validation), len(corpus.test)) == (80, 10, 10)
    first_tokens = [
        t[0] for split in (corpus.train, corpus.validation, corpus.test) for t in split.tokens
    ]
    assert sorted(first_tokens) == sorted(
        [f"a{i}" for i in range(50)] + [f"b{i}" for i in range(20)] + [f"c{i}" for i in range(30)]
    )
    assert first_tokens[:80] != [f"a{i}" for i in range(50)] + [f"b{i}" for i in range(20)] + [
        f"c{i}" for i in range(10)
    ]
    assert load_corpus("wnut16", data_dir=tmp_path) == corpus
    assert "0.10" in corpus.description and "100 tweets" in corpus.description


def test_wnut16_official_keeps_the_published_files_as_splits(monkeypatch, tmp_path):
    _fake_files(
        monkeypatch,
        tmp_path,
        "wnut16",
        {"train": _tweets("a", 5), "dev": _tweets("b", 2), "test": _tweets("c", 3)},
    )
    corpus = load_corpus("wnut16-official", data_dir=tmp_path)
    assert [t[0] for t in corpus.validation.tokens] == ["b0", "b1"]
    assert (len(corpus.train), len(corpus.test)) == (5, 3)


def test_wnut17_reads_tab_only_separators_crlf_and_normalises_tokens(monkeypatch, tmp_path):
    _fake_files(
        monkeypatch,
        tmp_path,
        "wnut17",
        {
            "wnut17train.conll": b"@bob\tO\nhi\tO\n\t\nNew\tB-location\nYork\tI-location\n\t\n",
            "emerging.dev.conll": b"see\tO\r\nhttp://t.co/x\tO\r\n\r\nok\tO\r\n",
            "emerging.test.annotated": b"Apple\tB-corporation\n\nfoo\tO\n",
        },
    )
    corpus = load_corpus("wnut17", data_dir=tmp_path)
    assert corpus.train.tokens == [["<USR>", "hi"], ["New", "York"]]
    assert corpus.train.tags == [["O", "O"], ["B-location", "I-location"]]
    assert corpus.validation.tokens == [["see", "<URL>"], ["ok"]]
    assert corpus.test.tags == [["B-corporation"], ["O"]]


def test_every_name_is_documented():
    assert CORPUS_NAMES[:3] == ("bundled", "wnut16", "wnut17")
    import bilstm_ner.data.corpora as corpora

    assert all(f"``{name}``" in corpora.__doc__ for name in CORPUS_NAMES)
