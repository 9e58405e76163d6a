"""`python -m grader autograder gradescope --out DIR`: the course as a Gradescope autograder.

Writes `DIR/setup.sh`, `DIR/run_autograder` and `DIR/autograder.zip`, which holds both scripts
at its root (as Gradescope requires) and:

    bilstm_ner_course-<version>-py3-none-any.whl   this package, built from its own sources
    constraints.txt                                  the tested pins (requirements/constraints.txt)
    autograder.json                                  the grading settings (`gradescope.Settings`)
    course/<notebook>.ipynb                          the course notebooks' grader metadata only

`setup.sh` downloads nothing but packages (apt, then pip with the pins); `run_autograder`
runs `python -m grader.integrations.gradescope run`. Both honour `AUTOGRADER_ROOT`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.batch.course import read_course
from grader.batch.sandbox import REPOSITORY
from grader.batch.submissions import UsageError, load_registry
from grader.integrations.gradescope import COURSE_FOLDER, SETTINGS_FILE, Settings

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (Ubuntu 22.04 or
# newer). Written by `python -m grader autograder gradescope`: re-run that instead of editing.
# It downloads nothing but packages: Ubuntu's (apt-get) and the course's pinned ones (pip).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
KERNEL_USER="${GRADER_KERNEL_USER:-grader-kernel}"

updated=""
apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    [ -n "$updated" ] || { apt-get update -qq && updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# A Python with venv. The tested pins (constraints.txt) need 3.11.5 or newer: Ubuntu 24.04's
# python3 (3.12); Ubuntu 22.04 has 3.10 and a 3.11.0 package, which get the newest versions
# that support them instead.
find_python() {
    local minimum="$1" candidate
    for candidate in python3.13 python3.12 python3.11 python3 python3.10; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
            "import sys, venv, ensurepip; sys.exit(sys.version_info < ($minimum))" 2>/dev/null
        then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}
PYTHON="$(find_python "3, 11, 5" || true)"
if [ -z "$PYTHON" ]; then
    apt_install python3 python3-venv || true
    PYTHON="$(find_python "3, 11, 5" || true)"
fi
if [ -z "$PYTHON" ]; then
    apt_install python3.11 python3.11-venv || true
    PYTHON="$(find_python "3, 10" || true)"
fi
if [ -z "$PYTHON" ]; then
    echo "setup.sh: could not install Python 3.10 or newer with venv" >&2
    exit 1
fi
# bubblewrap sandboxes kernels where namespaces are allowed (rarely inside Docker); elsewhere
# they run as the unprivileged user below. prlimit and setpriv (util-linux) limit them, pkill
# (procps) ends what they leave behind.
command -v bwrap >/dev/null 2>&1 || apt_install bubblewrap ||
    echo "setup.sh: no bubblewrap: kernels will run as the user $KERNEL_USER"
command -v prlimit >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 ||
    apt_install util-linux
command -v pkill >/dev/null 2>&1 || apt_install procps
id -u "$KERNEL_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$KERNEL_USER"

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if ! "$VENV/bin/python" -m pip install --quiet -c "$SOURCE/constraints.txt" "$SOURCE"/*.whl
then
    echo "setup.sh: the tested pins do not install on $("$PYTHON" --version) (they need" \
        "3.11.5 or newer): installing the newest versions that support it instead"
    "$VENV/bin/python" -m pip install --quiet "$SOURCE"/*.whl
fi
# What the kernel user may not read: the bundle and the installed course (its kernel imports a
# copy without the answers); the venv's Python and packages stay readable.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
chmod -R o-rwx "$SOURCE" "$SITE/grader" "$SITE/bilstm_ner"
"$VENV/bin/python" -m grader.integrations.gradescope check --root "$ROOT"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission, in /autograder, as root. Written by
# `python -m grader autograder gradescope`: re-run that instead of editing.
# Grades the course notebooks in $ROOT/submission into $ROOT/results/results.json.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}" TF_ENABLE_ONEDNN_OPTS=0
exec "$ROOT/venv/bin/python" -m grader.integrations.gradescope run --root "$ROOT"
"""

CONSTRAINTS = Path("requirements") / "constraints.txt"


@dataclass(frozen=True)
class Bundle:
    """What `write_bundle` wrote."""

    setup_sh: Path
    run_autograder: Path
    zip_path: Path
    wheel_name: str
    course_notebooks: tuple[str, ...]


def course_metadata(course: Path | None) -> dict[str, dict]:
    """{notebook name: its "grader" metadata} for the course notebooks that declare checks.

    Raises `UsageError` when the course cannot be read or declares checks wrongly.
    """
    notebooks, _ = read_course(course, load_registry("grader.checks"))
    found = {
        path.stem: dict(notebook.metadata["grader"])
        for path, notebook, requests in notebooks
        if requests
    }
    if not found:
        raise UsageError(f"course {course or 'solutions/'}: no notebook declares grader checks")
    return found


def build_wheel(source: Path, destination: Path) -> Path:
    """A wheel of the package at `source` (its pyproject.toml), built into `destination`."""
    if not (source / "pyproject.toml").is_file():
        raise UsageError(
            f"{source} holds no pyproject.toml: build the bundle from a checkout of the course"
        )
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w"]
    done = subprocess.run(
        [*command, str(destination), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    wheels = sorted(destination.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        raise RuntimeError(f"pip wheel failed: {done.stderr.strip()[-1000:]}")
    return wheels[0]


def write_bundle(
    out: Path, settings: Settings, course: Path | None = None, *, source: Path = REPOSITORY
) -> Bundle:
    """Write setup.sh, run_autograder and autograder.zip into `out` (created if needed)."""
    notebooks = course_metadata(course)
    constraints = source / CONSTRAINTS
    if not constraints.is_file():
        raise UsageError(f"{constraints} not found: build the bundle from a checkout")
    out.mkdir(parents=True, exist_ok=True)
    setup_sh, run_autograder = out / "setup.sh", out / "run_autograder"
    for path, text in ((setup_sh, SETUP_SH), (run_autograder, RUN_AUTOGRADER)):
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
    with tempfile.TemporaryDirectory(prefix="gradescope-") as scratch:
        wheel = build_wheel(source, Path(scratch))
        zip_path = out / "autograder.zip"
        partial = out / ".autograder.zip.partial"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "setup.sh", SETUP_SH.encode(), executable=True)
            _add(archive, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
            _add(archive, wheel.name, wheel.read_bytes())
            _add(archive, "constraints.txt", constraints.read_bytes())
            _add(archive, SETTINGS_FILE, settings.to_json().encode())
            for name, metadata in sorted(notebooks.items()):
                _add(archive, f"{COURSE_FOLDER}/{name}.ipynb", _metadata_only(metadata))
        shutil.move(partial, zip_path)
    return Bundle(setup_sh, run_autograder, zip_path, wheel.name, tuple(sorted(notebooks)))


def _metadata_only(grader_metadata: dict) -> bytes:
    """A cell-less notebook carrying only the course notebook's grader metadata."""
    notebook = nbformat.v4.new_notebook(metadata={"grader": grader_metadata})
    return (nbformat.writes(notebook) + "\n").encode()


def _add(archive: zipfile.ZipFile, name: str, data: bytes, *, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    archive.writestr(info, data)
