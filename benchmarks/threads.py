"""Thread settings for the training and GEMM children: set before the first TensorFlow op."""

from __future__ import annotations

import argparse


def add_thread_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--intra-op-threads` and `--inter-op-threads` (0: the library's default)."""
    parser.add_argument("--intra-op-threads", type=int, default=0, help="0: TensorFlow's default")
    parser.add_argument("--inter-op-threads", type=int, default=0, help="0: TensorFlow's default")


def set_threads(intra_op: int, inter_op: int) -> None:
    """Set TensorFlow's thread pools (0 leaves a pool at its default: one thread per core)."""
    import tensorflow as tf

    if intra_op:
        tf.config.threading.set_intra_op_parallelism_threads(intra_op)
    if inter_op:
        tf.config.threading.set_inter_op_parallelism_threads(inter_op)
