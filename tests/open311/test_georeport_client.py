"""A third-party GeoReport v2 client (PyPI's `georeport`) reads our Open311 server over HTTP, in JSON and XML.

The app runs under a real local server; the library builds its own requests and parses our answers
(json, or xmltodict for XML). georeport 0.3.1 reads only (services, definitions, requests): a request is
created here with `requests`, form-encoded as GeoReport's POST is, and discovery read the same way.
"""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from tests.support.open311 import issued_key, serving

HIDALGO = {"lat": "25.6581234", "long": "-100.4025678", "address_string": "Hidalgo 120, Centro"}


@pytest.fixture
def server(app, no_network):
    with serving(app) as base:
        no_network.add_passthru(base)  # the client reaches our server; anything else stays mocked
        yield base + "/open311/v2"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_lists_services_files_a_request_and_reads_it_back(app, server, fmt):
    client = GeoReport(server, output_format=fmt)
    discovery = requests.get(f"{server}/discovery.json", timeout=5).json()
    assert discovery["endpoints"][0]["url"] == server and "text/xml" in discovery["endpoints"][0]["formats"]

    services = client.get_service_list()
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) == {"pothole", "trash", "streetlight"}  # the flows that file reports
    assert by_code["pothole"]["service_name"] == "Reportar un bache" and by_code["pothole"]["type"] == "realtime"
    trash = client.get_service_definition("trash")
    attributes = trash["attributes"]["attribute"] if fmt == "xml" else trash["attributes"]
    problem = attributes[0] if isinstance(attributes, list) else attributes
    assert problem["code"] == "problem" and problem["datatype"] == "singlevaluelist"
    values = problem["values"]["value"] if fmt == "xml" else problem["values"]
    assert {v["key"] for v in values} == {"missed_collection", "illegal_dumping"}

    key = issued_key(app)
    form = {"api_key": key, "service_code": "pothole", "description": "Muy hondo", **HIDALGO}
    created = requests.post(f"{server}/requests.json", data=form, timeout=5)
    assert created.status_code == 200, created.text
    folio = created.json()[0]["service_request_id"]
    assert folio in created.json()[0]["service_notice"]  # the flow's own closing words, with the folio

    one = client.get_service_request(folio)
    assert one["service_request_id"] == folio and one["status"] == "open" and one["service_code"] == "pothole"
    assert one["address"] == "Hidalgo 120, Centro" and float(one["lat"]) == 25.658  # rounded to 3 decimals
    assert one["agency_responsible"] == "Obras Públicas"

    listed = client.get_service_requests(service_code="pothole", status="open")
    listed = [listed] if isinstance(listed, dict) else listed  # xmltodict: one element is no list
    assert [r["service_request_id"] for r in listed] == [folio]
    if fmt == "json":
        assert client.get_service_requests(status="closed") == []
    else:  # georeport cannot read an empty XML list (xmltodict makes <service_requests /> None): read it raw
        empty = requests.get(f"{server}/requests.xml", params={"status": "closed"}, timeout=5)
        assert empty.text.endswith("<service_requests />")


def test_the_same_request_without_a_key_is_refused(app, server):
    refused = requests.post(f"{server}/requests.json", data={"service_code": "pothole", **HIDALGO}, timeout=5)
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403 and "api_key" in refused.json()[0]["description"]
    as_xml = requests.post(f"{server}/requests.xml", data={"api_key": "v311_nope", **HIDALGO}, timeout=5)
    assert as_xml.status_code == 403 and as_xml.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<errors><error><code>403</code>" in as_xml.text
    assert GeoReport(server).get_service_requests() == []  # nothing was filed
