#!/usr/bin/env bash
# The README's start command: installs what is missing, then runs the local cluster in the
# foreground (ingest and two edges on loopback). Ctrl-C (or SIGTERM) stops every process it started.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
bash deploy/bootstrap.sh
exec node --conditions=wikicast-source --import tsx deploy/local/cluster.ts "$@"
