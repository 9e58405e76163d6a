"""Command line for the corpora: `python -m bilstm_ner.data download wnut16|wnut17 ...`.

Expected failures (offline, HTTP errors, checksum mismatches, unknown names) print one line
starting with "error:" on stderr and exit with status 1, without a traceback; usage errors
exit with status 2, Ctrl-C with 130.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bilstm_ner.data import download
from bilstm_ner.data.conll import write_conll
from bilstm_ner.data.corpora import (
    CORPUS_NAMES,
    CorpusNotFoundError,
    default_data_dir,
    load_corpus,
)
from bilstm_ner.data.synthetic import generate_corpus

EXAMPLES = """\
examples:
  python -m bilstm_ner.data download wnut16
  python -m bilstm_ner.data download wnut17 --data-dir ~/corpora
  python -m bilstm_ner.data download wnut16 --source /media/usb/wnut16    (offline copy)
  python -m bilstm_ner.data download wnut16 --source https://mirror.example.org/wnut16/
  python -m bilstm_ner.data list
  python -m bilstm_ner.data write-bundled bundled_conll/

Downloaded corpora go to $NER_DATA_DIR, else $XDG_CACHE_HOME/bilstm-ner, else
~/.cache/bilstm-ner. Choose the corpus the notebooks use with NER_DATASET=wnut16 (or wnut17).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bilstm_ner.data",
        description="Download, list and export the corpora of the BiLSTM NER course.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fetch = commands.add_parser(
        "download",
        help="fetch a WNUT corpus and verify its SHA-256 checksums",
        description="Fetch a WNUT corpus into the data directory and verify every file.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fetch.add_argument("corpus", metavar="CORPUS", help="wnut16 or wnut17")
    fetch.add_argument(
        "--source",
        metavar="URL_OR_DIR",
        help="base URL or local directory holding files of the same names (default: upstream)",
    )
    fetch.add_argument("--data-dir", metavar="DIR", help="where corpora are kept")
    fetch.add_argument("--force", action="store_true", help="fetch even the files present")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    listing = commands.add_parser("list", help="show every corpus and whether it is available")
    listing.add_argument("--data-dir", metavar="DIR", help="where corpora are kept")
    export = commands.add_parser(
        "write-bundled", help="write the bundled corpus as CoNLL files (train, dev, test)"
    )
    export.add_argument("directory", metavar="DIR", help="folder to write train/dev/test into")
    export.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    return parser


def _download(arguments: argparse.Namespace) -> int:
    name = arguments.corpus.removesuffix("-official")
    data_dir = arguments.data_dir or default_data_dir()
    statuses = download.download_corpus(
        name, data_dir, arguments.source, arguments.force, progress=not arguments.quiet
    )
    folder = download.corpus_dir(name, data_dir)
    for file_name, status in statuses:
        print(f"{file_name}: {status}, checksum verified")
    print(f"{name} is ready in {folder}; use it with NER_DATASET={name} or load_corpus({name!r})")
    return 0


def _list(arguments: argparse.Namespace) -> int:
    for name in CORPUS_NAMES:
        try:
            corpus = load_corpus(name, arguments.data_dir)
        except CorpusNotFoundError:
            command = download.DOWNLOAD_COMMAND.format(name=name.removesuffix("-official"))
            print(f"{name:16} not downloaded (run: {command})")
        else:
            print(f"{name:16} {corpus.description}")
    return 0


def _write_bundled(arguments: argparse.Namespace) -> int:
    folder = Path(arguments.directory)
    folder.mkdir(parents=True, exist_ok=True)
    corpus = generate_corpus(arguments.seed)
    for split, file_name in (("train", "train"), ("validation", "dev"), ("test", "test")):
        write_conll(folder / file_name, *corpus[split])
    print(f"wrote the bundled corpus (raw tokens) to {folder}/train, dev and test")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 1 failure, 130 interrupted)."""
    arguments = _parser().parse_args(argv)
    handlers = {"download": _download, "list": _list, "write-bundled": _write_bundled}
    try:
        return handlers[arguments.command](arguments)
    except (download.DownloadError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; no partial file was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
