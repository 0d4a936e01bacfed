"""Benchmark the pure flow engine and option matching, with no web server, database or Redis.

Run from the repo root:

    .venv/bin/python bench/engine.py                  # about 5 s of conversations, then 2,000 matches
    .venv/bin/python bench/engine.py --seconds 3      # seconds per flow (default 1)
    .venv/bin/python bench/engine.py --names 5000 --queries 1000

What it measures:
  (a) whole conversations of every shipped flow in flows.yaml, driven through
      `bot.flows.advance` exactly as a channel would: a pothole with a typed address, trash
      with a date, a streetlight with a location pin, a park evaluation that picks the park by a
      typo'd name ("misisipi" -> "did you mean Parque Mississippi?" -> "sí"), and office hours.
      Each conversation is checked once first (it must finish with the expected ticket/survey).
      Prints turns/s and µs/turn per flow and overall. Free text varies between runs so the
      normalisation cache does not see the same strings every time.
  (b) one `ChoiceIndex` of synthetic park names (Parque/Plaza/Jardín/Área verde + colonia-like
      names, some with numbers), matched against exact, typo'd and partial names. Prints the
      median and p99 µs per match and how many answers were taken (right or wrong), met with
      "did you mean …?" / "which one?", or re-asked.

Everything is deterministic (fixed seeds, a fixed clock); only the timings vary.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.flows import (  # noqa: E402
    InboundMessage,
    Location,
    Media,
    State,
    SurveyCompleted,
    TicketOpened,
    advance,
    load_flows,
)
from bot.flows.events import NoticeAnswered  # noqa: E402
from bot.flows.matching import Candidate, ChoiceIndex  # noqa: E402

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FOLIO = "2611-BENCH1"
SENDER = "whatsapp:+5218112345678"
PHOTO = Media("https://example.mx/foto.jpg", "image/jpeg")
EXPECTED = {
    "pothole": TicketOpened,
    "trash": TicketOpened,
    "streetlight": TicketOpened,
    "park_evaluation": SurveyCompleted,
    "city_info": None,
}

# --- (a) whole conversations ------------------------------------------------------------------


def conversations(i: int) -> dict[str, list[dict]]:
    """One conversation per shipped flow, as InboundMessage fields; i varies the free text."""
    return {
        "pothole": [
            {"text": "hola"},
            {"text": "bache"},
            {"text": "sí"},  # the privacy notice, before the first step that asks for personal data
            {"text": f"Morelos {100 + i % 900} y 5 de Mayo"},
            {"text": "omitir"},
            {"text": "sí"},
        ],
        "trash": [
            {"text": "hola"},
            {"text": "basura"},
            {"text": "no pasó el camión"},
            {"text": "ayer"},
            {"text": "sí"},  # the privacy notice, before the first step that asks for personal data
            {"text": f"Hidalgo {1 + i % 900}, Centro"},
            {"media": (PHOTO,)},
            {"text": "si"},
        ],
        "streetlight": [
            {"text": "hola"},
            {"text": "luminaria"},
            {"text": "parpadea"},
            {"text": "sí"},
            {"location": Location(25.67 + (i % 100) / 1e4, -100.31, label="Poste 1234")},
            {"text": "sí"},
        ],
        "park_evaluation": [
            {"text": "hola"},
            {"text": "quiero evaluar un parque"},
            {"text": "misisipi"},
            {"text": "sí"},
            {"text": "4"},
            {"text": "⭐⭐⭐"},
            {"text": "excelente"},
            {"text": f"Faltan botes de basura ({i})"},
        ],
        "city_info": [{"text": "hola"}, {"text": "horarios"}, {"text": "horario"}],
    }


def run_conversation(flows, messages: list[dict]) -> tuple[State, list]:
    """Drive the engine through one conversation; return the last state and every event."""
    state, events = State(), []
    for fields in messages:
        turn = advance(flows, state, InboundMessage("whatsapp", SENDER, **fields), NOW, FOLIO)
        state = turn.state
        events.extend(turn.events)
    return state, events


def check_conversations(flows) -> None:
    """Fail loudly if a scripted conversation no longer ends the way the benchmark assumes."""
    for name, messages in conversations(0).items():
        state, events = run_conversation(flows, messages)
        events = [e for e in events if not isinstance(e, NoticeAnswered)]  # the privacy notice's, before the flow
        kinds = [type(e) for e in events]
        expected = [EXPECTED[name]] if EXPECTED[name] else []
        if state.flow is not None or kinds != expected or any(e.flow != name for e in events):
            sys.exit(f"bench: the {name} conversation did not finish as expected: state={state}, events={events}")


def time_flow(flows, name: str, seconds: float) -> tuple[int, float]:
    """Repeat one flow's conversation for about `seconds`; return (turns, elapsed seconds)."""
    turns, i = 0, 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        messages = conversations(i)[name]
        run_conversation(flows, messages)
        turns += len(messages)
        i += 1
    return turns, time.perf_counter() - start


