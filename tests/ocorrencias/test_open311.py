"""Open311 GeoReport v2: the spec's request shapes and field names, in JSON and XML."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from sig.ocorrencias.keys import new_key
from tests.ocorrencias.conftest import LEIRIA, LISBOA, MARINHA

BASE = "/open311/v2"


@pytest.fixture
def api_key(caop, db) -> str:
    return new_key("app-teste")


def post(client, **params):
    return client.post(f"{BASE}/requests.json", params)


def test_discovery_services_and_definitions(client, caop, db):
    discovery = client.get(f"{BASE}/discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    services = client.get(f"{BASE}/services.json?jurisdiction_id=regiaodeleiria.pt").json()
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code["residuos"]) == {"service_code", "service_name", "description",
                                        "metadata", "type", "keywords", "group"}
    assert by_code["residuos"]["metadata"] is True and by_code["via"]["metadata"] is False
    definition = client.get(f"{BASE}/services/residuos.json").json()
    attribute = definition["attributes"][0]
    assert attribute["code"] == "contentor" and attribute["datatype"] == "singlevaluelist"
    assert {"key": "vidro", "name": "Vidro"} in attribute["values"]
    xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert xml.tag == "services" and xml.find("service/service_code").text == "iluminacao"
    assert client.get(f"{BASE}/services/nada.json").status_code == 404
    assert client.get(f"{BASE}/services.json?jurisdiction_id=lisboa.pt").status_code == 404


def test_a_request_round_trip(client, api_key):
    created = post(client, api_key=api_key, service_code="residuos", lat=LEIRIA[1],
                   long=LEIRIA[0], description="Contentor do vidro a transbordar",
                   address_string="Largo do Papa Paulo VI", email="ze@example.pt",
                   first_name="Zé", last_name="Silva", phone="912345678",
                   **{"attribute[contentor]": "vidro"})
    assert created.status_code == 201, created.content
    answer = created.json()[0]
    code, token = answer["service_request_id"], answer["token"]
    one = client.get(f"{BASE}/requests/{code}.json").json()[0]
    assert one["status"] == "open" and one["service_code"] == "residuos"
    assert one["lat"] == pytest.approx(LEIRIA[1], abs=1e-5)
    assert one["long"] == pytest.approx(LEIRIA[0], abs=1e-5)
    assert one["address"] == "Largo do Papa Paulo VI"
    assert one["requested_datetime"].endswith(("+00:00", "+01:00"))
    assert "Leiria" in one["agency_responsible"]
    assert not {"email", "first_name", "last_name", "phone"} & set(one)
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [
        {"service_request_id": code, "token": token}]
    listed = client.get(f"{BASE}/requests.json?service_code=residuos&status=open").json()
    assert code in {r["service_request_id"] for r in listed}
    closed = client.get(f"{BASE}/requests.json?status=closed").json()
    assert code not in {r["service_request_id"] for r in closed}
    xml = ET.fromstring(client.get(f"{BASE}/requests/{code}.xml").content)
    assert xml.tag == "service_requests"
    assert xml.find("request/service_request_id").text == code
    assert xml.find("request/status").text == "open"


def test_filters_by_id_list_and_dates(client, api_key):
    codes = [post(client, api_key=api_key, service_code="via", lat=lat, long=lon,
                  description="Buraco").json()[0]["service_request_id"]
             for lon, lat in (LEIRIA, MARINHA)]
    listed = client.get(f"{BASE}/requests.json?service_request_id={','.join(codes)}").json()
    assert sorted(r["service_request_id"] for r in listed) == sorted(codes)
    future = client.get(f"{BASE}/requests.json?start_date=2099-01-01T00:00:00Z").json()
    assert future == []
    bad = client.get(f"{BASE}/requests.json?start_date=ontem")
    assert bad.status_code == 400 and "start_date" in bad.json()[0]["description"]


@pytest.mark.parametrize("params, status, message", [
    ({"api_key": "errada"}, 403, "api_key"),
    ({"api_key": ""}, 403, "api_key"),
    ({"service_code": "nada"}, 400, "categoria desconhecida"),
    ({"lat": LISBOA[1], "long": LISBOA[0]}, 422, "fora dos municípios"),
    ({"lat": "100"}, 400, "coordenada"),
    ({"description": ""}, 400, "descreva"),
])
def test_bad_posts_get_the_spec_error_list(client, api_key, params, status, message):
    base = {"api_key": api_key, "service_code": "via", "lat": LEIRIA[1], "long": LEIRIA[0],
            "description": "Buraco"}
    response = post(client, **(base | params))
    assert response.status_code == status
    error = response.json()[0]
    assert error["code"] == status and message in error["description"]
    xml = client.post(f"{BASE}/requests.xml", base | params)
    assert ET.fromstring(xml.content).find("error/code").text == str(status)


def test_posts_are_limited_per_key(client, api_key, sig_env):
    sig_env(SIG_OPEN311_KEY_RATE="2/1m")
    params = {"api_key": api_key, "service_code": "via", "lat": LEIRIA[1], "long": LEIRIA[0],
              "description": "Buraco"}
    assert [post(client, **params).status_code for _ in range(3)] == [201, 201, 429]
