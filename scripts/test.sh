#!/usr/bin/env bash
# Run the whole test suite on SQLite, then the database tests again on PostgreSQL.
#   TEST_POSTGRES_URL=postgresql://user@host:5432/db bash scripts/test.sh   for another server.
#   Extra arguments go to pytest (e.g. -k ranking).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_debs "${RUNTIME_DEBS[@]}" "${TEST_DEBS[@]}"
ensure_venv test
compile_translations

POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"
postgres_ready() { "$VENV/bin/python" -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$POSTGRES_URL" 2>/dev/null; }
if ! postgres_ready && [ "$(id -u)" -eq 0 ] && command -v pg_ctlcluster >/dev/null; then
  echo "==> starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  sleep 2
fi
if ! postgres_ready; then
  echo "PostgreSQL is not reachable at $POSTGRES_URL; the suite must pass on it too." >&2
  echo "Start it, or set TEST_POSTGRES_URL." >&2
  exit 1
fi

echo "==> tests on SQLite"
sqlite_status=0
"$VENV/bin/pytest" "$@" || sqlite_status=$?
echo "==> database tests on PostgreSQL ($POSTGRES_URL)"
postgres_status=0
TEST_DATABASE_URL="$POSTGRES_URL" "$VENV/bin/pytest" -m "database and not browser" "$@" || postgres_status=$?
exit $(( sqlite_status || postgres_status ))
