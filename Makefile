# Two set-up commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_ARGS ?=

.PHONY: demo test docs clean bench

PLUGINS := plugins/medcnn-example plugins/medcnn-dicom plugins/medcnn-nifti

$(STAMP): pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]" -e plugins/medcnn-example -e "plugins/medcnn-dicom[decoders]" \
		-e plugins/medcnn-nifti
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/medcnn demo

test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadgroup --durations=15
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# `make bench BENCH_ARGS=--quick` for a smoke run; writes docs/_generated/benchmark_results.inc
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) docs/_build .pytest_cache