def bench_engine(flows, seconds: float) -> None:
    print(f"(a) engine: whole conversations, {seconds:g} s per flow")
    print(f"    {'flow':<17}{'turns':>9}{'turns/s':>11}{'µs/turn':>10}")
    total_turns, total_time = 0, 0.0
    for name in conversations(0):
        turns, elapsed = time_flow(flows, name, seconds)
        total_turns, total_time = total_turns + turns, total_time + elapsed
        print(f"    {name:<17}{turns:>9}{turns / elapsed:>11,.0f}{elapsed / turns * 1e6:>10.1f}")
    print(
        f"    {'overall':<17}{total_turns:>9}{total_turns / total_time:>11,.0f}{total_time / total_turns * 1e6:>10.1f}"
    )


# --- (b) matching among many names --------------------------------------------------------------

PREFIXES = ("Parque", "Plaza", "Jardín", "Área verde")
PLACES = (
    "Del Valle",
    "Cumbres",
    "Mitras Centro",
    "Anáhuac",
    "Contry",
    "Linda Vista",
    "Obispado",
    "Chapultepec",
    "Independencia",
    "Moderna",
    "Buenos Aires",
    "Tecnológico",
    "Vista Hermosa",
    "San Jerónimo",
    "Valle Oriente",
    "La Fe",
    "Los Altos",
    "Las Brisas",
    "Fierro",
    "Bella Vista",
    "Topo Chico",
    "Niño Artillero",
    "Sierra Ventana",
    "Jardines del Cerro",
    "Los Naranjos",
    "El Mirador",
    "Arboledas",
    "Hacienda Los Morales",
    "San Bernabé",
    "La Alianza",
    "Cerro de la Silla",
    "Mederos",
    "Pedregal",
    "Nuevo Repueblo",
    "Lagos del Bosque",
    "Camino Real",
    "Rincón de la Primavera",
    "Puerta de Hierro",
    "Santa Catarina",
    "Villa de Santiago",
    "Las Puentes",
    "Residencial Anáhuac",
    "Colinas de San Jerónimo",
    "Balcones del Carmen",
    "Paseo Residencial",
    "Lomas de Valle Alto",
    "Satélite",
    "Contry Sol",
    "Roma",
    "Altavista",
    "Burócratas",
    "Unidad Modelo",
    "Fomerrey",
    "Ciudad Solidaridad",
    "Valle Verde",
    "Torres de Lindavista",
    "San Genaro",
    "Barrio Antiguo",
    "Caracol",
    "Garza Nieto",
    "Tierra Propia",
    "Provileón",
    "Santa Rosa",
    "Los Cristales",
    "Loma Linda",
    "Praderas",
    "Francisco Villa",
    "Emiliano Zapata",
    "Benito Juárez",
    "Lázaro Cárdenas",
    "Margarita Maza",
    "Josefa Ortiz",
    "Miguel Hidalgo",
    "Vicente Guerrero",
    "Ignacio Zaragoza",
    "Niños Héroes",
    "Constituyentes",
)
NEIGHBOURHOODS = ("Norte", "Sur", "Oriente", "Poniente", "Centro", "Segundo Sector", "Tercer Sector", "Ampliación")


def synthetic_park_names(count: int, seed: int = 7) -> list[str]:
    """Distinct, plausible park names: "Parque Cumbres", "Jardín Fierro Sur", "Área verde Roma 12"."""
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(PREFIXES)} {rng.choice(PLACES)}"
        roll = rng.random()
        if roll < 0.45:
            name += f" {rng.choice(NEIGHBOURHOODS)}"
        elif roll < 0.6:
            name += f" {rng.randint(1, 40)}"  # some city lists number their green areas
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def typo(name: str, rng: random.Random) -> str:
    """One slip of the thumb in the longest word: a letter dropped, doubled, swapped or replaced."""
    words = name.split()
    at = max(range(len(words)), key=lambda n: len(words[n]))
    word = words[at]
    spot = rng.randrange(1, len(word) - 1) if len(word) > 2 else 0
    slip = rng.choice(("drop", "double", "swap", "replace"))
    if slip == "drop":
        word = word[:spot] + word[spot + 1 :]
    elif slip == "double":
        word = word[:spot] + word[spot] + word[spot:]
    elif slip == "swap" and spot + 1 < len(word):
        word = word[:spot] + word[spot + 1] + word[spot] + word[spot + 2 :]
    else:
        word = word[:spot] + rng.choice("aeiousnrl") + word[spot + 1 :]
    words[at] = word
    return " ".join(words).lower()


