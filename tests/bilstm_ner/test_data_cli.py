"""`python -m bilstm_ner.data`: exit codes and one-line messages, never a traceback."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from bilstm_ner.data import download
from bilstm_ner.data.__main__ import main
from bilstm_ner.data.conll import read_conll
from bilstm_ner.data.corpora import load_corpus
from bilstm_ner.data.synthetic import generate_corpus

FILES = {"train": b"hi\tO\n\n", "dev": b"Paris\tB-geo-loc\n\n", "test": b"ok\tO\n\n"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A local HTTP server whose root folder holds FILES."""
    root = tmp_path_factory.mktemp("served")
    for name, data in FILES.items():
        (root / name).write_bytes(data)

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def wnut16(monkeypatch, server):
    """Point the wnut16 registry entry at the local server and FILES' checksums."""
    files = tuple(
        download.RemoteFile(name, hashlib.sha256(data).hexdigest()) for name, data in FILES.items()
    )
    entry = replace(download.REGISTRY["wnut16"], base_url=server, files=files)
    monkeypatch.setitem(download.REGISTRY, "wnut16", entry)


def test_download_succeeds_and_says_how_to_use_the_corpus(wnut16, tmp_path, capsys):
    assert main(["download", "wnut16", "--data-dir", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "train: downloaded, checksum verified" in out
    assert "NER_DATASET=wnut16" in out
    assert (tmp_path / "wnut16" / "dev").read_bytes() == FILES["dev"]


def test_a_downloaded_corpus_loads(wnut16, tmp_path):
    main(["download", "wnut16", "--data-dir", str(tmp_path), "--quiet"])
    corpus = load_corpus("wnut16-official", data_dir=tmp_path)
    assert corpus.validation.tokens == [["Paris"]]
    assert corpus.validation.tags == [["B-geo-loc"]]


def test_a_second_download_reports_the_files_present(wnut16, tmp_path, capsys):
    main(["download", "wnut16", "--data-dir", str(tmp_path), "--quiet"])
    assert main(["download", "wnut16", "--data-dir", str(tmp_path), "--quiet"]) == 0
    assert "dev: present, checksum verified" in capsys.readouterr().out


def test_the_progress_bar_goes_to_stderr(wnut16, tmp_path, capsys):
    assert main(["download", "wnut16", "--data-dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "train:" in captured.err and "dev:" in captured.err
    assert "it/s" not in captured.out


def test_download_wnut16_official_fetches_the_wnut16_files(wnut16, tmp_path):
    assert main(["download", "wnut16-official", "--data-dir", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "wnut16" / "train").is_file()


def test_download_from_a_local_source_directory(wnut16, monkeypatch, tmp_path):
    entry = replace(download.REGISTRY["wnut16"], base_url="http://127.0.0.1:9/")
    monkeypatch.setitem(download.REGISTRY, "wnut16", entry)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name, data in FILES.items():
        (mirror / name).write_bytes(data)
    arguments = ["download", "wnut16", "--source", str(mirror), "--data-dir", str(tmp_path)]
    assert main([*arguments, "--quiet"]) == 0
    assert (tmp_path / "wnut16" / "test").read_bytes() == FILES["test"]


def test_a_checksum_mismatch_exits_1_with_one_line(wnut16, monkeypatch, tmp_path, capsys):
    entry = download.REGISTRY["wnut16"]
    wrong = (download.RemoteFile("train", "f" * 64), *entry.files[1:])
    monkeypatch.setitem(download.REGISTRY, "wnut16", replace(entry, files=wrong))
    assert main(["download", "wnut16", "--data-dir", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: could not download train from ") and err.count("\n") == 1
    assert not (tmp_path / "wnut16" / "train").exists()


def test_a_404_exits_1_and_suggests_source(wnut16, server, tmp_path, capsys):
    arguments = ["download", "wnut16", "--source", server + "nowhere/", "--data-dir", str(tmp_path)]
    assert main([*arguments, "--quiet"]) == 1
    assert "HTTP 404" in capsys.readouterr().err


def test_an_unreachable_host_exits_1(wnut16, tmp_path, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        source = f"http://127.0.0.1:{probe.getsockname()[1]}/"  # nothing listens once closed
    assert main(["download", "wnut16", "--source", source, "--data-dir", str(tmp_path)]) == 1
    assert "Check your connection, or fetch the files elsewhere" in capsys.readouterr().err


def test_an_unknown_corpus_exits_1_naming_the_choices(tmp_path, capsys):
    assert main(["download", "wnut99", "--data-dir", str(tmp_path)]) == 1
    assert "'wnut99'" in capsys.readouterr().err


def test_downloading_the_bundled_corpus_explains_it_ships_with_the_package(tmp_path, capsys):
    assert main(["download", "bundled", "--data-dir", str(tmp_path)]) == 1
    assert "ships with the package" in capsys.readouterr().err


def test_ctrl_c_exits_130(monkeypatch, tmp_path, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(download, "download_corpus", interrupted)
    assert main(["download", "wnut16", "--data-dir", str(tmp_path)]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_no_command_is_a_usage_error():
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit):
        main(["download", "--help"])
    assert "python -m bilstm_ner.data download wnut16 --source" in capsys.readouterr().out


def test_list_shows_what_is_available(tmp_path, capsys):
    assert main(["list", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "bundled          Bundled synthetic tweets" in out
    assert "wnut17           not downloaded (run: python -m bilstm_ner.data download wnut17)" in out


def test_write_bundled_writes_the_raw_corpus_as_conll(tmp_path):
    assert main(["write-bundled", str(tmp_path / "out")]) == 0
    corpus = generate_corpus()
    assert read_conll(tmp_path / "out" / "dev", normalize=False) == corpus["validation"]
    assert read_conll(tmp_path / "out" / "train", normalize=False) == corpus["train"]


def test_the_module_runs_as_a_command_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bilstm_ner.data", "download", "wnut99", "--data-dir", tmp_path],
        capture_output=True,
        text=True,
        env={**os.environ, "NER_DATA_DIR": str(tmp_path)},
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot download corpus 'wnut99'")
    assert "Traceback" not in result.stderr
