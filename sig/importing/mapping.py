"""Apply a mapping profile to a batch of source features.

The result is one column per theme attribute (Python values of the attribute's type, or
None), the source key of each feature, and every problem found, feature by feature. Values
are converted once per distinct value, so a million features with few distinct codes cost
little.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from sig.importing.profiles import Profile, Rule
from sig.importing.text import identifier, normalize
from sig.registry import Attribute, AttributeType, Registry, Theme

TRUE_WORDS = {"1", "true", "t", "sim", "s", "yes", "y", "x", "verdadeiro", "v"}
FALSE_WORDS = {"0", "false", "f", "nao", "não", "n", "no", "falso"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")
INT_RANGE = (-(2**31), 2**31 - 1)
MAX_KEY = 200

Converter = Callable[[object], tuple[object, str | None]]


@dataclass
class Mapped:
    """A mapped batch: theme attributes, source keys, problems and notes per feature."""

    columns: dict[str, np.ndarray]
    keys: np.ndarray
    problems: list[tuple[str, ...]]
    notes: list[tuple[str, ...]] = field(default_factory=list)


def is_blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_text(value: object) -> str:
    """A source value as text; 13.0 (a DBF number) becomes '13'."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value).strip()


def _number(text: str) -> float:
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    return float(cleaned)


def _to_float(value: object) -> float:
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return _number(str(value))


class Conversions:
    """Converters from source values to one attribute's type (value, problem)."""

    def __init__(self, theme: Theme, registry: Registry):
        self.theme = theme
        self.registry = registry

    def for_attribute(self, attribute: Attribute, rule: Rule | None) -> Converter:
        kind = attribute.type
        if kind is AttributeType.CODE:
            return self._code(attribute)
        if kind is AttributeType.TEXT:
            return self._text(attribute)
        if kind is AttributeType.INTEGER:
            return self._integer(attribute, rule)
        if kind is AttributeType.DECIMAL:
            return self._decimal(attribute, rule)
        if kind is AttributeType.BOOLEAN:
            return self._boolean(attribute)
        return self._date(attribute, rule)

    def _code(self, attribute: Attribute) -> Converter:
        values = self.registry.codelist(self.theme.id, attribute.codelist or "")
        lookup = {v.code: v.code for v in values}
        for v in values:
            lookup.setdefault(normalize(v.code), v.code)
            lookup.setdefault(normalize(v.label.pt), v.code)

        def convert(value: object) -> tuple[object, str | None]:
            text = as_text(value)
            code = lookup.get(text) or lookup.get(normalize(text))
            if code is None:
                return None, (f"valor '{text}' de {attribute.name} não está na lista "
                              f"{attribute.codelist}")
            return code, None

        return convert

    def _text(self, attribute: Attribute) -> Converter:
        def convert(value: object) -> tuple[object, str | None]:
            text = as_text(value)
            if attribute.max_length and len(text) > attribute.max_length:
                return None, (f"{attribute.name} tem {len(text)} caracteres "
                              f"(máximo {attribute.max_length})")
            return text, None

        return convert

    @staticmethod
    def _bounded(attribute: Attribute, number: float) -> str | None:
        low, high = attribute.min, attribute.max
        if (low is not None and number < low) or (high is not None and number > high):
            return (f"{attribute.name} = {number:g} fora do intervalo "
                    f"[{'' if low is None else f'{low:g}'}, {'' if high is None else f'{high:g}'}]")
        return None

    def _integer(self, attribute: Attribute, rule: Rule | None) -> Converter:
        factor = rule.multiply if rule and rule.multiply is not None else 1.0

        def convert(value: object) -> tuple[object, str | None]:
            try:
                number = _to_float(value) * factor
            except ValueError:
                return None, f"valor '{value}' de {attribute.name} não é um número inteiro"
            if not math.isfinite(number) or not number.is_integer():
                return None, f"valor '{value}' de {attribute.name} não é um número inteiro"
            if not INT_RANGE[0] <= number <= INT_RANGE[1]:
                return None, f"valor '{value}' de {attribute.name} é demasiado grande"
            return int(number), self._bounded(attribute, number)

        return convert

    def _decimal(self, attribute: Attribute, rule: Rule | None) -> Converter:
        factor = rule.multiply if rule and rule.multiply is not None else 1.0

        def convert(value: object) -> tuple[object, str | None]:
            try:
                number = _to_float(value) * factor
            except ValueError:
                return None, f"valor '{value}' de {attribute.name} não é um número"
            if not math.isfinite(number):
                return None, f"valor '{value}' de {attribute.name} não é um número"
            return number, self._bounded(attribute, number)

        return convert

    @staticmethod
    def _boolean(attribute: Attribute) -> Converter:
        def convert(value: object) -> tuple[object, str | None]:
            if isinstance(value, (bool, np.bool_)):
                return bool(value), None
            word = normalize(as_text(value))
            if word in TRUE_WORDS:
                return True, None
            if word in FALSE_WORDS:
                return False, None
            return None, f"valor '{value}' de {attribute.name} não é sim/não"

        return convert

    @staticmethod
    def _date(attribute: Attribute, rule: Rule | None) -> Converter:
        formats = (rule.date_format,) if rule and rule.date_format else DATE_FORMATS
        with_time = attribute.type is AttributeType.DATETIME

        def convert(value: object) -> tuple[object, str | None]:
            if isinstance(value, (pd.Timestamp, np.datetime64)):
                value = pd.Timestamp(value).to_pydatetime()
            if isinstance(value, dt.datetime):
                return (value if with_time else value.date()), None
            if isinstance(value, dt.date):
                return value, None
            text = as_text(value)
            for fmt in formats:
                try:
                    parsed = _strptime(text, fmt)
                except ValueError:
                    continue
                return (parsed if with_time else parsed.date()), None
            try:
                parsed = dt.datetime.fromisoformat(text)
            except ValueError:
                shown = " ou ".join(formats)
                return None, f"valor '{text}' de {attribute.name} não é uma data ({shown})"
            return (parsed if with_time else parsed.date()), None

        return convert


