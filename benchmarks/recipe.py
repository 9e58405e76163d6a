"""Child process: train the tagger with one variant of the recipe and print its entity F1.

    python -m benchmarks.recipe --corpus wnut16 --seed 0 --forget-bias 3 --state-dropout

What separates the course's recipe from the original TF1 exercise's, one knob each (defaults
are the course's): the LSTM forget-gate bias (Keras adds 1.0, TF1's `BasicLSTMCell` was given
3.0), dropout on the recurrent state at every step (TF1's `DropoutWrapper(state_keep_prob=...)`,
a fresh mask per step, on h only), all of TF1's dropout inside each direction's cell (input,
output and state, fresh masks per step and per direction), the dropout rate, the LSTM
initialisation (Keras: Glorot kernel, orthogonal recurrent kernel; TF1: one Glorot matrix over
input and state), the
vocabulary (training tokens, or training and validation tokens as the original built it) and the
loss (mean over sentences of per-sentence means; one mean over all real tokens; or the original's
`reduce_mean(mask * loss)`, real tokens' losses summed over every position, padding included).

Prints one JSON object: the recipe, validation entity F1 after every epoch, test F1 at the end.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

VOCABULARIES = ("train", "train+validation")
INITIALISATIONS = ("keras", "tf1")
LOSSES = ("sentence", "token", "padded")


@dataclass(frozen=True)
class Recipe:
    """One way to train the exercise's tagger; every default is notebook 05's."""

    corpus: str = "wnut16"
    seed: int = 0
    epochs: int = 4
    forget_bias: float = 1.0
    state_dropout: bool = False
    dropout_wrapper: bool = False  # all dropout inside each direction's cell, as TF1 placed it
    dropout_rate: float = 0.1  # notebook 05's: keep probability 0.9, one the exercise suggests
    initialisation: str = "keras"
    vocabulary: str = "train"
    loss: str = "sentence"
    bucket_by_length: bool = True  # notebook 05's: batches of tweets of similar length
    unknown_rate: float = 0.3  # notebook 05's: words seen once in training read as <UNK> 30%
    adam_epsilon: float = 1e-7  # Keras's default; TF1's AdamOptimizer used 1e-8
    train_limit: int = 0  # train on the first N tweets only (smoke runs); 0: all of them


def lstm_layer(recipe: Recipe, units: int, input_dim: int):
    """A Keras LSTM (or RNN of a state-dropout cell) built as `recipe` says."""
    import keras

    from benchmarks.recipe_cells import DropoutWrapperLSTMCell, ForgetBias

    options: dict = {"unit_forget_bias": False, "bias_initializer": ForgetBias(recipe.forget_bias)}
    if recipe.initialisation == "tf1":  # one Glorot-uniform matrix over [input; state] -> 4 gates
        limit = math.sqrt(6.0 / (input_dim + units + 4 * units))
        uniform = keras.initializers.RandomUniform(-limit, limit)
        options |= {"kernel_initializer": uniform, "recurrent_initializer": uniform}
    if not (recipe.dropout_wrapper or recipe.state_dropout):
        return keras.layers.LSTM(units, return_sequences=True, **options)
    cell = DropoutWrapperLSTMCell(
        units, rate=recipe.dropout_rate, inputs_and_outputs=recipe.dropout_wrapper, **options
    )
    return keras.layers.RNN(cell, return_sequences=True)


def build_tagger(recipe: Recipe, vocabulary_size: int, n_tags: int):
    """The course's `BiLSTMTagger` (sizes 200/200) with its LSTMs replaced as `recipe` says."""
    import keras

    from bilstm_ner.model import BiLSTMTagger

    # With the dropout wrapper, the cells drop inputs and outputs themselves.
    rate = 0.0 if recipe.dropout_wrapper else recipe.dropout_rate
    model = BiLSTMTagger(vocabulary_size, n_tags, dropout_rate=rate)
    model.birnn = keras.layers.Bidirectional(
        lstm_layer(recipe, model.n_hidden_rnn, model.embedding_dim), name="birnn"
    )
    return model


def _masked_token_losses(logits, ground_truth_tags, input_batch, pad_index: int):
    """Each position's cross-entropy and the float mask of real tokens, both [batch, time]."""
    import tensorflow as tf

    token_losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=ground_truth_tags, logits=logits
    )
    return token_losses, tf.cast(tf.not_equal(input_batch, pad_index), token_losses.dtype)


