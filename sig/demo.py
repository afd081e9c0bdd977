"""Synthetic demo data for every theme, inside each served municipality.

Deterministic (seeded per municipality), generated with vectorised shapely/numpy and written
with COPY, so `--scale 100` reaches millions of features. Demo rows carry `fonte = 'demo'`
and replace earlier demo rows; other data is untouched.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon, box

from sig.db.connect import connect_as
from sig.registry import Registry, Theme, get_registry

log = logging.getLogger(__name__)

SOURCE = "demo"
STREETS = ("Rua da Liberdade", "Rua 25 de Abril", "Avenida Marquês de Pombal", "Rua da Igreja",
           "Rua do Comércio", "Travessa da Fonte", "Largo do Município", "Rua de Leiria",
           "Rua Dr. José Jardim", "Rua das Flores", "Rua do Castelo", "Avenida da República",
           "Rua Nossa Senhora da Graça", "Rua da Escola", "Rua do Pinhal")
FACILITY_NAMES = {
    "educacao": "Escola Básica", "saude": "Unidade de Saúde", "desporto": "Pavilhão Desportivo",
    "cultura": "Biblioteca Municipal", "social": "Centro de Dia", "administracao": "Junta",
    "seguranca": "Posto da GNR", "justica": "Julgado de Paz", "outro": "Equipamento",
}

# Features per municipality at scale 1.
BASE_COUNTS = {
    "equipamentos": 30, "rede_viaria": 200, "iluminacao_publica": 1000, "residuos": 200,
    "moradas": 1000, "ordenamento": 200, "ordenamento_linha": 20, "ordenamento_ponto": 20,
    "condicionantes": 60, "condicionantes_linha": 20, "condicionantes_ponto": 20,
}


@dataclass
class Territory:
    dico: str
    nome: str
    geom: shapely.Geometry
    freguesias: list[tuple[str, shapely.Geometry]]

    def __post_init__(self) -> None:
        self.inner = self.geom.buffer(-60)  # keep clear of the simplified boundary
        self.tree = STRtree([g for _, g in self.freguesias]) if self.freguesias else None

    def freguesia_of(self, points: np.ndarray) -> list[str | None]:
        codes: list[str | None] = [None] * len(points)
        if self.tree is None or len(points) == 0:
            return codes
        # Nearest freguesia: the two CAOP layers were simplified apart and leave slivers.
        geoms = shapely.points(points)
        idx_points, idx_tree = self.tree.query_nearest(geoms, all_matches=False)
        for p, t in zip(idx_points, idx_tree, strict=True):
            codes[p] = self.freguesias[t][0]
        return codes


def random_points(area: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` uniform random points inside `area` (rejection sampling, vectorised)."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        batch = max(1000, int((n - total) * 2.5))
        xy = np.column_stack([rng.uniform(minx, maxx, batch), rng.uniform(miny, maxy, batch)])
        inside = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        found.append(inside)
        total += len(inside)
    return np.concatenate(found)[:n]


def _choice(rng: np.random.Generator, values: tuple[str, ...], n: int) -> list[str]:
    return list(rng.choice(np.array(values, dtype=object), n))


Row = dict[str, object]
Maker = Callable[[Territory, Theme, Registry, int, np.random.Generator], Iterator[Row]]


def _point_rows(t: Territory, n: int, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    xy = random_points(t.inner, n, rng)
    return xy, t.freguesia_of(xy)


def make_equipamentos(t, theme, registry, n, rng):
    xy, fregs = _point_rows(t, n, rng)
    kinds = _choice(rng, registry.code_values(theme.id, "tipo"), n)
    for i, ((x, y), freg, kind) in enumerate(zip(xy, fregs, kinds, strict=True)):
        yield {"geom": shapely.Point(x, y), "freguesia": freg, "tipo": kind,
               "nome": f"{FACILITY_NAMES[kind]} n.º {i + 1} de {t.nome}",
               "morada": f"{STREETS[i % len(STREETS)]}, {i + 1}",
               "codigo_postal": f"{2400 + int(t.dico[2:]) * 10}-{i % 1000:03d}",
               "contacto": f"244 {100000 + i:06d}"}


def make_moradas(t, theme, registry, n, rng):
    xy, fregs = _point_rows(t, n, rng)
    for i, ((x, y), freg) in enumerate(zip(xy, fregs, strict=True)):
        yield {"geom": shapely.Point(x, y), "freguesia": freg,
               "arruamento": STREETS[i % len(STREETS)], "numero": str(i // len(STREETS) + 1),
               "codigo_postal": f"{2400 + int(t.dico[2:]) * 10}-{i % 1000:03d}",
               "localidade": t.nome}


def make_iluminacao(t, theme, registry, n, rng):
    xy, fregs = _point_rows(t, n, rng)
    kinds = _choice(rng, registry.code_values(theme.id, "tipo_luminaria"), n)
    led = rng.random(n) < 0.45
    state = rng.choice(np.array(["funcional", "avariado", "desativado"], dtype=object), n,
                       p=[0.9, 0.06, 0.04])
    power = rng.choice([36.0, 50.0, 70.0, 100.0, 150.0], n)
    days = rng.integers(0, 365 * 25, n)
    for i in range(n):
        yield {"geom": shapely.Point(*xy[i]), "freguesia": fregs[i], "tipo_luminaria": kinds[i],
               "potencia_w": float(power[i]) * (0.5 if led[i] else 1), "led": bool(led[i]),
               "circuito": f"C{t.dico}-{i % 97:02d}", "estado": state[i],
               "data_instalacao": dt.date(2000, 1, 1) + dt.timedelta(days=int(days[i]))}


def make_residuos(t, theme, registry, n, rng):
    xy, fregs = _point_rows(t, n, rng)
    streams = _choice(rng, registry.code_values(theme.id, "fluxo"), n)
    under = rng.random(n) < 0.2
    for i in range(n):
        yield {"geom": shapely.Point(*xy[i]), "freguesia": fregs[i], "fluxo": streams[i],
               "capacidade_l": 3000 if under[i] else int(rng.choice([800, 1100, 2500])),
               "enterrado": bool(under[i]), "entidade": f"Município de {t.nome}"}


def _random_lines(t: Territory, n: int, rng: np.random.Generator, steps: int = 6):
    starts = random_points(t.inner, n, rng)
    angles = rng.uniform(0, 2 * np.pi, n)
    for i, start in enumerate(starts):
        turns = np.cumsum(rng.normal(0, 0.35, steps)) + angles[i]
        lengths = rng.uniform(80, 400, steps)
        xy = start + np.column_stack([np.cos(turns) * lengths, np.sin(turns) * lengths]).cumsum(0)
        coords = np.vstack([start, xy])
        line = shapely.LineString(coords).intersection(t.inner)
        parts = [g for g in getattr(line, "geoms", [line]) if g.geom_type == "LineString"
                 and not g.is_empty]
        if parts:
            yield i, MultiLineString(parts), start


def make_rede_viaria(t, theme, registry, n, rng):
    classes = ("EN", "ER", "EM", "CM", "arruamento", "arruamento", "arruamento", "caminho_rural",
               "caminho_florestal")
    surfaces = registry.code_values(theme.id, "pavimento")
    for i, line, start in _random_lines(t, n, rng):
        kind = classes[i % len(classes)]
        yield {"geom": line, "freguesia": t.freguesia_of(np.array([start]))[0],
               "classificacao": kind, "nome": STREETS[i % len(STREETS)] if kind == "arruamento"
               else None, "codigo_via": f"{kind} {100 + i}" if kind in ("EN", "ER", "EM", "CM")
               else None, "pavimento": surfaces[i % len(surfaces)]}


def _zoning_cells(t: Territory, n: int) -> list[shapely.Geometry]:
    minx, miny, maxx, maxy = t.inner.bounds
    size = max(50.0, float(np.sqrt(t.inner.area / max(n, 1))))
    xs = np.arange(minx, maxx, size)
    ys = np.arange(miny, maxy, size)
    cells = [box(x, y, x + size, y + size) for x in xs for y in ys]
    cut = shapely.intersection(np.array(cells, dtype=object), t.inner)
    keep = [g for g in cut if not g.is_empty and g.area > 1.0]
    return keep[:n]


def _as_multipolygon(g: shapely.Geometry) -> MultiPolygon:
    polygons = [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon"]
    return MultiPolygon(polygons)


def _pdm_common(rng, theme, registry, n):
    codes = registry.code_values(theme.id, "codigo")
    chosen = _choice(rng, codes, n)
    labels = {v.code: v.label.pt for v in registry.codelist(theme.id, "objeto_tipo")}
    return chosen, labels


def make_ordenamento(t, theme, registry, n, rng):
    cells = _zoning_cells(t, n)
    codes, labels = _pdm_common(rng, theme, registry, len(cells))
    for i, cell in enumerate(cells):
        point = cell.representative_point()
        yield {"geom": _as_multipolygon(cell),
               "freguesia": t.freguesia_of(np.array([[point.x, point.y]]))[0],
               "codigo": codes[i], "designacao": labels[codes[i]], "etiqueta": codes[i],
               "ato": f"Aviso n.º {1000 + int(t.dico)}/2015", "data_inf": dt.date(2015, 6, 1),
               "objeto_uuid": f"demo-{t.dico}-{theme.id}-{i}"}


def make_condicionantes(t, theme, registry, n, rng):
    centres = random_points(t.inner, n, rng)
    codes, labels = _pdm_common(rng, theme, registry, n)
    radii = rng.uniform(60, 600, n)
    for i, (x, y) in enumerate(centres):
        area = shapely.Point(x, y).buffer(radii[i], quad_segs=6).intersection(t.inner)
        if area.is_empty or area.area < 1:
            continue
        yield {"geom": _as_multipolygon(area),
               "freguesia": t.freguesia_of(np.array([[x, y]]))[0], "codigo": codes[i],
               "designacao": labels[codes[i]], "etiqueta": None,
               "ato": f"Aviso n.º {1000 + int(t.dico)}/2015", "data_inf": dt.date(2015, 6, 1),
               "objeto_uuid": f"demo-{t.dico}-{theme.id}-{i}"}


def make_pdm_lines(t, theme, registry, n, rng):
    codes, labels = _pdm_common(rng, theme, registry, n)
    for i, line, start in _random_lines(t, n, rng, steps=10):
        yield {"geom": line, "freguesia": t.freguesia_of(np.array([start]))[0],
               "codigo": codes[i], "designacao": labels[codes[i]], "etiqueta": None,
               "ato": None, "data_inf": None, "objeto_uuid": f"demo-{t.dico}-{theme.id}-{i}"}


def make_pdm_points(t, theme, registry, n, rng):
    xy, fregs = _point_rows(t, n, rng)
    codes, labels = _pdm_common(rng, theme, registry, n)
    for i in range(n):
        yield {"geom": MultiPoint([xy[i]]), "freguesia": fregs[i], "codigo": codes[i],
               "designacao": labels[codes[i]], "etiqueta": None, "ato": None, "data_inf": None,
               "objeto_uuid": f"demo-{t.dico}-{theme.id}-{i}"}


MAKERS: dict[str, Maker] = {
    "equipamentos": make_equipamentos, "moradas": make_moradas,
    "iluminacao_publica": make_iluminacao, "residuos": make_residuos,
    "rede_viaria": make_rede_viaria, "ordenamento": make_ordenamento,
    "condicionantes": make_condicionantes, "ordenamento_linha": make_pdm_lines,
    "condicionantes_linha": make_pdm_lines, "ordenamento_ponto": make_pdm_points,
    "condicionantes_ponto": make_pdm_points,
}


def load_territories(conn) -> list[Territory]:
    rows = conn.execute("SELECT dico, nome, ST_AsBinary(geom) FROM municipio ORDER BY dico")
    municipios = rows.fetchall()
    fregs: dict[str, list] = {}
    for code, mun, wkb in conn.execute(
            "SELECT dicofre, municipio, ST_AsBinary(geom) FROM freguesia ORDER BY dicofre"):
        fregs.setdefault(mun, []).append((code, shapely.from_wkb(bytes(wkb))))
    return [Territory(d, n, shapely.from_wkb(bytes(w)), fregs.get(d, [])) for d, n, w in municipios]


def _copy_theme(conn, theme: Theme, rows: Iterator[tuple[str, Row]]) -> int:
    names = [a.name for a in theme.attributes]
    columns = ["municipio", "freguesia", "fonte", "fonte_id", "created_by", "updated_by",
               "geom", *names]
    sql = f'COPY public."{theme.table}" ({", ".join(columns)}) FROM STDIN'
    count = 0
    with conn.cursor().copy(sql) as copy:
        for dico, row in rows:
            count += 1
            copy.write_row([dico, row.get("freguesia"), SOURCE, f"{dico}-{count}", SOURCE, SOURCE,
                            _ewkb(row["geom"]),
                            *[row.get(n) for n in names]])
    return count


def _ewkb(geometry: shapely.Geometry) -> str:
    return shapely.to_wkb(shapely.set_srid(geometry, 3763), hex=True, include_srid=True)


def generate(scale: float = 1.0, seed: int = 2026, registry: Registry | None = None,
             progress: Callable[[str], None] = log.info) -> dict[str, int]:
    """Replace the demo rows of every theme; returns features written per theme."""
    registry = registry or get_registry()
    counts: dict[str, int] = {}
    with connect_as("owner", application_name="sig demo") as conn:
        territories = load_territories(conn)
        if not territories:
            raise RuntimeError("não há municípios carregados: corra primeiro `sig load-caop`")
        for theme in registry:
            counts[theme.id] = _load_theme(conn, theme, registry, territories, scale, seed)
            progress(f"{theme.id}: {counts[theme.id]} elementos")
        conn.commit()
    return counts


def _load_theme(conn, theme, registry, territories, scale, seed) -> int:
    """Delete and rewrite one theme's demo rows, with its row triggers off (same transaction)."""
    table = f'public."{theme.table}"'
    conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    conn.execute(f"DELETE FROM {table} WHERE fonte = %s", (SOURCE,))
    maker = MAKERS[theme.id]
    n = max(1, int(BASE_COUNTS.get(theme.id, 100) * scale))

    def rows():
        for t in territories:
            rng = np.random.default_rng([seed, int(t.dico), sum(map(ord, theme.id))])
            for row in maker(t, theme, registry, n, rng):
                yield t.dico, row

    count = _copy_theme(conn, theme, rows())
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK checks run before re-enabling
    conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    conn.execute(f"ANALYZE {table}")
    return count
