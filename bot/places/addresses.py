"""How residents in Mexico write a place, read into a small structure (pure functions, no map).

"Morelos y 5 de Mayo", "Hidalgo entre Morelos y Zaragoza", "Av. Juárez 356, col. Centro",
"sobre Gómez Morín frente a la primaria": `parse` drops the filler ("está en", "sobre"), keeps the
reference ("frente a la primaria") as text, takes out the colonia, and lists the readings the words
allow, likeliest first. It does not know the map, so it never decides which " y " joins two streets
("Morelos y 5 de Mayo" could be one street named so): the index tries the readings and keeps the one
whose parts are streets.

`street_key` is how a street's name is compared, on both sides (the map's and the resident's): lower
case, no accents, abbreviations written out ("Gral." is "general"), and the street's type (Avenida,
Calle, Calzada…) left out, as INEGI keeps it apart from the name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.flows.matching import normalize, short_text_cache

__all__ = ["Address", "Reading", "parse", "street_key", "area_key", "fold", "NAMED_TYPES"]

# Words written short, as normalised words (punctuation is gone by then): "Av." is "av".
ABBREVIATIONS = {
    "av": "avenida",
    "ave": "avenida",
    "avda": "avenida",
    "blvd": "boulevard",
    "blvr": "boulevard",
    "bvd": "boulevard",
    "bulevar": "boulevard",
    "boulevar": "boulevard",
    "calz": "calzada",
    "cz": "calzada",
    "carr": "carretera",
    "gral": "general",
    "lic": "licenciado",
    "ing": "ingeniero",
    "dr": "doctor",
    "prof": "profesor",
    "profr": "profesor",
    "pdte": "presidente",
    "pte": "poniente",
    "ote": "oriente",
    "nte": "norte",
    "prol": "prolongacion",
    "priv": "privada",
    "pvda": "privada",
    "cda": "cerrada",
    "cjon": "callejon",
    "cto": "circuito",
    "sn": "san",
    "sta": "santa",
    "sto": "santo",
    "col": "colonia",
    "fracc": "fraccionamiento",
}
# A street's type, not part of its name: "Av. Juárez" is Juárez. Privada, Prolongación, Cerrada and
# the like stay: "Privada Hidalgo" is another street than Hidalgo.
STREET_TYPES = frozenset({"avenida", "calle", "calzada", "boulevard", "carretera", "via"})
NAMED_TYPES = frozenset(
    {"privada", "prolongacion", "cerrada", "callejon", "andador", "retorno", "circuito", "ampliacion"}
)
ARTICLES = frozenset({"de", "del", "la", "las", "los", "el"})
# "1o de Mayo", "Cinco de Mayo", "Veinte de Noviembre": the day of a date name, as digits.
DAY_WORDS = {
    "primero": "1",
    "1o": "1",
    "1ro": "1",
    "1er": "1",
    "uno": "1",
    "dos": "2",
    "tres": "3",
    "cuatro": "4",
    "cinco": "5",
    "seis": "6",
    "siete": "7",
    "ocho": "8",
    "nueve": "9",
    "diez": "10",
    "once": "11",
    "doce": "12",
    "trece": "13",
    "catorce": "14",
    "quince": "15",
    "dieciseis": "16",
    "diecisiete": "17",
    "dieciocho": "18",
    "diecinueve": "19",
    "veinte": "20",
    "veintiuno": "21",
    "veintidos": "22",
    "veintitres": "23",
    "veinticuatro": "24",
    "veinticinco": "25",
    "veintiseis": "26",
    "veintisiete": "27",
    "veintiocho": "28",
    "veintinueve": "29",
    "treinta": "30",
}
MONTHS = {
    "ene": "enero",
    "feb": "febrero",
    "mar": "marzo",
    "abr": "abril",
    "jun": "junio",
    "jul": "julio",
    "ago": "agosto",
    "sep": "septiembre",
    "sept": "septiembre",
    "set": "septiembre",
    "oct": "octubre",
    "nov": "noviembre",
    "dic": "diciembre",
}
AREA_PREFIXES = frozenset({"colonia", "fraccionamiento", "barrio", "unidad", "habitacional", "residencial"})


@dataclass(frozen=True)
class Reading:
    """One way to read the words: which streets, and how they make a place."""

    # "intersection" (two streets meet), "near" (a street near its crossing with another: "pasando Morelos"),
    # "between" (a street, then its two cross streets), "street"
    kind: str
    streets: tuple[str, ...]  # as written, ready for street_key: ("Morelos", "5 de Mayo")
    number: str = ""  # "356", "245-A"
    colonia: str = ""  # as written after "col.": "Centro"
    hints: tuple[str, ...] = ()  # unmarked words that may name the colonia (or the city): "Centro", "San Pedro"


@dataclass(frozen=True)
class Address:
    """A written place: the readings it allows, likeliest first, and the reference kept as text."""

    text: str  # the place as written, filler and reference taken off
    readings: tuple[Reading, ...]
    reference: str = ""  # "frente a la primaria": for the operator, never matched


# --- text with accents folded, letter for letter, so that spans found in it cut the original ---


def fold(text: str) -> str:
    """Lower-case and accent-free, the same length as text (so a match's span cuts the original)."""
    return "".join(_fold_char(c) for c in text)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char


# --- names ---

# The map's names and the streets residents write are cached, so a city's 20,000 segments are keyed fast;
# only names of at most LONGEST_CACHED_NAME characters, so that long messages cannot fill memory.
STREET_KEYS_CACHED = 16384
LONGEST_CACHED_NAME = 96


@short_text_cache(STREET_KEYS_CACHED, longest=LONGEST_CACHED_NAME)
def street_key(name: str, kind: str = "") -> str:
    """How a street's name is compared: "Av. Juárez" -> "juarez", "Gral. Treviño" -> "general trevino".

    kind is the map's street type when it keeps one apart (INEGI's TIPOVIAL): a Privada or Prolongación
    is part of the name, an Avenida or Calle is not.
    """
    words = _expanded(name)
    kind_words = _expanded(kind)
    if kind_words and kind_words[0] not in STREET_TYPES and words[: len(kind_words)] != kind_words:
        words = kind_words + words
    return " ".join(_days(_without_type(words)))  # a type alone ("la calle de…") names no street


def area_key(name: str) -> str:
    """How a colonia's name is compared: "Col. Del Valle" -> "del valle", "Fracc. Las Brisas" -> "las brisas"."""
    words = _expanded(name)
    while words and words[0] in AREA_PREFIXES:
        words = words[1:]
    return " ".join(words)


def _expanded(text: str) -> list[str]:
    words = normalize(text).split()
    if words and words[0] == "c" and len(words) > 1:
        words[0] = "calle"  # "C. Hidalgo"
    return [ABBREVIATIONS.get(w, w) for w in words]


def _without_type(words: list[str]) -> list[str]:
    """Drop the leading type and the articles that join it to the name: "Calzada del Valle" -> "valle"."""
    start = 0
    if len(words) > 1 and words[0] in ("la", "el") and words[1] in STREET_TYPES:
        start = 1  # "la calle Hidalgo"
    while start < len(words) and words[start] in STREET_TYPES:
        start += 1
    if start and start < len(words) and words[start] in ("de", "del"):
        start += 1
        if start < len(words) and words[start] in ("la", "las", "los", "el"):
            start += 1
    elif not start and len(words) > 1 and words[0] in ("de", "del"):
        start = 1  # "Del Valle", as "Calzada del Valle" is read
        if len(words) > 2 and words[1] in ("la", "las", "los", "el"):
            start = 2
    return words[start:]


def _days(words: list[str]) -> list[str]:
    """ "cinco de mayo" -> "5 de mayo", "1o de mayo" -> "1 de mayo", "20 de nov" -> "20 de noviembre": dates."""
    days = [DAY_WORDS.get(w, w) if i + 1 < len(words) and words[i + 1] == "de" else w for i, w in enumerate(words)]
    return [
        MONTHS.get(w, w) if i >= 2 and days[i - 1] == "de" and days[i - 2].isdigit() else w for i, w in enumerate(days)
    ]


# --- reading a written place ---

_FILLER = re.compile(
    r"^(?:(?:aqui|aca|ahi|alli|mero|justo|exactamente|hay\s+uno|esta|es|queda|quedo|se\s+encuentra|se\s+ubica"
    r"|ubicad[oa]|localizad[oa]|la\s+direccion\s+es|direccion|ubicacion|en|sobre|por)\b[\s:,]*)+"
)
_ARTICLE_BEFORE = re.compile(
    r"^(?:la|el)\s+(?=(?:calle|avenida|av\b|calzada|privada|priv\b|prolongacion|prol\b|cerrada|esquina|esq\b|cruce"
    r"|colonia|col\b|boulevard|blvd\b))"
)
# Words that start a reference ("frente a la primaria"): what follows is kept as text, not matched.
_REFERENCE_MARKERS = (
    r"(?:en\s+)?frente\s+(?:a|al|de|del)\b",
    r"enfrente\b",
    r"a\s+un\s+(?:lado|costado)\b",
    r"al\s+(?:lado|costado)\b",
    r"junto\s+(?:a|al)\b",
    r"(?:atras|detras)\b",
    r"a\s+espaldas\b",
    r"cerca\s+(?:de|del)\b",
    r"(?:afuera|fuera|dentro)\s+(?:de|del)\b",
    r"a\s+la\s+altura\b",
    r"(?:antes|despues)\s+de\b",
    r"pasando\b",
    r"saliendo\b",
    r"a\s+la\s+(?:salida|entrada)\b",
    r"rumbo\s+a\b",
    r"por\s+donde\b",
    r"donde\s+esta\b",
    r"a\s+(?:media|una|dos|tres|unas|\d+)\s+(?:cuadra|calle)",
    r"a\s+(?:unos\s+)?\d+\s*(?:m|mts|metros)\b",
    r"(?:en\s+el\s+)?(?:camellon|carril|puente)\b",
    r"(?:casi\s+)?llegando\b",
    r"(?:hasta\s+)?(?:al|el)\s+(?:fondo|final)\b",
    r"por\s+(?:el|la|los|las)\s+(?!calle|avenida|esquina)",
)
_REFERENCE = re.compile(r"(?:^|[\s,;(])(?=(?:" + "|".join(_REFERENCE_MARKERS) + r"))")
_COLONIA = re.compile(r"(?:^|[\s,;])(?:col|colonia|fracc|fraccionamiento|barrio)\b\.?\s*")
_JOINING_COMMA = re.compile(r"\s*,\s*(?=(?:casi\s+)?(?:esquina|esq\b|entre|y\b|e\b|con\b|cruce\b|cruza\b))")
_INTERSECTION_PREFIX = re.compile(
    r"^(?:(?:en\s+)?(?:la|el)\s+)?(?:casi\s+)?(?:esquina|esq\b\.?|cruce|cruzamiento|entronque|interseccion)\s+"
    r"(?:de\s+|entre\s+|con\s+)?(?:(?:las\s+)?calles\s+)?"
)
_BETWEEN_FIRST = re.compile(r"^entre\s+(?:(?:las\s+)?calles\s+|la\s+calle\s+)?")
_ON = re.compile(r"\s+(?:sobre|en|por)\s+(?:la\s+)?(?:calle\s+)?")
_BETWEEN = re.compile(r"\s+entre\s+(?:(?:las\s+)?calles\s+|la\s+calle\s+)?")
# Where two streets are joined, strongest first: a split at "esquina" is surer than one at " y ".
_CONNECTORS = (
    re.compile(r"\s+(?:y\s+)?(?:casi\s+)?(?:esquina|esq\b\.?)(?:\s+(?:con|de|y)\b)?\s*"),
    re.compile(r"\s+(?:y\s+)?(?:al\s+|en\s+el\s+)?(?:cruce|cruza|cruzando|cruzamiento)(?:\s+(?:con|de))?\s+"),
    re.compile(r"\s*[/&]\s*"),
    re.compile(r"\s+y\s+(?:la\s+)?"),
    re.compile(r"\s+e\s+(?=h?i)"),  # "Morelos e Hidalgo"
    re.compile(r"\s+con\s+"),
)
_NUMBER = re.compile(
    r"(?:^|\s)(?:#\s*|n[o°º]\.?\s*|num\.?\s*|numero\s+)?(\d{1,5}(?:\s*-\s*[a-z0-9]{1,3}\b|[a-z]\b)?)(?=\s|$|,)"
)
_NO_NUMBER = re.compile(r"\s*\b(?:s\s*/\s*n|sin\s+numero)\b\.?")
_POSTAL_CODE = re.compile(r"\s*,?\s*\b(?:c\.?\s*p|codigo\s+postal)\b\.?\s*:?\s*\d{5}\b")  # "C.P. 64000"
_AFTER_NUMBER = re.compile(
    r"^\s*(?:(?:poniente|pte|oriente|ote|norte|nte|sur)\b\.?\s*)?"
    r"(?:(?:int|interior|depto|departamento|local|lote|lt|mz|manzana)\b\.?\s*#?\s*\w+\s*)*"
)
_TRAILING = " .,;:!¡?¿-_*\"'()"


def parse(text: str) -> Address:
    """Read a written place into its readings and its reference."""
    text = " ".join(text.split()).strip(_TRAILING)
    text = _drop_filler(_without(_NO_NUMBER, _without(_POSTAL_CODE, text)))  # "s/n" has no "/" between streets
    place, reference = _split_reference(text)
    after = reference[len(reference) - len(_REFERENCE_WORDS.sub("", fold(reference), count=1)) :]
    crossings_only = not place
    if crossings_only:  # "cerca de la esquina de Morelos y Hidalgo": the place is after the marker
        place = _drop_filler(after)
    place = place.strip(_TRAILING)
    main, colonia, hints = _split_colonia(place)
    colonia = colonia or _split_colonia(reference)[1]  # "frente a la primaria, col. Centro"
    readings = list(dict.fromkeys(_readings(main, colonia, hints)))
    if crossings_only:  # "frente al Oxxo" names no street, nor does "cerca de Morelos" say where on it
        readings = [r for r in readings if r.kind != "street"]
    elif readings and readings[0].kind == "street" and (toward := _TOWARD_CROSSING.match(fold(reference))):
        # "Gómez Morín a la altura de Vasconcelos" is at the crossing, "Padre Mier pasando Morelos" near it:
        # so they read, if what follows is a street
        cross = _split_colonia(reference[toward.end() :])[0]
        kind = "intersection" if toward.group(1) else "near"
        readings.insert(0, Reading(kind, (readings[0].streets[0], _street_part(cross)), "", colonia, hints))
    return Address(text=place, readings=tuple(readings), reference=reference)


_TOWARD_CROSSING = re.compile(
    r"(?:(a\s+la\s+altura\s+(?:de|del)\b)|(?:casi\s+)?llegando\s+(?:a|al)\b|pasando\b|antes\s+de(?:\s+llegar\s+a)?\b"
    r"|despues\s+de\b|cerca\s+de\b)\s*(?:(?:la|el)\s+)?(?:calle\s+|avenida\s+)?"
)
_REFERENCE_WORDS = re.compile(
    r"^\s*(?:(?:en\s+)?frente|enfrente|a\s+un\s+(?:lado|costado)|al\s+(?:lado|costado)|junto|atras|detras|cerca"
    r"|afuera|fuera|dentro|a\s+la\s+altura|antes|despues|pasando|saliendo|casi\s+llegando|llegando)"
    r"(?:\s+(?:a|al|de|del|la|el))*\s+"
)


def _without(pattern: re.Pattern, text: str) -> str:
    """text without what pattern finds in its folded form."""
    for match in reversed(list(pattern.finditer(fold(text)))):
        text = text[: match.start()] + text[match.end() :]
    return text


def _drop_filler(text: str) -> str:
    folded = fold(text)
    match = _FILLER.match(folded)
    if match and match.end() < len(text):
        text, folded = text[match.end() :], folded[match.end() :]
    article = _ARTICLE_BEFORE.match(folded)
    return text[article.end() :] if article else text


def _split_reference(text: str) -> tuple[str, str]:
    """ "Morelos 12, frente a la primaria" -> ("Morelos 12", "frente a la primaria")."""
    match = _REFERENCE.search(fold(text))
    if not match:
        return text, ""
    place, reference = text[: match.start()].strip(_TRAILING), text[match.end() :].strip(_TRAILING)
    if not place and "," in reference:  # "frente a la primaria, Morelos y Allende": the place follows
        first, _, rest = reference.partition(",")
        place, more = _split_reference(rest.strip(_TRAILING))
        return place, ", ".join(r for r in (first.strip(_TRAILING), more) if r)
    return place, reference


def _split_colonia(text: str) -> tuple[str, str, tuple[str, ...]]:
    """Take out the colonia ("col. Centro") and the parts after commas ("San Pedro", "Monterrey")."""
    # "Morelos, esquina con Hidalgo" is one part: such commas become spaces (the length stays).
    joined = _JOINING_COMMA.sub(lambda m: " " * len(m.group(0)), fold(text))
    colonia = ""
    match = _COLONIA.search(joined)
    if match and match.start() > 0:
        comma = joined.find(",", match.end())
        cut = comma if comma >= 0 else len(text)
        colonia = text[match.end() : cut]
        text, joined = text[: match.start()] + text[cut:], joined[: match.start()] + joined[cut:]
    parts, start = [], 0
    for index, char in enumerate(joined + ","):
        if char in ",;(":
            parts.append(text[start:index].strip(_TRAILING))
            start = index + 1
    parts = [p for p in parts if p]
    leading = _COLONIA.match(fold(parts[0])) if len(parts) > 1 and not colonia else None
    if leading:  # "Col. Centro, Morelos 12"
        colonia, parts = parts[0][leading.end() :], parts[1:]
    return (parts[0] if parts else ""), colonia.strip(_TRAILING), tuple(parts[1:])


def _readings(main: str, colonia: str, hints: tuple[str, ...]):
    if not main:
        return
    folded = fold(main)
    prefix = _INTERSECTION_PREFIX.match(folded)
    if prefix:  # "en la esquina de Hidalgo y Zaragoza", "cruce de Juárez y Morelos"
        rest = main[prefix.end() :]
        for left, right in _splits(rest):
            yield Reading("intersection", (_street_part(left), _street_part(right)), "", colonia, hints)
        main, folded = rest, folded[prefix.end() :]
    between_first = _BETWEEN_FIRST.match(folded)
    on = _ON.search(folded, between_first.end()) if between_first else None
    if between_first and (on or hints):  # "entre Morelos y Zaragoza, sobre Hidalgo", "entre … sobre Hidalgo"
        street = _street_part(main[on.end() :] if on else _drop_filler(hints[0]))
        crossing = main[between_first.end() : on.start() if on else len(main)]
        for left, right in _splits(crossing):
            yield Reading("between", (street, _street_part(left), _street_part(right)), "", colonia, hints[not on :])
    between = _BETWEEN.search(folded)
    if between and between.start() > 0:  # "Hidalgo entre Morelos y Zaragoza"
        street = _street_part(main[: between.start()])
        rest = main[between.end() :]
        for left, right in _splits(rest):
            yield Reading("between", (street, _street_part(left), _street_part(right)), "", colonia, hints)
        yield Reading("between", (street, _street_part(rest), ""), "", colonia, hints)  # "Allende entre Morelos": one
        main, folded = main[: between.start()], folded[: between.start()]
    for left, right in _splits(main):
        yield Reading("intersection", (_street_part(left), _street_part(right)), "", colonia, hints)
    yield from _street_readings(main, colonia, hints)


def _splits(text: str):
    """Every way to cut text into two streets, at each joining word, the surest joins first."""
    folded = fold(text)
    taken: list[tuple[int, int]] = []  # "esquina con" is one join, not also a join at "con"
    for connector in _CONNECTORS:
        for match in connector.finditer(folded):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            left, right = text[: match.start()].strip(_TRAILING), text[match.end() :].strip(_TRAILING)
            if left and right:
                yield left, right


def _street_part(text: str) -> str:
    """A street as one part of a crossing: "Hidalgo 120" -> "Hidalgo" (a number there says nothing more)."""
    found = next(_numbers(text), None)
    return text[: found[0] if found else len(text)].strip(_TRAILING)


def _numbers(text: str):
    """(start, number, end) of each house number in a street's words; "5 de Mayo" and a leading number are names."""
    folded = fold(text)
    for match in _NUMBER.finditer(folded):
        start = match.start() + (1 if folded[match.start()].isspace() else 0)
        if start == 0 or re.match(r"\s+de\b", folded[match.end() :]):
            continue
        yield start, re.sub(r"\s+", "", text[match.start(1) : match.end(1)]).upper(), match.end()


def _street_readings(main: str, colonia: str, hints: tuple[str, ...]):
    """ "Av. Juárez 356" -> Juárez, 356; "Calle 10 45" -> the street named 10, 45; "Zaragoza 1020 Centro" -> hint Centro."""
    for start, number, end in _numbers(main):
        street = main[:start].strip(_TRAILING)
        if not _expanded(street) or _expanded(street)[-1] in STREET_TYPES:
            continue  # "Calle 10": the number is the name
        tail = main[end:]
        after = _AFTER_NUMBER.match(fold(tail))
        rest = tail[after.end() if after else 0 :].strip(_TRAILING)
        yield Reading("street", (street,), number, colonia, hints + ((rest,) if rest else ()))
        break
    yield Reading("street", (main.strip(_TRAILING),), "", colonia, hints)