def token_mean_loss(logits, ground_truth_tags, input_batch, pad_index: int):
    """Masked cross-entropy averaged over all real tokens of the batch at once."""
    import tensorflow as tf

    token_losses, mask = _masked_token_losses(logits, ground_truth_tags, input_batch, pad_index)
    return tf.reduce_sum(token_losses * mask) / tf.reduce_sum(mask)


def padded_mean_loss(logits, ground_truth_tags, input_batch, pad_index: int):
    """The original's `reduce_mean(mask * loss)`: real tokens' losses over every position."""
    import tensorflow as tf

    token_losses, mask = _masked_token_losses(logits, ground_truth_tags, input_batch, pad_index)
    return tf.reduce_mean(token_losses * mask)


def train_step_for(recipe: Recipe):
    """The course's `train_step`, or the same step with the token-level or padded-mean loss."""
    import tensorflow as tf

    from bilstm_ner.model import train_step

    if recipe.loss == "sentence":
        return train_step
    loss_function = token_mean_loss if recipe.loss == "token" else padded_mean_loss

    def step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        with tf.GradientTape() as tape:
            logits = model(input_batch, lengths, training=True)
            loss = loss_function(logits, ground_truth_tags, input_batch, pad_index)
        variables = model.trainable_variables
        gradients = [tf.clip_by_norm(g, 1.0) for g in tape.gradient(loss, variables)]
        optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return loss

    return step


def measure(recipe: Recipe) -> dict:
    """Train as `recipe` says with the course's loop; validation F1 per epoch and test F1."""
    import keras

    from bilstm_ner.data import build_tag_vocabulary, build_token_vocabulary, load_corpus
    from bilstm_ner.evaluation import evaluate_model
    from bilstm_ner.training import train

    corpus = load_corpus(recipe.corpus)
    vocabulary_tweets = corpus.train.tokens
    if recipe.vocabulary == "train+validation":
        vocabulary_tweets = vocabulary_tweets + corpus.validation.tokens
    tokens = build_token_vocabulary(vocabulary_tweets)
    tags = build_tag_vocabulary(corpus.train.tags)

    def ids(split, limit: int = 0):
        tweets, labels = split.tokens[: limit or None], split.tags[: limit or None]
        return [tokens.encode(s) for s in tweets], [tags.encode(s) for s in labels]

    keras.utils.set_random_seed(recipe.seed)
    model = build_tagger(recipe, len(tokens), len(tags))
    history = train(
        model,
        train_step_for(recipe),
        *ids(corpus.train, recipe.train_limit),
        pad_index=tokens.pad_index,
        pad_tag_index=tags.token_to_id["O"],
        epochs=recipe.epochs,
        seed=recipe.seed,
        bucket_by_length=recipe.bucket_by_length,
        unknown_index=tokens.unk_index,
        unknown_rate=recipe.unknown_rate,
        optimizer=keras.optimizers.Adam(learning_rate=0.005, epsilon=recipe.adam_epsilon),
        validation=ids(corpus.validation),
        tag_names=tags.id_to_token,
        progress=False,
    )
    test = evaluate_model(model, *ids(corpus.test), tokens, tags)
    return {
        "recipe": asdict(recipe),
        "validation_f1": [e.validation_f1 for e in history.epochs],
        "test_f1": test.overall.f1,
        "epoch_seconds": [e.seconds for e in history.epochs],
        "epoch_tokens": [e.tokens for e in history.epochs],
    }


def parse_recipe(argv: Sequence[str] | None = None) -> Recipe:
    """The `Recipe` given on the command line (one flag per field)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    choices = {"initialisation": INITIALISATIONS, "vocabulary": VOCABULARIES, "loss": LOSSES}
    for field in fields(Recipe):
        flag, default = "--" + field.name.replace("_", "-"), field.default
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
        else:
            parser.add_argument(
                flag, type=type(default), default=default, choices=choices.get(field.name)
            )
    return Recipe(**vars(parser.parse_args(argv)))


def main(argv: Sequence[str] | None = None) -> None:
    """Run one recipe and print the result as one JSON line."""
    print(json.dumps(measure(parse_recipe(argv))))


if __name__ == "__main__":
    main()
