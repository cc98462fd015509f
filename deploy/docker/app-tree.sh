#!/bin/sh
# Lays out what an image runs: one service (or several, space-separated: "ingest edge", as the
# services' release holds), the workspace packages it uses (package.json and the compiled dist/)
# and their production dependencies, installed exactly as the lockfile says.
#   deploy/docker/app-tree.sh <service> <store-dir> <out>
# Run from the workspace root after the service is built. Not `pnpm deploy`: pnpm 9's deploy
# resolves the dependency ranges afresh (it ignores the lockfile), which needs the registry's
# metadata, and can put other versions in the image than the ones tested.
set -eu
services=$1
store=$2
out=$3
filters=""
for service in $services; do filters="$filters --filter-prod @wikicast/$service..."; done

# Installed again, production dependencies only, so that nothing for development is copied.
find . -name node_modules -type d -prune -exec rm -rf {} +
pnpm install --prod --frozen-lockfile --offline --ignore-scripts $filters --store-dir "$store" --reporter=append-only

mkdir -p "$out"
cp -a node_modules "$out/"
pnpm $filters list --json --depth -1 \
  | node -e 'for (const p of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(require("path").relative(process.cwd(), p.path))' \
  | while read -r dir; do
      mkdir -p "$out/$dir"
      cp -a "$dir/package.json" "$dir/dist" "$out/$dir/"
      if [ -d "$dir/node_modules" ]; then cp -a "$dir/node_modules" "$out/$dir/"; fi
    done
