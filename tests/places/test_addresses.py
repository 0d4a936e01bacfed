"""How a written Mexican address is read, before any map is looked at (bot.places.addresses, pure functions)."""

from __future__ import annotations

import pytest

from bot.places.addresses import Reading, area_key, fold, parse, street_key


def first(text: str) -> Reading:
    return parse(text).readings[0]


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        ("Morelos y 5 de Mayo", ("Morelos", "5 de Mayo")),
        ("Morelos esquina con Padre Mier", ("Morelos", "Padre Mier")),
        ("Morelos esq. Padre Mier", ("Morelos", "Padre Mier")),
        ("Morelos esq Padre Mier", ("Morelos", "Padre Mier")),
        ("Morelos, esquina con Padre Mier", ("Morelos", "Padre Mier")),
        ("en la esquina de Hidalgo y Zaragoza", ("Hidalgo", "Zaragoza")),
        ("esquina de Madero y Cuauhtémoc", ("Madero", "Cuauhtémoc")),
        ("Allende casi esquina con Aldama", ("Allende", "Aldama")),
        ("cruce de Juárez y Morelos", ("Juárez", "Morelos")),
        ("Juárez al cruce con Morelos", ("Juárez", "Morelos")),
        ("Morelos/Padre Mier", ("Morelos", "Padre Mier")),
        ("Morelos / Padre Mier", ("Morelos", "Padre Mier")),
        ("Morelos con Zaragoza", ("Morelos", "Zaragoza")),
        ("Zaragoza e Hidalgo", ("Zaragoza", "Hidalgo")),  # "y" before an i sound
        ("está en Morelos y 5 de Mayo", ("Morelos", "5 de Mayo")),
        ("es en Gonzalitos y Ruiz Cortines", ("Gonzalitos", "Ruiz Cortines")),
        ("queda en Río Missouri esquina con Río Amazonas", ("Río Missouri", "Río Amazonas")),
        ("por Garza Sada y Revolución", ("Garza Sada", "Revolución")),
        ("Av. Constitución y Pino Suárez", ("Av. Constitución", "Pino Suárez")),
        ("Hidalgo 120 esquina con Morelos", ("Hidalgo", "Morelos")),  # the number says no more than the corner
        ("20 de Noviembre y 5 de Mayo", ("20 de Noviembre", "5 de Mayo")),
    ],
)
def test_intersections(text, streets):
    reading = first(text)
    assert reading.kind == "intersection"
    assert reading.streets == streets


def test_every_y_is_a_candidate_split_and_the_whole_is_a_street_too():
    """The parser cannot know which " y " joins two streets: it offers each, and the whole as one name."""
    readings = parse("Ortiz y Gutiérrez y Morelos").readings
    splits = [r.streets for r in readings if r.kind == "intersection"]
    assert ("Ortiz", "Gutiérrez y Morelos") in splits
    assert ("Ortiz y Gutiérrez", "Morelos") in splits
    assert readings[-1] == Reading("street", ("Ortiz y Gutiérrez y Morelos",))


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        ("Hidalgo entre Morelos y Zaragoza", ("Hidalgo", "Morelos", "Zaragoza")),
        ("Padre Mier entre Allende y Aldama", ("Padre Mier", "Allende", "Aldama")),
        ("en Padre Mier entre Zaragoza y Escobedo", ("Padre Mier", "Zaragoza", "Escobedo")),
        ("Hidalgo, entre las calles Morelos y Zaragoza", ("Hidalgo", "Morelos", "Zaragoza")),
        ("entre Morelos y Zaragoza, sobre Hidalgo", ("Hidalgo", "Morelos", "Zaragoza")),
        ("Hidalgo entre Morelos e Iturbide", ("Hidalgo", "Morelos", "Iturbide")),
        ("entre Morelos y Zaragoza sobre la calle Hidalgo", ("Hidalgo", "Morelos", "Zaragoza")),
        ("Hidalgo #500 entre Morelos y Zaragoza", ("Hidalgo", "Morelos", "Zaragoza")),
    ],
)
def test_between(text, streets):
    reading = first(text)
    assert reading.kind == "between"
    assert reading.streets == streets


