"""The labelled tone corpus: our own call-centre lines, split by writing batch.

`tone/corpus/<batch>.jsonl` holds one writing batch each: lines written in one sitting by one
writer. The split is decided per *writer* (SPLITS below), so no test line was written alongside a
training line, and no phrasing habit of a test writer leaks into training:

    train       w1–w7 (and the development sets tone_dev, held-out 1 and the MIT curse set)
    validation  v, v2 — thresholds and the regularisation strength are chosen here
    test        x, x2 — reported only; a retrain worse here than the model in use is refused

The blind set bench/data/tone_holdout2.jsonl is in none of them and is never read here.

Lines without punctuation, with fillers and spacing slips are how Whisper writes speech; the
writers wrote about half the lines that way. `asr_variant` makes one more such version of each
clean training line (seeded), never of a validation or test line.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .features import PUNCTUATION
from .model import CATEGORY_SPEAKERS, MODEL_CATEGORIES

CORPUS_DIR = Path(__file__).with_name("corpus")
SPLITS = {
    "w1": "train",
    "w2": "train",
    "w3": "train",
    "w4": "train",
    "w5": "train",
    "w6": "train",
    "w7": "train",
    "w8": "train",
    "w9": "train",
    "w10": "train",
    "w11": "train",
    "w12": "train",
    "w13": "train",
    "w14": "train",
    "w15": "train",
    "w16": "train",
    "w17": "train",
    "w18": "train",
    "w19": "train",
    "w20": "train",
    "w21": "train",
    "v": "validation",
    "v2": "validation",
    "x": "test",
    "x2": "test",
}
SPEAKER_CODES = {"a": "agent", "c": "customer"}


@dataclass(frozen=True)
class Example:
    text: str
    speaker: str
    labels: frozenset[str]
    # the categories this line says anything about: a reviewer's verdict on one flag tells us
    # about that category only; a corpus line is labelled for every category of its speaker
    known: frozenset[str]
    context: str = ""
    source: str = ""
    id: str = ""
    weight: float = 1.0
    meta: dict = field(default_factory=dict, compare=False, hash=False)


def categories_for(speaker: str) -> frozenset[str]:
    return frozenset(c for c in MODEL_CATEGORIES if speaker in CATEGORY_SPEAKERS[c])


def split_of(batch: str) -> str:
    return SPLITS[batch.split("_", 1)[0]]


def example_from_row(row: dict, source: str) -> Example:
    speaker = row["speaker"]
    labels = frozenset(row.get("labels") or ())
    unknown = labels - set(MODEL_CATEGORIES)
    if unknown:
        raise ValueError(f"{row.get('id')}: unknown labels {sorted(unknown)}")
    return Example(
        text=row["text"],
        speaker=speaker,
        labels=labels & categories_for(speaker),
        known=categories_for(speaker),
        context=row.get("context") or "",
        source=source,
        id=str(row.get("id", "")),
    )


def load_batches(corpus_dir: Path = CORPUS_DIR) -> dict[str, list[dict]]:
    batches = {}
    for path in sorted(corpus_dir.glob("*.jsonl")):
        batches[path.stem] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return batches


def load_split(split: str, corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    """One split's lines. A validation or test line that another writer happened to write for
    training too (short lines like "또요?") is left out, so no evaluated line was trained on."""
    batches = load_batches(corpus_dir)
    seen: set[str] = set()
    if split != "train":
        seen = {_norm(row["text"]) for b, rows in batches.items() if split_of(b) == "train" for row in rows}
        if split == "test":
            seen |= {_norm(row["text"]) for b, rows in batches.items() if split_of(b) == "validation" for row in rows}
    return [
        example_from_row(row, f"corpus:{batch}")
        for batch, rows in batches.items()
        if split_of(batch) == split
        for row in rows
        if _norm(row["text"]) not in seen
    ]


def _norm(text: str) -> str:
    return _PUNCT.sub("", text).replace(" ", "")


def read_jsonl(path: Path, source: str) -> list[Example]:
    return [
        example_from_row(json.loads(line), source) for line in path.read_text(encoding="utf-8").splitlines() if line
    ]


def curse_rows(path: Path) -> list[tuple[str, bool]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text, _, label = line.rpartition("|")
        if label.strip() in ("0", "1") and text.strip():
            rows.append((text, label.strip() == "1"))
    return rows


def curse_part(text: str) -> str:
    """A stable 60/10/30 split of the MIT curse set by a hash of the line: train, validation, test.

    Its validation part joins the corpus's when the profanity threshold is chosen, so the cut-off
    suits online swearing as well as our call lines."""
    bucket = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 10
    return "test" if bucket < 3 else "validation" if bucket == 3 else "train"


def curse_examples(path: Path, part: str = "train", weight: float = 0.5) -> list[Example]:
    """Online comments (no speaker): profanity only, read as a line whose speaker is unknown."""
    return [
        Example(
            text, "unknown", frozenset({"profanity"} if bad else ()), frozenset({"profanity"}), "", "curse", "", weight
        )
        for text, bad in curse_rows(path)
        if curse_part(text) == part
    ]


def extra_validation(shared_data: Path | None) -> list[Example]:
    """The curse set's validation part (profanity only), for choosing the profanity threshold."""
    curse = shared_data / "curse_detection" / "dataset.txt" if shared_data is not None else None
    return curse_examples(curse, "validation", weight=1.0) if curse is not None and curse.exists() else []


