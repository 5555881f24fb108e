#!/usr/bin/env bash
# Build llama.cpp's `llama-bench` against the very libraries node-llama-cpp runs the worker with
# (node_modules/@node-llama-cpp/<platform>/bins/<platform>/: libllama, libggml, the CPU variants),
# from the llama.cpp source of the same commit (node-llama-cpp's gitRelease.bundle). Only the two
# llama-bench source files are compiled (about 10 s); every kernel, the CPU variant chosen at run
# time (e.g. libggml-cpu-zen4.so) and the threading code are node-llama-cpp's own. The worker ÷ this
# binary is the cost of the JS side (sampling, node-llama-cpp's evaluation loop, thread hand-offs)
# alone; scripts/build-llama-bench.sh's native build (-march=native, OpenMP) also differs in the
# compiler, its flags and the thread pool.
#
#   bash bench/build-nlc-llama-bench.sh [--force]
#
# The binary lands in .tools/llama-bench/nlc-<commit>/llama-bench next to links to the libraries
# (ggml looks for its CPU variants next to the executable). A second binary there,
# llama-bench-no-threadpool, skips llama_attach_threadpool as node-llama-cpp does: ggml then starts
# and joins its worker threads for every graph, i.e. for every decoded token (bench/decode-overhead.ts).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)
BUNDLE=$ROOT_DIR/node_modules/node-llama-cpp/llama/gitRelease.bundle
TOOLS_DIR=${DELLM_TOOLS_DIR:-$ROOT_DIR/.tools}/llama-bench
case "$(uname -m)" in
  x86_64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) ARCH=$(uname -m) ;;
esac
PLATFORM=$(uname -s | tr '[:upper:]' '[:lower:]')-$ARCH
LIBS=$ROOT_DIR/node_modules/@node-llama-cpp/$PLATFORM/bins/$PLATFORM

if [[ ! -f $BUNDLE || ! -d $LIBS ]]; then
  echo "no llama.cpp bundle at $BUNDLE or no node-llama-cpp binaries at $LIBS (run npm ci first)" >&2
  exit 1
fi
COMMIT=$(git bundle list-heads "$BUNDLE" | awk '$2 == "HEAD" { print $1; exit }')
if [[ -z $COMMIT ]]; then
  COMMIT=$(git bundle list-heads "$BUNDLE" | awk '{ print $1; exit }')
fi
OUT_DIR=$TOOLS_DIR/nlc-$COMMIT
BIN=$OUT_DIR/llama-bench
if [[ ${1:-} != --force && -x $BIN ]]; then
  echo "llama-bench on node-llama-cpp's libraries exists: $BIN"
  exit 0
fi

SRC_DIR=$(mktemp -d)
trap 'rm -rf "$SRC_DIR"' EXIT
git clone --quiet --no-checkout "$BUNDLE" "$SRC_DIR"
git -C "$SRC_DIR" checkout --quiet --detach "$COMMIT"

mkdir -p "$OUT_DIR"
for lib in "$LIBS"/*.so; do
  ln -sfn "$lib" "$OUT_DIR/$(basename "$lib")"
done
link_args=()
for lib in "$LIBS"/libllama*.so "$LIBS"/libggml.*so "$LIBS"/libggml-base.so; do
  [[ -e $lib ]] && link_args+=("-l:$(basename "$lib")")
done
echo "compiling llama-bench for llama.cpp ${COMMIT:0:12} against $LIBS ..."
compile() {
  (
    cd "$SRC_DIR"
    "${CXX:-g++}" -std=c++17 -O2 -DNDEBUG -Iinclude -Iggml/include -Icommon -Ivendor -Itools/llama-bench \
      "$1" tools/llama-bench/main.cpp -o "$2.partial" \
      -L"$LIBS" "${link_args[@]}" -Wl,-rpath,'$ORIGIN' -pthread
  )
  mv "$2.partial" "$2"
}
compile tools/llama-bench/llama-bench.cpp "$BIN"
sed 's/^\( *\)llama_attach_threadpool(ctx, threadpool, NULL);/\1(void) threadpool;/' \
  "$SRC_DIR/tools/llama-bench/llama-bench.cpp" >"$SRC_DIR/tools/llama-bench/llama-bench-no-threadpool.cpp"
if grep -q llama_attach_threadpool "$SRC_DIR/tools/llama-bench/llama-bench-no-threadpool.cpp"; then
  echo "llama-bench.cpp no longer attaches its thread pool on one line; skipping llama-bench-no-threadpool" >&2
else
  compile tools/llama-bench/llama-bench-no-threadpool.cpp "$OUT_DIR/llama-bench-no-threadpool"
fi
echo "llama-bench on node-llama-cpp's libraries built: $BIN"
