#!/usr/bin/env bash
# Local PostgreSQL and Redis without Docker, for tests (throwaway, temp dir) and the demo (persistent,
# under .data/). Installs the servers from Debian's packages when they are missing.
#
#   docker/services.sh install [test]        install postgresql and redis-server if missing (test: and poppler-utils, chromium)
#   docker/services.sh start DIR [persist]   start both on free ports, data under DIR; writes DIR/env
#   docker/services.sh stop DIR              stop both cleanly
#   docker/services.sh stop-redis DIR | start-redis DIR | stop-postgres DIR | start-postgres DIR
#   docker/services.sh start-replica PRIMARY_DIR DIR   a streaming replica of PRIMARY_DIR's PostgreSQL
#                                            (pg_basebackup -R), data under DIR; writes DIR/env
#   docker/services.sh crash-postgres DIR    immediate shutdown (no checkpoint: a crash for the tests)
#
# Redis Sentinel needs no other package: `redis-server CONF --sentinel` is Sentinel (the tests start
# their own Sentinels that way; Debian's redis-sentinel package only adds a system service).
#
# DIR/env holds DATABASE_URL and REDIS_URL (and the ports) for the caller to source.
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root (or sudo) to run: $*"; return 1; fi
}

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

install() {
  local need=()
  pg_bindir >/dev/null || need+=(postgresql)
  command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || need+=(redis-server)
  # The test suites read generated PDFs back with pdftotext.
  # The browser tests of the console drive Debian's Chromium (playwright-core, no downloaded browser).
  if [ "${1:-}" = test ]; then
    command -v pdftotext >/dev/null || need+=(poppler-utils)
    [ -x /usr/bin/chromium ] || need+=(chromium)
  fi
  [ ${#need[@]} -eq 0 ] && return 0
  log "installing ${need[*]} from the system's packages"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >&2
  # policy-rc.d keeps apt from starting system-wide services we do not use.
  as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Run a command as the postgres user when we are root (initdb refuses to run as root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local dir=$1 port=$2 bin; bin=$(pg_bindir)
  mkdir -p "$dir/pg"; chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir/pg"
  if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
    -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${PG_FSYNC:-on}" start >/dev/null
  local db=${PG_DATABASE:-sla}
  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='$db'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
  fi
}

start_replica() {
  local primary=$1 dir=$2 port=$3 bin primary_port; bin=$(pg_bindir)
  primary_port=$(sed -n 's/^PG_PORT=//p' "$primary/env")
  mkdir -p "$dir/pg"; chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir/pg"
  if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
    # -R writes primary_conninfo and standby.signal; -X stream copies the WAL of the backup itself.
    as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/pg/data" -R -X stream -c fast >/dev/null
  fi
  start_postgres "$dir" "$port"
}

crash_postgres() {
  local dir=$1 bin; bin=$(pg_bindir)
  [ -f "$dir/pg/data/postmaster.pid" ] || return 0
  as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m immediate -w -t 60 stop >/dev/null || true
}

stop_postgres() {
  local dir=$1 bin; bin=$(pg_bindir)
  [ -f "$dir/pg/data/postmaster.pid" ] || return 0
  as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m fast -w -t 60 stop >/dev/null || true
}

start_redis() {
  local dir=$1 port=$2 persist=$3
  mkdir -p "$dir/redis"
  local args=(--port "$port" --bind 127.0.0.1 --dir "$dir/redis" --daemonize yes
    --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" --maxmemory-policy noeviction)
  if [ "$persist" = persist ]; then args+=(--appendonly yes --save '60 1'); else args+=(--save '' --appendonly no); fi
  redis-server "${args[@]}"
  local i; for i in $(seq 1 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1
  done
  log "redis did not answer on port $port"; return 1
}

stop_redis() {
  local dir=$1
  [ -f "$dir/redis/redis.pid" ] || return 0
  local pid; pid=$(cat "$dir/redis/redis.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; local i; for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/redis/redis.pid"
}

cmd=${1:-}
case "$cmd" in
  install) install "${2:-}" ;;
  start)
    dir=$(realpath -m "${2:?DIR}"); mode=${3:-temp}; mkdir -p "$dir"
    install
    pg_port=$(free_port); redis_port=$(free_port)
    # The kernel may hand the same free port twice in a row: the two servers need two.
    while [ "$redis_port" = "$pg_port" ]; do redis_port=$(free_port); done
    if [ -f "$dir/env" ]; then
      # Reuse the ports of a previous start so that saved URLs stay valid.
      # shellcheck disable=SC1091
      . "$dir/env"; pg_port=$PG_PORT; redis_port=$REDIS_PORT
    fi
    start_postgres "$dir" "$pg_port"
    start_redis "$dir" "$redis_port" "$mode"
    cat > "$dir/env" <<ENV
PG_PORT=$pg_port
REDIS_PORT=$redis_port
DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/${PG_DATABASE:-sla}
REDIS_URL=redis://127.0.0.1:$redis_port
ENV
    log "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port (data in $dir)"
    ;;
  stop) dir=$(realpath -m "${2:?DIR}"); stop_redis "$dir"; stop_postgres "$dir" ;;
  stop-redis) dir=$(realpath -m "${2:?DIR}"); stop_redis "$dir" ;;
  stop-postgres) dir=$(realpath -m "${2:?DIR}"); stop_postgres "$dir" ;;
  start-redis) dir=$(realpath -m "${2:?DIR}"); . "$dir/env"; start_redis "$dir" "$REDIS_PORT" "${3:-temp}" ;;
  start-postgres) dir=$(realpath -m "${2:?DIR}"); . "$dir/env"; start_postgres "$dir" "$PG_PORT" ;;
  crash-postgres) dir=$(realpath -m "${2:?DIR}"); crash_postgres "$dir" ;;
  start-replica)
    primary=$(realpath -m "${2:?PRIMARY_DIR}"); dir=$(realpath -m "${3:?DIR}"); mkdir -p "$dir"
    install
    pg_port=$(free_port)
    # shellcheck disable=SC1091
    [ -f "$dir/env" ] && { . "$dir/env"; pg_port=$PG_PORT; }
    start_replica "$primary" "$dir" "$pg_port"
    cat > "$dir/env" <<ENV
PG_PORT=$pg_port
DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/${PG_DATABASE:-sla}
ENV
    log "PostgreSQL replica of $primary on 127.0.0.1:$pg_port (data in $dir)"
    ;;
  *) echo "usage: $0 install | start DIR [persist] | stop DIR | stop-redis DIR | start-redis DIR | stop-postgres DIR | start-postgres DIR | crash-postgres DIR | start-replica PRIMARY_DIR DIR" >&2; exit 2 ;;
esac
