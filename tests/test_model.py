import json

import numpy as np
import pytest

from stance.errors import InputError, StanceError
from stance.model import InputEncoding, StanceClassifier, sides_of

LABELS = ["negative", "neutral", "positive"]
RECORD = {
    "doc_id": "d", "statement_id": "1",
    "text": "Trump blamed Biden for the war.",
    "source": "Trump", "target": "Biden",
    "source_start": 0, "source_end": 5, "target_start": 13, "target_end": 18,
}


def test_markers_wrap_source_and_target_spans():
    enc = InputEncoding(kind="markers")
    assert enc.first_segment(RECORD) == "@ Trump @ blamed # Biden # for the war."
    assert enc.second_segment(RECORD) == "Trump -> Biden"


def test_pair_encoding_leaves_text_alone_and_names_the_direction():
    enc = InputEncoding(kind="pair")
    assert enc.first_segment(RECORD) == RECORD["text"]
    swapped = {**RECORD, "source": "Biden", "target": "Trump"}
    assert enc.second_segment(swapped) == "Biden -> Trump"


def test_markers_without_spans_fall_back_to_the_pair():
    enc = InputEncoding(kind="markers", use_context=True)
    record = {"text": "We are open for dialogue.", "source": "Peskov", "target": "the United States", "context": "Peskov told journalists."}
    assert enc.first_segment(record) == "We are open for dialogue."
    assert enc.second_segment(record) == "Peskov -> the United States | Peskov told journalists."


@pytest.mark.parametrize("fields, side", [
    pytest.param({"speaker_party": "RU", "target_party": "US"}, "opposed", id="two-parties"),
    pytest.param({"speaker_party": "DEM", "target_party": "DEM"}, "same", id="one-party"),
    pytest.param({"speaker_party": None, "target_party": "US"}, None, id="speaker-party-unknown"),
    pytest.param({"source_ideology": "Liberal", "target_ideology": "Conservative"}, "opposed", id="seesaw-opposed"),
    pytest.param({"source_ideology": "Conservative", "target_ideology": "Conservative"}, "same", id="seesaw-same"),
    pytest.param({"source_ideology": "Moderate", "target_ideology": "Liberal"}, None, id="moderate-tells-nothing"),
    pytest.param({"sides": "same", "speaker_party": "RU", "target_party": "US"}, "same", id="own-field-first"),
    pytest.param({}, None, id="nothing"),
])
def test_sides_are_read_from_parties_or_ideologies(fields, side):
    assert sides_of({"text": "x", **fields}) == side


def test_sides_go_into_the_pair_only_when_asked_and_known():
    record = {"text": "We are open for dialogue.", "source": "Peskov", "target": "the United States",
              "speaker_party": "RU", "target_party": "US", "context": "Peskov told journalists."}
    assert InputEncoding(use_context=True).second_segment(record) == \
        "Peskov -> the United States | Peskov told journalists."
    assert InputEncoding(use_context=True, sides=True).second_segment(record) == \
        "Peskov -> the United States (opposite sides) | Peskov told journalists."
    same = {**record, "target_party": "RU"}
    assert InputEncoding(sides=True).second_segment(same) == "Peskov -> the United States (same side)"
    unknown = {**record, "speaker_party": None}
    assert InputEncoding(sides=True).second_segment(unknown) == "Peskov -> the United States"


def test_sides_option_is_saved_with_the_model(tiny_encoder, tmp_path):
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, sides=True)
    clf.save_pretrained(tmp_path / "model")
    assert StanceClassifier.from_pretrained(tmp_path / "model").encoding.sides is True
    assert StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS).encoding.sides is False


def test_plain_strings_have_no_pair():
    assert InputEncoding().encode_texts([{"text": "x"}]) == (["x"], None)


def test_new_head_needs_labels(tiny_encoder):
    with pytest.raises(StanceError, match="labels"):
        StanceClassifier.from_pretrained(tiny_encoder)


