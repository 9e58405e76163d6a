"""Support library for the BiLSTM named-entity course: data, vocabulary, batches, model, evaluation, plots."""

__version__ = "0.1.0"
