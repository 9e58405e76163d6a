"""Fetch the WNUT corpora once, verify their SHA-256, and keep them in a local data directory.

Only the standard library's `urllib` touches the network. Each file is streamed into a
temporary file beside its destination, hashed on the way, and renamed into place only when the
checksum matches: after a checksum mismatch, a dropped connection or Ctrl-C nothing partial is
left behind. Files already present with the right checksum are not fetched again.

`REGISTRY` holds what to fetch and the expected checksums; tests substitute their own entries
(`monkeypatch.setitem(REGISTRY, "wnut16", ...)`) and serve small files from 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bilstm_ner.progress import progress_bar

CHUNK_SIZE = 64 * 1024
TIMEOUT_SECONDS = 30
DOWNLOAD_COMMAND = "python -m bilstm_ner.data download {name}"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a corpus: its name (the same locally and under the base URL) and SHA-256."""

    name: str
    sha256: str


@dataclass(frozen=True)
class RemoteCorpus:
    """Where a corpus is published, its files, and the terms it comes under."""

    name: str
    base_url: str
    files: tuple[RemoteFile, ...]
    homepage: str
    licence: str


REGISTRY: dict[str, RemoteCorpus] = {
    "wnut16": RemoteCorpus(
        name="wnut16",
        base_url="https://raw.githubusercontent.com/aritter/twitter_nlp/master/data/annotated/wnut16/data/",
        files=(
            RemoteFile("train", "5ec9db29c87fbf424860688fff08a485f6112137b930bb4799288399db9e153d"),
            RemoteFile("dev", "d555eff2d24f05b032a17d892dda766f8e4dc0436404c17f4c1c6841472928fd"),
            RemoteFile("test", "4d96d1908d4fdda27f3738bfb83d26e9b9e0996e22d8e0788de7c11c25af6896"),
        ),
        homepage="https://github.com/aritter/twitter_nlp (WNUT-2016 named entity shared task)",
        licence="GPL-3.0, as the twitter_nlp repository that publishes it",
    ),
    "wnut17": RemoteCorpus(
        name="wnut17",
        base_url="https://raw.githubusercontent.com/leondz/emerging_entities_17/master/",
        files=(
            RemoteFile(
                "wnut17train.conll",
                "731820e13f71af324c6b55a1575ec2ce59fbaa2a0806f8f0400b98d56cd6a7a5",
            ),
            RemoteFile(
                "emerging.dev.conll",
                "e053b752b8155113ca66e7db08af5f2f5f43ab993694e4774f1ec5bad42312d8",
            ),
            RemoteFile(
                "emerging.test.annotated",
                "2aa79b764e56ec9264a1b30fdd9b70195bd00ff400b62edd8f399d5f13c178f0",
            ),
        ),
        homepage="https://github.com/leondz/emerging_entities_17 (WNUT-2017 emerging entities)",
        licence="CC-BY 4.0",
    ),
}


class DownloadError(RuntimeError):
    """A download that could not be completed; the message says why and what to do."""


def remote_corpus(name: str, registry: Mapping[str, RemoteCorpus] | None = None) -> RemoteCorpus:
    """The registry entry of a downloadable corpus; ValueError naming the choices if unknown."""
    registry = REGISTRY if registry is None else registry
    if name not in registry:
        known = ", ".join(sorted(registry))
        hint = " (it ships with the package: nothing to download)" if name == "bundled" else ""
        raise ValueError(f"cannot download corpus {name!r}{hint}; downloadable corpora: {known}")
    return registry[name]


def corpus_dir(name: str, data_dir: str | os.PathLike) -> Path:
    """The folder that holds a downloaded corpus's files: `data_dir/name`."""
    return Path(data_dir).expanduser() / name


