#!/usr/bin/env bash
# `npm run demo`: installs what is missing, starts PostgreSQL and Redis (persistent, under .data/)
# unless DATABASE_URL and REDIS_URL are given, migrates, loads demo data, starts the API and the
# worker, and prints where to go. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
. docker/ensure-deps.sh

started_services=0
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  bash docker/services.sh start .data persist
  # shellcheck disable=SC1091
  . .data/env
  export DATABASE_URL=${DATABASE_URL} REDIS_URL=${REDIS_URL}
  started_services=1
fi
mkdir -p .data
if [ -z "${JWT_SECRET:-}" ]; then
  [ -f .data/jwt-secret ] || node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))' > .data/jwt-secret
  JWT_SECRET=$(cat .data/jwt-secret)
fi
export JWT_SECRET
export PORT=${PORT:-3000} HOST=${HOST:-127.0.0.1}
export ADMIN_USERNAME=${ADMIN_USERNAME:-admin} ADMIN_PASSWORD=${ADMIN_PASSWORD:-admin-demo-2026}
export NODE_ENV=${NODE_ENV:-development} LOG_LEVEL=${LOG_LEVEL:-info}
export WORKER_METRICS_PORT=${WORKER_METRICS_PORT:-$((PORT + 1))}

echo "[demo] building" >&2
npm run --silent build
node dist/scripts/migrate.js
node dist/scripts/seed-demo.js

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo "[demo] stopping" >&2
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "$started_services" = 1 ] && bash docker/services.sh stop .data
  exit 0
}
trap cleanup INT TERM EXIT

node dist/src/main.js >> .data/api.log 2>&1 & pids+=($!)
node dist/src/worker.js >> .data/worker.log 2>&1 & pids+=($!)

base="http://${HOST}:${PORT}"
for _ in $(seq 1 120); do
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$base/api/v1/health/ready" && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "[demo] the API exited; see .data/api.log" >&2; tail -20 .data/api.log >&2; exit 1; }
  sleep 0.5
done
cat <<MSG

  SLA tracker is running (demo data loaded).
    Console      $base/console         (staff pages; citizens' lookup: $base/tra-cuu)
    API          $base/api/v1          readiness: $base/api/v1/health/ready
    OpenAPI      $base/docs            (JSON: $base/docs-json)
    Metrics      $base/api/v1/metrics (API), http://${HOST}:${WORKER_METRICS_PORT}/metrics (worker)
    Logs         .data/api.log, .data/worker.log

  Sign-ins:
    ${ADMIN_USERNAME} / ${ADMIN_PASSWORD}   admin
$(node dist/scripts/seed-demo.js --print-users)

  Ctrl-C stops the API, the worker$( [ "$started_services" = 1 ] && echo ", PostgreSQL and Redis" ).
MSG
wait "${pids[0]}"
