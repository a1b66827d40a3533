"""Throughput of the full analyser (rules + learned model) against bare Kiwi tokenisation.

    .venv/bin/python bench/tone_speed.py [--rounds N]

Utterances are the dev-set lines plus the curse-set comments. Both sides use the same Kiwi
instance and the same batch call shape (a list handed to Kiwi, which tokenises on its worker
threads), and each is timed best-of-N so a noisy neighbour does not decide the ratio. Also prints
the one-at-a-time figures (Analyzer.analyze vs Kiwi.tokenize per string), which is how the
pipeline calls it for a single segment.

Wall-clock ratios depend on what else the machine runs: Kiwi tokenises a batch on all cores
while the analyser's own Python work runs on one, so a busy neighbour slows bare Kiwi more
than the analyser. The CPU-time line (all threads of this process) does not depend on that: it
is what a worker with every core busy pays per utterance, and how many calls it can analyse.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tone_eval import data_dir  # noqa: E402

from tone import Analyzer, get_kiwi, load_starter_rules  # noqa: E402
from tone.model import SHIPPED_MODEL_PATH, ToneModel  # noqa: E402


def load_texts() -> list[str]:
    base = data_dir()
    texts = [
        json.loads(line)["text"]
        for line in (base / "tone_dev.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for line in (base / "curse_detection" / "dataset.txt").read_text(encoding="utf-8").splitlines():
        text = line.rpartition("|")[0]
        if text.strip():
            texts.append(text)
    return texts


def best_of(rounds: int, fn, clock=time.perf_counter) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def main() -> int:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    texts = load_texts()
    kiwi = get_kiwi()
    t0 = time.perf_counter()
    model = ToneModel.load(SHIPPED_MODEL_PATH)
    model.probabilities([["bias"]])  # first use: the weights are ready
    load_seconds = time.perf_counter() - t0
    rules_only = Analyzer(load_starter_rules(), kiwi=kiwi)
    analyzer = Analyzer(load_starter_rules(), kiwi=kiwi, model=model)
    speakers = ("agent", "customer")
    items = [(t, speakers[i % 2]) for i, t in enumerate(texts)]
    analyzer.analyze_many(items[:50])  # warm up caches and Kiwi threads

    n = len(texts)
    bare = best_of(rounds, lambda: list(kiwi.tokenize(texts, split_sents=True)))
    full = best_of(rounds, lambda: analyzer.analyze_many(items))
    rules = best_of(rounds, lambda: rules_only.analyze_many(items))
    sample = items[:1000]
    bare1 = best_of(rounds, lambda: [kiwi.tokenize(t, split_sents=True) for t, _ in sample])
    full1 = best_of(rounds, lambda: [analyzer.analyze(t, s) for t, s in sample])

    bare_cpu = best_of(rounds, lambda: list(kiwi.tokenize(texts, split_sents=True)), time.process_time)
    full_cpu = best_of(rounds, lambda: analyzer.analyze_many(items), time.process_time)

    print(f"{n} utterances, {len(analyzer.rules)} rules, best of {rounds}, {os.cpu_count()} cores")
    print(f"{'mode':<28}{'kiwi utt/s':>12}{'analyser utt/s':>16}{'ratio':>8}")
    print(f"{'batch (analyze_many)':<28}{n / bare:12.0f}{n / full:16.0f}{bare / full:8.2f}")
    print(f"{'batch, rules alone':<28}{n / bare:12.0f}{n / rules:16.0f}{bare / rules:8.2f}")
    print(f"{'one at a time (analyze)':<28}{len(sample) / bare1:12.0f}{len(sample) / full1:16.0f}{bare1 / full1:8.2f}")
    print(
        f"{'batch, CPU time':<28}{n / bare_cpu:12.0f}{n / full_cpu:16.0f}{bare_cpu / full_cpu:8.2f}"
        "   (utterances per CPU-second)"
    )
    print("target: batch ratio >= 0.6 (rules and model combined, as the app runs)")
    print(f"model load (file read + weights): {load_seconds:.2f} s (target <= 1 s added to worker start)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
