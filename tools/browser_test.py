"""`make test-browser`: a learner notebook run in JupyterLab in headless Chromium, as by a learner.

`python -m tools.browser_test [--notebook 02_embeddings.ipynb] [--screenshots build/browser-test]`
serves a temporary copy of `notebooks/` (tools.jupyterlab_server), opens the notebook in
Debian's Chromium driven by Playwright (never a browser Playwright downloads: set `CHROMIUM`
to use another binary), clicks Run > Run All Cells, waits until the kernel is idle, and fails
when a cell did not run, raised, or shows a stderr box, or when no plot image or check report
is shown. Screenshots of the opened notebook and of every code cell go to the folder printed
at the end (emptied first).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from tools.browser_cells import CELLS_SCRIPT, KERNEL_IDLE_SCRIPT, find_problems, running_cell
from tools.jupyterlab_server import lab_server

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02_embeddings.ipynb"
SCREENSHOTS = ROOT / "build" / "browser-test"
VIEWPORT = {"width": 1280, "height": 900}
OPEN_TIMEOUT_SECONDS = 120
RUN_TIMEOUT_SECONDS = 600


def chromium_path() -> str:
    """The Chromium binary to drive: $CHROMIUM, else Debian's `chromium` on PATH."""
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        raise SystemExit(
            "test-browser: no Chromium found. Install it once with `make system-packages` "
            "(Debian's chromium package), or set CHROMIUM=/path/to/chromium"
        )
    return path


def wait_for_kernel_idle(page, timeout_seconds: float, settle_seconds: float = 1.0) -> None:
    """Wait until the notebook's kernel is connected, idle and no cell is queued, twice in a row."""
    deadline = time.monotonic() + timeout_seconds
    settled_since = None
    while time.monotonic() < deadline:
        if page.evaluate(KERNEL_IDLE_SCRIPT):
            settled_since = settled_since or time.monotonic()
            if time.monotonic() - settled_since >= settle_seconds:
                return
        else:
            settled_since = None
        page.wait_for_timeout(250)
    still = running_cell(page.evaluate(CELLS_SCRIPT))
    raise TimeoutError(
        f"the kernel was still busy after {timeout_seconds:.0f} s"
        + (f", running {still}" if still else "")
    )


def open_notebook(page, url: str) -> None:
    """Open JupyterLab at `url` and wait until the notebook's cells and its kernel are ready."""
    page.goto(url, timeout=OPEN_TIMEOUT_SECONDS * 1000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=OPEN_TIMEOUT_SECONDS * 1000)
    wait_for_kernel_idle(page, OPEN_TIMEOUT_SECONDS)


def run_all_cells(page) -> None:
    """Click Run > Run All Cells in JupyterLab's menu bar."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def save_cell_screenshots(page, cells: list[dict], folder: Path) -> int:
    """Screenshot every code cell (input and outputs) into `folder`; return how many."""
    locator = page.locator(".jp-Notebook .jp-Cell")
    count = 0
    for cell in cells:
        if cell["type"] == "code":
            path = folder / f"cell-{cell['index'] + 1:02d}.png"
            locator.nth(cell["index"]).screenshot(path=str(path), timeout=30_000)
            count += 1
    return count


def run(notebook: str, notebooks: Path, screenshots: Path) -> list[str]:
    """Run `notebook` of `notebooks` in the browser; return the problems found (none: passed)."""
    from playwright.sync_api import sync_playwright

    shutil.rmtree(screenshots, ignore_errors=True)
    screenshots.mkdir(parents=True)
    started = time.perf_counter()
    with lab_server(notebooks) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            open_notebook(page, server.notebook_url(notebook))
            page.screenshot(path=str(screenshots / "00-opened.png"))
            opened = time.perf_counter()
            run_all_cells(page)
            problems: list[str] = []
            try:
                wait_for_kernel_idle(page, RUN_TIMEOUT_SECONDS)
            except TimeoutError as error:
                problems.append(str(error))
            ran = time.perf_counter()
            cells = page.evaluate(CELLS_SCRIPT)
            problems += find_problems(cells)
            shots = save_cell_screenshots(page, cells, screenshots)
            page.screenshot(path=str(screenshots / "99-end.png"))
        finally:
            browser.close()
    print(
        f"test-browser: {notebook}: opened in {opened - started:.1f} s, all cells ran in "
        f"{ran - opened:.1f} s, {time.perf_counter() - started:.1f} s in all; "
        f"{shots + 2} screenshots in {screenshots}"
    )
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line: exit 0 when the notebook ran clean in the browser, 1 with the problems."""
    parser = argparse.ArgumentParser(prog="python -m tools.browser_test", description=__doc__)
    parser.add_argument("--notebook", default=NOTEBOOK, help=f"default {NOTEBOOK}")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--screenshots", type=Path, default=SCREENSHOTS)
    arguments = parser.parse_args(argv)
    if not (arguments.notebooks / arguments.notebook).is_file():
        parser.error(f"no notebook {arguments.notebooks / arguments.notebook}")
    problems = run(arguments.notebook, arguments.notebooks, arguments.screenshots)
    for problem in problems:
        print(f"test-browser: FAILED: {problem}", file=sys.stderr)
    if not problems:
        print("test-browser: passed: no error, no stderr box, a plot and a check report shown")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
