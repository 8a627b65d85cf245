# Chapterwise: `make run` sets everything up and opens the app; `make test` sets everything up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
BUNDLE_STAMP = $(VENV)/.bundle-installed
# The documents `make bundle-smoke` opens: a PDF, an EPUB and a DOCX from the corpus when it is there.
SMOKE_CORPUS = $(wildcard ../shared/corpus/pdf/dmca.pdf ../shared/corpus/epub/alice.epub ../shared/corpus/docx/par-known-paragraphs.docx)
SMOKE_DOCS ?= $(if $(SMOKE_CORPUS),$(SMOKE_CORPUS),README.md)

.PHONY: run test setup system-deps system-deps-test lint licences typecheck bench bundle bundle-smoke install-desktop translations soak llama-server clean

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
	$(BIN)/ruff check desktop_app chapterwise_testing tests bench scripts packaging
	$(BIN)/ruff format --check desktop_app chapterwise_testing tests bench scripts packaging
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_licences.py

# The run-time dependency tree has no copyleft licence (LGPL/MPL libraries are reported, GPL/AGPL fail).
licences: $(STAMP)
	$(BIN)/python scripts/check_licences.py

# The performance suite (bench/suite.py): every goal measured side by side, about 10 minutes;
# `make bench BENCH_ARGS=--quick` runs it in under a minute, BENCH_ARGS=--write-docs updates docs/PERFORMANCE.md.
bench: $(STAMP)
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(BIN)/python bench/suite.py $(BENCH_ARGS)

$(BUNDLE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bundle]'
	@touch $(BUNDLE_STAMP)

# One folder, dist/Chapterwise-<version>/, with chapterwise-gui (the window) and chapterwise (the command line).
bundle: $(BUNDLE_STAMP)
	PYTHONPATH=. $(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/pyinstaller.spec

# Build the bundle, run its window offscreen and its command line on SMOKE_DOCS, print times and size.
bundle-smoke: $(BUNDLE_STAMP)
	$(BIN)/python packaging/bundle_smoke.py $(SMOKE_DOCS)

# Add Chapterwise to this user's application menu (desktop entry, metainfo, icons under ~/.local/share).
install-desktop: $(STAMP)
	$(BIN)/chapterwise-gui --install-desktop

translations: $(STAMP)
	$(BIN)/python scripts/update_translations.py

# 20 SIGKILLs of one of three `chapterwise worker` processes on one PostgreSQL; every chapter done exactly once.
soak: system-deps-test $(STAMP)
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
