"""The first code cell of every learner notebook: on Colab (or any Python without the course)
it installs the course from its public address; where the course is installed it does nothing.

The cell must work before the course exists, so it is self-contained code that `make notebooks`
writes from `install_cell_source`; the grader's tampering scan recognises it, exactly, with
`is_install_cell` (it runs pip, which no learner code may do in a graded run).
"""

from __future__ import annotations

import re

INSTALL_CELL_ID = "install-course"
GITHUB_ADDRESS = re.compile(r"https://github\.com/[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+")
PLACEHOLDER_OWNERS = frozenset({"owner", "your-name", "yourname", "username", "user", "example"})
_QUIET = "try:\n    import bilstm_ner  # noqa: F401\nexcept ModuleNotFoundError:\n"


def published_address(url: str | None) -> str | None:
    """`url` (e.g. "https://github.com/ada/bilstm-ner-course") when it is a real GitHub
    repository; None when it is unset or a placeholder (owner "OWNER", "<owner>"...).

    ValueError for another kind of address: Colab and Binder open notebooks from GitHub.
    """
    if url is None or not url.strip():
        return None
    url = url.strip().removesuffix("/").removesuffix(".git")
    owner = url.removeprefix("https://github.com/").split("/")[0]
    if "<" in url or owner.lower() in PLACEHOLDER_OWNERS:
        return None
    if not GITHUB_ADDRESS.fullmatch(url):
        raise ValueError(
            f"the repository address {url!r} is not https://github.com/OWNER/NAME: the Colab and "
            "Binder badges and the install cell need the course's GitHub repository"
        )
    return url


def install_cell_source(address: str | None) -> str:
    """The code of the install cell for the course published at `address` (None: not yet)."""
    if address is None:
        return (
            "# Where the course is not installed (Colab, for one), this cell says how to get it.\n"
            + _QUIET
            + "    raise ModuleNotFoundError(\n"
            '        "The course (bilstm_ner) is not installed in this Python, and it is not "\n'
            '        "published yet, so this cell cannot install it: open the notebooks from a "\n'
            '        "copy of the course (its README: pip install, then bilstm-ner-course start)"\n'
            "    ) from None\n"
            'print("The course is installed: nothing to do.")'
        )
    return (
        "# Where the course is not installed (Colab, for one), this cell installs it with pip.\n"
        + _QUIET
        + "    import importlib, subprocess, sys\n\n"
        + f'    address = "git+{address}"\n'
        + '    command = [sys.executable, "-m", "pip", "install", "--quiet", address]\n'
        + '    print("Installing the course:", " ".join(command[2:]))\n'
        + "    subprocess.run(command, check=True)\n"
        + "    importlib.invalidate_caches()\n"
        + f'    print("Installed the course from {address}")\n'
        + "else:\n"
        + '    print("The course is installed: nothing to do.")'
    )


def is_install_cell(source: str) -> bool:
    """Whether `source` is exactly an install cell `install_cell_source` writes (for the
    course's address or any other well-formed GitHub address), and nothing more."""
    if source == install_cell_source(None):
        return True
    found = GITHUB_ADDRESS.search(source)
    return found is not None and source == install_cell_source(found.group(0))
