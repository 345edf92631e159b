"""The word tokenizer: specials, normalisation, unknown words, decode conventions."""

import torch

from mmkit import get_tokenizer
from mmkit.grammar import WORDS


def test_specials_and_vocab_size():
    tok = get_tokenizer()
    assert (tok.pad_id, tok.bos_id, tok.eos_id, tok.unk_id) == (0, 1, 2, 3)
    assert tok.vocab_size == len(tok.vocab) == len(WORDS) + 4
    assert len(set(tok.vocab)) == tok.vocab_size


def test_get_tokenizer_is_shared():
    assert get_tokenizer() is get_tokenizer()


def test_encode_lowercases_strips_punctuation_and_adds_no_specials():
    tok = get_tokenizer()
    ids = tok.encode("What color is the Shape?")
    assert ids == tok.encode("what color is the shape")
    assert len(ids) == 5
    assert not {tok.pad_id, tok.bos_id, tok.eos_id, tok.unk_id} & set(ids)
    assert tok.encode("a red circle, on the left.") == tok.encode("a red circle on the left")


def test_unknown_words_map_to_unk_and_decode_as_unk():
    tok = get_tokenizer()
    ids = tok.encode("a zebra circle")
    assert ids[1] == tok.unk_id
    assert tok.decode(ids) == "a <unk> circle"


def test_decode_skips_pad_bos_eos_and_accepts_tensors():
    tok = get_tokenizer()
    ids = [tok.bos_id] + tok.encode("three small blue squares.") + [tok.eos_id, tok.pad_id, tok.pad_id]
    assert tok.decode(ids) == "three small blue squares"
    assert tok.decode(torch.tensor(ids)) == "three small blue squares"


def test_round_trip_of_every_word():
    tok = get_tokenizer()
    text = " ".join(WORDS)
    assert tok.decode(tok.encode(text)) == text
