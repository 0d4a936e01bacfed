"""Reports placed on the sample town's map through the engine: typed addresses, pins, the boundary, zones."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.flows import Location, TicketOpened, load_flows_text
from tests.support.chat import FLOWS, Chat
from tests.support.places import sample_town

SHIPPED = Path(__file__).resolve().parent.parent.parent / "flows.yaml"
MONTERREY = (25.6628795, -100.3751137)  # inside the neighbour east of the town
CENTRO = (25.6579, -100.4004)  # near Morelos and 5 de Mayo


def chat(flows=FLOWS) -> Chat:
    return Chat(flows=flows, places=sample_town())


def test_a_typed_crossing_gets_its_point_and_colonia():
    resident = chat()
    resident.say("bache")
    reply = resident.say("Morelos y 5 de Mayo")
    location = resident.state.answers["location"]
    assert location["method"] == "intersection" and location["colonia"] == "Centro"
    assert abs(location["latitude"] - 25.657895) < 0.0005 and abs(location["longitude"] + 100.400428) < 0.0005
    assert location["address"] == "Morelos y 5 de Mayo" and "foto" in reply


def test_an_opener_with_an_address_is_placed_too():
    resident = chat()
    resident.say("hay un bache enorme en Morelos y 5 de Mayo")
    assert resident.state.answers["location"]["method"] == "intersection"


def test_two_streets_of_one_name_are_asked_about_by_colonia():
    resident = chat()
    resident.say("bache")
    reply = resident.say("Hidalgo 120")
    assert "col. Centro" in reply and "col. Obispado" in reply and "location" not in resident.state.answers
    resident.say("2")
    assert resident.state.answers["location"]["colonia"] == "Obispado"


def test_an_address_not_on_the_map_is_asked_once_then_kept_as_typed():
    resident = chat()
    resident.say("bache")
    assert "No encontré esa dirección" in resident.say("Calle Inventada 45")
    assert "location" not in resident.state.answers
    resident.say("Calle Inventada 45, junto a la tienda")
    assert resident.state.answers["location"] == {
        "address": "Calle Inventada 45, junto a la tienda",
        "reference": "junto a la tienda",
    }


def test_a_pin_is_told_back_with_its_street_and_colonia():
    resident = chat()
    resident.say("bache")
    resident.say(location=Location(*CENTRO))
    reply = resident.say("omitir")
    location = resident.state.answers["location"]
    assert location["colonia"] == "Centro" and "near" in location
    assert f"cerca de {location['near']}" in reply


def test_a_place_outside_the_city_is_not_filed():
    resident = chat()
    resident.say("bache")
    reply = resident.say(location=Location(*MONTERREY))
    assert "fuera del municipio" in reply and "Monterrey" in reply
    assert resident.state.flow is None and resident.events == []


def test_a_zone_sends_its_tickets_to_its_own_crew():
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["departments"]["obras_centro"] = {
        "name": "Obras Públicas, cuadrilla Centro",
        "delivery": {"kind": "dashboard"},
    }
    data["zones"] = {"centro": {"colonias": ["Centro"], "departments": {"obras_publicas": "obras_centro"}}}
    flows = load_flows_text(yaml.safe_dump(data, allow_unicode=True), environ={}, base_dir=SHIPPED.parent)
    resident = chat(flows)
    for text in ("bache", "Morelos y 5 de Mayo", "omitir", "sí"):
        resident.say(text)
    (ticket,) = resident.events
    assert isinstance(ticket, TicketOpened)
    assert ticket.department == "obras_centro" and ticket.location["zone"] == "centro"
    resident = chat(flows)
    for text in ("bache", "Hidalgo 120", "2", "omitir", "sí"):  # Obispado: no zone, the flow's department
        resident.say(text)
    assert resident.events[-1].department == "obras_publicas"


def test_a_zone_drawn_on_the_map_routes_by_its_polygon():
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["departments"]["obras_norte"] = {"name": "Obras Públicas Norte", "delivery": {"kind": "dashboard"}}
    data["zones"] = {"norte": {"name": "Sector Norte", "departments": {"obras_publicas": "obras_norte"}}}
    flows = load_flows_text(yaml.safe_dump(data, allow_unicode=True), environ={}, base_dir=SHIPPED.parent)
    town = sample_town()
    routed = []
    for text in ("Morelos y 5 de Mayo", "Hidalgo y Corregidora", "Juárez y Allende"):
        resident = chat(flows)
        for said in ("bache", text, "omitir", "sí"):
            resident.say(said)
        location = resident.events[-1].location
        in_north = town.area(location["latitude"], location["longitude"], "zones") == "Sector Norte"
        routed.append(resident.events[-1].department == ("obras_norte" if in_north else "obras_publicas"))
    assert all(routed) and len(routed) == 3


def test_a_zone_naming_an_unknown_department_is_a_flows_error():
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["zones"] = {"norte": {"name": "Sector Norte", "departments": {"obras_publicas": "obras_norte"}}}
    try:
        load_flows_text(yaml.safe_dump(data, allow_unicode=True), environ={}, base_dir=SHIPPED.parent)
    except Exception as exc:  # FlowsInvalidError
        assert "zone 'norte': department 'obras_norte' is not defined under departments" in str(exc)
    else:
        raise AssertionError("a zone routing to an undefined department was accepted")


def test_a_reference_written_first_still_lets_the_crossing_be_placed():
    resident = chat()
    resident.say("bache")
    resident.say("frente a la primaria, Morelos y Allende")
    location = resident.state.answers["location"]
    assert location["method"] == "intersection" and location["reference"] == "frente a la primaria"
