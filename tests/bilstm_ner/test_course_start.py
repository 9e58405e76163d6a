"""`bilstm-ner-course start` copies the notebooks and never overwrites a learner's edits."""

from __future__ import annotations

import json

import pytest

from bilstm_ner.course.files import learner_notebooks
from bilstm_ner.course.start import RECORD_NAME, copy_notebooks, prepare_directory


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        (folder / name).write_text(f'{{"version": 1, "name": "{name}"}}', encoding="utf-8")
    return folder


def release(course, name: str, text: str) -> None:
    """A new version of the course changes notebook `name`."""
    (course / name).write_text(text, encoding="utf-8")


def test_a_fresh_folder_gets_every_notebook(course, tmp_path):
    learner = tmp_path / "learner"
    learner.mkdir()
    result = copy_notebooks(sorted(course.glob("*.ipynb")), learner)
    assert result.copied == ["01_a.ipynb", "02_b.ipynb"]
    assert (learner / "01_a.ipynb").read_bytes() == (course / "01_a.ipynb").read_bytes()
    assert result.summary() == [f"Copied 2 notebook(s) into {learner}"]


def test_starting_again_changes_nothing(course, tmp_path):
    sources = sorted(course.glob("*.ipynb"))
    copy_notebooks(sources, tmp_path)
    result = copy_notebooks(sources, tmp_path)
    assert result.current == ["01_a.ipynb", "02_b.ipynb"]
    assert result.copied == result.updated == result.kept == []


def test_an_edited_notebook_is_kept_and_named(course, tmp_path):
    sources = sorted(course.glob("*.ipynb"))
    copy_notebooks(sources, tmp_path)
    (tmp_path / "02_b.ipynb").write_text("my work", encoding="utf-8")
    release(course, "02_b.ipynb", '{"version": 2}')
    result = copy_notebooks(sources, tmp_path)
    assert result.kept == ["02_b.ipynb"]
    assert (tmp_path / "02_b.ipynb").read_text(encoding="utf-8") == "my work"
    assert any("Kept your edited 02_b.ipynb" in line for line in result.summary())


def test_an_unchanged_older_copy_is_updated_to_the_new_version(course, tmp_path):
    sources = sorted(course.glob("*.ipynb"))
    copy_notebooks(sources, tmp_path)
    release(course, "01_a.ipynb", '{"version": 2}')
    result = copy_notebooks(sources, tmp_path)
    assert result.updated == ["01_a.ipynb"] and result.current == ["02_b.ipynb"]
    assert (tmp_path / "01_a.ipynb").read_text(encoding="utf-8") == '{"version": 2}'


def test_an_edited_notebook_stays_kept_on_every_later_start(course, tmp_path):
    sources = sorted(course.glob("*.ipynb"))
    copy_notebooks(sources, tmp_path)
    (tmp_path / "01_a.ipynb").write_text("my work", encoding="utf-8")
    for version in (2, 3):
        release(course, "01_a.ipynb", f'{{"version": {version}}}')
        assert copy_notebooks(sources, tmp_path).kept == ["01_a.ipynb"]
    assert (tmp_path / "01_a.ipynb").read_text(encoding="utf-8") == "my work"


def test_a_notebook_start_never_copied_is_kept(course, tmp_path):
    (tmp_path / "01_a.ipynb").write_text("copied by hand, then edited", encoding="utf-8")
    result = copy_notebooks(sorted(course.glob("*.ipynb")), tmp_path)
    assert result.kept == ["01_a.ipynb"] and result.copied == ["02_b.ipynb"]


def test_an_unreadable_record_keeps_every_differing_notebook(course, tmp_path):
    sources = sorted(course.glob("*.ipynb"))
    copy_notebooks(sources, tmp_path)
    (tmp_path / RECORD_NAME).write_text("{not json", encoding="utf-8")
    release(course, "01_a.ipynb", '{"version": 2}')
    assert copy_notebooks(sources, tmp_path).kept == ["01_a.ipynb"]


def test_the_record_holds_the_hash_of_what_was_copied(course, tmp_path):
    import hashlib

    copy_notebooks(sorted(course.glob("*.ipynb")), tmp_path)
    record = json.loads((tmp_path / RECORD_NAME).read_text(encoding="utf-8"))
    data = (course / "01_a.ipynb").read_bytes()
    assert record["notebooks"]["01_a.ipynb"] == hashlib.sha256(data).hexdigest()


def test_a_file_where_the_folder_should_be_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match=r"notes.txt is a file, not a folder"):
        prepare_directory(path)


def test_a_missing_folder_is_created_with_its_parents(tmp_path):
    assert prepare_directory(tmp_path / "a" / "b").is_dir()


def test_the_course_has_its_learner_notebooks(tmp_path):
    names = [path.name for path in learner_notebooks()]
    assert names[0] == "01_data.ipynb" and "05_training.ipynb" in names