def test_between_one_cross_street_only():
    assert Reading("between", ("Allende", "Morelos", "")) in parse("Allende entre Morelos").readings


@pytest.mark.parametrize(
    ("text", "street", "number", "colonia", "hints"),
    [
        ("Av. Juárez 356, col. Centro", "Av. Juárez", "356", "Centro", ()),
        ("Zaragoza 1020 Centro", "Zaragoza", "1020", "", ("Centro",)),
        ("Allende #45 colonia Del Valle", "Allende", "45", "Del Valle", ()),
        ("Matamoros No. 245", "Matamoros", "245", "", ()),
        ("Matamoros Núm. 245", "Matamoros", "245", "", ()),
        ("Calle Hidalgo número 215", "Calle Hidalgo", "215", "", ()),
        ("Hidalgo 450 pte, col Obispado", "Hidalgo", "450", "Obispado", ()),
        ("Padre Mier 820 Pte., Centro", "Padre Mier", "820", "", ("Centro",)),
        ("Calle Mina 215, Centro, Monterrey", "Calle Mina", "215", "", ("Centro", "Monterrey")),
        ("Escobedo #1020 int 3 col Centro", "Escobedo", "1020", "Centro", ()),
        ("Río Manzanares 330, Col. Del Valle", "Río Manzanares", "330", "Del Valle", ()),
        ("5 de Mayo 615 Centro", "5 de Mayo", "615", "", ("Centro",)),
        ("20 de Noviembre 99, San Jerónimo", "20 de Noviembre", "99", "", ("San Jerónimo",)),
        ("Calle 10 45", "Calle 10", "45", "", ()),  # a numbered street: the first number is its name
        ("Morelos 245-A", "Morelos", "245-A", "", ()),
        ("Lic. Verdad 120 Col. Vista Hermosa", "Lic. Verdad", "120", "Vista Hermosa", ()),
        ("Guerrero 400 fracc. Las Brisas", "Guerrero", "400", "Las Brisas", ()),
    ],
)
def test_street_and_number(text, street, number, colonia, hints):
    reading = first(text)
    assert reading == Reading("street", (street,), number, colonia, hints)


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("sobre Gómez Morín", "Gómez Morín"),
        ("calle Hidalgo", "calle Hidalgo"),
        ("en la calle Matamoros", "calle Matamoros"),
        ("por Galeana", "Galeana"),
        ("aquí en Calzada del Valle", "Calzada del Valle"),
        ("5 de Mayo", "5 de Mayo"),  # a name, not number 5 "de Mayo"
        ("20 de Noviembre", "20 de Noviembre"),
        ("Morelos s/n", "Morelos"),
    ],
)
def test_a_street_alone(text, street):
    readings = parse(text).readings
    assert readings == (Reading("street", (street,)),)


@pytest.mark.parametrize(
    ("text", "place", "reference"),
    [
        ("Morelos y 5 de Mayo, frente a la primaria", "Morelos y 5 de Mayo", "frente a la primaria"),
        ("Calz. San Pedro frente al Oxxo", "Calz. San Pedro", "frente al Oxxo"),
        ("Hidalgo 12 a un lado del Oxxo", "Hidalgo 12", "a un lado del Oxxo"),
        ("Padre Mier y Aldama, atrás de la iglesia", "Padre Mier y Aldama", "atrás de la iglesia"),
        ("Zaragoza cerca del mercado", "Zaragoza", "cerca del mercado"),
        ("sobre Gómez Morín a la altura del puente", "Gómez Morín", "a la altura del puente"),
        ("Churubusco y Colón, junto a las vías", "Churubusco y Colón", "junto a las vías"),
        ("Juárez y Allende por la gasolinera", "Juárez y Allende", "por la gasolinera"),
        ("privada Las Flores al fondo", "privada Las Flores", "al fondo"),
        ("Morelos y 5 de Mayo.", "Morelos y 5 de Mayo", ""),
    ],
)
def test_references_are_kept_as_text(text, place, reference):
    address = parse(text)
    assert (address.text, address.reference) == (place, reference)


