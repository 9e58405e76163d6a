"""Does TensorFlow start without C++ log lines, while a real problem still shows?"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bilstm_ner.quiet_start import (
    captured_native_stderr,
    is_native_log_line,
    is_start_up_noise,
)

NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796135108.219243   25622 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.",
    "E0000 00:00:1796135110.482111   25622 cuda_platform.cc:52] failed call to cuInit: INTERNAL: "
    "CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
    "I0000 00:00:1796135120.946820   25716 cpu_feature_guard.cc:227] This TensorFlow binary is "
    "optimized to use available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow "
    "with the appropriate compiler flags.",
    "2024-01-02 03:04:05.678901: I tensorflow/core/util/port.cc:113] oneDNN custom operations "
    "are on.",
    "2024-01-02 03:04:05.678901: E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:9261] "
    "Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one "
    "has already been registered",
]


@pytest.mark.parametrize("line", NOISE, ids=range(len(NOISE)))
def test_start_up_lines_are_noise(line):
    assert is_start_up_noise(line)


def test_an_unknown_cpp_error_is_kept_though_it_is_a_native_line():
    line = "E0000 00:00:1796135110.482111   25622 kernel.cc:52] Out of memory allocating 4 GB"
    assert is_native_log_line(line) and not is_start_up_noise(line)


def test_ordinary_text_is_neither_noise_nor_native():
    line = "Traceback (most recent call last):"
    assert not is_native_log_line(line) and not is_start_up_noise(line)


def test_what_reaches_descriptor_2_is_captured_and_the_descriptor_restored():
    before = os.fstat(2)
    with captured_native_stderr() as lines:
        os.write(2, b"from C\nsecond line\n")
        assert lines == []
    assert lines == ["from C", "second line"]
    after = os.fstat(2)
    assert (before.st_ino, before.st_dev) == (after.st_ino, after.st_dev)


def test_tensorflow_starts_with_nothing_on_stderr_even_without_the_variables():
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")
    }
    code = (
        "from bilstm_ner.quiet_start import start_tensorflow\n"
        "tf = start_tensorflow()\n"
        "print(int(tf.reduce_sum(tf.constant([1, 2]))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert result.stdout == "3\n"
    assert result.stderr == ""
