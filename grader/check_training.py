"""check_embedding_training: does training reach the embedding, and does `train_step` do one step?

Two experiments, each judged on its own so a broken piece never hides a correct one:

1. The learner's model with the grader's masked loss and the grader's own step (plain SGD, each
   gradient clipped by norm 1.0): `embedding_matrix` must be in `trainable_variables`, the loss's
   gradient must reach it as `tf.IndexedSlices` of the batch's rows, and the step must change
   exactly the rows of the batch's real words (not the PAD row, not absent words).
2. When `train_step` is given: the learner's `train_step` on the course's reference
   `BiLSTMTagger` (no dropout, output weights scaled up so gradients are far above norm 1), with
   a fresh SGD optimizer. Every variable's change is compared with -lr * clip_by_norm(gradient,
   1.0) computed from the grader's own gradient, which tells "not clipped", "clipped by global
   norm", "optimizer not used", "embedding left out" and "nothing applied" apart.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.build_layers_inputs import random_sizes
from grader.probing import build_learner_model, call_model, embedding_facts, is_a
from grader.randomness import random_padded_batch
from grader.report import CheckItem, Report
from grader.safety import LearnerError, call_learner, to_float64
from grader.spec import CheckSpec, learner_failure

TITLE = "check_embedding_training(BiLSTMTagger, train_step)"
CHECK = "check_embedding_training"
TIME_LIMIT = 30.0
LEARNING_RATE = 0.1
"""SGD learning rate: clipped steps then move weights by ~1e-3..1e-1, far above float32 noise."""
OUTPUT_SCALE = 30.0
"""The reference model's output kernel is multiplied by this so most gradients have norm > 1."""
CHANGED = 1e-6
"""An embedding row or variable moved further than this (max abs) has changed."""
STEP_RTOL = 2e-2
"""Relative tolerance when comparing a variable's change with the expected SGD step."""

# --- inputs (grader side, NumPy only) ----------------------------------------------------------


