#!/usr/bin/env bash
# Installs everything ember needs to build, test and benchmark, from Debian 12's
# packages. Idempotent: when every package is present it returns at once.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config clang-format
  libabsl-dev libcereal-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libsqlite3-dev libeigen3-dev
  librdkafka-dev
  netcat-openbsd
  libzmq3-dev cppzmq-dev
  libmosquitto-dev mosquitto
  libcpp-httplib-dev nlohmann-json3-dev  # the web UI and its JSON API
  prometheus wrk chromium                # the UI's tests: promtool, a load generator, a browser
  valgrind                               # callgrind's header, for the benchmarks' counted regions
)
# The browser test runs playwright-core under Node.js. A Node.js already installed (from
# NodeSource, say) is left alone: Debian's npm would replace it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
