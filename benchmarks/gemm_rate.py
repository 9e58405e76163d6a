"""Child process: the float32 matrix-product rate TensorFlow reaches here, for the limit figure.

    python -m benchmarks.gemm_rate --batch-size 32 --embedding-dim 200 --n-hidden-rnn 200

Times chains of products inside one `tf.function` (a `tf.while_loop`, each product fed by the
last, as the LSTM's time steps are) at the LSTM step's shape and at 2048 × 2048 × 2048, and
prints one JSON object with GFLOP/s for each (the best of a few repeats: the rate the machine
can reach, not an average over other jobs' interruptions).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

from benchmarks.flop_count import gemm_flop, lstm_step_gemm_shape
from benchmarks.threads import add_thread_arguments, set_threads

LARGE = 2048


def gemm_gflops(m: int, k: int, n: int, seconds: float = 1.0, repeats: int = 3) -> float:
    """Best GFLOP/s of chained float32 [m, k] × [k, n] products over `repeats` timed runs."""
    import tensorflow as tf

    a = tf.random.normal([m, k])
    b = tf.random.normal([k, n])

    @tf.function
    def chain(count: tf.Tensor) -> tf.Tensor:
        def body(i, carry):
            product = tf.matmul(a + carry, b)  # depends on the previous product: no overlap
            return i + 1, product[0, 0] * 0.0

        return tf.while_loop(lambda i, _: i < count, body, (tf.constant(0), tf.constant(0.0)))[1]

    chain(tf.constant(2)).numpy()  # trace
    started = time.perf_counter()
    chain(tf.constant(4)).numpy()
    per_product = max((time.perf_counter() - started) / 4, 1e-6)
    count = max(4, int(seconds / per_product))
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        chain(tf.constant(count)).numpy()
        elapsed = time.perf_counter() - started
        best = max(best, gemm_flop(m, k, n) * count / elapsed / 1e9)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    """Measure the step-shaped and the large GEMM rate and print them as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("batch-size", 32), ("embedding-dim", 200), ("n-hidden-rnn", 200)):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--seconds", type=float, default=1.0, help="per timed run")
    add_thread_arguments(parser)
    arguments = parser.parse_args(argv)
    set_threads(arguments.intra_op_threads, arguments.inter_op_threads)
    shape = lstm_step_gemm_shape(
        arguments.batch_size, arguments.embedding_dim, arguments.n_hidden_rnn
    )
    print(
        json.dumps(
            {
                "step_shape": list(shape),
                "step_gflops": gemm_gflops(*shape, seconds=arguments.seconds),
                "large_gflops": gemm_gflops(LARGE, LARGE, LARGE, seconds=arguments.seconds),
            }
        )
    )


if __name__ == "__main__":
    main()
