"""Recall and false positives of the PII masker (pii/) on synthetic and hand-written transcripts.

    .venv/bin/python bench/pii.py [--errors] [--seeds 5]

The synthetic set is `pii.evaluation.generate(320, seed)` for the first seed and `--seeds - 1`
more (fresh random numbers and formats from the same templates; dates of birth among them, each
of their numbers — year, month, day — counted on its own); `generate_birthdates` is a set of dates
of birth only, in every form, beside ordinary dates that must stay; the hand-written set is
pii/handwritten.txt. Both were written by the masker's author, so they show that the intended
formats are covered, not how it fares on formats nobody thought of. Last, the lines of the shared
tone dev set (real-sounding call-centre speech) that get anything masked. Always exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pii.evaluation import evaluate, generate, generate_birthdates, handwritten  # noqa: E402

SEED = 20261124


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true", help="print the misses and false positives")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    sets = [(f"synthetic seed {SEED + i}", generate(320, SEED + i)) for i in range(args.seeds)]
    sets.append((f"birthdates seed {SEED}", generate_birthdates(320, SEED)))
    sets.append(("hand-written", handwritten()))
    print(
        f"{'set':<26}{'lines':>6}{'personal':>10}{'masked':>8}{'recall':>9}{'ordinary':>10}{'touched':>9}{'ms/line':>9}"
    )
    for name, lines in sets:
        began = time.perf_counter()
        result = evaluate(lines)
        per_line = (time.perf_counter() - began) * 1000 / len(lines)
        print(
            f"{name:<26}{len(lines):>6}{result.personal:>10}{result.masked:>8}{result.recall:>9.2%}"
            f"{result.ordinary:>10}{result.ordinary_masked:>9}{len(result.stray):>7}{per_line:>9.3f}"
        )
        if args.errors:
            for miss in result.misses:
                print("   missed:", miss)
            for fp in result.false_positives:
                print("   touched:", fp)
            for line in result.stray:
                print("   stray:", line)
    _ordinary_speech(args.errors)
    return 0


def _ordinary_speech(show: bool) -> None:
    """Real call-centre lines (the shared tone dev set; the blind held-out sets are not read):
    how many get anything masked. A line with a real phone number in it is counted too."""
    path = REPO.parent / "shared" / "data" / "tone_dev.jsonl"
    if not path.exists():
        print(f"(no {path}: skipped the ordinary-speech count)")
        return
    import json

    from pii import mask_pii

    texts = [json.loads(line).get("text", "") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    masked = [(t, mask_pii(t)[0]) for t in texts if mask_pii(t)[1]]
    print(f"tone_dev.jsonl: {len(masked)} of {len(texts)} lines had something masked")
    if show:
        for text, out in masked:
            print("   masked:", text, " → ", out)


if __name__ == "__main__":
    sys.exit(main())
