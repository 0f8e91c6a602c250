#!/usr/bin/env bash
# `npm run bench`: installs what is missing, builds, starts throwaway PostgreSQL and Redis in a temp
# dir, runs the benchmarks of test/bench one after another (test/bench/run-all.ts), prints a
# summary and writes the figures to bench-results/ (JSON). Targets are reported, not enforced: the
# exit code is non-zero only if a benchmark crashed (or the build or the servers failed).
#
#   npm run bench [-- calendar actions import ...]  (default: every test/bench/*.bench.ts)
#   PG_FSYNC=off npm run bench                     (default on: durable commits, as in production)
#   BENCH_CLIENTS=50 BENCH_WARMUP_S=3 BENCH_DURATION_S=20 BENCH_IMPORT_TOTAL=10000
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. docker/ensure-deps.sh
bash docker/services.sh install

# pgbench ships with the PostgreSQL server package, beside initdb (found as services.sh finds it).
pg_bin=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ] && [ -x "$d/pgbench" ]; then pg_bin=$d; break; fi
done
if [ -z "$pg_bin" ]; then
  echo "[bench] pgbench not found beside initdb under /usr/lib/postgresql/*/bin (Debian package postgresql)" >&2
  exit 1
fi
export PG_BIN=$pg_bin

export PG_FSYNC=${PG_FSYNC:-on}
dir=$(mktemp -d "${TMPDIR:-/tmp}/sla-bench-XXXXXX")
cleanup() {
  bash docker/services.sh stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private build: `npm run build`'s compiler and options, output in the temp dir beside a copy of
# package.json and links to config/ and node_modules/ (the app finds both from its own files). A
# benchmark runs for minutes: a concurrent `npm run build` must not delete its files, and it must
# not wipe dist/ from under another process.
app=$dir/app
mkdir -p "$app"
cp package.json "$app/"
ln -s "$root/node_modules" "$app/node_modules"
ln -s "$root/config" "$app/config"
echo "[bench] node $(node --version); building" >&2
# The same compiler as `npm run build` (nest build, nest-cli.json's options) with only outDir moved;
# nest takes both files' paths relative to the working directory and leaves a fresh outDir alone;
# the tsconfig sits beside the node_modules link, where TypeScript looks for the type packages.
printf '{ "extends": "%s/tsconfig.build.json", "compilerOptions": { "outDir": "%s/dist" } }\n' "$root" "$app" >"$app/tsconfig.bench.json"
printf '{ "sourceRoot": "src", "entryFile": "main", "compilerOptions": { "builder": "tsc", "tsConfigPath": "%s", "deleteOutDir": false } }\n' \
  "$(realpath --relative-to=. "$app/tsconfig.bench.json")" >"$dir/nest-cli.bench.json"
nest build --config "$(realpath --relative-to=. "$dir/nest-cli.bench.json")"

bash docker/services.sh start "$dir" temp
set -a
# shellcheck disable=SC1091
. "$dir/env"
set +a
export BENCH_RESULTS_DIR=$root/bench-results

mem=$(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || true)
pg_version=$("$pg_bin/psql" "$DATABASE_URL" -tAc 'SHOW server_version')
echo "=== machine: nproc $(nproc) (${cpu:-cpu unknown}), memory $mem, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "=== node $(node --version); PostgreSQL $pg_version with fsync=$PG_FSYNC (durable commits: each commit waits for the disk); $("$pg_bin/pgbench" --version); $(redis-server --version | cut -d' ' -f1-3)"
echo "=== the API, its load generator, PostgreSQL and pgbench share these $(nproc) cores"

node "$app/dist/test/bench/run-all.js" "$@"
