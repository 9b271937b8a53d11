# Every target creates or reuses .venv in the repository root.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export STANCE_DATA_DIR ?= $(abspath ../shared/data)

.PHONY: venv demo test clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "torch>=2.2,<2.14"
	$(BIN)/pip install -q -e ".[dev,notebooks]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/stance demo --output runs/demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf runs/demo