def _strptime(text: str, fmt: str) -> dt.datetime:
    """`datetime.strptime`, with ISO dates (the commonest) read by the much faster
    `fromisoformat` when they are exactly YYYY-MM-DD."""
    if fmt == "%Y-%m-%d" and len(text) == 10 and text[4] == "-" and text[7] == "-" \
            and text.isascii():
        return dt.datetime.fromisoformat(text)
    return dt.datetime.strptime(text, fmt)


def blank_mask(values: np.ndarray) -> np.ndarray:
    """True where a value is missing: None, NaN, NaT (text is cleaned when read)."""
    if values.dtype.kind in "iub":
        return np.zeros(len(values), dtype=bool)
    return np.asarray(pd.isna(values), dtype=bool)


def clean(values: np.ndarray) -> np.ndarray:
    """A source column with blank text turned into None (checked once per distinct value)."""
    if values.dtype.kind in "iufb":
        return values
    out = values.astype(object)
    codes, uniques = pd.factorize(out, use_na_sentinel=True)
    blank = np.fromiter((is_blank(u) for u in uniques), dtype=bool, count=len(uniques))
    out[(codes < 0) | np.append(blank, True)[codes]] = None
    return out


def _all_text(values: np.ndarray) -> bool:
    return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def key_texts(values: np.ndarray) -> np.ndarray:
    """`as_text` of every present value of a cleaned column, None where blank."""
    out = np.full(len(values), None, dtype=object)
    present = ~blank_mask(values)
    if values.dtype.kind in "iu":
        out[present] = values[present].astype(str)
    elif values.dtype.kind == "O" and _all_text(values):
        out[present] = pd.Series(values[present], dtype=object).str.strip().to_numpy()
    else:
        out[present] = [as_text(v) for v in values[present]]
    return out


def objects(values: np.ndarray | pd.Series) -> np.ndarray:
    array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if array.dtype.kind in "OUS":
        return array.astype(object)
    return array


def _numeric(values: np.ndarray, attribute: Attribute, rule: Rule | None):
    """Vectorised conversion of a numeric source column to integer/decimal."""
    factor = rule.multiply if rule and rule.multiply is not None else 1.0
    numbers = values.astype(float) * factor
    out = np.full(len(values), None, dtype=object)
    issues = np.full(len(values), None, dtype=object)
    finite = np.isfinite(numbers)
    if attribute.type is AttributeType.INTEGER:
        bad = finite & ((numbers != np.round(numbers)) | (numbers < INT_RANGE[0])
                        | (numbers > INT_RANGE[1]))
        issues[bad] = f"valor de {attribute.name} não é um número inteiro válido"
        good = finite & ~bad
        out[good] = numbers[good].astype(np.int64).tolist()
    else:
        good = finite
        out[good] = numbers[good].tolist()
    low, high = attribute.min, attribute.max
    outside = good & (((numbers < low) if low is not None else False)
                      | ((numbers > high) if high is not None else False))
    for row in np.flatnonzero(outside):
        issues[row] = Conversions._bounded(attribute, float(numbers[row]))
        out[row] = None
    return out, issues


