"""Build the shipped tone model (tone/tone_model.npz) from the repository's corpus.

    .venv/bin/python -m tone.build_model [--seed 0] [--shared ../shared/data] [--out tone/tone_model.npz]

Trains on the corpus's train and validation splits (plus tone_dev, held-out 1 and the MIT curse
set's training and validation parts when present), choosing C and thresholds on leave-one-writer-
out scores (tone.training.fit_cv), then prints those and the test split's figures; the test
split is never trained or tuned on. Seeded and deterministic: the same inputs give the same bytes. The app retrains with
reviewers' verdicts on top through `manage.py train_tone_model`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import load_starter_rules
from .corpus import extra_training, extra_validation, load_split, with_asr_variants
from .engine import Analyzer
from .model import SHIPPED_MODEL_PATH
from .morph import get_kiwi
from .training import evaluate, fit_cv, prf

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL_PATH)
    args = parser.parse_args(argv)
    shared = args.shared if args.shared.exists() else None
    validation, test = load_split("validation") + extra_validation(shared), load_split("test")
    everything = load_split("train") + validation + extra_training(shared, REPO)
    examples = list(with_asr_variants(everything, args.seed))
    rules, kiwi = load_starter_rules(), get_kiwi()
    result = fit_cv(rules, examples, seed=args.seed, kiwi=kiwi)
    result.model.meta.pop("fit_seconds", None)
    result.model.meta["version"] = "shipped"
    args.out.write_bytes(result.model.to_bytes())
    analyzer = Analyzer(rules, kiwi=kiwi, model=result.model)
    clean = result.model.meta["validation_clean_false_flags"]
    print(
        f"out-of-fold false flags: clean agent {clean['agent'][0]}/{clean['agent'][1]}, "
        f"clean customer {clean['customer'][0]}/{clean['customer'][1]}"
    )
    scores = evaluate(analyzer, test)
    print(f"{len(examples)} rows (train + validation splits), test {len(test)} -> {args.out}")
    print(f"{'category':<12}{'oof F1':>8}{'thresh':>8}{'test P':>8}{'test R':>8}{'test F1':>8}")
    for category, figures in result.validation.items():
        p, r, f = prf(*scores.counts[category])
        print(f"{category:<12}{figures['F1']:8.3f}{figures['threshold']:8.3f}{p:8.3f}{r:8.3f}{f:8.3f}")
    print(
        f"test false flags: clean agent {scores.clean_agent[0]}/{scores.clean_agent[1]}, "
        f"clean customer {scores.clean_customer[0]}/{scores.clean_customer[1]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
