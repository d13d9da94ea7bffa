import pytest

from matcher.schema import NEED, RESOURCE_TYPE, STAGE, TRACK, Resource


@pytest.mark.parametrize(
    ("vocab", "value", "key"),
    [
        (TRACK, "医疗器械与智能制造", "device"),
        (TRACK, "device", "device"),
        (TRACK, " AI医疗与健康管理 ", "ai"),
        (TRACK, "ＡＩ医疗与健康管理", "ai"),  # full-width letters, as some forms type them
        (STAGE, "概念/机理验证", "concept"),
        (STAGE, "原型/概念验证", "prototype"),
        (STAGE, "临床前", "preclinical"),
        (NEED, "生产制造/中试", "manufacturing"),
        (NEED, "中试", "manufacturing"),
        (RESOURCE_TYPE, "CDMO/CMO", "cdmo"),
        (RESOURCE_TYPE, "device_maker", "device_maker"),
        (RESOURCE_TYPE, "产业园", "park"),
    ],
)
def test_vocabulary_accepts_keys_labels_and_aliases(vocab, value, key):
    assert vocab.parse(value) == key


@pytest.mark.parametrize("value", ["", "器械类", "临床后期", "foo"])
def test_vocabulary_rejects_unknown_values(value):
    assert TRACK.parse(value) is None or value == ""
    assert STAGE.parse(value) is None


def test_allowed_lists_every_key_with_its_label():
    text = TRACK.allowed()
    for key, label in TRACK.labels.items():
        assert f"{key} {label}" in text


def test_empty_tracks_and_stages_mean_all():
    open_to_all = Resource("R", "n", "bank")
    narrow = Resource("R", "n", "bank", tracks=("drug",), stages=("market",))
    assert open_to_all.serves_track("tcm") and open_to_all.serves_stage("concept")
    assert narrow.serves_track("drug") and not narrow.serves_track("tcm")
    assert narrow.serves_stage("market") and not narrow.serves_stage("clinical")
