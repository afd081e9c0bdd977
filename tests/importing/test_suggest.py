"""`--suggest-profile` drafts a profile a person can finish: names, code values, key."""

from __future__ import annotations

import yaml

from sig.importing import profiles
from sig.importing.suggest import draft_profile
from sig.registry import get_registry
from tests.conftest import shared


def check_valid(text: str, theme: str) -> profiles.Profile:
    registry = get_registry()
    profile = profiles.parse(text, "rascunho.yml")
    profiles.check(profile, "rascunho.yml", registry[theme], registry)
    return profile


def test_draft_from_the_dgt_model_geopackage():
    text = draft_profile([str(shared("pdm_moita", "PDM_1506_Moita_modelo_dgt.gpkg"))],
                         "ordenamento", ("objeto_poligono",))
    profile = check_valid(text, "ordenamento")
    assert profile.key is not None and profile.key.fields == ["objeto_uuid"]
    assert profile.fields["codigo"].from_ == ["codigo"]
    assert profile.fields["designacao"].from_ == ["legenda"]
    assert profile.fields["objeto_uuid"].from_ == ["objeto_uuid"]


def test_draft_from_a_json_list_finds_coordinates_and_names():
    text = draft_profile([str(shared("equipamentos_justica", "cimrl_mj_equipamentos.json"))],
                         "equipamentos")
    data = yaml.safe_load(text)
    assert data["source"]["geometry"] == {"x": "Posicao.Lng", "y": "Posicao.Lat"}
    assert data["fields"]["nome"] == {"from": "Nome"}
    assert data["fields"]["morada"] == {"from": "Morada"}
    assert data["fields"]["codigo_postal"] == {"from": "CodigoPostal"}
    assert data["fields"]["tipo"] == {"from": "Tipo"}  # a person maps 1, 2, 4, 5 to justica
    assert "sem correspondência na lista tipo_equipamento: \"1\"" in text
    assert data["source"]["crs"] == "EPSG:4326"  # the values look like longitude/latitude
    assert data["key"] == {"fields": ["Nome"]}


def test_draft_for_a_zip_of_shapefiles():
    zipped = str(shared("pdm_moita", "1506_planta_ord_dados_origem.zip"))
    text = draft_profile([zipped], "ordenamento_linha")
    profile = check_valid(text, "ordenamento_linha")
    assert profile.fields["codigo"].from_ == ["COD"]
    assert len(profile.source.layers) == 10  # the line layers, listed for a person to prune
    assert profile.key is not None and profile.key.fields == ["id"] and profile.key.with_layer
    points = check_valid(draft_profile([zipped], "ordenamento_ponto"), "ordenamento_ponto")
    assert points.key is None  # `id` repeats in Nós.shp: no key proposed
