"""`sig import --suggest-profile`: draft a mapping profile from a file, for a person to finish.

Theme attributes are matched to source fields by name (ignoring case, accents, punctuation,
the 10-character DBF limit, and a list of usual synonyms), code-list attributes get a value
map from the distinct values found, and a source key is proposed among fields whose sampled
values are unique.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sig.importing import readers, sources
from sig.importing.errors import ImportRefused
from sig.importing.mapping import Mapper, as_text, is_blank
from sig.importing.profiles import SourceHints
from sig.importing.text import identifier, normalize
from sig.registry import AttributeType, Registry, Theme, get_registry

SYNONYMS = {
    "codigo": ["cod", "code", "codigotipo", "objetotipo"],
    "designacao": ["legenda", "descricao", "desc", "designacao"],
    "etiqueta": ["etiquetas", "label", "sigla"],
    "nome": ["name", "denominacao", "designacao"],
    "morada": ["endereco", "address", "rua"],
    "codigo_postal": ["codigopostal", "cp", "codpostal", "postal"],
    "contacto": ["telefone", "telef", "email", "phone", "contactos"],
    "tipo": ["type", "categoria", "classe"],
    "arruamento": ["rua", "via", "toponimo", "street"],
    "numero": ["num", "npolicia", "porta", "nporta"],
    "localidade": ["lugar", "local"],
    "classificacao": ["classe", "tipovia", "categoria"],
    "pavimento": ["piso", "revestimento"],
    "potencia_w": ["potencia", "pot", "watts"],
    "estado": ["state", "situacao"],
    "data_inf": ["data", "date"],
    "ato": ["atoid", "diploma", "publicacao", "servlei"],
    "fluxo": ["residuo", "tipo"],
    "capacidade_l": ["capacidade", "litros", "volume"],
    "enterrado": ["subterraneo"],
    "entidade": ["operador", "gestor"],
    "tipo_luminaria": ["luminaria", "tipolum", "tipo"],
    "circuito": ["quadro"],
    "data_instalacao": ["instalacao", "datainst"],
    "objeto_uuid": ["uuid"],
}
KEY_NAMES = ("objeto_uuid", "uuid", "id", "identificador", "codigo", "cod", "ref", "gid", "fid")
SAMPLE = 2000
MAX_VALUES = 40


@dataclass
class Draft:
    layers: list[readers.Layer]
    sample: pd.DataFrame
    geometry: dict | None
    samples: list[pd.DataFrame]
    lonlat: bool = False


def _match_field(name: str, columns: list[str], presence: dict[str, int]) -> str | None:
    """The source field for attribute `name`: by name, synonym or close spelling; among
    several, the one present in most layers."""
    candidates = [Mapper.column(n, columns) for n in [name, *SYNONYMS.get(name, [])]]
    keyed = {identifier(c): c for c in columns}
    candidates += [keyed[c] for c in difflib.get_close_matches(identifier(name), list(keyed),
                                                               n=3, cutoff=0.8)]
    found = [c for c in dict.fromkeys(candidates) if c]
    if not found:
        return None
    return max(found, key=lambda c: (presence.get(c, 0), -found.index(c)))


def _code_map(values: list[str], theme: Theme, attribute: str,
              registry: Registry) -> tuple[dict[str, str], list[str]]:
    codelist = registry.codelist(theme.id, theme.attribute(attribute).codelist or "")
    codes = {v.code for v in codelist}
    labels = {normalize(v.label.pt): v.code for v in codelist}
    labels.update({normalize(v.code): v.code for v in codelist})
    mapped, unmatched = {}, []
    for value in values:
        if value in codes:
            continue
        key = normalize(value)
        code = labels.get(key)
        if code is None:
            close = difflib.get_close_matches(key, list(labels), n=1, cutoff=0.75)
            code = labels[close[0]] if close else None
        if code is None:
            unmatched.append(value)
        else:
            mapped[value] = code
    return mapped, unmatched


def _distinct(series: pd.Series) -> list[str]:
    values = [as_text(v) for v in series.to_numpy(dtype=object) if not is_blank(v)]
    return sorted(dict.fromkeys(values))[:MAX_VALUES]


def _unique(frame: pd.DataFrame, column: str) -> bool:
    values = frame[column]
    return bool(len(values)) and not values.map(is_blank).any() and \
        values.map(as_text).is_unique


def _key(samples: list[pd.DataFrame]) -> str | None:
    """A field whose values are unique in every layer: usual id names first."""
    if not samples:
        return None
    common = [str(c) for c in samples[0].columns
              if all(str(c) in map(str, s.columns) for s in samples)]
    named = [c for c in (Mapper.column(n, common) for n in KEY_NAMES) if c]
    for column in dict.fromkeys(named + common):
        if all(_unique(s, column) for s in samples):
            return column
    return None


def _looks_lonlat(frame: pd.DataFrame, geometry: dict | None) -> bool:
    if not geometry or "x" not in geometry:
        return False
    try:
        x = pd.to_numeric(frame[geometry["x"]].astype(str).str.replace(",", "."))
        y = pd.to_numeric(frame[geometry["y"]].astype(str).str.replace(",", "."))
    except (ValueError, TypeError):
        return False
    return bool(x.between(-180, 180).all() and y.between(-90, 90).all())


def _read_sample(layers: list[readers.Layer], hints: SourceHints) -> Draft:
    frames, geometry, lonlat = [], None, False
    for layer in layers:
        batch = next(readers.batches(layer, SAMPLE, hints), None)
        if batch is None:
            continue
        frames.append(batch.attrs)
        if layer.kind != "ogr" and geometry is None:
            geometry = readers.find_geometry([str(c) for c in batch.attrs.columns], None,
                                             layer.file.name)
            lonlat = _looks_lonlat(batch.attrs, geometry)
    sample = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Draft(layers, sample, geometry, frames, lonlat)


def _q(text: object) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _attribute_lines(theme: Theme, registry: Registry, draft: Draft) -> list[str]:
    sample = draft.sample
    columns = [str(c) for c in sample.columns]
    presence = {c: sum(c in map(str, f.columns) for f in draft.samples) for c in columns}
    lines = ["fields:"]
    for attribute in theme.attributes:
        column = _match_field(attribute.name, columns, presence)
        required = " (obrigatório)" if attribute.required else ""
        if column is None:
            lines.append(f"  # {attribute.name}{required}: sem campo correspondente; "
                         "indique {from: CAMPO} ou {value: VALOR}")
            continue
        lines.append(f"  {attribute.name}:")
        lines.append(f"    from: {_q(column)}")
        if attribute.type is AttributeType.CODE:
            mapped, unmatched = _code_map(_distinct(sample[column]), theme, attribute.name,
                                          registry)
            if mapped:
                lines.append("    map:")
                lines += [f"      {_q(k)}: {_q(v)}" for k, v in mapped.items()]
            for value in unmatched:
                lines.append(f"    # sem correspondência na lista {attribute.codelist}: "
                             f"{_q(value)}")
    return lines


def draft_profile(sources_: list[str | Path], theme_id: str, layers: tuple[str, ...] = (),
                  settings=None) -> str:
    """A YAML draft of a profile for `theme_id` from the given sources."""
    from sig.conf import get_settings

    settings = settings or get_settings()
    registry = get_registry()
    if theme_id not in registry:
        raise ImportRefused(f"tema desconhecido: {theme_id}")
    theme = registry[theme_id]
    with sources.prepare(sources_, settings) as prepared:
        found = [layer for f in prepared.files for layer in readers.discover(f)]
        chosen, _ = readers.select(found, theme.geometry.family, theme.id, layers, SourceHints())
        draft = _read_sample(chosen, SourceHints())
        name = prepared.originals[0]["nome"]
    return "\n".join(_profile_lines(theme, registry, draft, name)) + "\n"


def _profile_lines(theme: Theme, registry: Registry, draft: Draft, name: str) -> list[str]:
    lines = [f"# Perfil de importação (rascunho gerado de {name}): reveja cada linha.",
             f"theme: {theme.id}", f"fonte: {_q(name)}"]
    source = []
    if len(draft.layers) > 1:
        source.append("  layers: [" + ", ".join(_q(layer.name) for layer in draft.layers) + "]")
    if draft.lonlat:
        source.append("  crs: EPSG:4326  # coordenadas com ar de longitude/latitude: confirme")
    elif any(not layer.crs for layer in draft.layers):
        source.append("  crs: EPSG:3763  # a fonte não indica o sistema de coordenadas: confirme")
    if draft.geometry:
        pairs = ", ".join(f"{k}: {_q(v)}" for k, v in draft.geometry.items())
        source.append(f"  geometry: {{{pairs}}}")
    if source:
        lines += ["source:", *source]
    key = _key(draft.samples)
    if key:
        with_layer = ", with_layer: true" if len(draft.layers) > 1 else ""
        lines.append(f"key: {{fields: [{_q(key)}]{with_layer}}}")
    else:
        lines.append("# key: sem campo de valores únicos na amostra; "
                     "use {fields: [CAMPO]} ou {geometry: true}")
    return lines + _attribute_lines(theme, registry, draft)
