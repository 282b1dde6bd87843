#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test: the Release build, then the core,
# streaming and io suites again under AddressSanitizer and UBSan (build-asan/), then the
# streaming and io suites under ThreadSanitizer (build-tsan/, only their test programs built).
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

# ThreadSanitizer: the streaming runtime's threads (job generator, job threads, receivers,
# listener bus) against the streaming and io suites.
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMBER_SANITIZE=thread \
  -DEMBER_BUILD_BENCHMARKS=OFF -DEMBER_BUILD_EXAMPLES=OFF >/dev/null
mapfile -t tsan_targets < <(cd tests && ls streaming_*_test.cpp io_*_test.cpp | sed 's/\.cpp$//')
cmake --build build-tsan -j"$jobs" --target "${tsan_targets[@]}"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" --timeout 600 -L 'streaming|io'
