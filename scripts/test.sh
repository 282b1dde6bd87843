#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test: the Release build, then the core,
# streaming and io suites again under AddressSanitizer and UBSan (build-asan/); with CI=true, those
# three suites run only there.
# EMBER_TSAN=1 adds the tests of the runtime's threads under ThreadSanitizer (build-tsan/, only
# their test programs built): a third build of the engine, which would take the run past its half
# hour on two cores, so it is run on request.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${EMBER_JOBS:-2}"
./scripts/install-deps.sh

# In CI the benchmarks are not built: no test runs them, and they would add minutes to the run.
# Nor are the Release copies of the core, streaming and io suites: they run in the sanitizer build
# below, and compiling them twice would take the run on two cores far past its half hour (each
# test file costs about 30 s of compiling, spent instantiating the engine's templates). Every test
# still runs and must pass; set EMBER_TEST_ONLY= (empty) to build them in Release too.
# The examples are compiled at -O1 there: their tests check what they print, not how fast.
if [ "${CI:-}" = "true" ]; then
  export EMBER_BUILD_BENCHMARKS=OFF
  export EMBER_EXAMPLES_OPTIMIZE="${EMBER_EXAMPLES_OPTIMIZE--O1}"
  export EMBER_TEST_ONLY="${EMBER_TEST_ONLY-^(sql|ml|kafka|mqtt|zeromq|ui|example)_}"
fi
./scripts/build.sh
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 600

# Line tables (-g1) are all a sanitizer's report needs; full debug info only slows the build.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DEMBER_SANITIZE=address,undefined \
  -DEMBER_BUILD_BENCHMARKS=OFF -DEMBER_BUILD_EXAMPLES=OFF >/dev/null
mapfile -t asan_targets < <(cd tests && ls core_*_test.cpp rdd_*_test.cpp streaming_*_test.cpp \
  io_*_test.cpp 2>/dev/null | sed 's/\.cpp$//')
cmake --build build-asan -j"$jobs" --target "${asan_targets[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 600 -L '^(core|streaming|io)'

[ "${EMBER_TSAN:-0}" = "1" ] || exit 0

# ThreadSanitizer: the tests of the runtime's threads (job generator, job threads, receivers,
# listener bus, checkpoint and log writers; tests/CMakeLists.txt lists them).
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DEMBER_SANITIZE=thread \
  -DEMBER_BUILD_BENCHMARKS=OFF -DEMBER_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-tsan -j"$jobs" --target thread_tests
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" --timeout 600 -L '_threads$'
