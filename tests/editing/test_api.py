"""The editing API: methods, ETag/If-Match, Content-Crs, errors as OGC exception JSON."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from sig.editing.accounts import get_user, new_token
from sig.themes.models import THEME_MODELS
from tests.editing.conftest import (
    CASTLE_CRS84,
    CASTLE_PTTM06,
    EDITOR_API,
    PASSWORD,
    POINT_1009,
    POINT_1009_B,
    POINT_1010,
    equipamento,
    send,
    tag,
)

ITEMS = f"{EDITOR_API}/equipamentos/items"
PTTM06 = "<http://www.opengis.net/def/crs/EPSG/0/3763>"
Equipamento = THEME_MODELS["equipamentos"]

pytestmark = pytest.mark.django_db


def create(client, feature=None, crs=PTTM06, **headers):
    return send(client, "POST", ITEMS, feature or equipamento(), Content_Crs=crs, **headers)


def allow(client, url) -> set[str]:
    response = client.options(url)
    assert response.status_code == 204
    return set(response["Allow"].split(", "))


def test_options_lists_what_the_persons_rights_permit(as_ana, caop):
    own = create(as_ana).json()["id"]
    neighbour = Equipamento.objects.filter(municipio_id="1010").values_list("id", flat=True)
    reads = {"GET", "HEAD", "OPTIONS"}
    assert allow(as_ana, ITEMS) == reads | {"POST"}
    assert allow(as_ana, f"{ITEMS}/{own}") == reads | {"PUT", "PATCH", "DELETE"}
    assert allow(as_ana, f"{ITEMS}/unknown_id") == reads | {"PUT", "PATCH", "DELETE"}
    if neighbour:
        assert allow(as_ana, f"{ITEMS}/{neighbour[0]}") == reads
    anonymous = Client()
    assert allow(anonymous, ITEMS) == reads and allow(anonymous, f"{ITEMS}/{own}") == reads


def test_create_answers_201_with_location_and_etag(as_ana):
    response = create(as_ana)
    assert response.status_code == 201, response.content
    feature = response.json()
    assert response["Location"].endswith(f"{ITEMS}/{feature['id']}")
    assert response["ETag"] == tag(feature["id"], 1) and response["Content-Crs"] == PTTM06
    assert feature["properties"]["municipio"] == "1009"
    assert feature["properties"]["created_by"] == "app:ana"
    stored = Equipamento.objects.get(pk=feature["id"])
    assert (round(stored.geom.x), round(stored.geom.y)) == (round(POINT_1009[0]),
                                                            round(POINT_1009[1]))


def test_crs84_input_is_reprojected_not_stored_raw(as_ana):
    response = create(as_ana, equipamento(CASTLE_CRS84),
                      crs="<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
    assert response.status_code == 201, response.content
    stored = Equipamento.objects.get(pk=response.json()["id"]).geom
    assert stored.srid == 3763
    assert abs(stored.x - CASTLE_PTTM06[0]) < 0.5 and abs(stored.y - CASTLE_PTTM06[1]) < 0.5
    # Answered in the CRS it was sent in.
    assert response.json()["geometry"]["coordinates"] == pytest.approx(list(CASTLE_CRS84),
                                                                       abs=1e-6)


def test_missing_content_crs_means_crs84(as_ana):
    response = send(as_ana, "POST", ITEMS, equipamento(CASTLE_CRS84))
    assert response.status_code == 201
    assert abs(Equipamento.objects.get(pk=response.json()["id"]).geom.x - CASTLE_PTTM06[0]) < 0.5


def test_update_with_if_match_bumps_the_etag(as_ana):
    feature = create(as_ana).json()
    url = f"{ITEMS}/{feature['id']}"
    patch = {"type": "Feature", "properties": {"nome": "Museu renovado"}}
    response = send(as_ana, "PATCH", url, patch, Content_Crs=PTTM06, If_Match=tag(feature["id"], 1))
    assert response.status_code == 200 and response["ETag"] == tag(feature["id"], 2)
    assert response.json()["properties"]["nome"] == "Museu renovado"
    assert response.json()["properties"]["tipo"] == "cultura"  # PATCH keeps the rest


def test_a_put_without_if_match_nor_row_version_gets_428(as_ana):
    feature = create(as_ana).json()
    response = send(as_ana, "PUT", f"{ITEMS}/{feature['id']}", equipamento(nome="Sem versão"),
                    Content_Crs=PTTM06)
    assert response.status_code == 428 and response.json()["code"] == "PreconditionRequired"
    assert Equipamento.objects.get(pk=feature["id"]).nome == "Museu de teste"


def test_put_replaces_attributes_and_geometry(as_ana):
    feature = create(as_ana, equipamento(morada="Rua A")).json()
    url = f"{ITEMS}/{feature['id']}"
    replacement = equipamento(POINT_1009_B, nome="Outro")
    response = send(as_ana, "PUT", url, replacement, Content_Crs=PTTM06,
                    If_Match=tag(feature["id"], 1))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["properties"]["morada"] is None and body["properties"]["nome"] == "Outro"
    assert body["geometry"]["coordinates"] == pytest.approx(list(POINT_1009_B))


def test_stale_if_match_gets_412_with_the_current_state(as_ana):
    feature = create(as_ana).json()
    url = f"{ITEMS}/{feature['id']}"
    first = {"type": "Feature", "properties": {"nome": "Primeira"}}
    assert send(as_ana, "PATCH", url, first, If_Match=tag(feature["id"], 1)).status_code == 200
    second = {"type": "Feature", "properties": {"nome": "Segunda"}}
    response = send(as_ana, "PATCH", url, second, If_Match=tag(feature["id"], 1))
    assert response.status_code == 412
    assert response["ETag"] == tag(feature["id"], 2)
    body = response.json()
    assert body["code"] == "PreconditionFailed" and body["properties"]["nome"] == "Primeira"
    assert Equipamento.objects.get(pk=feature["id"]).nome == "Primeira"


def test_delete_with_if_match(as_ana):
    feature = create(as_ana).json()
    url = f"{ITEMS}/{feature['id']}"
    assert send(as_ana, "DELETE", url, If_Match=tag(feature["id"], 7)).status_code == 412
    assert Equipamento.objects.filter(pk=feature["id"]).exists()
    assert send(as_ana, "DELETE", url, If_Match=tag(feature["id"], 1)).status_code == 204
    assert not Equipamento.objects.filter(pk=feature["id"]).exists()
    assert send(as_ana, "DELETE", url, If_Match=tag(feature["id"], 1)).status_code == 404


def test_get_item_has_etag(as_ana):
    feature = create(as_ana).json()
    response = as_ana.get(f"{ITEMS}/{feature['id']}", {"crs": "EPSG:3763"})
    assert response.status_code == 200 and response["ETag"] == tag(feature["id"], 1)
    assert response.json()["geometry"]["type"] == "Point"


def test_anonymous_and_viewers_cannot_write(client, vitor):
    response = create(client)
    assert response.status_code == 401 and response.json()["code"] == "Unauthorized"
    client.force_login(get_user("vitor"))
    response = create(client)
    assert response.status_code == 403 and "não tem permissão" in response.json()["description"]


def test_token_authentication_needs_no_csrf(ana, caop):
    token = new_token("ana")
    client = Client(enforce_csrf_checks=True)
    response = create(client, Authorization=f"Bearer {token}")
    assert response.status_code == 201, response.content
    assert create(client, Authorization="Bearer sig_wrong").status_code == 401


def test_basic_auth_with_the_token_as_password(ana, caop):
    import base64

    token = new_token("ana")
    credentials = base64.b64encode(f"ana:{token}".encode()).decode()
    response = create(Client(), Authorization=f"Basic {credentials}")
    assert response.status_code == 201, response.content


def test_session_writes_need_the_csrf_token(ana, caop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user("ana"))
    response = create(client)
    assert response.status_code == 403 and "CSRF" in response.json()["description"]
    client.get("/editor/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert create(client, X_CSRFToken=token).status_code == 201


def test_unknown_collection_and_item(as_ana):
    assert send(as_ana, "POST", f"{EDITOR_API}/nada/items", equipamento()).status_code == 404
    assert as_ana.get(f"{ITEMS}/999999999").status_code == 404
    assert as_ana.get(f"{ITEMS}/abc").status_code == 404


def test_list_by_municipality_bbox_and_search(as_ana):
    create(as_ana, equipamento(nome="Biblioteca Afonso Lopes Vieira"))
    response = as_ana.get(ITEMS, {"q": "afonso lopes", "municipio": "1009",
                                  "crs": "EPSG:3763"})
    names = [f["properties"]["nome"] for f in response.json()["features"]]
    assert "Biblioteca Afonso Lopes Vieira" in names
    x, y = POINT_1009
    bbox = f"{x - 10},{y - 10},{x + 10},{y + 10}"
    response = as_ana.get(ITEMS, {"bbox": bbox, "bbox-crs": "EPSG:3763", "crs": "EPSG:3763"})
    assert response.json()["numberReturned"] >= 1
    assert as_ana.get(ITEMS, {"limit": "0"}).status_code == 400


def test_a_new_feature_near_the_border_goes_to_the_editors_municipality(as_ana):
    response = create(as_ana, equipamento(POINT_1010))
    assert response.status_code == 403
    assert "município 1010" in response.json()["description"]


def test_if_match_must_name_this_feature_strongly(as_ana):
    feature = create(as_ana).json()
    url = f"{ITEMS}/{feature['id']}"
    patch = {"properties": {"nome": "x"}}
    other = tag(feature["id"] + 1, 1)
    assert send(as_ana, "PATCH", url, patch, If_Match=other).status_code == 412
    weak = "W/" + tag(feature["id"], 1)
    assert send(as_ana, "PATCH", url, patch, If_Match=weak).status_code == 412
    both = f'{other}, {tag(feature["id"], 1)}'
    assert send(as_ana, "PATCH", url, patch, If_Match=both).status_code == 200
    assert send(as_ana, "PATCH", url, {"properties": {"nome": "y"}},
                If_Match="*").status_code == 200


def test_requests_per_token_are_limited(ana, caop, settings):
    settings.SIG_API_TOKEN_RATE = "2/1m"
    token = new_token("ana")
    client = Client()
    statuses = [client.options(ITEMS).status_code]  # OPTIONS needs no token
    statuses += [client.get("/editor/alteracoes.json", HTTP_AUTHORIZATION=f"Bearer {token}")
                 .status_code for _ in range(3)]
    assert statuses == [204, 200, 200, 429]


@pytest.mark.parametrize("item", ["\u00b9", "12\u0663", "9" * 30])
def test_ids_that_are_not_ascii_digits_or_too_long_are_404(as_ana, item):
    """Found by fuzzing: `'¹'.isdigit()` is true, but int() refuses it."""
    for method in ("GET", "PATCH", "DELETE"):
        response = send(as_ana, method, f"{ITEMS}/{item}", {"properties": {}})
        assert response.status_code == 404, (method, response.content)
    assert allow(as_ana, f"{ITEMS}/{item}") == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH",
                                                 "DELETE"}


def test_the_editor_pages_get_no_basic_challenge(caop):
    """A browser would answer a Basic challenge with its own sign-in dialog."""
    response = send(Client(), "POST", ITEMS, equipamento())
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer realm="sig"'


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_a_remembered_basic_password_stops_working_once_changed_or_disabled(ana):
    """QGIS's Basic pair is remembered for a while; a changed password or a disabled account
    must not keep a stolen pair working."""
    old = _basic(ana.username, PASSWORD)
    client = Client()
    assert "POST" in client.options(ITEMS, HTTP_AUTHORIZATION=old)["Allow"]
    user = get_user(ana.username)
    user.set_password("Outra-palavra-passe-2026")
    user.save()
    assert client.options(ITEMS, HTTP_AUTHORIZATION=old).status_code == 401
    new = _basic(ana.username, "Outra-palavra-passe-2026")
    assert "POST" in client.options(ITEMS, HTTP_AUTHORIZATION=new)["Allow"]
    user.is_active = False
    user.save()
    assert client.options(ITEMS, HTTP_AUTHORIZATION=new).status_code == 401