def sha256_of(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open_source(location: str, timeout: float):
    """Open a URL or a local file for reading; return (binary stream, size in bytes or None)."""
    if "://" not in location:
        stream = open(location, "rb")  # noqa: SIM115 (closed by the caller)
        return stream, os.fstat(stream.fileno()).st_size
    request = urllib.request.Request(location, headers={"User-Agent": "bilstm-ner-course"})
    response = urllib.request.urlopen(request, timeout=timeout)
    length = response.headers.get("Content-Length")
    return response, int(length) if length and length.isdigit() else None


def _reason(error: BaseException) -> str:
    """A short, human explanation of a network or file error."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return (
            _reason(error.reason) if isinstance(error.reason, BaseException) else str(error.reason)
        )
    if isinstance(error, http.client.IncompleteRead):
        return "the connection closed before the whole file arrived"
    if isinstance(error, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS} s"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def fetch_file(
    location: str, destination: str | os.PathLike, sha256: str, progress: bool = True
) -> None:
    """Copy `location` (URL or local path) to `destination` if its SHA-256 matches, atomically.

    Raises DownloadError (and leaves no file behind) on any failure; on KeyboardInterrupt the
    temporary file is removed as well.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
    )
    what = f"could not download {destination.name} from {location}"
    advice = "Check your connection, or fetch the files elsewhere and pass --source DIR"
    try:
        digest = hashlib.sha256()
        received = 0
        with os.fdopen(descriptor, "wb") as output:
            try:
                stream, size = _open_source(location, TIMEOUT_SECONDS)
                with (
                    stream,
                    progress_bar(
                        total=size,
                        unit="B",
                        unit_scale=True,
                        desc=destination.name,
                        disable=not progress,
                        leave=False,
                    ) as bar,
                ):
                    for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
                        output.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
            except (OSError, http.client.HTTPException) as error:
                raise DownloadError(f"{what}: {_reason(error)}. {advice}") from None
        if size is not None and received != size:
            raise DownloadError(
                f"{what}: the connection closed after {received} of {size} bytes. {advice}"
            )
        if digest.hexdigest() != sha256:
            raise DownloadError(
                f"{what}: its SHA-256 is {digest.hexdigest()}, expected {sha256}, so it was not "
                "saved (a corrupted transfer, or the file changed upstream). Try again, or pass "
                "--source DIR with a copy that has the expected checksum"
            )
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _location(source: str, file_name: str) -> str:
    """Where to read `file_name` from: under a base URL, or inside a local directory."""
    if "://" in source:
        return source.rstrip("/") + "/" + file_name
    return str(Path(source) / file_name)


def download_corpus(
    name: str,
    data_dir: str | os.PathLike,
    source: str | None = None,
    force: bool = False,
    progress: bool = True,
    registry: Mapping[str, RemoteCorpus] | None = None,
) -> list[tuple[str, str]]:
    """Fetch every file of corpus `name` into `data_dir/name`; return [(file name, status)].

    `source` is a base URL or a local directory holding files of the same names (default: the
    registry's base URL). Status is "downloaded" or "present" (already there, checksum right;
    with `force` everything is fetched again). Raises DownloadError or ValueError for people.
    """
    corpus = remote_corpus(name, registry)
    if source is not None and "://" not in source and not Path(source).is_dir():
        raise DownloadError(
            f"--source {source!r} is neither a URL (http://, https://, file://) nor an existing "
            "directory; pass the folder that holds the corpus files, or a base URL"
        )
    target = corpus_dir(name, data_dir)
    statuses = []
    for remote in corpus.files:
        destination = target / remote.name
        if not force and destination.is_file() and sha256_of(destination) == remote.sha256:
            statuses.append((remote.name, "present"))
            continue
        location = _location(source or corpus.base_url, remote.name)
        if "://" not in location and not Path(location).is_file():
            raise DownloadError(
                f"could not copy {remote.name} from {source}: no such file there. "
                f"Put {', '.join(f.name for f in corpus.files)} in that folder, or drop --source"
            )
        fetch_file(location, destination, remote.sha256, progress=progress)
        statuses.append((remote.name, "downloaded"))
    return statuses
