#!/usr/bin/env bash
# Start the application on SQLite with the demo data set, and its scheduler beside it.
#   HOST=0.0.0.0 PORT=8000 bash scripts/run.sh   to serve another address or port.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_debs "${RUNTIME_DEBS[@]}"
ensure_venv ""
compile_translations

export FLASK_APP=wsgi
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://$HOST:$PORT}"

if "$VENV/bin/python" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex((sys.argv[1], int(sys.argv[2]))) != 0)" "$HOST" "$PORT"; then
  echo "Port $PORT on $HOST is already in use. Stop what runs there, or choose another: PORT=8001 bash scripts/run.sh" >&2
  exit 1
fi

"$VENV/bin/flask" db upgrade
"$VENV/bin/flask" demo

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
# One scheduler process (the yearly calendar), and one certificate worker so that a batch
# started on a page begins at once rather than at the scheduler's next minute.
"$VENV/bin/flask" scheduler run &
pids+=($!)
"$VENV/bin/flask" certificates work &
pids+=($!)
echo
echo "职业技能竞赛与技能大师工作室管理系统 is running at http://$HOST:$PORT/  (Ctrl-C stops it)"
echo
"$VENV/bin/gunicorn" --bind "$HOST:$PORT" --workers 2 --access-logfile - wsgi:app &
pids+=($!)
wait "${pids[@]}"
