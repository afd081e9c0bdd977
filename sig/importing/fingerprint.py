"""Source fingerprints: a re-import leaves the features whose source did not change alone,
without mapping, validating or writing them.

A fingerprint is a 64-bit hash of one source feature (its key, its original attributes and its
geometry as read), keyed with everything that shapes what the import makes of it: the theme's
schema and code lists, the profile, the layer's columns, the CRS and transformation, the
boundaries. Every import stores it for each feature it writes or confirms, in
`importing_fingerprint`, beside the theme row's version stamp (`row_version`, `updated_at`).
Any later write to the row (editor, QGIS, API, revert, restore) changes the stamp, and the
fingerprint no longer counts: the next import compares that feature in full again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd
from psycopg import sql

# Raised when the way a source feature becomes a theme row changes in the code.
VERSION = "2"
TABLE = sql.Identifier("public", "importing_fingerprint")


def storing(rows: sql.Composable, new_rows: bool = False) -> sql.Composed:
    """The statement storing the fingerprints `rows` selects (table_name, row_id, row_version,
    updated_at, hash); a row's last fingerprint wins. Rows just inserted (`new_rows`, fresh
    ids) have none yet: a plain insert, without the conflict check."""
    statement = sql.SQL(
        "INSERT INTO {fp} (table_name, row_id, row_version, updated_at, hash) {rows}").format(
            fp=TABLE, rows=rows)
    if new_rows:
        return statement
    return statement + sql.SQL(
        " ON CONFLICT (table_name, row_id) DO UPDATE SET row_version = EXCLUDED.row_version, "
        "updated_at = EXCLUDED.updated_at, hash = EXCLUDED.hash")


def hash_key(parts: Iterable[str]) -> str:
    """The 16-character key of one layer's hashes: the hash of everything that shapes the
    result besides the feature itself."""
    digest = hashlib.sha256("\x1f".join((VERSION, *parts)).encode()).hexdigest()
    return digest[:16]


def row_hashes(attrs: pd.DataFrame, wkb: np.ndarray, keys: np.ndarray,
               hash_key: str) -> np.ndarray:
    """One signed 64-bit hash per feature of its source key, attributes and geometry (as
    WKB), vectorised: a hash found among the valid fingerprints is the same key unchanged."""
    frame = attrs.reset_index(drop=True).copy()
    frame.columns = range(frame.shape[1])
    frame[frame.shape[1]] = wkb
    frame[frame.shape[1]] = keys
    hashed = pd.util.hash_pandas_object(frame, index=False, hash_key=hash_key,
                                        categorize=False)
    return hashed.to_numpy().view(np.int64)


class Known:
    """The valid fingerprints of a theme's features from one source, looked up by hash."""

    def __init__(self, hashes: np.ndarray | list):
        hashes = np.asarray(hashes, dtype=np.int64)
        # One hash on two rows (the same key and feature in two municipalities, when several
        # are read): neither is left alone, both are compared in full.
        self.index = pd.Index(hashes[~pd.Series(hashes).duplicated(keep=False).to_numpy()])

    def __len__(self) -> int:
        return len(self.index)

    def unchanged(self, hashes: np.ndarray) -> np.ndarray:
        """True where a feature's hash is a valid fingerprint."""
        if not len(self.index):
            return np.zeros(len(hashes), dtype=bool)
        return self.index.get_indexer(hashes) >= 0


def known(cur, table: str, fonte: str, municipios: tuple[str, ...]) -> Known:
    """The fingerprints still valid: stored with the row's present version stamp, fetched as
    one bytea of hashes, not a value per feature."""
    cur.execute(sql.SQL(
        "SELECT coalesce(string_agg(int8send(f.hash), ''::bytea), ''::bytea) "
        "FROM {table} t JOIN {fp} f ON f.table_name = %s AND f.row_id = t.id "
        "AND f.row_version = t.row_version AND f.updated_at = t.updated_at "
        "WHERE t.municipio = ANY(%s) AND t.fonte = %s AND t.fonte_id IS NOT NULL").format(
            table=sql.Identifier("public", table), fp=TABLE),
        (table, list(municipios), fonte))
    return Known(np.frombuffer(cur.fetchone()[0], dtype=">i8").astype(np.int64))


def territory_signature(cur, municipios: tuple[str, ...]) -> str:
    """A digest of the declared municipalities' boundaries, tolerances and freguesias."""
    cur.execute(
        "SELECT md5(coalesce(string_agg(m.dico || ':' || m.tolerancia_m || ':' "
        "|| md5(ST_AsEWKB(m.geom_limite)) || ':' || coalesce((SELECT string_agg(f.dicofre "
        "|| md5(ST_AsEWKB(f.geom)), ',' ORDER BY f.dicofre) FROM public.freguesia f "
        "WHERE f.municipio = m.dico), ''), ';' ORDER BY m.dico), '')) "
        "FROM public.municipio m WHERE m.dico = ANY(%s)", (list(municipios),))
    return str(cur.fetchone()[0])
