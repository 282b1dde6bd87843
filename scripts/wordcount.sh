#!/usr/bin/env bash
# Installs the dependencies, builds, and runs the guide's network word count. With no
# arguments it reads an embedded line source; give HOST PORT to read a server such as
# `nc -lk 9999`; add --seconds N to stop after N seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh --target network_wordcount
exec ./build/examples/network_wordcount "$@"
