#!/usr/bin/env bash
# `make run`: Django's development server plus the background task worker beside it.
#
# Emails (receipts, invoices, reminders, welcome) are sent by tasks, which the database
# backend keeps in the database until a worker runs them. This script starts
# `manage.py run_worker` (the database worker that outlives database outages) and
# `manage.py runserver`, each in its own process group (they both have an autoreloader
# child), waits for the server, and stops both groups when either exits or this script
# gets Ctrl+C / SIGTERM.
#
# With TASK_BACKEND=django_tasks.backends.immediate.ImmediateBackend tasks run inside
# the request that queues them, so no worker is started.
#
# Environment: PYTHON (default .venv/bin/python), PORT (default 8000), TASK_BACKEND.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
PORT="${PORT:-8000}"
SERVER_PID=""
WORKER_PID=""

stop_group() {  # stop_group PID NAME: SIGTERM the process group PID leads, SIGKILL after 5 s
    local pid="$1" name="$2"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM -- "-$pid" 2>/dev/null
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo "$name stopped."
}
cleanup() {
    trap - EXIT INT TERM
    stop_group "$SERVER_PID" "Server"
    stop_group "$WORKER_PID" "Task worker"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

set -m  # job control: each background job leads its own process group
case "${TASK_BACKEND:-django_tasks_db.DatabaseBackend}" in
    *ImmediateBackend)
        echo "Tasks run in the request (TASK_BACKEND=$TASK_BACKEND): no worker started."
        ;;
    *)
        "$PYTHON" manage.py run_worker --queue-name '*' --interval 2 &
        WORKER_PID=$!
        echo "Task worker started (pid $WORKER_PID). Emails print here unless EMAIL_URL is set."
        ;;
esac
"$PYTHON" manage.py runserver "127.0.0.1:$PORT" &
SERVER_PID=$!
set +m

# Returns when the server exits, or at once on a signal (then the traps run).
wait "$SERVER_PID"
