"""Accuracy of the tone analyser: rules alone, model alone and the two combined, side by side.

    .venv/bin/python bench/tone_eval.py [--errors]

Sets, each printed as P/R/F1 per category for the three analysers in one table, with the share
of clean agent lines and of clean customer lines that get any flag:

- the corpus's **test** split (writers x and x2: never trained or tuned on) — the headline figure;
  and its validation writers (v, v2), which the shipped model is trained on — their figures
  flatter the model and are printed for comparison with the rules only;
- `../shared/data/tone_dev.jsonl` and bench/data/tone_holdout.jsonl — both are *training* data
  for the model now, so their figures say little;
- bench/data/tone_holdout2.jsonl — **blind**: never trained, tuned or looked at; figures only,
  never its lines (not even with --errors);
- the MIT curse set (profanity): its 30 % test part (the model trains on the other 70 %) and
  the whole set, each comment read as a line of unknown speaker.

"Model alone" is a model fitted here the same way as the shipped one (tone.training.fit_cv) but
without the rule hits among its features, so the table shows what the rules and the model each bring. "Combined" is
the shipped model (tone/tone_model.npz), which is what the app runs. Always exits 0.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tone import load_starter_rules  # noqa: E402
from tone.corpus import (  # noqa: E402
    curse_examples,
    extra_training,
    extra_validation,
    load_split,
    read_jsonl,
    with_asr_variants,
)
from tone.engine import Analyzer  # noqa: E402
from tone.model import MODEL_CATEGORIES, shipped_model  # noqa: E402
from tone.morph import get_kiwi  # noqa: E402
from tone.training import evaluate, fit_cv, prf  # noqa: E402

HOLDOUT = REPO / "bench" / "data" / "tone_holdout.jsonl"
BLIND = REPO / "bench" / "data" / "tone_holdout2.jsonl"


def data_dir() -> Path:
    return Path(os.environ.get("MOT_SHARED_DATA") or REPO.parent / "shared" / "data")


def report(title: str, analyzers: dict, examples: list, show_errors: bool = False, categories=MODEL_CATEGORIES) -> None:
    print(f"\n== {title}: {len(examples)} lines")
    scores = {name: evaluate(a, examples) for name, a in analyzers.items()}
    head = "".join(f"{name:>24}" for name in analyzers)
    print(f"{'':<12}{head}")
    print(f"{'category':<12}" + "".join(f"{'P':>8}{'R':>8}{'F1':>8}" for _ in analyzers) + f"{'n':>6}")
    for c in categories:
        cells = ""
        for s in scores.values():
            p, r, f = prf(*s.counts[c])
            cells += f"{p:8.3f}{r:8.3f}{f:8.3f}"
        tp, _fp, fn = next(iter(scores.values())).counts[c]
        print(f"{c:<12}{cells}{tp + fn:6d}")
    for label, attr in (
        ("false flags, clean agent lines", "clean_agent"),
        ("false flags, clean customer", "clean_customer"),
    ):
        cells = ""
        for s in scores.values():
            hit, n = getattr(s, attr)
            cells += f"{f'{hit}/{n} = {hit / n:.1%}' if n else '-':>24}"
        print(f"{label:<12}\n{'':<12}{cells}")
    if show_errors:
        print("-- combined disagreements (id speaker want / got: text)")
        for e, got in scores["combined"].errors:
            print(
                f"{e.id} {e.speaker[0]} {','.join(sorted(e.labels)) or '-'} / {','.join(sorted(got)) or '-'}: {e.text}"
            )


def main() -> int:
    show_errors = "--errors" in sys.argv
    shared = data_dir() if data_dir().exists() else None
    kiwi = get_kiwi()
    rules = load_starter_rules()
    model = shipped_model()
    if model is None:
        print("no shipped model (tone/tone_model.npz): run .venv/bin/python -m tone.build_model")
        return 0
    print("fitting the model-alone comparison (no rule features) …", flush=True)
    validation = load_split("validation") + extra_validation(shared)
    examples = list(with_asr_variants(load_split("train") + validation + extra_training(shared, REPO)))
    alone = fit_cv(rules, examples, kiwi=kiwi, with_rules=False).model
    analyzers = {
        "rules alone": Analyzer(rules, kiwi=kiwi),
        "model alone": Analyzer([], kiwi=kiwi, model=alone, mode="model"),
        "combined": Analyzer(rules, kiwi=kiwi, model=model),
    }
    report("corpus test split (never trained or tuned on)", analyzers, load_split("test"), show_errors)
    report(
        "corpus validation writers (TRAINED ON; thresholds from their held-out scores)",
        analyzers,
        load_split("validation"),
    )
    if BLIND.exists():
        # Never with errors: its lines must stay unseen by whoever writes rules or data.
        report("held-out 2 (blind: never trained, tuned or read)", analyzers, read_jsonl(BLIND, "blind"))
    if shared is not None:
        report("tone_dev.jsonl (training data for the model)", analyzers, read_jsonl(shared / "tone_dev.jsonl", "dev"))
    if HOLDOUT.exists():
        report(
            "held-out 1 (rules were tuned on it; training data for the model)", analyzers, read_jsonl(HOLDOUT, "ho1")
        )
    curse = shared / "curse_detection" / "dataset.txt" if shared else None
    if curse and curse.exists():
        report(
            "MIT curse set, test part (30 %, not trained on)",
            analyzers,
            curse_examples(curse, "test"),
            categories=("profanity",),
        )
        whole = curse_examples(curse, "test") + curse_examples(curse, "validation") + curse_examples(curse, "train")
        report("MIT curse set, all of it (70 % are model training data)", analyzers, whole, categories=("profanity",))
    return 0


if __name__ == "__main__":
    sys.exit(main())
