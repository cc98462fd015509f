#!/usr/bin/env bash
# The MediaWiki extension's release: Wikicast-<version>.tar.gz, one folder `Wikicast/` holding
# packages/mediawiki (its tracked files) with the client library's browser bundle at
# resources/lib/wikicast.js (where ClientModule looks first), LICENSE and CHANGELOG.md. An
# operator unpacks it into the wiki's extensions/ folder: the wiki server needs no Node and no pnpm.
#   bash deploy/release/extension.sh [out-dir]     (default: release/ at the repository root)
# Run in a checkout with the workspace installed (pnpm install): the bundle is built afresh here.
# The archive is reproducible: sorted names, owner root, the last commit's time on every file
# (SOURCE_DATE_EPOCH overrides it), gzip without a name or time.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mkdir -p "${1:-$repo/release}" && cd "${1:-$repo/release}" && pwd)
cd "$repo"

version=$(node -p 'require("./packages/mediawiki/extension.json").version')
client_version=$(node -p 'require("./packages/client/package.json").version')
# The bundle inside is the client of the same release, so one version names both.
if [ "$version" != "$client_version" ]; then
  echo "extension.json says $version but packages/client says $client_version: bump them together" >&2
  exit 1
fi

pnpm --silent --filter @wikicast/client run build >/dev/null

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/Wikicast/resources/lib"
# Tracked files only: whatever else lies in the working folder (editor files, a local vendor/) stays out.
git ls-files -z -- packages/mediawiki | tar --null -T - -cf - | tar -xf - -C "$stage/Wikicast" --strip-components=2
cp packages/client/dist/wikicast.js "$stage/Wikicast/resources/lib/wikicast.js"
cp LICENSE CHANGELOG.md "$stage/Wikicast/"

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
archive="$out/Wikicast-$version.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mode='u+rwX,go+rX,go-w' --mtime="@$epoch" \
  -C "$stage" -cf - Wikicast | gzip -n -9 >"$archive"
echo "$archive"
