#!/usr/bin/env bash
# Installs npm dependencies when missing or older than the lockfile, then puts the project's own
# Node (24, from the `node` devDependency) first on PATH. Source it: `. docker/ensure-deps.sh`.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ ! -x "$root/node_modules/.bin/node" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
  echo "[deps] installing npm dependencies (npm ci)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
export PATH="$root/node_modules/.bin:$PATH"
