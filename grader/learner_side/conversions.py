"""Reading what learner code returned (LEARNER side): exact types only, into plain NumPy.

Every value the learner returns is turned into plain NumPy by `to_float64` before the grader
looks at it. Nothing here imports TensorFlow: its types are recognised only once it is loaded.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from grader.learner_side.calling import LearnerError

_PYTHON_NUMBERS = (bool, int, float)
_NUMPY_SCALARS = frozenset(
    np.dtype(code).type for code in np.typecodes["AllInteger"] + np.typecodes["Float"] + "?"
)


def _tensorflow_types() -> tuple[type, ...]:
    """The exact classes of eager tensors and variables, if TensorFlow is already imported."""
    if "tensorflow" not in sys.modules:
        return ()
    import tensorflow as tf

    types: list[type] = [type(tf.constant(0.0)), type(tf.Variable(0.0))]
    if "keras" in sys.modules:
        import keras

        types.append(type(keras.Variable(0.0)))
    return tuple(types)


_TF_TYPES: dict[tuple[bool, bool], tuple[type, ...]] = {}


def _known_tensor_types() -> tuple[type, ...]:
    """Cached per (TensorFlow imported?, Keras imported?), since either may come later."""
    key = ("tensorflow" in sys.modules, "keras" in sys.modules)
    if key not in _TF_TYPES:
        _TF_TYPES[key] = _tensorflow_types()
    return _TF_TYPES[key]


def describe(value: Any) -> str:
    """'None', 'a list', 'an object of type Foo' (never calls the value's own methods)."""
    if value is None:
        return "None"
    kind = type(value)
    # Read through type's own descriptors: a class's __module__ may be any object of the
    # learner's (one whose __eq__ raised, or never returns), its __qualname__ is always a str.
    module = type.__dict__["__module__"].__get__(kind)
    module = module if type(module) is str else "?"
    name = type.__dict__["__qualname__"].__get__(kind)
    if module == "builtins":
        return f"a {name}"
    if module.split(".")[0] in ("numpy", "tensorflow", "keras"):
        name = f"{module}.{name}"
    return f"an object of type {name}"


def to_float64(value: Any, *, what: str, shape: tuple | None = None) -> np.ndarray:
    """Convert a number, NumPy array/scalar or TensorFlow tensor/variable to a float64 ndarray.

    Only exact known types are converted (subclasses and unknown objects are refused without
    calling any of their methods). Raises `LearnerError` saying what was expected and found;
    with `shape`, the result must have exactly that shape.
    """
    kind = type(value)
    expected = "a tensor (or a NumPy array or a number)"
    if kind in _PYTHON_NUMBERS:
        array = np.array(float(value), dtype=np.float64)
    elif kind in _NUMPY_SCALARS:
        array = np.array(value, dtype=np.float64)
    elif kind is np.ndarray:
        if value.dtype.kind not in "biuf":
            raise LearnerError(
                f"{what} returned a NumPy array of dtype {value.dtype}; expected {expected} "
                "of numbers (float32)."
            )
        array = np.array(value, dtype=np.float64)
    elif kind in _known_tensor_types():
        dtype = value.dtype
        dtype = getattr(dtype, "as_numpy_dtype", dtype)
        numpy_dtype = np.dtype(dtype)
        if numpy_dtype.kind not in "biuf":
            raise LearnerError(
                f"{what} returned a tensor of dtype {numpy_dtype}; expected a tensor of numbers "
                "(float32)."
            )
        array = np.array(np.asarray(value.numpy()), dtype=np.float64)
    else:
        hint = ""
        if isinstance(value, list | tuple):
            hint = " Combine the values into one tensor with TensorFlow ops instead."
        elif value is None:
            hint = " Did you forget the `return` statement?"
        raise LearnerError(f"{what} returned {describe(value)}; expected {expected}.{hint}")
    if shape is not None and tuple(array.shape) != tuple(shape):
        raise LearnerError(
            f"{what} returned a value of shape {tuple(array.shape)}; expected shape {tuple(shape)}."
        )
    return array


def is_a(value: Any, kinds: Any) -> bool:
    """isinstance by the real type: a learner object cannot pass for another by its __class__."""
    return issubclass(type(value), kinds)


def tensor_dtype_name(value: Any) -> str | None:
    """The dtype name of a tensor, variable or NumPy array; None for anything else."""
    import keras
    import tensorflow as tf

    if type(value) is np.ndarray:
        return value.dtype.name
    if is_a(value, tf.Tensor | tf.Variable | keras.Variable):
        return tf.as_dtype(value.dtype).name
    return None
