#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test: the Release build, then the core,
# streaming and io suites again under AddressSanitizer and UBSan (build-asan/).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${EMBER_JOBS:-2}"
./scripts/install-deps.sh

./scripts/build.sh
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 600

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DEMBER_SANITIZE=address,undefined \
  -DEMBER_BUILD_BENCHMARKS=OFF -DEMBER_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 600 -L 'core|streaming|io'