def test_predict_proba_shape_order_and_sum(tiny_encoder):
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS)
    records = [RECORD, {"text": "a much longer sentence " * 5}, "one plain string"]
    proba = clf.predict_proba(records, batch_size=2)
    assert proba.shape == (3, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    # batching and length sorting do not change any row
    one_by_one = np.vstack([clf.predict_proba([r]) for r in records])
    np.testing.assert_allclose(proba, one_by_one, atol=1e-4)
    assert clf.predict("one plain string") in LABELS
    assert len(clf.predict(records)) == 3


def test_save_and_reload_gives_the_same_predictions(tiny_encoder, tmp_path):
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, encoding="pair", max_length=64)
    clf.save_pretrained(tmp_path / "model")
    files = {p.name for p in (tmp_path / "model").iterdir()}
    assert {"config.json", "model.safetensors", "stance_config.json"} <= files
    assert not any(name.endswith(".bin") for name in files)
    meta = json.loads((tmp_path / "model" / "stance_config.json").read_text())
    assert meta["labels"] == LABELS and meta["encoding"]["kind"] == "pair" and meta["encoding"]["max_length"] == 64
    again = StanceClassifier.from_pretrained(tmp_path / "model")
    assert again.labels == LABELS and again.encoding == clf.encoding
    np.testing.assert_allclose(again.predict_proba([RECORD]), clf.predict_proba([RECORD]), atol=1e-6)


def test_saved_folder_loads_with_plain_transformers(tiny_encoder, tmp_path):
    from transformers import AutoModelForSequenceClassification

    StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS).save_pretrained(tmp_path / "model")
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "model")
    assert model.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}


def test_label_mismatch_with_saved_model_is_an_error(tiny_encoder, tmp_path):
    StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS).save_pretrained(tmp_path / "model")
    with pytest.raises(StanceError, match="trained with labels"):
        StanceClassifier.from_pretrained(tmp_path / "model", labels=["a", "b"])


def test_missing_weights_file_is_named(tiny_encoder, tmp_path):
    StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS).save_pretrained(tmp_path / "model")
    (tmp_path / "model" / "model.safetensors").unlink()
    with pytest.raises(InputError, match="model.safetensors"):
        StanceClassifier.from_pretrained(tmp_path / "model")


def test_missing_model_folder_is_named(tmp_path):
    with pytest.raises(InputError, match="model folder not found"):
        StanceClassifier.from_pretrained(tmp_path / "nope")


def test_hub_id_offline_fails_clearly_without_trying_the_network(monkeypatch):
    import socket

    attempts = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: attempts.append(address))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(StanceError, match="not a local folder"):
        StanceClassifier.from_pretrained("some-org/some-model", labels=LABELS)
    assert attempts == []  # no connection tried (and none waited for)


def test_long_input_is_truncated_with_a_warning(tiny_encoder, caplog):
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, max_length=32)
    with caplog.at_level("WARNING"):
        proba = clf.predict_proba([{"text": "word " * 5000}])
    assert proba.shape == (1, 3)
    assert "truncated" in caplog.text


# --------------------------------------------------------------------------- int8 against fp32
# The tiny encoder's outputs are nearly uniform (0.333 +- 0.003 for every input): any int8 path, broken or
# not, would come within a loose tolerance of them, and each close call would be re-scored in fp32. These
# tests use a tiny model with confident, input-dependent outputs (larger random weights) and pure int8
# (no fp32 re-check); INT8_ATOL is well above the int8 rounding (about 0.04 here) and well under what a
# broken path changes (about 0.4: a lost pooling, weights off by 20%).
INT8_ATOL = 0.12
CONFIDENT_RECORDS = [
    RECORD,
    {"text": "Putin praised the talks with Washington.", "source": "Putin", "target": "Washington",
     "source_start": 0, "source_end": 5, "target_start": 29, "target_end": 39},
    {"text": "The ministry accused Kremlin officials of war.", "source": "The ministry", "target": "Kremlin",
     "source_start": 0, "source_end": 12, "target_start": 21, "target_end": 28},
    {"text": "Obama said Congress supports dialogue and peace.", "source": "Obama", "target": "Congress",
     "source_start": 0, "source_end": 5, "target_start": 11, "target_end": 19},
    {"text": "they said dialogue and peace", "source": "Obama", "target": "Congress"},
    {"text": "sanctions war attack", "source": "Biden", "target": "Russia"},
]


