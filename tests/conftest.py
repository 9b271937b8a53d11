"""Shared fixtures: a tiny random BERT built in the test session, and the corpus folder."""
from __future__ import annotations

import os
import shutil
import string
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("STANCE_DATA_DIR", str((REPO.parent / "shared" / "data").resolve()))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SEED_DIR = Path(os.environ["STANCE_DATA_DIR"]).parent / "examples"
SEED_ARTICLE = SEED_DIR / "kerry_putin_sochi.txt"
SEED_GOLD = SEED_DIR / "kerry_putin_sochi.gold.jsonl"

WORDS = (
    "the a of to and in that is was for on with as by at from he she they it said says told "
    "president minister ministry official officials government blame blamed accuses accused praised "
    "welcomed criticized support supports dialogue talks sanctions war peace attack russia united states "
    "kremlin washington moscow trump biden obama putin congress democrats republicans party"
).split()


def load_script(name: str):
    """A script of ``scripts/`` imported as a module, for tests that call its ``main``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_tiny_encoder(path: Path) -> Path:
    """A random 2-layer BERT with a character-level WordPiece vocabulary (any ASCII text tokenizes)."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS + chars + [f"##{c}" for c in chars]
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    # from the folder: transformers 5 ignores a vocab_file argument (every token would be [UNK])
    tokenizer = BertTokenizerFast.from_pretrained(path, do_lower_case=True)
    assert tokenizer.vocab_size == len(dict.fromkeys(vocab)), "tiny vocabulary not loaded"
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=256, num_labels=2,
    )
    import torch

    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_encoder_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_encoder(tmp_path_factory.mktemp("tiny") / "encoder")


@pytest.fixture
def tiny_encoder(tiny_encoder_master: Path, tmp_path: Path) -> Path:
    """A fresh copy of the tiny encoder for each test."""
    dest = tmp_path / "tiny-encoder"
    shutil.copytree(tiny_encoder_master, dest)
    return dest


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ["STANCE_DATA_DIR"])
    assert path.is_dir(), f"corpora not found at {path}: set STANCE_DATA_DIR (see docs/data.md)"
    return path
