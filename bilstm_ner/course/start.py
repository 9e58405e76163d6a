"""Copy the learner notebooks into a learner's folder without ever overwriting their work.

The folder keeps a record (`.bilstm-ner-course.json`) of the SHA-256 of each notebook as it was
copied. On the next `start`, a notebook whose file still has that hash is an unchanged copy and
is replaced by the course's current version; one that differs was edited (or run and saved) by
the learner and is kept as it is; a file there that was never recorded is kept too.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

RECORD_NAME = ".bilstm-ner-course.json"


@dataclass
class CopyResult:
    """What `copy_notebooks` did to each notebook, by file name."""

    directory: Path
    copied: list[str] = field(default_factory=list)
    """New in the folder."""
    updated: list[str] = field(default_factory=list)
    """Unchanged copies of an older version, replaced by the current one."""
    current: list[str] = field(default_factory=list)
    """Already the course's current version."""
    kept: list[str] = field(default_factory=list)
    """Edited by the learner (or not copied by `start`): left alone."""

    def summary(self) -> list[str]:
        """One line a learner reads for each kind of outcome that happened."""
        lines = []
        if self.copied:
            lines.append(f"Copied {len(self.copied)} notebook(s) into {self.directory}")
        if self.updated:
            lines.append(f"Updated to the course's current version: {', '.join(self.updated)}")
        if self.current:
            lines.append(f"Already up to date: {len(self.current)} notebook(s)")
        for name in self.kept:
            lines.append(
                f"Kept your edited {name}: the course's version was not copied over it "
                "(rename yours and run `bilstm-ner-course start` again to get a fresh copy)"
            )
        return lines


def sha256_of(data: bytes) -> str:
    """The hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def read_record(directory: Path) -> dict[str, str]:
    """{notebook name: SHA-256 as copied} from the folder's record; {} if none or unreadable
    (then every existing notebook counts as edited, the safe side)."""
    try:
        record = json.loads((directory / RECORD_NAME).read_text(encoding="utf-8"))
        hashes = record["notebooks"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(hashes, dict):
        return {}
    return {str(name): str(digest) for name, digest in hashes.items()}


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def prepare_directory(directory: Path) -> Path:
    """Create `directory` if needed and return it resolved; ValueError naming the problem when
    it is a file or cannot be created."""
    directory = directory.expanduser()
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"{directory} is a file, not a folder: give a folder for the course")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"cannot create the folder {directory}: {error.strerror}") from None
    return directory.resolve()


def copy_notebooks(sources: list[Path], directory: Path) -> CopyResult:
    """Copy each of `sources` into `directory` (which must exist) unless the learner's file
    there was edited; record what was copied. Returns what happened to each notebook."""
    result = CopyResult(directory)
    record = read_record(directory)
    for source in sources:
        name, data = source.name, source.read_bytes()
        digest, target = sha256_of(data), directory / name
        if not target.exists():
            outcome = result.copied
        elif not target.is_file():
            result.kept.append(name)
            continue
        else:
            present = sha256_of(target.read_bytes())
            if present == digest:
                record[name] = digest
                result.current.append(name)
                continue
            if record.get(name) != present:
                result.kept.append(name)
                continue
            outcome = result.updated
        _write_atomically(target, data)
        record[name] = digest
        outcome.append(name)
    text = json.dumps({"notebooks": dict(sorted(record.items()))}, indent=1) + "\n"
    _write_atomically(directory / RECORD_NAME, text.encode("utf-8"))
    return result