@pytest.fixture(scope="module")
def confident_encoder(tiny_encoder_master, tmp_path_factory):
    """The tiny encoder's architecture and vocabulary with weights drawn 15 times wider (initializer range
    0.3): its probabilities range from about 0.4 to 0.75 and its labels differ between the records."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    path = tmp_path_factory.mktemp("confident") / "encoder"
    config = BertConfig.from_pretrained(tiny_encoder_master, num_labels=len(LABELS), initializer_range=0.3)
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(path, safe_serialization=True)
    AutoTokenizer.from_pretrained(tiny_encoder_master).save_pretrained(path)
    return path


def assert_close_to_fp32(proba, fp32):
    np.testing.assert_allclose(proba, fp32, rtol=0, atol=INT8_ATOL)


def test_the_confident_model_s_outputs_vary_far_more_than_the_int8_tolerance(confident_encoder):
    proba = StanceClassifier.from_pretrained(confident_encoder, labels=LABELS).predict_proba(CONFIDENT_RECORDS)
    assert np.ptp(proba, axis=0).max() > 2 * INT8_ATOL and proba.max() > 1 / 3 + 2 * INT8_ATOL
    assert len(set(proba.argmax(axis=1))) > 1


@pytest.mark.parametrize("pooling", ["cls", "markers", "mean"])
def test_int8_quantization_keeps_predictions_close(confident_encoder, pooling):
    fp32 = StanceClassifier.from_pretrained(confident_encoder, labels=LABELS, pooling=pooling)
    int8 = StanceClassifier.from_pretrained(confident_encoder, labels=LABELS, pooling=pooling, quantize="int8",
                                            int8_recheck=0)
    assert int8.quantized == "int8" and int8.fp32_model is None  # every statement scored by the int8 model
    assert_close_to_fp32(int8.predict_proba(CONFIDENT_RECORDS), fp32.predict_proba(CONFIDENT_RECORDS))


def _weights_off_by_a_fifth(monkeypatch):
    """An int8 path with a wrong scale: every linear layer's weights 20% too small before quantizing."""
    import torch
    import torch.ao.quantization as quantization

    quantize_dynamic = quantization.quantize_dynamic

    def broken(model, *args, **kwargs):
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, torch.nn.Linear):
                    module.weight.mul_(0.8)
        return quantize_dynamic(model, *args, **kwargs)

    monkeypatch.setattr(quantization, "quantize_dynamic", broken)
    return "markers"


@pytest.mark.parametrize("broken_path", [
    pytest.param(lambda monkeypatch: "cls", id="pooling-lost"),
    pytest.param(_weights_off_by_a_fifth, id="weights-off-by-a-fifth"),
])
def test_the_int8_check_catches_a_broken_int8_path(confident_encoder, monkeypatch, broken_path):
    fp32 = StanceClassifier.from_pretrained(confident_encoder, labels=LABELS, pooling="markers")
    pooling = broken_path(monkeypatch)
    broken = StanceClassifier.from_pretrained(confident_encoder, labels=LABELS, pooling=pooling, quantize="int8",
                                              int8_recheck=0)
    with pytest.raises(AssertionError):
        assert_close_to_fp32(broken.predict_proba(CONFIDENT_RECORDS), fp32.predict_proba(CONFIDENT_RECORDS))


def test_packaged_default_encoder_loads_and_predicts():
    """Smoke test on the real packaged all-MiniLM-L6-v2 (22M parameters)."""
    clf = StanceClassifier.from_pretrained("default", labels=LABELS)
    assert clf.model.config.hidden_size == 384 and clf.model.config.num_hidden_layers == 6
    proba = clf.predict_proba([RECORD, "Peskov said Russia is always open for dialogue."])
    assert proba.shape == (2, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_marker_offsets_point_at_the_opening_markers_in_either_order():
    enc = InputEncoding(kind="markers")
    text, offsets = enc.marked(RECORD)
    assert text == "@ Trump @ blamed # Biden # for the war."
    assert text[offsets["source"]] == "@" and text[offsets["target"]] == "#"
    target_first = {**RECORD, "source": "Biden", "target": "Trump",
                    "source_start": 13, "source_end": 18, "target_start": 0, "target_end": 5}
    text, offsets = enc.marked(target_first)
    assert text == "# Trump # blamed @ Biden @ for the war."
    assert (offsets["source"], offsets["target"]) == (text.index("@"), 0)
    assert enc.marked({"text": "No spans here."}) == ("No spans here.", {})


def _last_layer(model, encoded):
    """The tiny BERT's last-layer states of the first encoded input, computed layer by layer (no hooks)."""
    import torch

    ids, types = torch.tensor([encoded["input_ids"][0]]), torch.tensor([encoded["token_type_ids"][0]])
    hidden = model.bert.embeddings(input_ids=ids, token_type_ids=types)
    for layer in model.bert.encoder.layer:
        out = layer(hidden)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


def test_marker_pooling_feeds_the_head_the_mean_of_first_token_and_markers(tiny_encoder):
    import torch

    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, pooling="markers")
    encoded = clf.tokenize([RECORD])
    s, t = encoded["marker_index"][0]
    ids = encoded["input_ids"][0]
    assert clf.tokenizer.convert_ids_to_tokens([ids[s], ids[t]]) == ["@", "#"]
    # the same computation by hand: encoder, mean of three states, BERT's pooler and classifier
    model = clf.model
    with torch.no_grad():
        hidden = _last_layer(model, encoded)
        pooled = (hidden[0, 0] + hidden[0, s] + hidden[0, t]) / 3
        logits = model.classifier(model.bert.pooler.activation(model.bert.pooler.dense(pooled)))
    np.testing.assert_allclose(clf.predict_proba([RECORD])[0], torch.softmax(logits, -1).numpy(), atol=1e-5)
    # the same weights read at the first token only give other probabilities
    cls = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS)
    assert not np.allclose(cls.predict_proba([RECORD]), clf.predict_proba([RECORD]), atol=1e-4)


