"""The recipe ablation and the real-data table: one child per seed, means, and skipped corpora."""

from __future__ import annotations

import inspect
import json

import nbformat
import pytest

from benchmarks import real_data
from benchmarks.harness import ROOT, ChildRun
from benchmarks.recipe import Recipe, parse_recipe
from bilstm_ner.model import BiLSTMTagger


def fake_recipe_runs(f1_by_seed: dict[int, float], commands: list[list[str]]):
    """A runner answering each `benchmarks.recipe` child with the F1 of its seed."""

    def run(command):
        commands.append(command)
        seed = int(next(a for a in command if a.startswith("--seed=")).split("=")[1])
        f1 = f1_by_seed[seed]
        result = {"validation_f1": [f1 / 2, f1], "test_f1": f1 + 0.01}
        return ChildRun(1.0, 1.0, 1.0, json.dumps(result))

    return run


def test_the_recipes_defaults_are_what_notebook_05_trains_with():
    cells = nbformat.read(ROOT / "solutions" / "05_training.ipynb", as_version=4).cells
    (training,) = [
        c.source for c in cells if c.cell_type == "code" and "history = train(" in c.source
    ]
    model_defaults = inspect.signature(BiLSTMTagger.__init__).parameters
    recipe = Recipe()
    assert f"dropout_rate={recipe.dropout_rate}" in training
    assert f"epochs={recipe.epochs}" in training
    assert f"bucket_by_length={recipe.bucket_by_length}" in training
    assert f"unknown_rate={recipe.unknown_rate}" in training
    assert "embedding_dim=200" in training and "n_hidden_rnn=200" in training
    assert model_defaults["embedding_dim"].default == 200  # what the recipe's tagger is built with
    assert recipe.forget_bias == 1.0  # Keras's unit_forget_bias, as the course's LSTMs use
    assert (Recipe().loss, Recipe().vocabulary, Recipe().epochs) == ("sentence", "train", 4)


def test_every_flag_of_the_ablation_parses_into_a_recipe():
    for _label, arguments in real_data.ABLATION:
        parse_recipe([*arguments, "--seed=1"])  # raises SystemExit on an unknown flag
    recipe = parse_recipe(["--forget-bias=3", "--state-dropout", "--loss=token"])
    assert (recipe.forget_bias, recipe.state_dropout, recipe.loss) == (3.0, True, "token")


def test_each_figure_is_the_mean_of_one_run_per_seed_with_its_spread(monkeypatch):
    monkeypatch.setattr(real_data, "available", lambda name: True)
    commands: list[list[str]] = []
    run = fake_recipe_runs({0: 0.38, 1: 0.40, 2: 0.45}, commands)
    figures = list(real_data.collect_ablation(run=run))
    assert len(figures) == len(real_data.ABLATION)
    assert len(commands) == 3 * len(real_data.ABLATION)
    assert figures[0].value == pytest.approx(0.41) and figures[0].runs == [0.38, 0.40, 0.45]
    assert "seeds 3, 0.380 to 0.450" in figures[0].note
    defaults = figures[-1]
    assert defaults.goal == ">= 0.40" and defaults.met is True
    assert all("--corpus=wnut16" in command for command in commands)


def test_the_real_data_table_reports_validation_and_test_f1_of_each_corpus(monkeypatch):
    monkeypatch.setattr(real_data, "available", lambda name: name != "wnut17")
    run = fake_recipe_runs({0: 0.3, 1: 0.3, 2: 0.3}, [])
    figures = {f.name: f for f in real_data.collect_real_data(run=run)}
    assert figures["test F1 (wnut16)"].value == pytest.approx(0.31)
    assert figures["validation F1 (wnut16-official)"].value == pytest.approx(0.3)
    skipped = figures["test F1 (wnut17)"]
    assert skipped.note.startswith("skipped") and "download wnut17" in skipped.note


def test_without_the_corpus_the_ablation_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(real_data, "available", lambda name: False)
    (figure,) = real_data.collect_ablation(run=lambda command: pytest.fail("trained"))
    assert "python -m bilstm_ner.data download wnut16" in figure.note
