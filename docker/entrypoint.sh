#!/bin/sh
# Container entrypoint of the app image.
# For the server (gunicorn): wait for PostgreSQL, run `sig migrate` and `sig check`,
# then exec the command. Any other command (e.g. `sig bootstrap-db`) runs directly.
set -eu

wait_for_db() {
    # Bounded: SIG_DB_WAIT_TRIES attempts (default 30), 2 s apart.
    python - <<'PY'
import os
import re
import sys
import time

import psycopg

url = os.environ.get("SIG_DATABASE_OWNER_URL") or os.environ["SIG_DATABASE_URL"]
# libpq accepts only postgresql:// or postgres:// (not postgis:// nor postgresql+psycopg://).
url = re.sub(r"^[A-Za-z0-9+.-]+://", "postgresql://", url)
tries = int(os.environ.get("SIG_DB_WAIT_TRIES") or 30)
for attempt in range(1, tries + 1):
    try:
        psycopg.connect(url, connect_timeout=3).close()
        sys.exit(0)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"entrypoint: database not ready ({attempt}/{tries}): {reason}", file=sys.stderr)
        time.sleep(2)
sys.exit("entrypoint: database unreachable, giving up")
PY
}

if [ "${1:-}" = "gunicorn" ]; then
    wait_for_db
    if [ "${SIG_MIGRATE_ON_START:-true}" = "true" ]; then
        sig migrate
    fi
    sig check
fi

exec "$@"