def test_marker_pooling_is_batch_independent_and_survives_truncation(tiny_encoder):
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, pooling="markers", max_length=24)
    late = {**RECORD, "text": "the war " * 20 + RECORD["text"]}
    late.update({k: RECORD[k] + 160 for k in ("source_start", "source_end", "target_start", "target_end")})
    records = [RECORD, late, {"text": "no spans at all", "source": "Putin", "target": "Obama"}]
    index = clf.tokenize(records)["marker_index"]
    assert index[1] == [0, 0] and index[2] == [0, 0]  # cut off by truncation; no spans: the first token
    proba = clf.predict_proba(records, batch_size=2)
    np.testing.assert_allclose(proba, np.vstack([clf.predict_proba([r]) for r in records]), atol=1e-5)


@pytest.mark.parametrize("pooling", ["markers", "mean"])
def test_pooling_is_saved_with_the_model(tiny_encoder, tmp_path, pooling):
    from transformers import AutoModelForSequenceClassification

    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, pooling=pooling)
    clf.save_pretrained(tmp_path / "model")
    again = StanceClassifier.from_pretrained(tmp_path / "model")
    assert again.encoding.pooling == pooling
    np.testing.assert_allclose(again.predict_proba([RECORD]), clf.predict_proba([RECORD]), atol=1e-6)
    AutoModelForSequenceClassification.from_pretrained(tmp_path / "model")  # same weight shapes as a plain model
    with pytest.raises(StanceError, match="StanceClassifier"):  # the pooled model outside the classifier
        import torch

        again.model(**{k: torch.tensor([v[0]]) for k, v in again.tokenize([RECORD]).items() if k != "marker_index"})


def test_mean_pooling_feeds_the_head_the_mean_over_the_unpadded_tokens(tiny_encoder):
    import torch

    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, pooling="mean")
    encoded = clf.tokenize([RECORD])
    model = clf.model
    with torch.no_grad():  # by hand: encoder, mean over the tokens, BERT's pooler and classifier
        hidden = _last_layer(model, encoded)
        logits = model.classifier(model.bert.pooler.activation(model.bert.pooler.dense(hidden[0].mean(dim=0))))
    np.testing.assert_allclose(clf.predict_proba([RECORD])[0], torch.softmax(logits, -1).numpy(), atol=1e-5)
    cls = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS)
    assert not np.allclose(cls.predict_proba([RECORD]), clf.predict_proba([RECORD]), atol=1e-4)


def test_mean_pooling_leaves_the_padding_out(tiny_encoder):
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, pooling="mean")
    records = [RECORD, {"text": "Short.", "source": "Putin", "target": "Obama"},
               {**RECORD, "text": RECORD["text"] + " and more words " * 6}]
    together = clf.predict_proba(records, batch_size=3)  # the short ones padded to the longest
    np.testing.assert_allclose(together, np.vstack([clf.predict_proba([r]) for r in records]), atol=1e-5)


def test_marker_pooling_needs_the_marker_encoding(tiny_encoder):
    with pytest.raises(StanceError, match="markers"):
        StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, encoding="pair", pooling="markers")
    with pytest.raises(StanceError, match="unknown pooling"):
        StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, pooling="max")
