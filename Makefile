# Quick start: `make demo` runs squall with the example app; `make test` runs the whole suite on both backends.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/squall up examples/app --port $${PORT:-4566}

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/sqs.py
	$(BIN)/python bench/s3.py
	$(BIN)/python bench/lambda.py
	$(BIN)/python bench/apigw.py

clean:
	rm -rf $(VENV) .squall
