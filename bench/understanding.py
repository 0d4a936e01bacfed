"""How well Ventanilla understands residents on the first try: the corpus (corpus/*.yaml) through the engine.

Run from the repo root:

    .venv/bin/python bench/understanding.py            # the table, then every miss and wrong value
    .venv/bin/python bench/understanding.py --quiet    # the table only

For each step kind (one corpus file each, plus openers) and overall it prints how many answers
were understood on the first try, missed (asked again or asked needlessly), and taken as a wrong
value. Each case is put to the pure engine as a message on its channel (`advance` at the step;
an opener through the same reading that starts a flow); nothing is timed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels import carries  # noqa: E402
from bot.flows.corpus import load_cases, load_corpus_flows, tally  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quiet", action="store_true", help="print the table only")
    parser.add_argument("--corpus", default=str(ROOT / "corpus"), help="the corpus folder")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    flows = load_corpus_flows(ROOT / "flows.yaml", corpus)
    result = tally(flows, load_cases(corpus), carries)
    print(f"{'kind':<12} {'cases':>6} {'first try':>10} {'missed':>7} {'wrong':>6}")
    for kind in [*result.kinds(), None]:
        understood, total = result.share(kind)
        missed, _ = result.share(kind, "missed")
        wrong, _ = result.share(kind, "wrong")
        print(f"{kind or 'overall':<12} {total:>6} {understood / total:>9.1%} {missed:>7} {wrong:>6}")
    if args.quiet:
        return
    for r in result.results:
        if r.verdict != "understood":
            c = r.case
            print(f"corpus/{c.kind}.yaml:{c.line}: {r.verdict}: {c.text!r} ({c.lang}, {c.flow}.{c.step}) got {r.got!r}")


if __name__ == "__main__":
    main()
