"""The course's public address, set once as `[project.urls] Repository` in pyproject.toml, and
what `make notebooks` writes from it: the Colab and Binder badges of each learner notebook and
of the README, and the notebooks' install cell (`bilstm_ner.course.setup_cell`).

Until a real address is set (none, or a placeholder such as https://github.com/OWNER/...), the
badges say plainly that the course is not published yet.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import quote

from bilstm_ner.course.setup_cell import published_address

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
README = ROOT / "README.md"
README_OPENS = "notebooks/01_data.ipynb"
"""The notebook the README's badges open."""
BRANCH = "main"
"""The branch Colab opens notebooks from (Binder builds HEAD)."""
README_BADGES = re.compile(r"(<!-- badges:[^\n]*-->\n).*?(<!-- /badges -->)", re.S)
NOT_PUBLISHED = (
    "*Colab and Binder: not available yet, because the course is not published at a public "
    "address. Until then, run it on your own machine: see Quick start in the course's README "
    "(pip, then `bilstm-ner-course start`).*"
)


def repository_address(pyproject: Path = PYPROJECT) -> str | None:
    """The course's GitHub address from `[project.urls] Repository`, or None when unset or a
    placeholder."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return published_address(project.get("urls", {}).get("Repository"))


def badges(address: str | None, path: str) -> str:
    """The markdown line of Colab and Binder badges opening `path` (e.g.
    "notebooks/01_data.ipynb") of the course at `address`."""
    if address is None:
        return NOT_PUBLISHED
    owner_name = address.removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{owner_name}/blob/{BRANCH}/{path}"
    binder = f"https://mybinder.org/v2/gh/{owner_name}/HEAD?labpath={quote(path, safe='')}"
    return (
        f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder})"
    )


def with_badges(title_cell: str, badge_line: str) -> str:
    """The markdown of a notebook's title cell with `badge_line` after its title line."""
    title, _, rest = title_cell.partition("\n")
    return f"{title}\n\n{badge_line}\n\n{rest.lstrip(chr(10))}".rstrip("\n")


def readme_with_badges(readme: str, address: str | None) -> str:
    """`readme` with the block between `<!-- badges: ... -->` and `<!-- /badges -->` rewritten
    for `address`. ValueError when the README has no such block."""
    if not README_BADGES.search(readme):
        raise ValueError("README.md has no `<!-- badges: ... -->` ... `<!-- /badges -->` block")
    line = badges(address, README_OPENS)
    return README_BADGES.sub(lambda match: f"{match.group(1)}{line}\n{match.group(2)}", readme)


def readme_problems(readme: Path = README, pyproject: Path = PYPROJECT) -> list[str]:
    """Why the README's badges disagree with the address in pyproject.toml ([] if they agree)."""
    text = readme.read_text(encoding="utf-8")
    if readme_with_badges(text, repository_address(pyproject)) != text:
        return [f"{readme.name}: its badges differ from [project.urls] Repository"]
    return []


def main(argv: list[str] | None = None) -> int:
    """Command line: rewrite the README's badges, or with --check report whether they agree."""
    arguments = sys.argv[1:] if argv is None else argv
    try:
        if arguments == ["--check"]:
            problems = readme_problems()
            for problem in problems:
                print(f"{problem}: run `make notebooks`", file=sys.stderr)
            return 1 if problems else 0
        address = repository_address()
        text = README.read_text(encoding="utf-8")
        README.write_text(readme_with_badges(text, address), encoding="utf-8")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"README badges: {address or 'not published yet (no [project.urls] Repository)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
