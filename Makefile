# Two set-up commands: `make demo` and `make test`. Both create .venv on first use, after
# checking the Python that creates it: `make test PYTHON=python3.12` picks another one.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Python versions medcnn installs on: TensorFlow (tensorflow<2.22, see pyproject.toml) has
# wheels for 3.10 to 3.13.
PY_MIN := 3.10
PY_MAX := 3.13
CREATED    := $(VENV)/.created
DEMO_STAMP := $(VENV)/.installed-demo
TEST_STAMP := $(VENV)/.installed-test
BENCH_ARGS ?=

.PHONY: demo test test-fast docs clean bench check-python

# `make` alone sets up .venv for the tests, as `make test` does, without running them.
.DEFAULT_GOAL := $(TEST_STAMP)
GOAL := $(or $(MAKECMDGOALS),test)

PLUGINS := plugins/medcnn-example plugins/medcnn-dicom plugins/medcnn-nifti

# check_python,INTERPRETER,ADVICE: stop, saying what to install, unless INTERPRETER runs and is
# Python PY_MIN to PY_MAX with the venv module.
define check_python
@py='$(1)'; want="Python $(PY_MIN) to $(PY_MAX)"; \
get() { printf '%s\n' "Install $$want, for example:" \
	"  macOS:         brew install python@3.12   (or the installer from https://www.python.org)" \
	"  Debian/Ubuntu: sudo apt install python3.12 python3.12-venv" "$$1" >&2; exit 1; }; \
command -v "$$py" >/dev/null 2>&1 || { echo "medcnn needs $$want; '$$py' was not found." >&2; get '$(2)'; }; \
ver=$$("$$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || { \
	echo "medcnn needs $$want; '$$py' does not run." >&2; get '$(2)'; }; \
"$$py" -c "import sys; sys.exit(not ($(subst .,$(comma),$(PY_MIN))) <= sys.version_info[:2] <= ($(subst .,$(comma),$(PY_MAX))))" || { \
	echo "medcnn needs $$want; '$$py' is Python $$ver." >&2; get '$(2)'; }; \
"$$py" -c 'import venv, ensurepip' >/dev/null 2>&1 || { \
	echo "'$$py' (Python $$ver) lacks the venv module; Debian/Ubuntu: sudo apt install python$$ver-venv" >&2; exit 1; }; \
echo "Using $$py (Python $$ver)"
endef
comma := ,

# `make check-python PYTHON=...` runs only the check.
check-python:
	$(call check_python,$(PYTHON),Then run: make $(GOAL) PYTHON=python3.12)

$(CREATED):
	$(call check_python,$(PYTHON),Then run: make $(GOAL) PYTHON=python3.12)
	$(PYTHON) -m venv $(VENV)
	$(call check_python,$(BIN)/python,$(VENV) holds an older venv: remove it (make clean) and run make $(GOAL) PYTHON=python3.12)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

# The demo needs medcnn alone (TensorFlow, Keras, scikit-learn, ...), not the test extra.
$(DEMO_STAMP): pyproject.toml | $(CREATED)
	@echo "Installing medcnn and TensorFlow (about 700 MB to download on a fresh Linux machine, 350 MB on macOS)..."
	$(BIN)/python -m pip install -e .
	touch $@

# The test extra and the plugins; a superset of the demo's install.
$(TEST_STAMP): pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS)) | $(CREATED)
	@echo "Installing medcnn, TensorFlow, the test extra and the plugins (about 800 MB to download on a fresh Linux machine, 450 MB on macOS)..."
	$(BIN)/python -m pip install -e ".[test]" -e plugins/medcnn-example -e "plugins/medcnn-dicom[decoders]" \
		-e plugins/medcnn-nifti
	touch $@ $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/medcnn demo

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n auto --durations=15
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

# The tests not marked slow (a few minutes); `make test-fast PYTHON=python3.10 VENV=.venv/py3.10`
# runs them on another Python in a venv of its own, as CI does.
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -n auto -m "not slow"

docs: $(TEST_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# `make bench BENCH_ARGS=--quick` for a smoke run; writes docs/_generated/benchmark_results.inc
bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) docs/_build .pytest_cache
