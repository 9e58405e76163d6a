"""The CoNLL reader: real-file quirks it accepts, and errors that name the file and line."""

from __future__ import annotations

import pytest

from bilstm_ner.data import (
    URL_TOKEN,
    USER_TOKEN,
    DataFormatError,
    normalize_token,
    parse_conll,
    read_conll,
    write_conll,
)

TWO_TWEETS = "@paul\tO\nin\tO\nNew\tB-geo-loc\nYork\tI-geo-loc\n\nhttps://t.co/x\tO\n"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("@paul", USER_TOKEN),
        ("http://t.co/abc", URL_TOKEN),
        ("https://t.co/abc", URL_TOKEN),
        ("HTTPS://T.CO/ABC", URL_TOKEN),
        ("@", "@"),
        ("Paris", "Paris"),
        ("email@example.com", "email@example.com"),
        ("httpfoo", "httpfoo"),
    ],
)
def test_normalize_token_maps_mentions_and_links_and_keeps_the_rest(token, expected):
    assert normalize_token(token) == expected


def test_parse_gives_one_list_of_tokens_and_tags_per_tweet():
    tokens, tags = parse_conll(TWO_TWEETS)
    assert tokens == [[USER_TOKEN, "in", "New", "York"], [URL_TOKEN]]
    assert tags == [["O", "O", "B-geo-loc", "I-geo-loc"], ["O"]]


def test_parse_without_normalize_keeps_tokens_as_written():
    tokens, _ = parse_conll(TWO_TWEETS, normalize=False)
    assert tokens[0][0] == "@paul" and tokens[1][0] == "https://t.co/x"


def test_a_tweet_of_one_token_is_valid():
    assert parse_conll("lol\tO\n") == ([["lol"]], [["O"]])


@pytest.mark.parametrize(
    "text",
    [
        "a\tO\r\nb\tB-person\r\n\r\nc\tO\r\n",  # Windows line endings
        "\ufeffa\tO\nb\tB-person\n\nc\tO\n",  # byte-order mark
        "a\tO\nb\tB-person\n\t\nc\tO\n",  # separator line holding a tab (WNUT-17)
        "a\tO\nb\tB-person\n   \nc\tO\n",  # separator line holding spaces
        "a\tO\nb\tB-person\n\n\n\nc\tO\n\n\n",  # several blank lines, trailing blank lines
        "a\tO\nb\tB-person\n\nc\tO",  # no final newline
        "a O\nb B-person\n\nc   O\n",  # no tab at all: one run of spaces separates
        "a\tO\t\nb\tB-person \n\nc\tO\n",  # trailing tab or space after the tag
    ],
)
def test_parse_accepts_the_quirks_of_real_files(text):
    assert parse_conll(text) == ([["a", "b"], ["c"]], [["O", "B-person"], ["O"]])


def test_an_i_tag_after_o_is_accepted_as_conlleval_does():
    _, tags = parse_conll("a\tO\nb\tI-person\n")
    assert tags == [["O", "I-person"]]


def _error(text: str, source: str = "train.txt") -> DataFormatError:
    with pytest.raises(DataFormatError) as caught:
        parse_conll(text, source=source)
    return caught.value


def test_three_columns_is_an_error_naming_file_and_line():
    error = _error("a\tO\nb\tO\textra\n")
    assert (error.path, error.line) == ("train.txt", 2)
    assert str(error).startswith("train.txt, line 2: expected 'token<TAB>tag', found 3 columns")
    assert "fix the line" in str(error)


def test_one_column_is_an_error_naming_file_and_line():
    error = _error("a\tO\n\nlonely\n")
    assert error.line == 3
    assert "found 1 column ('lonely')" in str(error)
    assert "fix the line" in str(error)


def test_an_empty_token_is_an_error():
    error = _error("\tO\n")
    assert error.line == 1 and "empty" in str(error)


@pytest.mark.parametrize("tag", ["PER", "B-", "X-person", "b-person", "o"])
def test_a_tag_outside_bio_is_an_error_that_says_what_is_allowed(tag):
    error = _error(f"a\tO\nb\t{tag}\n")
    assert error.line == 2
    assert f"the tag {tag!r}" in str(error)
    assert "use 'O', 'B-TYPE' or 'I-TYPE'" in str(error)


@pytest.mark.parametrize("text", ["", "\n\n", "\t\n  \n"])
def test_text_without_tweets_is_an_error(text):
    error = _error(text)
    assert error.line is None
    assert str(error).startswith("train.txt: found no tweets")
    assert "check that you passed the right file" in str(error)


def test_data_format_error_is_a_value_error():
    assert issubclass(DataFormatError, ValueError)


def test_read_conll_reads_a_file(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(TWO_TWEETS, encoding="utf-8")
    assert read_conll(path) == parse_conll(TWO_TWEETS)


def test_read_conll_names_the_file_in_errors(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("a\tO\tO\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"train\.txt, line 1: expected") as caught:
        read_conll(path)
    assert caught.value.path == str(path)


def test_non_utf8_bytes_name_the_line_and_byte_offset(tmp_path):
    path = tmp_path / "train.txt"
    path.write_bytes(b"a\tO\ncaf\xe9\tO\n")  # Latin-1 "é"
    with pytest.raises(DataFormatError) as caught:
        read_conll(path)
    message = str(caught.value)
    assert caught.value.line == 2
    assert "line 2: byte 0xe9 at byte offset 7 of the file (byte 4 of the line)" in message
    assert "re-save the file as UTF-8" in message


def test_byte_offsets_count_the_byte_order_mark(tmp_path):
    path = tmp_path / "train.txt"
    path.write_bytes(b"\xef\xbb\xbf\xff\tO\n")
    with pytest.raises(DataFormatError, match="byte offset 3 of the file"):
        read_conll(path)


def test_a_missing_file_is_named_with_what_to_do(tmp_path):
    path = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match=r"nope\.txt: no such file.*check the path"):
        read_conll(path)


def test_write_then_read_gives_back_the_same_tweets(tmp_path):
    tokens = [["@Paul", "in", "New", "York"], ["https://t.co/x"], ["café", "😀"]]
    tags = [["O", "O", "B-geo-loc", "I-geo-loc"], ["O"], ["O", "O"]]
    path = tmp_path / "out.txt"
    write_conll(path, tokens, tags)
    assert read_conll(path, normalize=False) == (tokens, tags)
    assert path.read_text(encoding="utf-8").startswith("@Paul\tO\nin\tO\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left over


def test_write_refuses_a_tweet_whose_tags_do_not_match_its_tokens(tmp_path):
    with pytest.raises(ValueError, match="tweet 1 has 2 tokens but 1 tags"):
        write_conll(tmp_path / "out.txt", [["a"], ["b", "c"]], [["O"], ["O"]])
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.parametrize(
    ("tokens", "tags", "message"),
    [
        ([["a b"]], [["O"]], "contains whitespace"),
        ([["a"]], [["PER"]], "not a BIO tag"),
        ([[]], [[]], "tweet 0 is empty"),
        ([], [], "no tweets"),
    ],
)
def test_write_refuses_what_could_not_be_read_back(tmp_path, tokens, tags, message):
    with pytest.raises(ValueError, match=message):
        write_conll(tmp_path / "out.txt", tokens, tags)
