"""The staging table of a run and the COPY text that fills it, batch by batch.

The staging table is a temporary table of the run's transaction: killing the process drops
it with everything else. Rows carry the source key and fingerprint, the original attributes
(JSON), the mapped attributes (typed), the geometry in PT-TM06 and, when it was transformed,
the original geometry. A feature whose fingerprint is unchanged since the last import is
staged as its key alone (`skipped`): it is counted, and kept by `--sync`, but not mapped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql

from sig.registry import AttributeType, Theme

SQL_TYPES = {
    AttributeType.CODE: "text", AttributeType.TEXT: "text", AttributeType.INTEGER: "integer",
    AttributeType.DECIMAL: "double precision", AttributeType.BOOLEAN: "boolean",
    AttributeType.DATE: "date", AttributeType.DATETIME: "timestamptz",
}
NULL = "\\N"
FIXED_COLUMNS = ("seq", "layer", "fid", "fonte_id", "src_hash", "skipped", "attrs", "problems",
                 "notes", "geom", "geom_src")


def staging_ddl(theme: Theme) -> sql.Composed:
    """CREATE statement of the staging table for `theme` (its unique index on `seq` is built
    once it is filled: `index_statement`)."""
    attributes = [sql.SQL("{} {}").format(sql.Identifier(a.name), sql.SQL(SQL_TYPES[a.type]))
                  for a in theme.attributes]
    return sql.SQL(
        "CREATE TEMP TABLE imp_stg (seq bigint NOT NULL, layer integer NOT NULL, fid text, "
        "fonte_id text, src_hash bigint, skipped boolean NOT NULL, attrs jsonb, problems jsonb, "
        "notes jsonb, geom geometry, geom_src geometry, {}) ON COMMIT DROP").format(
            sql.SQL(", ").join(attributes))


INDEX_STATEMENT = "CREATE UNIQUE INDEX imp_stg_seq ON imp_stg (seq)"


def copy_statement(theme: Theme) -> sql.Composed:
    names = [*FIXED_COLUMNS, *(a.name for a in theme.attributes)]
    return sql.SQL("COPY imp_stg ({}) FROM STDIN").format(
        sql.SQL(", ").join(sql.Identifier(n) for n in names))


SPECIAL = re.compile(r"[\\\t\n\r\x00]")
# PostgreSQL text (and jsonb: "\u0000") cannot hold NUL characters: they are dropped.
NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")
ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""}


def escape(text: str) -> str:
    """Text for COPY's text format (backslash, tab, newline, carriage return escaped)."""
    if SPECIAL.search(text) is None:
        return text
    return SPECIAL.sub(lambda m: ESCAPES[m.group(0)], text)


def _escaped(texts: list[str]) -> list[str]:
    """Texts escaped for COPY; one scan of them all finds whether any needs it."""
    if SPECIAL.search("".join(texts)) is None:
        return texts
    return [escape(t) for t in texts]


def _texts(values: np.ndarray) -> list[str]:
    """Values as escaped text, None as NULL."""
    items = values.tolist()
    texts = _escaped(["" if v is None else str(v) for v in items])
    return [NULL if v is None else t for v, t in zip(items, texts, strict=True)]


def _column(values, render, text: bool = False) -> list[str]:
    """Values rendered for COPY; None is NULL (mapped values use None, never NaN).
    Rendered once per distinct value."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    rendered = [render(u) for u in uniques]
    if text:
        rendered = _escaped(rendered)
    table = np.array([*rendered, NULL], dtype=object)  # code -1 (None) is the last entry
    return table[codes].tolist()


def _float(value: object) -> str:
    return repr(float(value))  # type: ignore[arg-type]


RENDER = {
    AttributeType.CODE: (str, True), AttributeType.TEXT: (str, True),
    AttributeType.INTEGER: (lambda v: str(int(v)), False),
    AttributeType.DECIMAL: (_float, False),
    AttributeType.BOOLEAN: (lambda v: "t" if v else "f", False),
    AttributeType.DATE: (lambda v: v.isoformat(), False),
    AttributeType.DATETIME: (lambda v: v.isoformat(), False),
}


def _json_lines(frame: pd.DataFrame) -> list[str]:
    if frame.shape[1] == 0:
        return ["{}"] * len(frame)
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    text = frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso",
                         default_handler=str)
    text = text.rstrip("\n")
    if "\\u0000" in text:
        text = NUL_ESCAPE.sub(r"\1", text)
    lines = text.split("\n")
    if len(lines) != len(frame):
        raise ValueError("JSON dos atributos originais com número de linhas inesperado")
    return lines


def _json_lists(rows: list[tuple[str, ...]]) -> list[str | None]:
    return [json.dumps(r, ensure_ascii=False) if r else None for r in rows]


def _hex(wkb: np.ndarray | None, size: int) -> list[str]:
    if wkb is None:
        return [NULL] * size
    return [NULL if b is None else b.hex() for b in wkb.tolist()]


@dataclass
class StagedBatch:
    """What one batch contributes to the staging table."""

    seqs: np.ndarray
    layer: int
    fids: np.ndarray
    keys: np.ndarray
    hashes: np.ndarray
    attrs: pd.DataFrame
    problems: list[tuple[str, ...]]
    notes: list[tuple[str, ...]]
    geoms: np.ndarray  # PT-TM06, as WKB
    originals: np.ndarray | None  # source CRS as WKB, when transformed
    columns: dict[str, np.ndarray]


def copy_text(batch: StagedBatch, theme: Theme) -> str:
    """The COPY text of a batch, one line per feature."""
    size = len(batch.fids)
    columns = [
        batch.seqs.astype(str).tolist(),
        [str(batch.layer)] * size,
        _texts(batch.fids),
        _texts(batch.keys),
        batch.hashes.astype(str).tolist(),
        ["f"] * size,
        _escaped(_json_lines(batch.attrs)),
        _column(_json_lists(batch.problems), str, text=True),
        _column(_json_lists(batch.notes), str, text=True),
        _hex(batch.geoms, size),
        _hex(batch.originals, size),
    ]
    for attribute in theme.attributes:
        render, text = RENDER[attribute.type]
        columns.append(_column(batch.columns[attribute.name], render, text))
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def skipped_text(seqs: np.ndarray, layer: int, keys: np.ndarray, hashes: np.ndarray,
                 theme: Theme) -> str:
    """The COPY text of features left alone: sequence, layer, key and fingerprint."""
    tail = "\t" + "\t".join([NULL] * (len(FIXED_COLUMNS) - 6 + len(theme.attributes))) + "\n"
    lead = f"\t{layer}\t{NULL}\t"
    return "".join(f"{s}{lead}{k}\t{h}\tt{tail}" for s, k, h in zip(
        seqs.tolist(), _escaped(keys.tolist()), hashes.tolist(), strict=True))
