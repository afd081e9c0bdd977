"""`sig import` on the command line: summary, quarantine export, run list, clear errors."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import shapely

from sig.cli import main
from sig.conf import get_settings
from tests.importing.conftest import write


def test_import_then_export_quarantine_and_list_runs(tmp_path, clean, leiria_points, capsys):
    frame = gpd.GeoDataFrame({"nome": ["Escola", "Fora"], "tipo": ["educacao", "educacao"]},
                             geometry=[leiria_points[0], shapely.Point(-200000, 0)], crs=3763)
    source = write(frame, tmp_path / "escolas.geojson", driver="GeoJSON")
    code = main(["import", "--municipio", "1009", "--theme", "equipamentos", "--fonte", clean,
                 "--user", "maria", str(source)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "lidos 2 = inseridos 1 + atualizados 0 + sem alterações 0 + em quarentena 1" in out.out
    assert "a ler…" in out.err and "a gravar…" in out.err  # progress, one line per stage
    run_id = int(out.out.split("importação ")[1].split(":")[0])

    target = tmp_path / "quarentena.gpkg"
    assert main(["import", "--quarantine", str(run_id), "-o", str(target)]) == 0
    assert "1 elementos em quarentena escritos" in capsys.readouterr().out
    assert list(pyogrio.read_dataframe(target)["nome"]) == ["Fora"]

    assert main(["import", "--runs", "--last", "3"]) == 0
    listing = capsys.readouterr().out
    assert f"{run_id:>6}" in listing and "concluida" in listing and clean in listing


def test_errors_are_one_clear_line(tmp_path, capsys):
    code = main(["import", "--municipio", "9999", "--theme", "equipamentos",
                 str(tmp_path / "nada.geojson")])
    err = capsys.readouterr().err
    assert code == 2
    served = ", ".join(get_settings().municipios)
    assert err.strip() == f"erro: município desconhecido ou não servido: 9999 (servidos: {served})"


def test_suggest_profile_writes_a_draft(tmp_path, leiria_points, capsys):
    frame = gpd.GeoDataFrame({"NOME": ["Escola"], "TIPO": ["Educação"], "COD_POSTAL": ["2400"]},
                             geometry=[leiria_points[0]], crs=3763)
    source = write(frame, tmp_path / "escolas.shp")
    target = tmp_path / "perfil.yml"
    assert main(["import", "--suggest-profile", "--theme", "equipamentos", "-o", str(target),
                 str(source)]) == 0
    text = target.read_text()
    assert 'nome:\n    from: "NOME"' in text
    assert 'tipo:\n    from: "TIPO"\n    map:\n      "Educação": "educacao"' in text
    assert 'codigo_postal:\n    from: "COD_POSTAL"' in text
