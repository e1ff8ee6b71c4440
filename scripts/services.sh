#!/usr/bin/env bash
# PostgreSQL and Redis on loopback for the shared set-up (two or more replicas): a private PostgreSQL cluster
# and a Redis server in $SERVICES_DIR, with random passwords, started and stopped by this script.
#   scripts/services.sh install   apt-get install postgresql and redis-server when missing (root or sudo)
#   scripts/services.sh start     create the cluster on first use, start both, write $SERVICES_DIR/services.env
#   scripts/services.sh stop      stop both (data stay in $SERVICES_DIR)
#   scripts/services.sh status
# Settings: SERVICES_DIR (default .run/services), PG_PORT (55432), REDIS_PORT (56379). services.env exports
# POSTGRES_HOST/PORT/DB/USER/PASSWORD and DATABASE_URL (the complaint store), REDIS_HOST/PORT/PASSWORD and REDIS_URL
# (the channels' shared state); endpoints.shared.yml reads them. A deployment with managed servers sets the same
# variables itself and never runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$(mkdir -p "${SERVICES_DIR:-.run/services}" && cd "${SERVICES_DIR:-.run/services}" && pwd)
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
ENV_FILE=$DIR/services.env
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# initdb and the server refuse to run as root: as root they run as the `postgres` user the Debian package creates.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

install() {
  if [ -n "$(pg_bin)" ] && command -v redis-server >/dev/null; then echo "PostgreSQL and Redis are installed."; return; fi
  $SUDO apt-get install -y postgresql redis-server || { $SUDO apt-get update && $SUDO apt-get install -y postgresql redis-server; }
}

secret() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

start() {
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] && command -v redis-server >/dev/null || { echo "error: run 'scripts/services.sh install' first" >&2; exit 1; }
  [ -f "$DIR/pg.password" ] || secret >"$DIR/pg.password"
  [ -f "$DIR/redis.password" ] || secret >"$DIR/redis.password"
  local pg_pw redis_pw; pg_pw=$(cat "$DIR/pg.password"); redis_pw=$(cat "$DIR/redis.password")
  if [ "$(id -u)" = 0 ]; then chown postgres "$DIR/pg.password"; chmod 600 "$DIR/pg.password"; fi
  if [ ! -f "$DIR/pg/PG_VERSION" ]; then
    mkdir -p "$DIR/pg"; [ "$(id -u)" = 0 ] && chown postgres "$DIR/pg"
    as_pg "$bin/initdb" -D "$DIR/pg" -U assistant --pwfile="$DIR/pg.password" --auth=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
  fi
  if ! as_pg "$bin/pg_ctl" -D "$DIR/pg" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$DIR/pg" -l "$DIR/pg/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $DIR/pg" start >/dev/null
  fi
  PGPASSWORD=$pg_pw psql -h 127.0.0.1 -p "$PG_PORT" -U assistant -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='assistant'" | grep -q 1 || \
    PGPASSWORD=$pg_pw psql -h 127.0.0.1 -p "$PG_PORT" -U assistant -d postgres -qc "CREATE DATABASE assistant"
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --no-auth-warning -a "$redis_pw" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --requirepass "$redis_pw" --daemonize yes \
      --dir "$DIR" --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --save "" --appendonly no
    for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" --no-auth-warning -a "$redis_pw" ping >/dev/null 2>&1 && break; sleep 0.2; done
  fi
  umask 077
  cat >"$ENV_FILE" <<EOF
export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$PG_PORT POSTGRES_DB=assistant POSTGRES_USER=assistant POSTGRES_PASSWORD=$pg_pw
export DATABASE_URL=postgresql://assistant:$pg_pw@127.0.0.1:$PG_PORT/assistant
export REDIS_HOST=127.0.0.1 REDIS_PORT=$REDIS_PORT REDIS_PASSWORD=$redis_pw
export REDIS_URL=redis://:$redis_pw@127.0.0.1:$REDIS_PORT/0
EOF
  echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT (settings in $ENV_FILE)"
}

stop() {
  local bin; bin=$(pg_bin)
  if [ -n "$bin" ] && [ -f "$DIR/pg/PG_VERSION" ]; then as_pg "$bin/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null 2>&1 || true; fi
  if [ -f "$DIR/redis.pid" ]; then kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true; rm -f "$DIR/redis.pid"; fi
  echo "stopped PostgreSQL and Redis ($DIR)"
}

status() {
  local bin; bin=$(pg_bin)
  as_pg "$bin/pg_ctl" -D "$DIR/pg" status >/dev/null 2>&1 && echo "PostgreSQL running" || echo "PostgreSQL stopped"
  [ -f "$DIR/redis.pid" ] && kill -0 "$(cat "$DIR/redis.pid")" 2>/dev/null && echo "Redis running" || echo "Redis stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
