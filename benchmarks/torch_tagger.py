"""The `torch` peer: the exercise's tagger and training loop written in PyTorch (the bench extra).

The same network and recipe as the course: an embedding initialised randn/sqrt(D), dropout 0.5
on the embeddings and on the BiLSTM's outputs, `nn.LSTM(bidirectional=True, batch_first=True)`
run on `pack_padded_sequence` (so padding is never read), a linear layer to the tags; the
exercise's per-sentence masked cross-entropy (mean over each sentence's real tokens, then over
sentences); each gradient clipped to norm 1 on its own; Adam (Keras' epsilon 1e-7) at 0.005
divided by `learning_rate_decay` each epoch; the course's own shuffled batches
(`batches_generator`, seed + epoch) and real-token count; validation F1 with the course's
`entity_f1`. Threads: one intra-op thread per core unless told otherwise.
"""

from __future__ import annotations

import importlib.util
import math
import os
import time

from benchmarks.training_data import EncodedCorpus, TrainingConfig, validation_f1

INSTALL_HINT = 'pip install -e ".[bench]" --extra-index-url https://download.pytorch.org/whl/cpu'


def torch_available() -> bool:
    """Whether PyTorch (the `bench` extra) is importable in this environment."""
    return importlib.util.find_spec("torch") is not None


def build_torch_tagger(config: TrainingConfig, data: EncodedCorpus):
    """The PyTorch tagger: int64 [batch, time] ids and int64 [batch] lengths -> logits."""
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class TorchTagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            dim, hidden = config.embedding_dim, config.n_hidden_rnn
            self.embedding = nn.Embedding(data.vocabulary_size, dim)
            with torch.no_grad():
                self.embedding.weight.copy_(torch.randn(data.vocabulary_size, dim) / math.sqrt(dim))
            self.dropout = nn.Dropout(config.dropout_rate)
            self.lstm = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)
            with torch.no_grad():  # Keras' unit_forget_bias: forget gate bias 1, the rest 0
                for name, bias in self.lstm.named_parameters():
                    if name.startswith("bias"):
                        bias.zero_()
                        if name.startswith("bias_ih"):
                            bias[hidden : 2 * hidden] = 1.0
            self.output = nn.Linear(2 * hidden, len(data.tag_names))

        def forward(self, input_batch, lengths):
            embeddings = self.dropout(self.embedding(input_batch))
            packed = pack_padded_sequence(
                embeddings, lengths, batch_first=True, enforce_sorted=False
            )
            rnn_output, _ = self.lstm(packed)
            rnn_output, _ = pad_packed_sequence(
                rnn_output, batch_first=True, total_length=input_batch.shape[1]
            )
            return self.output(self.dropout(rnn_output))

    return TorchTagger()


def per_sentence_loss(logits, ground_truth_tags, input_batch, pad_index: int):
    """The exercise's loss: masked token cross-entropy, mean per sentence, then over sentences."""
    import torch.nn.functional as F

    token_losses = F.cross_entropy(logits.transpose(1, 2), ground_truth_tags, reduction="none")
    mask = (input_batch != pad_index).to(token_losses.dtype)
    return ((token_losses * mask).sum(dim=1) / mask.sum(dim=1)).mean()


def set_torch_threads(config: TrainingConfig) -> None:
    """Intra-op threads: `config.intra_op_threads` or one per core; inter-op when given."""
    import torch

    torch.set_num_threads(config.intra_op_threads or os.cpu_count() or 1)
    if config.inter_op_threads:
        torch.set_num_interop_threads(config.inter_op_threads)


def run_torch(config: TrainingConfig, data: EncodedCorpus) -> dict:
    """Train the PyTorch tagger as the course trains its own; return the same stats."""
    import torch

    from bilstm_ner.batching import batches_generator

    set_torch_threads(config)
    torch.manual_seed(config.seed)
    model = build_torch_tagger(config, data)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, eps=1e-7)
    epoch_seconds, epoch_tokens, epoch_positions = [], [], []
    for epoch in range(config.epochs):
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate / config.learning_rate_decay**epoch
        model.train()
        batches = batches_generator(
            config.batch_size,
            data.train_tokens,
            data.train_tags,
            pad_index=data.pad_index,
            pad_tag_index=data.pad_tag_index,
            shuffle=True,
            seed=config.seed + epoch,
            bucket_by_length=config.bucket_by_length,
        )
        tokens = positions = 0
        started = time.perf_counter()
        for input_batch, ground_truth_tags, lengths in batches:
            inputs = torch.from_numpy(input_batch).long()
            logits = model(inputs, torch.from_numpy(lengths).long())
            loss = per_sentence_loss(
                logits, torch.from_numpy(ground_truth_tags).long(), inputs, data.pad_index
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            for parameter in model.parameters():  # each gradient clipped on its own
                torch.nn.utils.clip_grad_norm_(parameter, 1.0)
            optimizer.step()
            float(loss.item())  # as the course loop reads each batch's loss
            tokens += int(lengths.sum())
            positions += input_batch.size
        epoch_seconds.append(time.perf_counter() - started)
        epoch_tokens.append(tokens)
        epoch_positions.append(positions)
    return {
        "epoch_seconds": epoch_seconds,
        "epoch_tokens": epoch_tokens,
        "epoch_positions": epoch_positions,
        "validation_f1": torch_validation_f1(model, data),
        "threads": torch.get_num_threads(),
    }


def torch_validation_f1(model, data: EncodedCorpus) -> float:
    """Overall entity F1 of the PyTorch tagger on the validation split (the course's entity_f1)."""
    import torch

    model.eval()

    def predict(input_batch, lengths):
        with torch.no_grad():
            logits = model(torch.from_numpy(input_batch).long(), torch.from_numpy(lengths).long())
        return logits.argmax(dim=-1).numpy()

    return validation_f1(data, predict)
