#!/usr/bin/env bash
# Start the PostgreSQL server the serve tests (and bench/ingest.py) use; install it if missing.
# Idempotent: a second run finds the cluster running and only prints its URL again.
#
# Prints one line, FNGUARD_TEST_POSTGRES_URL=<url>, that .ci/run exports; the URL is also written
# to $FNGUARD_PG_DIR/url, which tests/server/conftest.py reads when the variable is not set.
set -euo pipefail

PG_DIR="${FNGUARD_PG_DIR:-/tmp/fnguard-pg}"
PG_PORT="${FNGUARD_PG_PORT:-54329}"
PG_USER=fnguard
PG_PASSWORD=fnguard
PG_DB=fnguard_test

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

BIN="$(find_bin)"
if [[ -z "$BIN" || ! -x "$BIN/initdb" ]]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null
  BIN="$(find_bin)"
fi

# initdb and postgres refuse to run as root: run them as the postgres user then.
as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

mkdir -p "$PG_DIR"
if [[ "$(id -u)" == "0" ]]; then
  chown postgres:postgres "$PG_DIR"
fi
DATA="$PG_DIR/data"
if [[ ! -f "$DATA/PG_VERSION" ]]; then
  PWFILE="$(mktemp)"
  echo "$PG_PASSWORD" > "$PWFILE"
  chmod 644 "$PWFILE"
  as_owner "$BIN/initdb" -D "$DATA" -U "$PG_USER" --pwfile="$PWFILE" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C >/dev/null
  rm -f "$PWFILE"
fi

if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  as_owner "$BIN/pg_ctl" -D "$DATA" -w -t 60 -l "$PG_DIR/server.log" start \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null
fi

export PGPASSWORD="$PG_PASSWORD"
if ! "$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
  "$BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" "$PG_DB"
fi

URL="postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
echo "$URL" > "$PG_DIR/url"
chmod 644 "$PG_DIR/url"
echo "FNGUARD_TEST_POSTGRES_URL=$URL"
