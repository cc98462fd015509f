#!/usr/bin/env bash
# The npm package of the client library and the `wikicast` CLI: wikicast-client-<version>.tgz,
# as `pnpm pack` makes it (its prepack builds dist/: the Node library and CLI with
# @wikicast/protocol bundled in, the browser bundles, one index.d.ts; `workspace:` ranges and
# publishConfig are resolved). Install it anywhere with Node 20:
#   npm install -g wikicast-client-<version>.tgz     (then: wikicast --help)
#   bash deploy/release/packages.sh [out-dir]        (default: release/ at the repository root)
# Run in a checkout with the workspace installed (pnpm install).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mkdir -p "${1:-$repo/release}" && cd "${1:-$repo/release}" && pwd)
cd "$repo"
version=$(node -p 'require("./packages/client/package.json").version')
(cd packages/client && pnpm --silent pack --pack-destination "$out" >/dev/null)
echo "$out/wikicast-client-$version.tgz"
