"""Pictures for the notebooks: changed embedding rows, padding mask, curves, 2-D embeddings.

Every function returns a matplotlib `Figure` (already closed in pyplot) and never calls
`plt.show()`: Jupyter shows a returned figure once, as a cell's last value; elsewhere call
`figure.savefig(...)`. Tests can inspect the figure's axes and artists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

IN_BATCH_COLOR = "tab:orange"
OTHER_COLOR = "tab:blue"
MAX_CELL_LABELS = 400


def _finish(figure: Figure) -> Figure:
    """Close the figure in pyplot: Jupyter then shows the returned figure exactly once."""
    # Without close(), the inline backend would draw it at the end of the cell a second time.
    plt.close(figure)
    return figure


def _token_names(token_vocabulary: Any) -> Sequence[str] | None:
    if token_vocabulary is None:
        return None
    return getattr(token_vocabulary, "id_to_token", token_vocabulary)


def plot_changed_rows(
    before: np.ndarray,
    after: np.ndarray,
    highlight: Iterable[int] = (),
    token_vocabulary: Any = None,
    max_rows: int = 60,
) -> Figure:
    """Bar per embedding row: how far one step moved it, ‖after − before‖ (float [vocab, dim]).

    Rows in `highlight` (e.g. the token ids of the batch) are drawn in orange. With more than
    `max_rows` rows, the highlighted rows come first, then the most changed, then the rest.
    `token_vocabulary` (a Vocabulary or a list of tokens) labels the rows with their tokens.
    """
    before, after = np.asarray(before), np.asarray(after)
    if before.shape != after.shape or before.ndim != 2:
        raise ValueError(
            f"before and after must be two [vocabulary_size, embedding_dim] matrices of the same "
            f"shape; found {before.shape} and {after.shape} (pass .numpy() copies of the matrix)"
        )
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, found {max_rows}")
    n_rows = before.shape[0]
    change = np.linalg.norm(after.astype(np.float64) - before.astype(np.float64), axis=1)
    highlighted = {int(row) for row in np.asarray(list(highlight), dtype=np.int64).ravel()}
    if any(not 0 <= row < n_rows for row in highlighted):
        raise ValueError(f"highlight holds ids outside 0..{n_rows - 1}")
    n_changed = int(np.count_nonzero(change))

    # Which rows to show: highlighted, then most changed, then the others in id order.
    order = sorted(range(n_rows), key=lambda row: (row not in highlighted, -change[row], row))
    shown = np.array(sorted(order[:max_rows]))

    names = _token_names(token_vocabulary)
    figure, axes = plt.subplots(
        figsize=(max(6.0, 0.18 * len(shown) + 2), 3.5), layout="constrained"
    )
    colors = [IN_BATCH_COLOR if row in highlighted else OTHER_COLOR for row in shown]
    positions = np.arange(len(shown))
    axes.bar(positions, change[shown], color=colors)
    labels = [str(names[row]) if names is not None else str(row) for row in shown]
    axes.set_xticks(positions, labels, rotation=90, fontsize=7)
    axes.set_xlim(-0.6, len(shown) - 0.4)
    axes.set_xlabel("embedding row (token)" if names is not None else "embedding row (token id)")
    axes.set_ylabel("‖after − before‖")
    subset = "" if len(shown) == n_rows else f" (showing {len(shown)})"
    axes.set_title(f"{n_changed} of {n_rows} rows changed{subset}")
    if n_changed == 0:
        axes.set_ylim(0, 1)
        axes.text(0.5, 0.5, "no row changed", ha="center", transform=axes.transAxes)
    axes.legend(
        handles=[
            Patch(color=IN_BATCH_COLOR, label="in the batch"),
            Patch(color=OTHER_COLOR, label="other rows"),
        ],
        loc="upper right",
        fontsize=8,
    )
    return _finish(figure)


GROUP_COLORS = ("tab:orange", "tab:blue", "tab:green", "tab:purple", "tab:brown")
UNGROUPED_COLOR = "0.6"


def plot_changed_rows_by_group(
    steps: Mapping[str, tuple[np.ndarray, np.ndarray]],
    groups: Mapping[str, Iterable[int]],
) -> Figure:
    """One panel per step: how far it moved every embedding row, with the rows grouped.

    `steps` maps a name (e.g. "SGD", "Adam") to the matrix (float [vocab, dim]) before and
    after that step; `groups` maps a name (e.g. "in batch 2") to disjoint row ids. Each panel
    draws one bar per row, ‖after − before‖, each group in a slot of the same width whatever its
    size (largest change first within a group, rows in no group last as "other rows"), so you
    see at a glance which groups moved.
    Each panel has its own vertical scale: optimizers take steps of very different sizes.
    """
    if not steps:
        raise ValueError('steps is empty; pass e.g. {"Adam": (before, after)}')
    shapes = {np.asarray(m).shape for pair in steps.values() for m in pair}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(
            f"every before and after must be a [vocabulary_size, embedding_dim] matrix of one "
            f"shape; found {sorted(shapes)} (pass .numpy() copies of the matrix)"
        )
    n_rows = next(iter(shapes))[0]
    members: dict[str, list[int]] = {}
    seen: set[int] = set()
    for name, rows in groups.items():
        ids = [int(row) for row in np.asarray(list(rows), dtype=np.int64).ravel()]
        if any(not 0 <= row < n_rows for row in ids):
            raise ValueError(f"group {name!r} holds ids outside 0..{n_rows - 1}")
        if seen.intersection(ids):
            raise ValueError(
                f"group {name!r} shares rows with an earlier group: make them disjoint"
            )
        seen.update(ids)
        members[name] = sorted(set(ids))
    colors = {name: GROUP_COLORS[i % len(GROUP_COLORS)] for i, name in enumerate(members)}
    rest = [row for row in range(n_rows) if row not in seen]
    if rest:
        members["other rows"], colors["other rows"] = rest, UNGROUPED_COLOR

    figure, axes_list = plt.subplots(
        len(steps),
        1,
        figsize=(8, 1.2 + 1.8 * len(steps)),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for axes, (step_name, (before, after)) in zip(axes_list[:, 0], steps.items(), strict=True):
        change = np.linalg.norm(
            np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64), axis=1
        )
        for slot, (name, rows) in enumerate(members.items()):
            heights = np.sort(change[rows])[::-1]
            positions = slot + (np.arange(len(rows)) + 0.5) / max(len(rows), 1)
            width = 1.0 / max(len(rows), 1)
            axes.bar(positions, heights, width=width, linewidth=0, color=colors[name])
            if slot:
                axes.axvline(slot, color="0.6", linewidth=0.8)
        axes.set_title(f"{step_name}: {int(np.count_nonzero(change))} of {n_rows} rows moved")
        axes.set_ylabel("‖after − before‖")
        labels = [
            f"{name}\n({len(rows)} row{'' if len(rows) == 1 else 's'})"
            for name, rows in members.items()
        ]
        axes.set_xticks(np.arange(len(members)) + 0.5, labels, fontsize=8)
        axes.set_xlim(0, len(members))
        axes.set_ylim(0, None if change.any() else 1)
    return _finish(figure)


def plot_mask(input_batch: np.ndarray, pad_index: int, lengths: np.ndarray | None = None) -> Figure:
    """The padding mask of int [batch, time] `input_batch`: real tokens light, padding dark.

    With `lengths` (int [batch]), a red line marks where each sentence ends, so you can see
    that the mask and the lengths agree.
    """
    input_batch = np.asarray(input_batch)
    if input_batch.ndim != 2:
        raise ValueError(f"input_batch must be [batch, time], found shape {input_batch.shape}")
    mask = input_batch != pad_index
    n_sentences, n_steps = mask.shape
    figure, axes = plt.subplots(
        figsize=(max(4.0, 0.4 * n_steps + 1.5), max(2.0, 0.4 * n_sentences + 1)),
        layout="constrained",
    )
    axes.imshow(mask, cmap="Greys_r", vmin=-0.3, vmax=1.0, aspect="auto", interpolation="nearest")
    if mask.size <= MAX_CELL_LABELS:
        for (row, column), token_id in np.ndenumerate(input_batch):
            color = "black" if mask[row, column] else "white"
            axes.text(column, row, str(token_id), ha="center", va="center", fontsize=7, color=color)
    if lengths is not None:
        lengths = np.asarray(lengths)
        if lengths.shape != (n_sentences,):
            raise ValueError(f"lengths must be [batch] = ({n_sentences},), found {lengths.shape}")
        for row, length in enumerate(lengths):
            axes.plot([length - 0.5] * 2, [row - 0.5, row + 0.5], color="red", linewidth=2)
    axes.set_xlabel("time step")
    axes.set_ylabel("sentence in the batch")
    axes.set_xticks(range(n_steps))
    axes.set_yticks(range(n_sentences))
    axes.set_title(f"mask: {int(mask.sum())} real tokens, {int((~mask).sum())} padding")
    axes.legend(
        handles=[
            Patch(facecolor="white", edgecolor="grey", label="real token"),
            Patch(color="0.25", label="padding"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
    )
    return _finish(figure)


def plot_training_curves(history: Mapping[str, Sequence[float]]) -> Figure:
    """Curves per epoch: keys with "loss" in one panel, the others (e.g. "val_f1") in another."""
    if not history or all(len(values) == 0 for values in history.values()):
        raise ValueError(
            'history is empty; pass e.g. {"train_loss": [...], "val_loss": [...], "val_f1": [...]}'
        )
    loss_keys = [key for key in history if "loss" in key]
    other_keys = [key for key in history if "loss" not in key]
    panels = [(keys, label) for keys, label in ((loss_keys, "loss"), (other_keys, "score")) if keys]
    figure, axes_list = plt.subplots(
        1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False, layout="constrained"
    )
    for axes, (keys, label) in zip(axes_list[0], panels, strict=True):
        for key in keys:
            values = np.asarray(history[key], dtype=np.float64)
            epochs = np.arange(1, len(values) + 1)
            axes.plot(epochs, values, marker="o", label=key)
        if label == "score" and all("f1" in key for key in keys):
            label = "entity F1"
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        axes.set_title(label)
        axes.legend(fontsize=8)
        axes.xaxis.get_major_locator().set_params(integer=True)
    return _finish(figure)


def plot_embeddings_2d(
    embeddings: np.ndarray, labels: Sequence[str], groups: Sequence[str] | None = None
) -> Figure:
    """Float [n, dim] embeddings projected on their first two principal components (numpy SVD).

    Each point is labeled (when there are at most 200) and colored by its group, e.g. the
    entity type of the token.
    """
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if embeddings.ndim != 2 or embeddings.shape[0] == 0:
        raise ValueError(f"embeddings must be [n, dim] with n >= 1, found {embeddings.shape}")
    n_points = embeddings.shape[0]
    if len(labels) != n_points or (groups is not None and len(groups) != n_points):
        raise ValueError(
            f"need one label (and group) per row: {n_points} rows, {len(labels)} labels, "
            f"{'no' if groups is None else len(groups)} groups"
        )
    centered = embeddings - embeddings.mean(axis=0)
    _, singular_values, components = np.linalg.svd(centered, full_matrices=False)
    coordinates = np.zeros((n_points, 2))
    n_components = min(2, components.shape[0])
    coordinates[:, :n_components] = centered @ components[:n_components].T
    variance = singular_values**2
    explained = variance[:2].sum() / variance.sum() if variance.sum() > 0 else 1.0

    figure, axes = plt.subplots(figsize=(6, 5), layout="constrained")
    group_list = ["all"] * n_points if groups is None else [str(group) for group in groups]
    for group in dict.fromkeys(group_list):
        chosen = np.array([g == group for g in group_list])
        axes.scatter(coordinates[chosen, 0], coordinates[chosen, 1], s=18, label=group)
    if n_points <= 200:
        for (x, y), label in zip(coordinates, labels, strict=True):
            axes.annotate(str(label), (x, y), fontsize=7, xytext=(2, 2), textcoords="offset points")
    if groups is not None:
        axes.legend(fontsize=8)
    axes.set_xlabel("principal component 1")
    axes.set_ylabel("principal component 2")
    axes.set_title(f"embeddings in 2-D (PCA, {explained:.0%} of the variance)")
    return _finish(figure)
