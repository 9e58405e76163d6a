"""Does a report add up its points and render clearly (and safely) as text and HTML?"""

import json

from grader.core.report import CheckItem, Report


def _report() -> Report:
    return Report(
        title="check_compute_loss(compute_loss)",
        items=[
            CheckItem("returns a scalar", True, "fine", points=1.0),
            CheckItem("matches the reference", False, "off by 2x:\nuse the mean", points=2.0),
        ],
    )


def test_score_counts_only_passed_items():
    report = _report()
    assert report.score == 1.0
    assert report.max_score == 3.0
    assert not report.passed


def test_an_empty_report_has_not_passed():
    assert not Report(title="nothing", items=[]).passed


def test_a_report_of_passing_items_has_passed():
    assert Report(title="t", items=[CheckItem("a", True, "")]).passed


def test_attempted_is_false_when_no_item_was_attempted():
    items = [CheckItem("a", False, "stub", attempted=False)]
    assert not Report(title="t", items=items).attempted
    assert _report().attempted


def test_text_shows_failing_messages_indented_and_a_total():
    text = str(_report())
    assert "✓ returns a scalar" in text
    assert "✗ matches the reference\n    off by 2x:\n    use the mean" in text
    assert "fine" not in text  # messages of passing items stay quiet
    assert text.splitlines()[-1] == "1/3 points: some checks failed"


def test_html_escapes_learner_text():
    report = Report(title="<b>t</b>", items=[CheckItem("x<script>", False, "a < b & c")])
    html = report._repr_html_()
    assert "<script>" not in html
    assert "x&lt;script&gt;" in html
    assert "a &lt; b &amp; c" in html
    assert "&lt;b&gt;t&lt;/b&gt;" in html


def test_to_dict_is_json_and_round_trips():
    report = _report()
    data = json.loads(json.dumps(report.to_dict()))
    assert data["score"] == 1.0 and data["max_score"] == 3.0 and data["passed"] is False
    again = Report.from_dict(data)
    assert again == report


def test_text_lines_fit_in_100_characters_and_keep_every_word():
    message = "Multiply the token losses by the mask built from `input_batch != pad_index`. " * 4
    name = "has the reference's gradient with respect to the logits, also in a tf.function " * 2
    report = Report(title="t", items=[CheckItem(name.strip(), False, message.strip())])
    lines = str(report).splitlines()
    assert max(len(line) for line in lines) <= 100
    assert all(line.startswith("    ") for line in lines[3:-1])  # the message, indented
    assert " ".join(str(report).split()) == " ".join(f"t ✗ {name} {message} {lines[-1]}".split())


def test_html_cells_are_left_aligned_whatever_the_notebook_css_says():
    html = _report()._repr_html_()
    assert html.count("<td") == html.count("text-align:left") == 8
    assert "margin:0.3em 0" in html  # not centred, as JupyterLab centres tables
