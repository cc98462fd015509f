#!/usr/bin/env bash
# Brings a fresh Debian machine (root, Node 20 and npm only) to where Wikicast can run and be
# tested: pnpm, the system packages, a running RabbitMQ, and the workspace's dependencies.
# Idempotent: each step checks first and does nothing when its thing is already there.
# Usage: deploy/bootstrap.sh [extra Debian packages...]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf '[bootstrap] %s\n' "$*" >&2; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} (run as root, or install them yourself)"
    exit 1
  fi
  if [ $apt_updated -eq 0 ]; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ]; then
    log "Node.js 20 or newer is required (found: $(node -v 2>/dev/null || echo none))"
    exit 1
  fi
}

ensure_pnpm() {
  if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version 2>/dev/null | grep -q '^9\.'; then
    log "installing pnpm 9"
    npm install -g pnpm@9 >/dev/null 2>&1
  fi
}

rabbitmq_running() { rabbitmqctl -q status >/dev/null 2>&1; }

ensure_rabbitmq() {
  # Someone else's broker (AMQP_URL pointing elsewhere) is theirs to run.
  case "${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}" in
    *@127.0.0.1:*|*@localhost:*|*@127.0.0.1|*@localhost) ;;
    *) log "AMQP_URL is not local; not managing RabbitMQ"; return 0 ;;
  esac
  command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
  if ! rabbitmq_running; then
    log "starting RabbitMQ"
    rabbitmq-server -detached
    rabbitmqctl -q await_startup --timeout 120
  fi
}

ensure_deps() {
  cd "$repo"
  local flags=(--prefer-offline)
  [ -n "${CI:-}" ] && flags+=(--frozen-lockfile)
  if [ ! -d node_modules ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
    log "pnpm install"
    pnpm install "${flags[@]}" --reporter=silent
  fi
}

ensure_node
# HAProxy fronts the local cluster and its config is checked by the tests.
apt_install haproxy "$@"
ensure_pnpm
ensure_rabbitmq
ensure_deps