def present(values: np.ndarray) -> np.ndarray:
    """Values as Python objects, None where blank."""
    out = values.astype(object)
    out[blank_mask(values)] = None
    return out


def convert_values(values: np.ndarray, convert: Converter) -> tuple[np.ndarray, np.ndarray]:
    """Apply a converter once per distinct non-blank value."""
    out = np.full(len(values), None, dtype=object)
    issues = np.full(len(values), None, dtype=object)
    rows = np.flatnonzero(~blank_mask(values))
    if len(rows) == 0:
        return out, issues
    codes, uniques = pd.factorize(objects(values[rows]), use_na_sentinel=False)
    results = [convert(u) for u in uniques]
    converted = np.empty(len(results), dtype=object)
    converted[:] = [r[0] for r in results]
    problems = np.empty(len(results), dtype=object)
    problems[:] = [r[1] for r in results]
    out[rows] = converted[codes]
    issues[rows] = problems[codes]
    return out, issues


class Mapper:
    """Maps batches of one source layer through a profile onto a theme."""

    def __init__(self, profile: Profile, theme: Theme, registry: Registry):
        self.profile = profile
        self.theme = theme
        self.conversions = Conversions(theme, registry)
        self._cache: dict[str, np.ndarray] = {}
        self._converters = {
            a.name: self.conversions.for_attribute(a, profile.fields.get(a.name))
            for a in theme.attributes
        }

    # Source fields -------------------------------------------------------------------
    @staticmethod
    def column(name: str, columns: list[str]) -> str | None:
        """The source column called `name` (ignoring case, accents and punctuation)."""
        if name in columns:
            return name
        wanted = identifier(name)
        for column in columns:
            if identifier(column) == wanted:
                return column
        for column in columns:  # DBF names are cut at 10 characters
            if len(column) == 10 and wanted.startswith(identifier(column)):
                return column
        return None

    def _source(self, column: str, attrs: pd.DataFrame) -> np.ndarray:
        """A cleaned source column (cached for the batch)."""
        if column not in self._cache:
            self._cache[column] = clean(objects(attrs[column]))
        return self._cache[column]

    def _coalesce(self, names: list[str], attrs: pd.DataFrame) -> np.ndarray:
        """Row by row, the first non-blank value among the named columns."""
        columns = [c for c in (self.column(n, list(attrs.columns)) for n in names) if c]
        if len(columns) == 1:
            return self._source(columns[0], attrs)
        result = np.full(len(attrs), None, dtype=object)
        for column in columns:
            values = self._source(column, attrs).astype(object)
            take = (result == None) & ~blank_mask(values)  # noqa: E711 (element-wise)
            result[take] = values[take]
        return result

    def _template(self, template: str, attrs: pd.DataFrame) -> np.ndarray:
        pieces: list[np.ndarray | str] = []
        for literal, name, _spec, _conv in string.Formatter().parse(template):
            if literal:
                pieces.append(literal)
            if name:
                values = present(self._coalesce([name], attrs))
                pieces.append(np.array(["" if v is None else as_text(v) for v in values],
                                       dtype=object))
        out = np.full(len(attrs), None, dtype=object)
        for row in range(len(attrs)):
            text = "".join(p if isinstance(p, str) else p[row] for p in pieces)
            text = re.sub(r"\s+", " ", text).strip(" ;,/|-")
            out[row] = text or None
        return out

    def raw_values(self, attribute: Attribute, attrs: pd.DataFrame) -> np.ndarray:
        rule = self.profile.fields.get(attribute.name)
        if rule is None:
            return self._coalesce([attribute.name], attrs)
        if rule.value is not None:
            out = np.empty(len(attrs), dtype=object)
            out[:] = rule.value
            return out
        if rule.template is not None:
            return self._template(rule.template, attrs)
        return self._coalesce(rule.from_ or [attribute.name], attrs)

    # Expressions ---------------------------------------------------------------------
    @staticmethod
    def _extract(values: np.ndarray, rule: Rule, name: str,
                 notes: list[tuple[str, ...]]) -> np.ndarray:
        pattern = re.compile(rule.extract or "")

        def pick(value: object) -> object:
            match = pattern.search(as_text(value))
            if match is None:
                return None
            if rule.replace is not None:
                return match.expand(rule.replace)
            return match.group(1) if match.groups() else match.group(0)

        out, _ = convert_values(values, lambda v: (pick(v), None))
        for row in np.flatnonzero((out == None) & ~blank_mask(values)):  # noqa: E711
            notes[row] += (f"valor '{values[row]}' não corresponde ao padrão de {name}; "
                           "atributo deixado vazio",)
        return out

    @staticmethod
    def _map(values: np.ndarray, table: dict) -> np.ndarray:
        lookup = {normalize(k): v for k, v in table.items()}

        def translate(value: object) -> tuple[object, None]:
            key = normalize(as_text(value))
            return (lookup[key] if key in lookup else value), None

        return convert_values(values, translate)[0]

    def _values(self, attribute: Attribute, attrs: pd.DataFrame,
                notes: list[tuple[str, ...]]) -> tuple[np.ndarray, np.ndarray]:
        rule = self.profile.fields.get(attribute.name)
        values = self.raw_values(attribute, attrs)
        if rule and rule.extract:
            values = self._extract(values, rule, attribute.name, notes)
        if rule and rule.map:
            values = self._map(values, rule.map)
        if rule and rule.default is not None:
            values = values.astype(object)
            values[blank_mask(values)] = rule.default
        if values.dtype.kind in "iuf" and attribute.type in (AttributeType.INTEGER,
                                                             AttributeType.DECIMAL):
            converted, problems = _numeric(values, attribute, rule)
        else:
            converted, problems = convert_values(values, self._converters[attribute.name])
        if attribute.required:
            missing = (converted == None) & (problems == None)  # noqa: E711
            problems[missing] = f"atributo obrigatório em falta: {attribute.name}"
        return converted, problems

    # Keys ----------------------------------------------------------------------------
    def keys(self, attrs: pd.DataFrame, layer: str, fids: np.ndarray,
             geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The source key (`fonte_id`) of each feature, and a problem where it is missing."""
        key = self.profile.key
        size = len(attrs)
        self._cache = {}  # columns are cached per batch
        if key is None:
            keys = np.array([f"{layer}/{f}" for f in fids], dtype=object)
            return keys, np.full(size, None, dtype=object)
        parts = [key_texts(present(self._coalesce([name], attrs))) for name in key.fields]
        if key.geometry:
            parts.append(np.array([hashlib.md5(b).hexdigest()[:20] if b is not None else None
                                   for b in shapely.to_wkb(geoms)], dtype=object))
        prefix = f"{layer}/" if key.with_layer else ""
        keys = _joined_keys(parts, prefix)
        names = ", ".join(key.fields + (["geometria"] if key.geometry else []))
        problems = np.full(size, None, dtype=object)
        problems[keys == None] = f"chave de origem em falta ({names})"  # noqa: E711
        return keys, problems

    # All ------------------------------------------------------------------------------
    def map(self, attrs: pd.DataFrame, layer: str, fids: np.ndarray, geoms: np.ndarray,
            keyed: tuple[np.ndarray, np.ndarray] | None = None) -> Mapped:
        """Every attribute and the key; `keyed`: the keys and their problems when known."""
        attrs = attrs.reset_index(drop=True)
        self._cache = {}
        notes: list[tuple[str, ...]] = [()] * len(attrs)
        columns: dict[str, np.ndarray] = {}
        problem_columns = []
        for attribute in self.theme.attributes:
            columns[attribute.name], problems = self._values(attribute, attrs, notes)
            problem_columns.append(problems)
        keys, key_problems = keyed or self.keys(attrs, layer, fids, geoms)
        problem_columns.append(key_problems)
        return Mapped(columns, keys, _collect(problem_columns, len(attrs)), notes)


def _long_key(joined: str) -> str:
    return joined if len(joined) <= MAX_KEY else "sha1:" + hashlib.sha1(joined.encode()).hexdigest()


def _joined_keys(parts: list[np.ndarray], prefix: str) -> np.ndarray:
    """The parts of each key joined with '|' after `prefix`; None where a part is missing."""
    if len(parts) == 1 and not prefix:
        keys = parts[0].copy()
        for row in np.flatnonzero([k is not None and len(k) > MAX_KEY for k in keys]):
            keys[row] = _long_key(keys[row])
        return keys
    keys = np.full(len(parts[0]), None, dtype=object)
    for row, row_parts in enumerate(zip(*parts, strict=True)):
        if None not in row_parts:
            keys[row] = _long_key(prefix + "|".join(row_parts))
    return keys


def _collect(columns: list[np.ndarray], size: int) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [()] * size
    for values in columns:
        for row in np.flatnonzero(values != None):  # noqa: E711
            rows[row] += (values[row],)
    return rows