def make_training_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """Sizes, a padded batch whose words use only part of the vocabulary, seeds and settings."""
    sizes = random_sizes(rng)
    sizes["vocabulary_size"] = int(rng.integers(40, 61))
    vocabulary_size = sizes["vocabulary_size"]
    pad_index = int(rng.integers(0, vocabulary_size))
    batch = random_padded_batch(
        rng,
        vocabulary_size=vocabulary_size,
        n_tags=sizes["n_tags"],
        batch_size=sizes["batch_size"],
        max_time=sizes["max_time"],
        pad_index=pad_index,
    )
    # Real words come from half of the vocabulary, so many rows are certainly not in the batch.
    words = np.array([i for i in range(vocabulary_size) if i != pad_index])
    used = rng.choice(words, size=len(words) // 2, replace=False)
    lengths = batch["lengths"]
    real = np.arange(sizes["max_time"])[None, :] < lengths[:, None]
    input_batch = np.where(real, used[batch["input_batch"] % len(used)], pad_index)
    return {
        "sizes": sizes,
        "pad_index": pad_index,
        "input_batch": input_batch.astype(np.int32),
        "ground_truth_tags": batch["ground_truth_tags"],
        "lengths": lengths,
        "weights_seed": int(rng.integers(0, 2**31 - 1)),
        "learning_rate": LEARNING_RATE,
        "output_scale": OUTPUT_SCALE,
        "time_limit": float(time_limit),
    }


# --- probe (learner side) ----------------------------------------------------------------------


def _reference_loss(logits: Any, inputs: dict) -> Any:
    """The grader's masked loss (the reference compute_loss) on `logits`; a float32 scalar."""
    import tensorflow as tf

    from bilstm_ner.model import compute_loss

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    return compute_loss(
        logits,
        tf.constant(inputs["ground_truth_tags"]),
        tf.constant(inputs["input_batch"]),
        inputs["pad_index"],
    )


def _learner_loss(model: Any, inputs: dict, limit: float) -> Any:
    """The grader's loss of the learner's model (training=False), guarded."""
    output = call_learner(
        model,
        inputs["input_batch"],
        inputs["lengths"],
        training=False,
        check=CHECK,
        what="model(input_batch, lengths, training=False)",
        time_limit=limit,
    )
    if is_a(output, tuple | list | dict):
        raise LearnerError(
            f"model(input_batch, lengths, training=False) returned a {type(output).__name__}; "
            "return only the logits tensor [batch, time, n_tags] (check_build_layers says more)."
        )
    try:
        return _reference_loss(output, inputs)
    except Exception as error:  # the learner's output is not usable as logits
        raise LearnerError(
            "The model's output could not be used as logits [batch, time, n_tags] by the loss "
            f"({type(error).__name__}): run check_build_layers first."
        ) from None


def _gradient_facts(gradient: Any) -> dict:
    """Type name, unique indices and rows with a non-zero gradient of an embedding gradient."""
    import tensorflow as tf

    if gradient is None:
        return {"type": "None"}
    facts: dict[str, Any] = {"type": type(gradient).__name__}
    if isinstance(gradient, tf.IndexedSlices):
        facts["indices"] = np.unique(gradient.indices.numpy()).astype(np.int64)
    dense = np.asarray(tf.convert_to_tensor(gradient).numpy(), dtype=np.float64)
    facts["nonzero_rows"] = np.nonzero(np.abs(dense).max(axis=-1) > 0)[0].astype(np.int64)
    return facts


def probe_learner_model(model_class: Any, inputs: dict) -> dict:
    """Experiment 1: the learner's model, the grader's loss and one grader SGD step."""
    import keras
    import tensorflow as tf

    limit = float(inputs["time_limit"])
    try:
        model = build_learner_model(model_class, inputs["sizes"], check=CHECK, limit=limit)
    except LearnerError as error:
        return {"build": learner_failure(error)}
    first = call_model(model, inputs["input_batch"], inputs["lengths"], check=CHECK, limit=limit)
    if "error" in first:
        return {"build": first}
    observations: dict[str, Any] = {"build": {"ok": True}}
    facts = embedding_facts(model, check=CHECK, limit=limit)
    observations["embedding"] = facts
    if facts.get("kind") not in ("keras.Variable", "tf.Variable"):
        return observations
    matrix = model.embedding_matrix
    try:
        variables = list(model.trainable_variables)
        others = [v for v in variables if v is not matrix]
        before = to_float64(matrix, what="model.embedding_matrix")
        with tf.GradientTape() as tape:
            loss = _learner_loss(model, inputs, limit)
        gradients = tape.gradient(loss, [matrix, *others])
    except LearnerError as error:
        observations["gradient"] = learner_failure(error)
        return observations
    observations["gradient"] = _gradient_facts(gradients[0])
    by_variable = dict(zip(map(id, [matrix, *others]), gradients, strict=True))
    pairs = [
        (tf.clip_by_norm(by_variable[id(v)], 1.0), v)
        for v in variables
        if by_variable[id(v)] is not None
    ]
    optimizer = keras.optimizers.SGD(learning_rate=float(inputs["learning_rate"]))
    try:
        call_learner(
            optimizer.apply_gradients,
            pairs,
            check=CHECK,
            what="applying one SGD step to model.trainable_variables",
            time_limit=limit,
        )
        after = to_float64(matrix, what="model.embedding_matrix")
        loss_after = _learner_loss(model, inputs, limit)
    except LearnerError as error:
        observations["step"] = learner_failure(error)
        return observations
    observations["step"] = {
        "before": before,
        "after": after,
        "loss_before": float(loss.numpy()),
        "loss_after": float(loss_after.numpy()),
        "n_updated_variables": len(pairs),
    }
    return observations


def reference_model(inputs: dict) -> Any:
    """The course's BiLSTMTagger without dropout, with seeded weights and a scaled output layer."""
    from bilstm_ner.model import BiLSTMTagger

    sizes = inputs["sizes"]
    model = BiLSTMTagger(
        vocabulary_size=sizes["vocabulary_size"],
        n_tags=sizes["n_tags"],
        embedding_dim=sizes["embedding_dim"],
        n_hidden_rnn=sizes["n_hidden_rnn"],
        dropout_rate=0.0,
    )
    model(inputs["input_batch"], inputs["lengths"], training=False)
    rng = np.random.default_rng(inputs["weights_seed"])
    for variable in model.trainable_variables:
        scale = (
            1.0 / math.sqrt(sizes["embedding_dim"]) if variable is model.embedding_matrix else 0.5
        )
        variable.assign(rng.normal(0.0, scale, tuple(variable.shape)).astype(np.float32))
    kernel = model.output_dense.kernel
    kernel.assign(kernel * float(inputs["output_scale"]))
    return model


@contextlib.contextmanager
def _quiet_tensorflow_warnings():
    """Silence TensorFlow's Python warnings meanwhile: each check traces the learner's
    tf.function afresh, and after five checks TF would warn the learner about retracing."""
    import tensorflow as tf

    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


def probe_learner_step(train_step: Any, inputs: dict) -> dict:
    """Experiment 2: the learner's train_step on the reference model with a fresh SGD."""
    import keras
    import tensorflow as tf

    limit = float(inputs["time_limit"])
    if is_a(train_step, tf.types.experimental.PolymorphicFunction):
        # A tf.function may create variables (e.g. Adam's slots) only on its first call: were the
        # grader to make that call, the learner's own training would then fail. Trace a fresh
        # tf.function of the same Python code instead (still graph mode, their object untouched).
        train_step = tf.function(train_step.python_function)
    model = reference_model(inputs)
    variables = list(model.trainable_variables)
    with tf.GradientTape() as tape:
        loss = _reference_loss(
            model(inputs["input_batch"], inputs["lengths"], training=True), inputs
        )
    gradients = tape.gradient(loss, variables)
    embedding_gradient = gradients[0]
    before = [np.asarray(v.numpy(), dtype=np.float64) for v in variables]
    optimizer = keras.optimizers.SGD(learning_rate=float(inputs["learning_rate"]))
    observations: dict[str, Any] = {
        "paths": [str(v.path) for v in variables],
        "before": before,
        "gradients": [
            np.asarray(tf.convert_to_tensor(g).numpy(), dtype=np.float64) for g in gradients
        ],
        "embedding_slices": {
            "indices": np.asarray(embedding_gradient.indices.numpy(), dtype=np.int64),
            "values": np.asarray(embedding_gradient.values.numpy(), dtype=np.float64),
        },
        "loss_before": float(loss.numpy()),
    }
    try:
        with _quiet_tensorflow_warnings():
            returned = call_learner(
                train_step,
                model,
                optimizer,
                tf.constant(inputs["input_batch"]),
                tf.constant(inputs["ground_truth_tags"]),
                tf.constant(inputs["lengths"]),
                int(inputs["pad_index"]),
                check=CHECK,
                what=(
                    "train_step(model, optimizer, input_batch, ground_truth_tags, lengths, "
                    "pad_index)"
                ),
                time_limit=limit,
            )
    except LearnerError as error:
        observations["call"] = learner_failure(error)
        return observations
    try:
        observations["returned"] = {"values": to_float64(returned, what="train_step")}
    except LearnerError as error:
        observations["returned"] = learner_failure(error)
    observations["after"] = [np.asarray(v.numpy(), dtype=np.float64) for v in variables]
    observations["iterations"] = int(optimizer.iterations.numpy())
    logits = model(inputs["input_batch"], inputs["lengths"], training=False)
    observations["loss_after"] = float(_reference_loss(logits, inputs).numpy())
    return observations


def probe_embedding_training(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Both experiments (the second only when a train_step is given); plain data out."""
    observations = {"model": probe_learner_model(objects.get("BiLSTMTagger"), inputs)}
    train_step = objects.get("train_step")
    if train_step is not None:
        observations["train_step"] = probe_learner_step(train_step, inputs)
    return observations


# --- judge (grader side) -----------------------------------------------------------------------

MODEL_ITEMS = {
    "tracked": "model.embedding_matrix is in model.trainable_variables",
    "gradient": "the loss's gradient reaches embedding_matrix as IndexedSlices of the batch's rows",
    "rows_changed": "one SGD step changes the embedding rows of the batch's words",
    "rows_kept": "one SGD step leaves every other row alone (absent words, the PAD row)",
    "model_loss": "the loss goes down after one SGD step",
}
STEP_ITEMS = {
    "returns": "train_step returns the loss computed before the update (a scalar)",
    "optimizer": "train_step applies the gradients once, with the optimizer it is given",
    "all_variables": "train_step updates every trainable variable, the embedding included",
    "clipping": "train_step clips each gradient by norm 1.0 (then one plain SGD step)",
    "step_rows": "train_step changes only the embedding rows of the batch's words",
    "step_loss": "the loss goes down after train_step",
}
ON_REFERENCE = (
    " (train_step was run on the course's reference BiLSTMTagger, so a problem in your model "
    "cannot cause this.)"
)


def _error_of(observation: Any) -> tuple[str, bool]:
    if type(observation) is dict and type(observation.get("error")) is str:
        return observation["error"], not bool(observation.get("not_attempted"))
    return "", True


def _array(value: Any, shape: tuple[int, ...] | None = None) -> np.ndarray | None:
    """`value` as a finite float64 array (of `shape`), or None if it is anything else."""
    if type(value) is not np.ndarray or value.dtype.kind not in "biuf":
        return None
    if shape is not None and tuple(value.shape) != tuple(shape):
        return None
    if not np.all(np.isfinite(value)):
        return None
    return value.astype(np.float64)


def _number(value: Any) -> float | None:
    if type(value) in (int, float) and math.isfinite(value):
        return float(value)
    return None


def _rows_summary(rows: np.ndarray | list, limit: int = 8) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (", ..." if len(rows) > limit else "")


def judge_learner_model(inputs: dict, observations: Any) -> list[CheckItem]:
    """Items of experiment 1 (the learner's model under the grader's loss and step)."""

    def item(key: str, passed: bool, message: str = "", attempted: bool = True) -> CheckItem:
        return CheckItem(MODEL_ITEMS[key], bool(passed), message, 1.0, attempted)

    observations = observations if type(observations) is dict else {}
    message, attempted = _error_of(observations.get("build"))
    if message or type(observations.get("build")) is not dict:
        message = message or "The probe returned nothing about your model."
        skipped = "Not checked: your model could not be built or called (see the first item)."
        keys = list(MODEL_ITEMS)
        return [item(keys[0], False, message, attempted)] + [
            item(key, False, skipped, attempted) for key in keys[1:]
        ]

    sizes = inputs["sizes"]
    vocabulary_size, pad_index = sizes["vocabulary_size"], int(inputs["pad_index"])
    input_batch, lengths = np.asarray(inputs["input_batch"]), np.asarray(inputs["lengths"])
    real = np.arange(input_batch.shape[1])[None, :] < lengths[:, None]
    real_ids = np.unique(input_batch[real])
    batch_ids = np.unique(input_batch)

    items = []
    facts = observations.get("embedding")
    facts = facts if type(facts) is dict else {}
    message, attempted = _error_of(facts)
    kind = facts.get("kind")
    tracked = facts.get("in_trainable_variables") is True
    if message:
        items.append(item("tracked", False, message, attempted))
    elif not facts.get("exists"):
        items.append(
            item(
                "tracked",
                False,
                "The model has no attribute `embedding_matrix`: create it in __init__ with "
                "self.embedding_matrix = self.add_weight(...).",
            )
        )
    elif kind not in ("keras.Variable", "tf.Variable"):
        items.append(
            item(
                "tracked",
                False,
                f"model.embedding_matrix is a {kind}, not a variable: training cannot change it. "
                "Create it with self.add_weight(...).",
            )
        )
    elif tracked:
        items.append(item("tracked", True))
    elif facts.get("in_non_trainable_variables") is True or facts.get("trainable_flag") is False:
        items.append(
            item(
                "tracked",
                False,
                "model.embedding_matrix is frozen (trainable=False): it is in "
                "model.non_trainable_variables, so the optimizer never updates it. "
                "Create it with trainable=True.",
            )
        )
    else:
        items.append(
            item(
                "tracked",
                False,
                "model.embedding_matrix is not in model.trainable_variables, so an optimizer "
                "looping over them never updates it. In TF1 every tf.Variable went into the "
                "trainable-variables collection automatically; Keras 3 tracks only its own "
                "variables, and a raw tf.Variable attribute is invisible to it. Create the matrix "
                "with self.add_weight(...), a keras.Variable or keras.layers.Embedding.",
            )
        )

    gradient = observations.get("gradient")
    message, attempted = _error_of(gradient)
    gradient = gradient if type(gradient) is dict else {}
    no_gradient = (
        "The loss has no gradient with respect to model.embedding_matrix: the logits must be "
        "computed from that very variable, with tf.nn.embedding_lookup(self.embedding_matrix, "
        "input_batch). A copy (.numpy(), np.array, a constant), tf.stop_gradient or a separate "
        "Embedding layer cuts the path the gradient flows back along."
    )
    if message:
        items.append(item("gradient", False, message, attempted))
    elif kind not in ("keras.Variable", "tf.Variable"):
        items.append(item("gradient", False, "Not checked: there is no embedding variable."))
    elif gradient.get("type") in (None, "None") and facts.get("trainable_flag") is False:
        items.append(
            item("gradient", False, "No gradient: the embedding is frozen (see the first item).")
        )
    elif gradient.get("type") in (None, "None"):
        items.append(item("gradient", False, no_gradient))
    elif gradient.get("type") != "IndexedSlices":
        items.append(
            item(
                "gradient",
                False,
                f"The embedding's gradient is a dense {gradient.get('type')} [V, D] rather than "
                "tf.IndexedSlices: the lookup is computed for every row (e.g. a one-hot matrix "
                "product). Use tf.nn.embedding_lookup(self.embedding_matrix, input_batch): only "
                "the looked-up rows then get a (sparse) gradient.",
            )
        )
    else:
        indices = _array(gradient.get("indices"))
        index_set = set() if indices is None else {int(i) for i in indices}
        missing = sorted(set(real_ids.tolist()) - index_set)
        extra = sorted(index_set - set(batch_ids.tolist()))
        if indices is None or missing or extra:
            items.append(
                item(
                    "gradient",
                    False,
                    "The gradient's IndexedSlices do not hold the rows of the batch's tokens "
                    f"(missing: {_rows_summary(missing)}; not in the batch: {_rows_summary(extra)})"
                    ": look up exactly input_batch in self.embedding_matrix.",
                )
            )
        else:
            items.append(item("gradient", True))

    step = observations.get("step")
    message, attempted = _error_of(step)
    step = step if type(step) is dict else {}
    shape = (vocabulary_size, sizes["embedding_dim"])
    before, after = _array(step.get("before"), shape), _array(step.get("after"), shape)
    if message or before is None or after is None:
        reason = message or "Not checked: there is no float32 [V, D] embedding variable to train."
        for key in ("rows_changed", "rows_kept", "model_loss"):
            items.append(item(key, False, reason, attempted))
        return items

    moved = np.abs(after - before).max(axis=-1) > CHANGED
    unmoved_real = [int(i) for i in real_ids if not moved[i]]
    if not unmoved_real:
        items.append(item("rows_changed", True))
    else:
        if not moved.any() and not tracked:
            why = (
                "embedding_matrix is not in model.trainable_variables, so the optimizer never saw "
                "it (see the first item)."
            )
        elif not moved.any() and gradient.get("type") in (None, "None"):
            why = "the loss has no gradient with respect to embedding_matrix (see above)."
        elif not moved.any():
            why = "the embedding did not change at all."
        else:
            why = "only some of them did: every real word of the batch must feed the logits."
        items.append(
            item(
                "rows_changed",
                False,
                f"After one SGD step the rows of words in the batch ({_rows_summary(unmoved_real)}"
                f" unchanged) should have moved, but {why}",
            )
        )
    other_rows = [i for i in range(vocabulary_size) if i not in set(real_ids.tolist())]
    wrongly_moved = [i for i in other_rows if moved[i]]
    if not wrongly_moved:
        items.append(item("rows_kept", True))
    elif pad_index in wrongly_moved:
        items.append(
            item(
                "rows_kept",
                False,
                f"The PAD row ({pad_index}) changed although the loss ignores padded positions: "
                "your model lets padding influence the real positions' logits. Pass "
                "mask=tf.sequence_mask(lengths, T) to the RNN (check_build_layers says more).",
            )
        )
    else:
        items.append(
            item(
                "rows_kept",
                False,
                f"Rows of words that are not in the batch changed ({_rows_summary(wrongly_moved)})"
                ": only the looked-up rows get a gradient, so the lookup must use input_batch "
                "alone (no other rows mixed in).",
            )
        )
    loss_before, loss_after = _number(step.get("loss_before")), _number(step.get("loss_after"))
    if loss_before is None or loss_after is None:
        items.append(item("model_loss", False, "The loss before or after the step is not finite."))
    elif loss_after < loss_before:
        items.append(item("model_loss", True))
    else:
        items.append(
            item(
                "model_loss",
                False,
                f"The loss went from {loss_before:.4f} to {loss_after:.4f} after one small SGD "
                "step along its gradient: make sure the logits depend on the weights that "
                "training changes (embedding_matrix, the RNN, the output layer).",
            )
        )
    return items


def _clip_factor(norm: float) -> float:
    return 1.0 if norm <= 1.0 else 1.0 / norm


def _expected_steps(observations: dict, learning_rate: float) -> dict[str, list[np.ndarray]]:
    """Each hypothesis about the update: per-gradient clip (two embedding-norm conventions),
    global-norm clip, no clip."""
    gradients = observations["gradients"]
    dense_norms = [float(np.linalg.norm(g)) for g in gradients]
    slices = observations.get("embedding_slices")
    values = _array(slices.get("values")) if type(slices) is dict else None
    slice_norm = float(np.linalg.norm(values)) if values is not None else dense_norms[0]
    slice_norms = [slice_norm, *dense_norms[1:]]

    def per_variable(norms: list[float]) -> list[np.ndarray]:
        return [-learning_rate * g * _clip_factor(n) for g, n in zip(gradients, norms, strict=True)]

    def global_norm(norms: list[float]) -> list[np.ndarray]:
        factor = _clip_factor(math.sqrt(sum(n * n for n in norms)))
        return [-learning_rate * g * factor for g in gradients]

    return {
        "per_variable": per_variable(slice_norms),
        "per_variable_dense": per_variable(dense_norms),
        "global": global_norm(slice_norms),
        "global_dense": global_norm(dense_norms),
        "none": [-learning_rate * g for g in gradients],
    }


def _relative_error(changes: list[np.ndarray], expected: list[np.ndarray]) -> float:
    difference = math.sqrt(
        sum(float(np.sum((c - e) ** 2)) for c, e in zip(changes, expected, strict=True))
    )
    size = math.sqrt(sum(float(np.sum(e**2)) for e in expected))
    return difference / max(size, 1e-12)


def _valid_step_observations(observations: dict, embedding_shape: tuple[int, int]) -> bool:
    """True when the grader's own arrays (before, after, gradients) are consistent, the first
    being the [V, D] embedding."""
    lists = [observations.get(key) for key in ("before", "after", "gradients")]
    if not all(type(value) is list for value in lists):
        return False
    before, after, gradients = lists
    if not (len(before) == len(after) == len(gradients) > 0):
        return False
    if _array(before[0], embedding_shape) is None:
        return False
    for b, a, g in zip(before, after, gradients, strict=True):
        if _array(b) is None or _array(g, b.shape) is None or _array(a, b.shape) is None:
            return False
    return True


def judge_learner_step(inputs: dict, observations: Any) -> list[CheckItem]:
    """Items of experiment 2 (the learner's train_step on the reference model)."""

    def item(key: str, passed: bool, message: str = "", attempted: bool = True) -> CheckItem:
        if message and not passed and attempted:
            message += ON_REFERENCE
        return CheckItem(STEP_ITEMS[key], bool(passed), message, 1.0, attempted)

    observations = observations if type(observations) is dict else {}
    message, attempted = _error_of(observations.get("call"))
    if message:
        return [item(key, False, message, attempted) for key in STEP_ITEMS]
    sizes = inputs["sizes"]
    embedding_shape = (sizes["vocabulary_size"], sizes["embedding_dim"])
    if not _valid_step_observations(observations, embedding_shape):
        return [
            item(key, False, "The probe's record of the training step is incomplete.")
            for key in STEP_ITEMS
        ]
    learning_rate = float(inputs["learning_rate"])
    before, after = observations["before"], observations["after"]
    changes = [a - b for a, b in zip(after, before, strict=True)]
    changed = [float(np.abs(c).max()) > CHANGED for c in changes]
    paths = observations.get("paths")
    if type(paths) is not list or len(paths) != len(before):
        paths = [f"variable {i}" for i in range(len(before))]
    paths = [str(path) for path in paths]
    loss_before = _number(observations.get("loss_before"))
    loss_after = _number(observations.get("loss_after"))
    iterations = observations.get("iterations")
    items = []

    # returns
    returned = observations.get("returned")
    message, attempted = _error_of(returned)
    values = _array(returned.get("values")) if type(returned) is dict else None
    if message:
        items.append(item("returns", False, message, attempted))
    elif values is None or loss_before is None:
        items.append(item("returns", False, "train_step did not return a finite number."))
    elif values.shape != ():
        items.append(
            item(
                "returns",
                False,
                f"train_step returned a value of shape {values.shape}; expected a scalar: "
                "return the loss (the mean over sentences), not per-sentence or per-token losses.",
            )
        )
    elif math.isclose(float(values), loss_before, rel_tol=1e-4, abs_tol=1e-5):
        items.append(item("returns", True))
    elif loss_after is not None and math.isclose(
        float(values), loss_after, rel_tol=1e-4, abs_tol=1e-5
    ):
        items.append(
            item(
                "returns",
                False,
                "train_step returned the loss after the update: return the loss computed inside "
                "the GradientTape, before optimizer.apply_gradients.",
            )
        )
    else:
        items.append(
            item(
                "returns",
                False,
                f"train_step returned {float(values):.5f}, but the masked loss before the update "
                f"is {loss_before:.5f}: compute it with compute_loss(logits, ground_truth_tags, "
                "input_batch, pad_index) on model(input_batch, lengths, training=True) "
                "(if check_compute_loss fails, fix compute_loss first).",
            )
        )

    # optimizer
    if type(iterations) is not int:
        items.append(item("optimizer", False, "The optimizer's step count could not be read."))
    elif iterations == 1:
        items.append(item("optimizer", True))
    elif iterations == 0 and any(changed):
        items.append(
            item(
                "optimizer",
                False,
                "The weights changed but the optimizer passed to train_step was never used: "
                "apply the gradients with that `optimizer` argument (optimizer.apply_gradients), "
                "not with an optimizer you create inside train_step.",
            )
        )
    elif iterations == 0:
        items.append(
            item(
                "optimizer",
                False,
                "train_step never applied the gradients: call "
                "optimizer.apply_gradients(zip(gradients, model.trainable_variables)).",
            )
        )
    else:
        items.append(
            item(
                "optimizer",
                False,
                f"The optimizer took {iterations} steps during one call of train_step: apply the "
                "gradients exactly once.",
            )
        )

    # all_variables
    unchanged = [path for path, moved in zip(paths, changed, strict=True) if not moved]
    if not unchanged:
        items.append(item("all_variables", True))
    elif len(unchanged) == len(paths):
        items.append(
            item(
                "all_variables",
                False,
                "No variable changed: compute the gradients of the loss with respect to "
                "model.trainable_variables and apply them with optimizer.apply_gradients. Use the "
                "`model` and `optimizer` passed to train_step, not variables of your notebook.",
            )
        )
    elif not changed[0]:
        items.append(
            item(
                "all_variables",
                False,
                "Every variable changed except the embedding matrix: differentiate with respect "
                "to all of model.trainable_variables (the embedding is one of them) and apply "
                "every gradient.",
            )
        )
    else:
        items.append(
            item(
                "all_variables",
                False,
                f"These variables did not change: {', '.join(unchanged)}. Differentiate with "
                "respect to all of model.trainable_variables and apply every gradient.",
            )
        )

    # clipping
    hypotheses = _expected_steps(observations, learning_rate)
    errors = {name: _relative_error(changes, expected) for name, expected in hypotheses.items()}
    flipped = min(
        _relative_error([-c for c in changes], hypotheses[name])
        for name in ("per_variable", "per_variable_dense")
    )
    best = min(errors, key=errors.get)
    largest = max(float(np.linalg.norm(c)) for c in changes)
    if not any(changed):
        items.append(item("clipping", False, "Not checked: no variable changed."))
    elif errors["per_variable"] <= STEP_RTOL or errors["per_variable_dense"] <= STEP_RTOL:
        items.append(item("clipping", True))
    elif flipped <= STEP_RTOL:
        items.append(
            item(
                "clipping",
                False,
                "The weights moved up the gradient (the loss grows): pass the gradients "
                "themselves to optimizer.apply_gradients, not their negatives.",
            )
        )
    elif best.startswith("global") and errors[best] <= STEP_RTOL:
        items.append(
            item(
                "clipping",
                False,
                "The gradients were clipped together by their global norm (tf.clip_by_global_norm)"
                "; the exercise clips each gradient separately: "
                "[tf.clip_by_norm(g, 1.0) for g in gradients].",
            )
        )
    elif best == "none" and errors[best] <= STEP_RTOL:
        items.append(
            item(
                "clipping",
                False,
                f"The gradients were not clipped: one variable moved by {largest:.3g}, but with "
                f"each gradient clipped to norm 1.0 and learning rate {learning_rate:g} no variable"
                f" can move by more than {learning_rate:g}. Clip each gradient: "
                "[tf.clip_by_norm(g, 1.0) for g in gradients].",
            )
        )
    else:
        items.append(
            item(
                "clipping",
                False,
                "The change of the weights is not one SGD step with each gradient clipped by "
                f"norm 1.0 (largest change {largest:.3g} for learning rate {learning_rate:g}): "
                "compute the loss under a GradientTape, take its gradients with respect to "
                "model.trainable_variables, clip each with tf.clip_by_norm(g, 1.0) and apply "
                "them once with the optimizer you are given.",
            )
        )

    # step_rows
    input_batch, lengths = np.asarray(inputs["input_batch"]), np.asarray(inputs["lengths"])
    real = np.arange(input_batch.shape[1])[None, :] < lengths[:, None]
    real_ids = {int(i) for i in np.unique(input_batch[real])}
    moved_rows = {int(i) for i in np.nonzero(np.abs(changes[0]).max(axis=-1) > CHANGED)[0]}
    if not moved_rows:
        items.append(item("step_rows", False, "No embedding row changed (see the items above)."))
    elif moved_rows - real_ids:
        pad_index = int(inputs["pad_index"])
        extra = sorted(moved_rows - real_ids)
        hint = (
            " The PAD row changed: the loss must ignore padded positions."
            if pad_index in extra
            else " Weight decay (AdamW) or momentum from another optimizer moves rows without a "
            "gradient: use the optimizer you are given."
        )
        items.append(
            item(
                "step_rows",
                False,
                f"Rows of words that are not in the batch changed ({_rows_summary(extra)}).{hint}",
            )
        )
    elif real_ids - moved_rows:
        items.append(
            item(
                "step_rows",
                False,
                "Rows of words in the batch did not change "
                f"({_rows_summary(sorted(real_ids - moved_rows))}): apply the embedding's "
                "gradient (an IndexedSlices) like the others.",
            )
        )
    else:
        items.append(item("step_rows", True))

    # step_loss
    if loss_before is None or loss_after is None:
        items.append(item("step_loss", False, "The loss before or after the step is not finite."))
    elif loss_after < loss_before:
        items.append(item("step_loss", True))
    else:
        items.append(
            item(
                "step_loss",
                False,
                f"The masked loss went from {loss_before:.4f} to {loss_after:.4f}: one step "
                "should lower it (descend along the clipped gradients, with the loss of "
                "this batch).",
            )
        )
    return items


def judge_embedding_training(inputs: dict, observations: dict) -> Report:
    """Items for the learner's model and (when given) their train_step; never raises."""
    observations = observations if type(observations) is dict else {}
    items = judge_learner_model(inputs, observations.get("model"))
    if "train_step" in observations:
        items.extend(judge_learner_step(inputs, observations["train_step"]))
    return Report(TITLE, items)


EMBEDDING_TRAINING = CheckSpec(
    name="embedding_training",
    title=TITLE,
    objects=("BiLSTMTagger", "train_step"),
    optional_objects=("train_step",),
    make_inputs=make_training_inputs,
    probe=probe_embedding_training,
    judge=judge_embedding_training,
)

