"""Counters of the rate limiter (`sig.ops.ratelimit`).

UNLOGGED: fast writes, no WAL, not replicated, emptied after a crash — acceptable for
counters that live minutes; `sig backup` leaves their rows out.
"""

from django.db import migrations

CREATE = """
CREATE UNLOGGED TABLE ops_ratelimit (
  key text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL
);
CREATE INDEX ops_ratelimit_window_idx ON ops_ratelimit (window_start);
REVOKE ALL ON ops_ratelimit FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ops_ratelimit TO sig_app;
"""


class Migration(migrations.Migration):
    dependencies: list = []

    operations = [migrations.RunSQL(CREATE, "DROP TABLE IF EXISTS ops_ratelimit")]
