"""Plots: the right axes and artists, closed figures, and no crash on edge cases."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from bilstm_ner.plots import (
    IN_BATCH_COLOR,
    OTHER_COLOR,
    plot_changed_rows,
    plot_changed_rows_by_group,
    plot_embeddings_2d,
    plot_mask,
    plot_training_curves,
)
from bilstm_ner.vocabulary import build_token_vocabulary


def _bar_colors(figure: Figure) -> list[str]:
    return [matplotlib.colors.to_hex(bar.get_facecolor()) for bar in figure.axes[0].patches]


def test_changed_rows_draws_one_bar_per_row_with_batch_rows_highlighted():
    before = np.zeros((6, 3), dtype=np.float32)
    after = before.copy()
    after[[2, 4]] += 1.0
    figure = plot_changed_rows(before, after, highlight=[2, 4])
    (axes,) = figure.axes
    heights = [bar.get_height() for bar in axes.patches]
    assert heights == pytest.approx([0, 0, np.sqrt(3), 0, np.sqrt(3), 0])
    orange, blue = matplotlib.colors.to_hex(IN_BATCH_COLOR), matplotlib.colors.to_hex(OTHER_COLOR)
    assert _bar_colors(figure) == [blue, blue, orange, blue, orange, blue]
    assert axes.get_title() == "2 of 6 rows changed"


def test_figures_are_closed_so_jupyter_shows_each_once():
    open_before = plt.get_fignums()
    plot_changed_rows(np.zeros((2, 2)), np.ones((2, 2)))
    plot_changed_rows_by_group({"SGD": (np.zeros((2, 2)), np.ones((2, 2)))}, {"a": [0]})
    plot_mask(np.array([[2, 1]]), pad_index=1)
    plot_training_curves({"train_loss": [1.0]})
    plot_embeddings_2d(np.eye(2), ["a", "b"])
    assert plt.get_fignums() == open_before


def test_changed_rows_labels_rows_with_tokens():
    vocabulary = build_token_vocabulary([["lol", "Paris"]])
    figure = plot_changed_rows(np.zeros((4, 2)), np.ones((4, 2)), token_vocabulary=vocabulary)
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels == ["<UNK>", "<PAD>", "lol", "Paris"]


def test_changed_rows_keeps_batch_rows_and_largest_changes_when_there_are_too_many():
    before = np.zeros((100, 2))
    after = before.copy()
    after[50] = 5.0
    figure = plot_changed_rows(before, after, highlight=[90, 91], max_rows=10)
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert len(labels) == 10 and {"50", "90", "91"} <= set(labels)
    assert figure.axes[0].get_title() == "1 of 100 rows changed (showing 10)"


@pytest.mark.parametrize("shape", [(1, 4), (5, 1)])
def test_changed_rows_with_nothing_changed_or_one_row_does_not_crash(shape):
    matrix = np.ones(shape, dtype=np.float32)
    figure = plot_changed_rows(matrix, matrix.copy())
    assert figure.axes[0].get_title() == f"0 of {shape[0]} rows changed"
    figure.canvas.draw()


def test_changed_rows_refuses_matrices_of_different_shapes():
    with pytest.raises(ValueError, match=r"same shape; found \(3, 2\) and \(2, 2\)"):
        plot_changed_rows(np.zeros((3, 2)), np.zeros((2, 2)))


def test_changed_rows_by_group_draws_each_step_group_after_group_largest_first():
    start = np.zeros((6, 2))
    sgd, adam = start.copy(), start.copy()
    sgd[[4, 5]] = 1.0
    adam[[4, 5]] = 1.0
    adam[0] = [0.0, 0.5]
    groups = {"in batch 2": [5, 4], "only in batch 1": [0, 1]}
    figure = plot_changed_rows_by_group({"SGD": (start, sgd), "Adam": (start, adam)}, groups)
    sgd_axes, adam_axes = figure.axes
    assert [bar.get_height() for bar in adam_axes.patches] == pytest.approx(
        [np.sqrt(2), np.sqrt(2), 0.5, 0, 0, 0]
    )
    assert [bar.get_height() for bar in sgd_axes.patches][2:] == [0, 0, 0, 0]
    assert sgd_axes.get_title() == "SGD: 2 of 6 rows moved"
    assert adam_axes.get_title() == "Adam: 3 of 6 rows moved"
    labels = [label.get_text() for label in adam_axes.get_xticklabels()]
    assert labels == ["in batch 2\n(2 rows)", "only in batch 1\n(2 rows)", "other rows\n(2 rows)"]
    assert adam_axes.get_xlim() == (0, 3)  # one slot of the same width per group


def test_changed_rows_by_group_with_nothing_changed_or_an_empty_group_does_not_crash():
    matrix = np.ones((3, 2))
    figure = plot_changed_rows_by_group({"Adam": (matrix, matrix)}, {"none": [], "one": [0]})
    assert figure.axes[0].get_title() == "Adam: 0 of 3 rows moved"
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels == ["none\n(0 rows)", "one\n(1 row)", "other rows\n(2 rows)"]
    figure.canvas.draw()


def test_changed_rows_by_group_refuses_overlapping_groups_and_mismatched_matrices():
    matrix = np.zeros((3, 2))
    with pytest.raises(ValueError, match="'b' shares rows"):
        plot_changed_rows_by_group({"SGD": (matrix, matrix)}, {"a": [0, 1], "b": [1]})
    with pytest.raises(ValueError, match=r"one shape; found \[\(2, 2\), \(3, 2\)\]"):
        plot_changed_rows_by_group({"SGD": (matrix, np.zeros((2, 2)))}, {"a": [0]})


def test_mask_is_an_image_of_real_tokens_and_padding_with_length_marks():
    input_batch = np.array([[5, 6, 7], [8, 1, 1]])
    figure = plot_mask(input_batch, pad_index=1, lengths=np.array([3, 1]))
    (axes,) = figure.axes
    (image,) = axes.get_images()
    np.testing.assert_array_equal(image.get_array(), [[True, True, True], [True, False, False]])
    assert len(axes.texts) == 6  # the token id in every cell
    assert len(axes.lines) == 2  # one end-of-sentence mark per sentence
    assert axes.get_title() == "mask: 4 real tokens, 2 padding"


def test_mask_of_one_token_and_without_lengths_does_not_crash():
    figure = plot_mask(np.array([[3]]), pad_index=1)
    assert len(figure.axes[0].lines) == 0
    figure.canvas.draw()


def test_mask_refuses_a_one_dimensional_batch():
    with pytest.raises(ValueError, match=r"\[batch, time\]"):
        plot_mask(np.array([1, 2, 3]), pad_index=1)


def test_training_curves_put_losses_and_f1_in_two_panels():
    history = {
        "train_loss": [1.0, 0.6, 0.4],
        "val_loss": [1.1, 0.8, 0.7],
        "val_f1": [0.1, 0.3, 0.35],
    }
    figure = plot_training_curves(history)
    loss_axes, f1_axes = figure.axes
    assert [line.get_label() for line in loss_axes.lines] == ["train_loss", "val_loss"]
    assert [line.get_label() for line in f1_axes.lines] == ["val_f1"]
    assert f1_axes.get_ylabel() == "entity F1"
    assert list(loss_axes.lines[0].get_xdata()) == [1, 2, 3]


def test_training_curves_with_only_losses_has_one_panel_and_one_epoch_is_fine():
    figure = plot_training_curves({"train_loss": [0.9]})
    assert len(figure.axes) == 1 and len(figure.axes[0].lines) == 1
    figure.canvas.draw()


def test_training_curves_refuse_an_empty_history():
    with pytest.raises(ValueError, match="history is empty"):
        plot_training_curves({})


def test_embeddings_2d_scatters_one_collection_per_group_and_labels_points():
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(6, 5))
    groups = ["person", "person", "O", "geo-loc", "O", "person"]
    figure = plot_embeddings_2d(embeddings, list("abcdef"), groups)
    (axes,) = figure.axes
    collections = [c for c in axes.collections if isinstance(c, PathCollection)]
    assert [c.get_label() for c in collections] == ["person", "O", "geo-loc"]
    assert sum(len(c.get_offsets()) for c in collections) == 6
    assert [text.get_text() for text in axes.texts] == list("abcdef")


def test_embeddings_2d_uses_the_principal_directions():
    # Points on a line along (1, 1, 0): the first component holds all the variance.
    embeddings = np.outer(np.arange(5.0), [1.0, 1.0, 0.0])
    figure = plot_embeddings_2d(embeddings, [str(i) for i in range(5)])
    offsets = figure.axes[0].collections[0].get_offsets()
    assert np.allclose(offsets[:, 1], 0.0)
    assert np.allclose(np.abs(np.diff(offsets[:, 0])), np.sqrt(2))
    assert "100%" in figure.axes[0].get_title()


@pytest.mark.parametrize("shape", [(1, 4), (3, 1)])
def test_embeddings_2d_of_one_point_or_one_dimension_does_not_crash(shape):
    figure = plot_embeddings_2d(np.ones(shape), ["x"] * shape[0])
    figure.canvas.draw()


def test_embeddings_2d_needs_one_label_per_row():
    with pytest.raises(ValueError, match="3 rows, 2 labels"):
        plot_embeddings_2d(np.zeros((3, 2)), ["a", "b"])
