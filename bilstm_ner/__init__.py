"""Support library for the BiLSTM named-entity course.

Data, vocabulary, batches, the reference model, training, evaluation and plots.
"""

__version__ = "0.1.0"