def partial(name: str) -> str:
    """What residents often type: the name without "Parque"/"Plaza"/… ("cumbres sur")."""
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :].lower()
    return name.lower()


def make_queries(names: list[str], count: int, seed: int = 11) -> list[tuple[str, str, int]]:
    """(kind, text, index of the name meant): a third exact, a third typo'd, a third partial."""
    rng = random.Random(seed)
    queries = []
    for n in range(count):
        target = rng.randrange(len(names))
        kind = ("exact", "typo", "partial")[n % 3]
        text = {"exact": lambda s: s, "typo": lambda s: typo(s, rng), "partial": partial}[kind](names[target])
        queries.append((kind, text, target))
    return queries


def classify(match, intended_key: str) -> str:
    if match.key:
        return "taken, right" if match.key == intended_key else "taken, WRONG"
    if len(match.suggestions) == 1:
        return "did you mean" + ("" if intended_key in match.suggestions else " (other)")
    if match.suggestions:
        return "which one" + ("" if intended_key in match.suggestions else " (not among)")
    return "re-asked"


def time_matches(index: ChoiceIndex, keys: list[str], queries) -> list[tuple[str, str, str, float]]:
    """Match every query once: (kind, text, outcome, µs) for each."""
    results = []
    for kind, text, target in queries:
        start = time.perf_counter_ns()
        match = index.match(text)
        elapsed = (time.perf_counter_ns() - start) / 1000
        results.append((kind, text, classify(match, keys[target]), elapsed))
    return results


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def print_match_table(results) -> None:
    print(f"    {'query':<9}{'n':>6}{'median µs':>11}{'p99 µs':>10}   outcomes")
    for kind in ("exact", "typo", "partial", "all"):
        rows = [r for r in results if kind in ("all", r[0])]
        micros = [r[3] for r in rows]
        shown = "" if kind == "all" else ", ".join(f"{o} {n}" for o, n in Counter(r[2] for r in rows).most_common())
        print(
            f"    {kind:<9}{len(rows):>6}{statistics.median(micros):>11.0f}{percentile(micros, 0.99):>10.0f}   {shown}"
        )


def print_match_summary(results) -> None:
    total = Counter(r[2] for r in results)
    count = lambda prefix: sum(n for outcome, n in total.items() if outcome.startswith(prefix))  # noqa: E731
    wrong_with_digit = sum(1 for r in results if r[2] == "taken, WRONG" and any(c.isdigit() for c in r[1]))
    print(
        f"    taken {count('taken')} ({total['taken, WRONG']} wrong, {wrong_with_digit} of them names with a number), "
        f"suggested {count('did you mean') + count('which one')} (did you mean {count('did you mean')}, "
        f"which one {count('which one')}), re-asked {total['re-asked']}"
    )


def bench_matching(name_count: int, query_count: int) -> None:
    names = synthetic_park_names(name_count)
    keys = [f"P{n:05d}" for n in range(1, len(names) + 1)]
    start = time.perf_counter()
    # As the loader builds long lists: matched by name, not by number (they are never shown numbered).
    index = ChoiceIndex([Candidate(key, None, (name,)) for key, name in zip(keys, names)])
    built = time.perf_counter() - start
    queries = make_queries(names, query_count)
    index.match("calentamiento")  # warm up rapidfuzz
    results = time_matches(index, keys, queries)
    print(
        f"\n(b) matching: {len(names):,} synthetic park names (index built in {built * 1000:.0f} ms), "
        f"{len(queries):,} queries; names like {names[0]!r}, {names[3]!r}"
    )
    print_match_table(results)
    print_match_summary(results)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds of conversations per flow (default 1)")
    parser.add_argument("--names", type=int, default=2000, help="synthetic park names (default 2000)")
    parser.add_argument("--queries", type=int, default=2000, help="matches to time (default 2000)")
    args = parser.parse_args(argv)
    flows = load_flows(ROOT / "flows.yaml", environ={})
    print(f"flows.yaml version {flows.version}: {', '.join(flows.flows)}; Python {sys.version.split()[0]}")
    check_conversations(flows)
    bench_engine(flows, args.seconds)
    bench_matching(args.names, args.queries)


if __name__ == "__main__":
    main()
