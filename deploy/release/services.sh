#!/usr/bin/env bash
# The services' release for one host without containers: wikicast-services-<version>.tar.gz, one
# folder `wikicast-services-<version>/` laid out as the images' /app (deploy/docker/app-tree.sh): ingest and the
# edge compiled to JavaScript with their production dependencies exactly as locked, plus
# deploy/haproxy/ and deploy/systemd/. Unpack it at /opt and point /opt/wikicast at it; the
# systemd units run `node dist/main.js` there (docs/operations.md, "One host with systemd").
#   bash deploy/release/services.sh [out-dir]     (default: release/ at the repository root)
# Run in a checkout with the workspace installed (pnpm install): it builds in a scratch copy of the
# tracked files, installing from the local pnpm store without the network.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mkdir -p "${1:-$repo/release}" && cd "${1:-$repo/release}" && pwd)
cd "$repo"
version=$(node -p 'require("./services/ingest/package.json").version')
store=$(pnpm store path)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/src"
# The working tree as git sees it: tracked and new files, not what .gitignore leaves out (node_modules, dist).
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$stage/src"
tree="$stage/wikicast-services-$version"
(
  cd "$stage/src"
  pnpm install --offline --frozen-lockfile --ignore-scripts --store-dir "$store" --reporter=silent
  pnpm --silent --filter "@wikicast/ingest..." --filter "@wikicast/edge..." run build
  sh deploy/docker/app-tree.sh "ingest edge" "$store" "$tree" >/dev/null
  mkdir -p "$tree/deploy"
  cp -a deploy/haproxy deploy/systemd "$tree/deploy/"
  cp LICENSE CHANGELOG.md "$tree/"
)

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
archive="$out/wikicast-services-$version.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mode='u+rwX,go+rX,go-w' --mtime="@$epoch" \
  -C "$stage" -cf - "wikicast-services-$version" | gzip -n -9 >"$archive"
echo "$archive"
