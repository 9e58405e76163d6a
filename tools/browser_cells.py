"""What the browser test reads from JupyterLab's page, and what it counts as a problem.

`CELLS_SCRIPT` runs in the page (JupyterLab exposes itself as `window.jupyterapp`) and returns
one plain dict per cell: its notebook model (type, execution count, outputs) and what is on
screen (stderr boxes, loaded images, the outputs' text). `find_problems` judges that list; it is
plain Python, so the judging is tested without a browser.
"""

from __future__ import annotations

import re

CELLS_SCRIPT = """() => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  return notebook.widgets.map((cell, index) => {
    const model = cell.model.toJSON();
    const node = cell.node;
    const prompt = node.querySelector('.jp-InputPrompt');
    const images = [...node.querySelectorAll('.jp-OutputArea-output img')].filter(
      (image) => image.complete && image.naturalWidth > 0 && image.getBoundingClientRect().width > 0
    );
    const stderr = node.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    );
    const outputArea = node.querySelector('.jp-OutputArea');
    const source = Array.isArray(model.source) ? model.source.join('') : model.source;
    return {
      index: index,
      type: model.cell_type,
      source: source,
      execution_count: model.execution_count ?? null,
      prompt: prompt ? prompt.innerText : '',
      outputs: (model.outputs || []).map((output) => ({
        output_type: output.output_type,
        name: output.name || '',
        ename: output.ename || '',
        evalue: output.evalue || '',
      })),
      stderr_boxes: [...stderr].map((box) => box.innerText),
      images: images.length,
      text: outputArea ? outputArea.innerText : '',
    };
  });
}"""

KERNEL_IDLE_SCRIPT = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const session = panel && panel.sessionContext && panel.sessionContext.session;
  const kernel = session && session.kernel;
  if (!kernel || kernel.status !== 'idle' || kernel.connectionStatus !== 'connected') {
    return false;
  }
  const prompts = panel.content.node.querySelectorAll('.jp-InputPrompt');
  return ![...prompts].some((prompt) => prompt.innerText.includes('*'));
}"""

REPORT_TOTAL = re.compile(r"\b\d+(?:\.\d+)?/\d+(?:\.\d+)? points: ")
"""The last line of every check report, in text or HTML: '3/8 points: some checks failed'."""


def describe(cell: dict, total: int) -> str:
    """'cell 7/51 (`embedding_dim = 4`)': the cell's number as JupyterLab's status bar shows it."""
    first_line = next((line for line in cell["source"].splitlines() if line.strip()), "")
    if len(first_line) > 60:
        first_line = first_line[:57] + "..."
    return f"cell {cell['index'] + 1}/{total} (`{first_line.strip()}`)"


def running_cell(cells: list[dict]) -> str | None:
    """The description of the first cell still running or queued ([*]), if any."""
    for cell in cells:
        if "*" in cell["prompt"]:
            return describe(cell, len(cells))
    return None


def find_problems(cells: list[dict]) -> list[str]:
    """What a learner would see as wrong: errors, stderr boxes, cells not run, no plot or report."""
    total = len(cells)
    code = [cell for cell in cells if cell["type"] == "code" and cell["source"].strip()]
    problems = []
    for cell in code:
        errors = [output for output in cell["outputs"] if output["output_type"] == "error"]
        for error in errors:
            problems.append(f"{describe(cell, total)} raised {error['ename']}: {error['evalue']}")
        if cell["stderr_boxes"] and not errors:
            shown = " | ".join(" ".join(box.split())[:300] for box in cell["stderr_boxes"])
            problems.append(f"{describe(cell, total)} shows a stderr box: {shown}")
    not_run = [cell for cell in code if cell["execution_count"] is None]
    if not_run:
        problems.append(
            f"{len(not_run)} code cell(s) did not run, the first {describe(not_run[0], total)}"
        )
    if not any(cell["images"] for cell in code):
        problems.append("no plot is shown: no cell has a loaded image in its outputs")
    if not any(REPORT_TOTAL.search(cell["text"]) for cell in code):
        problems.append("no check report is shown: no output has a line like '0/2 points: ...'")
    return problems
