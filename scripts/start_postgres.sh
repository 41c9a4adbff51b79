#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 for the store tests, from Debian's
# packages (installed with apt-get if missing). Source it:  . scripts/start_postgres.sh
# It exports COUNTYSIM_TEST_PG_URL (tests read it) and stops the server on shell exit.
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_bin)" ]; then
  echo "start_postgres: installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
fi
PGBIN="$(pg_bin)"
PG_PORT="${PG_PORT:-55432}"
PG_DIR="$(mktemp -d /tmp/countysim-pg.XXXXXX)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; fi
as_pg "$PGBIN/initdb" -D "$PG_DIR/data" -U countysim --auth=trust -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
  -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=200" start >/dev/null
stop_postgres() { as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
trap stop_postgres EXIT
export COUNTYSIM_TEST_PG_URL="postgresql+psycopg://countysim@127.0.0.1:$PG_PORT/postgres"
echo "start_postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT" >&2
