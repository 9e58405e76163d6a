"""Support library for the BiLSTM named-entity course.

Data, vocabulary, batches, the reference model, training, evaluation and plots.

Importing the package sets TensorFlow's quiet start-up variables (unless already set), so that
any course module imported before TensorFlow starts it quietly, on Colab as much as here;
`bilstm_ner.quiet_start.start_tensorflow` also keeps its import-time C++ lines out of outputs.
"""

from bilstm_ner.quiet_start import set_quiet_environment as _set_quiet_environment

__version__ = "0.1.0"

_set_quiet_environment()
