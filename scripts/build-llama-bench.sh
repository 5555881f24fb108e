#!/usr/bin/env bash
# Build llama.cpp's own `llama-bench` from the llama.cpp source that node-llama-cpp ships (a git
# bundle in node_modules/node-llama-cpp/llama/gitRelease.bundle), CPU only, offline. `npm run bench
# -- task` runs it on the same GGUF as the worker, as the peer its tokens/s are measured against.
#
#   bash scripts/build-llama-bench.sh [--force]
#
# The binary lands in .tools/llama-bench/<bundle commit>/llama-bench (.tools/ is git-ignored) and a
# link .tools/llama-bench/llama-bench points at it. Skips the build when the binary for the bundle's
# commit exists, unless --force. Takes several minutes on 2 cores (-j$DELLM_BUILD_JOBS, default 2).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)
BUNDLE=$ROOT_DIR/node_modules/node-llama-cpp/llama/gitRelease.bundle
TOOLS_DIR=${DELLM_TOOLS_DIR:-$ROOT_DIR/.tools}/llama-bench
JOBS=${DELLM_BUILD_JOBS:-2}

if [[ ! -f $BUNDLE ]]; then
  echo "no llama.cpp bundle at $BUNDLE (run npm ci first)" >&2
  exit 1
fi
COMMIT=$(git bundle list-heads "$BUNDLE" | awk '$2 == "HEAD" { print $1; exit }')
if [[ -z $COMMIT ]]; then
  COMMIT=$(git bundle list-heads "$BUNDLE" | awk '{ print $1; exit }')
fi
OUT_DIR=$TOOLS_DIR/$COMMIT
BIN=$OUT_DIR/llama-bench

if [[ ${1:-} != --force && -x $BIN ]]; then
  echo "llama-bench for llama.cpp ${COMMIT:0:12} exists: $BIN"
  ln -sfn "$COMMIT/llama-bench" "$TOOLS_DIR/llama-bench"
  exit 0
fi

SRC_DIR=$TOOLS_DIR/src-$COMMIT
BUILD_DIR=$SRC_DIR/build
if [[ ! -d $SRC_DIR/.git ]]; then
  rm -rf "$SRC_DIR"
  git clone --quiet "$BUNDLE" "$SRC_DIR"
  git -C "$SRC_DIR" checkout --quiet --detach "$COMMIT"
fi

echo "building llama-bench from llama.cpp ${COMMIT:0:12} (CPU only, -j$JOBS) ..."
cmake -S "$SRC_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
  -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=ON \
  -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF
cmake --build "$BUILD_DIR" --config Release --target llama-bench -j "$JOBS"

mkdir -p "$OUT_DIR"
cp "$BUILD_DIR/bin/llama-bench" "$BIN"
ln -sfn "$COMMIT/llama-bench" "$TOOLS_DIR/llama-bench"
rm -rf "$SRC_DIR"
echo "llama-bench built: $BIN"