def test_a_reference_alone_gives_no_street():
    address = parse("a un lado del Oxxo")
    assert address.readings == ()
    assert address.reference == "a un lado del Oxxo"


def test_a_reference_around_a_corner_still_gives_the_corner():
    assert first("cerca de la esquina de Morelos y Hidalgo") == Reading("intersection", ("Morelos", "Hidalgo"))


def test_at_the_level_of_a_cross_street_is_tried_as_a_crossing_first():
    readings = parse("Gómez Morín a la altura de Allende").readings
    assert readings[0] == Reading("intersection", ("Gómez Morín", "Allende"))
    assert Reading("street", ("Gómez Morín",)) in readings


@pytest.mark.parametrize(
    "text", ["Padre Mier pasando Morelos", "Padre Mier casi llegando a Morelos", "Padre Mier antes de llegar a Morelos"]
)
def test_near_a_cross_street_is_tried_as_near_the_crossing_first(text):
    assert first(text) == Reading("near", ("Padre Mier", "Morelos"))


def test_a_colonia_written_first_and_a_postal_code():
    assert first("Col. Centro, Morelos 12") == Reading("street", ("Morelos",), "12", "Centro")
    assert first("Calle Juárez No. 356 Col. Centro C.P. 64000") == Reading("street", ("Calle Juárez",), "356", "Centro")


def test_a_colonia_in_the_reference_is_kept():
    assert first("Morelos 12 frente a la primaria, col. Centro").colonia == "Centro"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Av. Juárez", "juarez"),
        ("Ave. Juárez", "juarez"),
        ("Avenida Juárez", "juarez"),
        ("Blvd. Díaz Ordaz", "diaz ordaz"),
        ("Bulevar Díaz Ordaz", "diaz ordaz"),
        ("Calz. San Pedro", "san pedro"),
        ("C. Hidalgo", "hidalgo"),
        ("la calle Hidalgo", "hidalgo"),
        ("Gral. Treviño", "general trevino"),
        ("General Treviño", "general trevino"),
        ("Lic. Verdad", "licenciado verdad"),
        ("Prol. Madero", "prolongacion madero"),  # another street than Madero: its type stays
        ("Priv. Las Flores", "privada las flores"),
        ("Calzada del Valle", "valle"),
        ("Del Valle", "valle"),
        ("5 de Mayo", "5 de mayo"),
        ("Cinco de Mayo", "5 de mayo"),
        ("1o. de Mayo", "1 de mayo"),
        ("20 de Nov.", "20 de noviembre"),
        ("Calle 10", "10"),
        ("Calle", ""),  # a type alone names no street
        ("MORELOS", "morelos"),
    ],
)
def test_street_keys(name, key):
    assert street_key(name) == key


def test_the_maps_type_kept_apart_joins_the_name_only_when_it_names_another_street():
    assert street_key("Juárez", "Avenida") == "juarez"
    assert street_key("Madero", "Prolongación") == "prolongacion madero"
    assert street_key("Prol. Madero", "Prolongación") == "prolongacion madero"


def test_area_keys_drop_the_kind_of_area():
    assert area_key("Col. Del Valle") == "del valle"
    assert area_key("Fracc. Las Brisas") == "las brisas"
    assert area_key("Centro") == "centro"


def test_fold_keeps_the_length_so_spans_cut_the_original():
    text = "Gómez Morín esq. Díaz Ordaz"
    assert fold(text) == "gomez morin esq. diaz ordaz"
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize("text", ["", "   ", "?!", "asdfgh", "no sé cómo se llama la calle"])
def test_anything_is_read_without_error(text):
    address = parse(text)
    assert all(r.streets for r in address.readings)
