"""Source fingerprints: a re-import leaves the features whose source did not change alone,
without mapping, validating or writing them.

A fingerprint is a 64-bit hash of one source feature (its original attributes and its
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
VERSION = "1"
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


def row_hashes(attrs: pd.DataFrame, wkb: np.ndarray, key: str) -> np.ndarray:
    """One signed 64-bit hash per feature of its attributes and geometry (as WKB),
    vectorised."""
    frame = attrs.reset_index(drop=True).copy()
    frame.columns = range(frame.shape[1])
    frame[frame.shape[1]] = wkb
    hashed = pd.util.hash_pandas_object(frame, index=False, hash_key=key, categorize=False)
    return hashed.to_numpy().view(np.int64)


class Known:
    """The valid fingerprints of a theme's features from one source, found by hash (an
    integer lookup) and confirmed by key."""

    def __init__(self, keys: np.ndarray | list, hashes: np.ndarray | list,
                 shared_keys: bool = True):
        keys, hashes = np.asarray(keys, dtype=object), np.asarray(hashes, dtype=np.int64)
        # Two features alike but for their key (keyed by FID), or (with `shared_keys`, when
        # several municipalities are read) a key in two municipalities: compared in full.
        shared = _repeated(hashes)
        if shared_keys:
            shared = shared | _repeated(keys)
        self.index = pd.Index(hashes[~shared])
        self.keys = keys[~shared]

    def __len__(self) -> int:
        return len(self.index)

    def unchanged(self, keys: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """True where a feature's key has a valid fingerprint equal to its hash."""
        same = np.zeros(len(keys), dtype=bool)
        if not len(self.index):
            return same
        position = self.index.get_indexer(hashes)
        found = np.flatnonzero(position >= 0)
        same[found] = self.keys[position[found]] == keys[found]
        return same


def _repeated(values: np.ndarray) -> np.ndarray:
    """True where a value occurs more than once."""
    return pd.Series(values).duplicated(keep=False).to_numpy()


def known(cur, table: str, fonte: str, municipios: tuple[str, ...]) -> Known:
    """The fingerprints still valid: stored with the row's present version stamp. Fetched as
    one text of keys and one bytea of hashes, not a value per feature (a key with a line
    break in it falls back to arrays)."""
    keys, hashes = _fetch(cur, table, fonte, municipios, sql.SQL(
        "coalesce(string_agg(t.fonte_id, E'\\n'), ''), "
        "coalesce(string_agg(int8send(f.hash), ''::bytea), ''::bytea)"))
    hashes = np.frombuffer(hashes, dtype=">i8").astype(np.int64)
    keys = np.array(keys.split("\n") if len(hashes) else [], dtype=object)
    if len(keys) != len(hashes):
        keys, hashes = _fetch(cur, table, fonte, municipios, sql.SQL(
            "coalesce(array_agg(t.fonte_id), '{}'), coalesce(array_agg(f.hash), '{}')"))
    return Known(keys, hashes, shared_keys=len(municipios) > 1)


def _fetch(cur, table: str, fonte: str, municipios: tuple[str, ...],
           columns: sql.Composable) -> tuple:
    cur.execute(sql.SQL(
        "SELECT {columns} FROM {table} t JOIN {fp} f ON f.table_name = %s AND f.row_id = t.id "
        "AND f.row_version = t.row_version AND f.updated_at = t.updated_at "
        "WHERE t.municipio = ANY(%s) AND t.fonte = %s AND t.fonte_id IS NOT NULL").format(
            columns=columns, table=sql.Identifier("public", table), fp=TABLE),
        (table, list(municipios), fonte))
    return cur.fetchone()


def territory_signature(cur, municipios: tuple[str, ...]) -> str:
    """A digest of the declared municipalities' boundaries, tolerances and freguesias."""
    cur.execute(
        "SELECT md5(coalesce(string_agg(m.dico || ':' || m.tolerancia_m || ':' "
        "|| md5(ST_AsEWKB(m.geom_limite)) || ':' || coalesce((SELECT string_agg(f.dicofre "
        "|| md5(ST_AsEWKB(f.geom)), ',' ORDER BY f.dicofre) FROM public.freguesia f "
        "WHERE f.municipio = m.dico), ''), ';' ORDER BY m.dico), '')) "
        "FROM public.municipio m WHERE m.dico = ANY(%s)", (list(municipios),))
    return str(cur.fetchone()[0])
