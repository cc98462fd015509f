#!/usr/bin/env bash
# The whole test suite: installs what is missing, type-checks every package, then runs every
# unit, integration and end-to-end test against the real RabbitMQ. This is the README's test
# command and what CI runs.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

# System packages the tests drive for real: promtool (alert rules), openssl (TLS test),
# Chromium (browser tests), MediaWiki with PHP and SQLite (extension tests), nginx and Apache
# (the web server snippets), systemd (systemd-analyze checks the units; it need not run).
# One apt-get run up front rather than one per test file.
bash deploy/bootstrap.sh prometheus openssl chromium \
  mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml php-curl python3-requests \
  nginx apache2 systemd

echo "== typecheck"
pnpm run typecheck

echo "== tests"
mapfile -t files < <(find packages services test -path '*/node_modules' -prune -o -name '*.test.ts' -print | sort)
# Tests isolate themselves on the shared broker by name prefix, so files may run side by side.
exec node --conditions=wikicast-source --import tsx --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"
