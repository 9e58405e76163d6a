"""The notebook client of graded runs keeps only a little of what a kernel sends."""

from __future__ import annotations

import nbformat.v4 as v4

from grader.batch.kernel_process import make_client
from grader.batch.kernel_run import KernelLimits

LIMITS = KernelLimits(timeout=60.0, memory_limit_mb=400.0)


def comm_message(kind: str, comm_id: str, state: dict) -> dict:
    content = {"comm_id": comm_id, "target_name": "jupyter.widget", "data": {"state": state}}
    return {"msg_type": kind, "header": {"msg_type": kind}, "content": content, "buffers": []}


def test_widget_state_is_not_kept(tmp_path):
    """A widget's state is whatever the kernel says: 40 text boxes of 12 MB were 1.5 GB here."""
    client = make_client(v4.new_notebook(), tmp_path, LIMITS)
    big = {"_model_name": "OutputModel", "_model_module": "@jupyter-widgets/output", "value": "x"}
    for n in range(20):
        client.handle_comm_msg([], comm_message("comm_open", f"w{n}", big), 0)
        client.handle_comm_msg([], comm_message("comm_msg", f"w{n}", {"value": "y" * 1000}), 0)
    assert client.widget_state == {} and client.comm_objects == {}


def test_printed_output_is_capped_as_it_arrives(tmp_path):
    client = make_client(v4.new_notebook(), tmp_path, LIMITS)
    outs: list = []
    for _ in range(100):
        message = {"msg_type": "stream", "content": {"name": "stdout", "text": "spam " * 100}}
        client.output(outs, message, None, 0)
    assert sum(len(out["text"]) for out in outs) == 4000
