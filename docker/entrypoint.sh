#!/bin/sh
# Container entrypoint of the app image.
# For the server (gunicorn): wait for PostgreSQL and run `sig check`, then exec the command.
# For `sig migrate` (the one-shot migrate service): wait for PostgreSQL, then exec it.
# Migrations never run in the app container: it has no owner URL.
# Any other command (e.g. `sig bootstrap-db`) runs directly.
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

case "${1:-} ${2:-}" in
    "gunicorn "*)
        wait_for_db
        sig check
        ;;
    "sig migrate")
        wait_for_db
        ;;
esac

exec "$@"
