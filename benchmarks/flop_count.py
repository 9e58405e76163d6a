"""How much arithmetic one real token of the BiLSTM tagger costs, and the GEMM it rests on.

Counting: a matrix product of [m, k] by [k, n] is 2·m·k·n FLOP (a multiply and an add per
term). Per token and per direction the LSTM computes its four gates from the input and the
previous hidden state, [1, embedding_dim + n_hidden_rnn] by [embedding_dim + n_hidden_rnn,
4·n_hidden_rnn]; the two directions do that twice; the dense layer is [1, 2·n_hidden_rnn] by
[2·n_hidden_rnn, n_tags]. Backward costs about twice the forward pass (one product for the
gradient of the inputs, one for the weights), so training is 3 × forward. Element-wise work
(gates, dropout, softmax), the embedding lookup and the optimizer are left out: they are small
next to the products at these sizes, so the figure is a lower bound of the work done. Padded
positions are computed too but not counted: this is the cost of a *real* token.
"""

from __future__ import annotations

TRAINING_OVER_FORWARD = 3  # forward + backward (about twice the forward)


def lstm_step_gemm_shape(
    batch_size: int, embedding_dim: int, n_hidden_rnn: int
) -> tuple[int, int, int]:
    """(m, k, n) of an LSTM step's gates: [batch, emb + hidden] × [emb + hidden, 4·hidden]."""
    return batch_size, embedding_dim + n_hidden_rnn, 4 * n_hidden_rnn


def gemm_flop(m: int, k: int, n: int) -> int:
    """FLOP of one [m, k] × [k, n] matrix product: 2·m·k·n."""
    return 2 * m * k * n


def flop_per_real_token(embedding_dim: int, n_hidden_rnn: int, n_tags: int) -> int:
    """Training FLOP (forward + backward) of one real token: both LSTM directions, dense layer."""
    _, k, n = lstm_step_gemm_shape(1, embedding_dim, n_hidden_rnn)
    forward = 2 * gemm_flop(1, k, n) + gemm_flop(1, 2 * n_hidden_rnn, n_tags)
    return TRAINING_OVER_FORWARD * forward
