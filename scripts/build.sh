#!/usr/bin/env bash
# Configures and builds ember in build/ (Release). Extra arguments go to `cmake --build`.
# EMBER_BUILD_BENCHMARKS=OFF leaves the benchmarks out (the CI test run does: no test needs them);
# EMBER_TEST_ONLY=<regex> builds only the test files whose name matches (see scripts/test.sh);
# EMBER_EXAMPLES_OPTIMIZE=-O1 compiles the examples at that level instead of -O3.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DEMBER_BUILD_BENCHMARKS="${EMBER_BUILD_BENCHMARKS:-ON}" \
  -DEMBER_TEST_ONLY="${EMBER_TEST_ONLY:-}" \
  -DEMBER_EXAMPLES_OPTIMIZE="${EMBER_EXAMPLES_OPTIMIZE:-}" >/dev/null
cmake --build build -j"${EMBER_JOBS:-2}" "$@"
