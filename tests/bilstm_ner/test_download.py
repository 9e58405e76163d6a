"""Downloads against a real HTTP server on 127.0.0.1: verified, atomic, clear when they fail."""

from __future__ import annotations

import hashlib
import socket
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bilstm_ner.data import download
from bilstm_ner.data.download import DownloadError, RemoteFile, download_corpus, fetch_file

FILES = {"train": b"hello\tO\n\n", "dev": b"Paris\tB-geo-loc\n\n", "test": b"ok\tO\n\n"}


class _Handler(BaseHTTPRequestHandler):
    """Serves FILES under /good/; under /drop/ it promises more bytes than it sends."""

    def do_GET(self) -> None:
        folder, _, name = self.path.strip("/").partition("/")
        if name not in FILES or folder not in ("good", "drop"):
            self.send_error(404)
            return
        data = FILES[name]
        self.send_response(200)
        self.send_header("Content-Length", str(len(data) * (10 if folder == "drop" else 1)))
        self.end_headers()
        self.wfile.write(data)
        if folder == "drop":
            self.wfile.flush()
            self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def registry(server):
    """A wnut16 entry that points at the local server and at FILES' checksums."""
    files = tuple(
        RemoteFile(name, hashlib.sha256(data).hexdigest()) for name, data in FILES.items()
    )
    entry = replace(download.REGISTRY["wnut16"], base_url=f"{server}/good/", files=files)
    return {"wnut16": entry}


def _left_in(folder) -> list[str]:
    return sorted(path.name for path in folder.rglob("*")) if folder.exists() else []


def test_a_download_writes_every_file_and_verifies_it(registry, tmp_path):
    statuses = download_corpus("wnut16", tmp_path, progress=False, registry=registry)
    assert statuses == [("train", "downloaded"), ("dev", "downloaded"), ("test", "downloaded")]
    assert {p.name: p.read_bytes() for p in (tmp_path / "wnut16").iterdir()} == FILES


def test_files_already_present_are_not_fetched_again(registry, tmp_path):
    download_corpus("wnut16", tmp_path, progress=False, registry=registry)
    offline = {"wnut16": replace(registry["wnut16"], base_url="http://127.0.0.1:9/")}
    statuses = download_corpus("wnut16", tmp_path, progress=False, registry=offline)
    assert [status for _, status in statuses] == ["present"] * 3


def test_force_fetches_present_files_again(registry, tmp_path):
    download_corpus("wnut16", tmp_path, progress=False, registry=registry)
    statuses = download_corpus("wnut16", tmp_path, force=True, progress=False, registry=registry)
    assert [status for _, status in statuses] == ["downloaded"] * 3


def test_a_present_file_with_the_wrong_checksum_is_replaced(registry, tmp_path):
    (tmp_path / "wnut16").mkdir()
    (tmp_path / "wnut16" / "dev").write_bytes(b"edited\tO\n")
    statuses = download_corpus("wnut16", tmp_path, progress=False, registry=registry)
    assert statuses[1] == ("dev", "downloaded")
    assert (tmp_path / "wnut16" / "dev").read_bytes() == FILES["dev"]


def test_a_checksum_mismatch_leaves_no_file(server, tmp_path):
    with pytest.raises(DownloadError, match=r"SHA-256 is .*, expected 0+, so it was not saved"):
        fetch_file(f"{server}/good/train", tmp_path / "train", "0" * 64, progress=False)
    assert _left_in(tmp_path) == []


def test_a_404_names_the_file_the_url_and_what_to_do(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        fetch_file(f"{server}/good/missing", tmp_path / "missing", "0" * 64, progress=False)
    message = str(caught.value)
    assert message.startswith(f"could not download missing from {server}/good/missing: HTTP 404")
    assert "pass --source DIR" in message
    assert _left_in(tmp_path) == []


def test_a_connection_closed_mid_transfer_leaves_no_file(server, tmp_path):
    with pytest.raises(DownloadError, match=r"closed after 9 of 90 bytes"):
        fetch_file(f"{server}/drop/train", tmp_path / "train", "0" * 64, progress=False)
    assert _left_in(tmp_path) == []


def test_an_unreachable_host_gives_a_clear_message(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there
    with pytest.raises(DownloadError, match=r"could not download x from .*: .*refused.*--source"):
        fetch_file(f"http://127.0.0.1:{port}/x", tmp_path / "x", "0" * 64, progress=False)
    assert _left_in(tmp_path) == []


def test_ctrl_c_during_a_download_leaves_no_file(monkeypatch, server, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(download, "_open_source", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch_file(f"{server}/good/train", tmp_path / "train", "0" * 64, progress=False)
    assert _left_in(tmp_path) == []


def test_source_may_be_a_local_directory_of_the_same_files(registry, tmp_path):
    mirror = tmp_path / "usb"
    mirror.mkdir()
    for name, data in FILES.items():
        (mirror / name).write_bytes(data)
    offline = {"wnut16": replace(registry["wnut16"], base_url="http://127.0.0.1:9/")}
    download_corpus("wnut16", tmp_path / "data", str(mirror), progress=False, registry=offline)
    assert (tmp_path / "data" / "wnut16" / "test").read_bytes() == FILES["test"]


def test_source_may_be_another_base_url(registry, server, tmp_path):
    elsewhere = {"wnut16": replace(registry["wnut16"], base_url="http://127.0.0.1:9/")}
    download_corpus("wnut16", tmp_path, f"{server}/good", progress=False, registry=elsewhere)
    assert (tmp_path / "wnut16" / "train").read_bytes() == FILES["train"]


def test_a_source_directory_missing_a_file_says_which(registry, tmp_path):
    (tmp_path / "usb").mkdir()
    with pytest.raises(DownloadError, match=r"could not copy train from .*usb: no such file"):
        download_corpus("wnut16", tmp_path, str(tmp_path / "usb"), registry=registry)


def test_a_source_that_is_neither_url_nor_directory_is_refused(registry, tmp_path):
    with pytest.raises(DownloadError, match=r"neither a URL .* nor an existing directory"):
        download_corpus("wnut16", tmp_path, str(tmp_path / "nowhere"), registry=registry)


def test_an_unknown_corpus_lists_the_downloadable_ones(tmp_path):
    with pytest.raises(ValueError, match=r"cannot download corpus 'wnut99'.*wnut16, wnut17"):
        download_corpus("wnut99", tmp_path)


def test_the_registry_pins_the_published_checksums():
    wnut16 = {f.name: f.sha256[:12] for f in download.REGISTRY["wnut16"].files}
    wnut17 = {f.name: f.sha256[:12] for f in download.REGISTRY["wnut17"].files}
    assert wnut16 == {"train": "5ec9db29c87f", "dev": "d555eff2d24f", "test": "4d96d1908d4f"}
    assert wnut17 == {
        "wnut17train.conll": "731820e13f71",
        "emerging.dev.conll": "e053b752b815",
        "emerging.test.annotated": "2aa79b764e56",
    }