def extra_training(shared_data: Path | None, repo: Path | None = None) -> list[Example]:
    """Development sets that may be trained on (ours, or MIT): tone_dev, held-out 1, the curse set."""
    out: list[Example] = []
    if shared_data is not None:
        dev = shared_data / "tone_dev.jsonl"
        if dev.exists():
            out += read_jsonl(dev, "tone_dev")
        curse = shared_data / "curse_detection" / "dataset.txt"
        if curse.exists():
            out += curse_examples(curse, "train")
    if repo is not None:
        holdout1 = repo / "bench" / "data" / "tone_holdout.jsonl"
        if holdout1.exists():
            out += read_jsonl(holdout1, "holdout1")
    return out


# --- speech-recogniser style ---------------------------------------------------------------------

_PUNCT = re.compile(f"[{re.escape(PUNCTUATION)}]")
_FILLERS = ("어", "음", "그", "아", "네", "그니까", "뭐", "이제")


def asr_variant(text: str, rng: random.Random) -> str:
    """The line as Whisper might write it: no punctuation, a filler or two, a spacing slip."""
    words = _PUNCT.sub(" ", text).split()
    if not words:
        return text
    out: list[str] = []
    for i, w in enumerate(words):
        if rng.random() < 0.12:
            out.append(rng.choice(_FILLERS))
        if out and i > 0 and rng.random() < 0.15:
            out[-1] = out[-1] + w  # 붙여쓰기
        else:
            out.append(w)
    return " ".join(out)


def is_clean_written(text: str) -> bool:
    return bool(_PUNCT.search(text))


def with_asr_variants(examples: Iterable[Example], seed: int = 0) -> Iterator[Example]:
    rng = random.Random(seed)
    for ex in examples:
        yield ex
        if ex.source.startswith("corpus") and is_clean_written(ex.text):
            variant = asr_variant(ex.text, rng)
            if variant != ex.text:
                yield Example(
                    variant, ex.speaker, ex.labels, ex.known, ex.context, ex.source + ":asr", ex.id + ":asr", ex.weight
                )


# --- importing writers' files ---------------------------------------------------------------------


def import_tsv(path: Path, corpus_dir: Path = CORPUS_DIR) -> Path:
    """Turn a writer's TSV (speaker, labels, domain, text, context) into a corpus batch file."""
    batch = path.stem
    split_of(batch)  # refuses a batch whose writer has no split
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 5:
            raise ValueError(f"{path}:{n}: {len(cols)} columns, want 5")
        speaker, labels, domain, text, context = (c.strip() for c in cols)
        who = SPEAKER_CODES[speaker]
        wanted = [] if labels in ("-", "") else [x.strip() for x in labels.split(",") if x.strip()]
        bad = set(wanted) - set(MODEL_CATEGORIES)
        if bad:
            raise ValueError(f"{path}:{n}: unknown labels {sorted(bad)}")
        rows.append(
            {
                "id": f"{batch}-{len(rows) + 1:04d}",
                "speaker": who,
                "text": text,
                "context": "" if context == "-" else context,
                "labels": sorted(set(wanted) & categories_for(who)),
                "domain": domain,
            }
        )
    out = corpus_dir / f"{batch}.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return out
