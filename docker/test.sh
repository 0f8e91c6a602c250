#!/usr/bin/env bash
# `npm test`: installs what is missing, builds, then runs every suite (unit, integration, e2e)
# against throwaway PostgreSQL and Redis servers that Jest's global setup starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
. docker/ensure-deps.sh
bash docker/services.sh install test
echo "[test] node $(node --version); building" >&2
npm run --silent build
export NODE_OPTIONS=--experimental-vm-modules
# Working-time results must not depend on the machine's time zone: run those specs in two more.
for tz in UTC America/New_York; do
  echo "[test] calendar unit specs under TZ=$tz" >&2
  TZ=$tz SKIP_SERVICES=1 jest --selectProjects unit --silent src/calendar
done
echo "[test] all suites" >&2
TZ=Asia/Ho_Chi_Minh jest --maxWorkers=2 "$@"
