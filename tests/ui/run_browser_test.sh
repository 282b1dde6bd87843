#!/usr/bin/env bash
# Runs tests/ui/browser_test.mjs in a copy under the build directory: installs playwright-core
# there with `npm ci` from the committed lock file (no browser is downloaded: the test drives
# Debian's /usr/bin/chromium), then drives network_wordcount. Screenshots go to OUT_DIR.
#   run_browser_test.sh NETWORK_WORDCOUNT_BINARY WORK_DIR
set -euo pipefail
binary="$1"
work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/browser_test.mjs" "$work/"
cd "$work"
# npm ci again only when the lock file changed since the last install here.
if ! cmp -s package-lock.json node_modules/.ember-installed-lock 2>/dev/null; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.ember-installed-lock
fi
exec node browser_test.mjs "$binary" "$work/screenshots"
