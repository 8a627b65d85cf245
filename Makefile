# Chapterwise: `make run` sets everything up and opens the app; `make test` sets everything up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: run test setup system-deps system-deps-test lint typecheck bench clean llama-server

run: system-deps $(STAMP)
	$(BIN)/chapterwise-gui $(FILES)

test: system-deps-test $(STAMP) llama-server
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest $(PYTEST_ARGS)

# llama.cpp's server for the real-server tests, built from source once into a cache folder outside the repo
# (6–13 minutes on two cores; reused afterwards). Prints the binary's path.
llama-server: system-deps-test
	@PYTHON=$(PYTHON) scripts/llama-server.sh

setup: $(STAMP)

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# llama-cpp-python (the local backend, in the dev extra) compiles llama.cpp when no wheel fits: portable
	# (no -march=native) and without the parts Chapterwise does not use; pip caches the wheel it builds.
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF" \
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check desktop_app tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
