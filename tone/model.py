"""The learned layer beside the rulebook: one linear classifier per category over hashed features.

A `ToneModel` is plain numpy at inference (hashed features, a weight lookup, then a logistic),
so it loads in a tenth of a second and adds no heavy dependency to the worker; scikit-learn is
used only to fit (`tone.training`). A model carries its own
thresholds (chosen on a validation split, precision first) and the figures it was chosen with.

Serialised form (`to_bytes` / `from_bytes`): an `.npz` holding, per category, the indices and
float16 values of the non-zero weights, the biases, and a JSON header (categories, thresholds,
version, training report). The same bytes are what the app stores per model version.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from .features import N_FEATURES

MODEL_CATEGORIES = ("banmal", "dismissive", "blame", "sarcasm", "profanity", "abuse")
# Which speakers each category is judged for. 'unknown' (a mono call whose speakers are not
# known) gets profanity only: nobody is blamed for words the other side may have said.
CATEGORY_SPEAKERS: dict[str, frozenset[str]] = {
    "banmal": frozenset({"agent"}),
    "dismissive": frozenset({"agent"}),
    "blame": frozenset({"agent"}),
    "sarcasm": frozenset({"agent"}),
    "profanity": frozenset({"agent", "customer", "unknown"}),
    "abuse": frozenset({"customer"}),
}
SHIPPED_MODEL_PATH = Path(__file__).with_name("tone_model.npz")


def feature_index(feature: str) -> int:
    """Where a feature string lands in the hashed space (CRC-32: stable across processes)."""
    return zlib.crc32(feature.encode()) % N_FEATURES


def hash_rows(feature_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR parts (indptr, indices, values) of the hashed rows: log-scaled counts, L2-normalised,
    so long lines do not outvote short ones. Plain numpy: the worker needs no scikit-learn.

    All rows at once: every feature string becomes (row, column) as one integer, and one sort
    counts them (a line's repeated n-grams and two features hashing to one column add up). The
    CRC-32s are computed afresh each time, all in C: faster than looking them up in a cache of
    every feature ever seen, which grows past the processor's caches."""
    lengths = np.fromiter((len(feats) for feats in feature_lists), dtype=np.int64, count=len(feature_lists))
    flat = chain.from_iterable(feature_lists)
    columns = np.fromiter(map(zlib.crc32, map(str.encode, flat)), dtype=np.int64, count=int(lengths.sum()))
    columns %= N_FEATURES
    keys = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths) * N_FEATURES + columns
    cells, counts = np.unique(keys, return_counts=True)
    rows = cells // N_FEATURES
    ptr = np.searchsorted(rows, np.arange(len(lengths) + 1, dtype=np.int64))
    values = np.log1p(counts.astype(np.float32))
    row_lengths = np.diff(ptr)
    nonempty = row_lengths > 0
    norms = np.ones(len(row_lengths), dtype=np.float32)
    if values.size:
        norms[nonempty] = np.sqrt(np.add.reduceat(values * values, ptr[:-1][nonempty]))
    values /= np.repeat(norms, row_lengths)
    return ptr, cells % N_FEATURES, values


def vectorize(feature_lists: Sequence[Sequence[str]]) -> Any:
    """The hashed rows as a scipy CSR matrix (for training)."""
    from scipy.sparse import csr_matrix

    indptr, indices, values = hash_rows(feature_lists)
    return csr_matrix((values, indices, indptr), shape=(len(feature_lists), N_FEATURES))


@dataclass
class ToneModel:
    weights: np.ndarray  # (N_FEATURES, len(categories)) float32
    bias: np.ndarray  # (len(categories),) float32
    categories: tuple[str, ...] = MODEL_CATEGORIES
    thresholds: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    # --- inference ---------------------------------------------------------------------------

    def probabilities(self, feature_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """(n_lines, n_categories) probabilities."""
        n = len(feature_lists)
        if not n:
            return np.zeros((0, len(self.categories)), dtype=np.float32)
        indptr, indices, values = hash_rows(feature_lists)
        z = np.zeros((n, len(self.categories)), dtype=np.float32)
        nonempty = indptr[1:] > indptr[:-1]
        if len(indices):
            contrib = self.weights[indices] * values[:, None]
            z[nonempty] = np.add.reduceat(contrib, indptr[:-1][nonempty], axis=0)
        z += self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def threshold(self, category: str) -> float:
        return float(self.thresholds.get(category, 0.5))

    def contributions(self, features: Sequence[str], category: str) -> dict[str, float]:
        """Each distinct feature's share of the category's score (weight × its scaled value)."""
        col = self.categories.index(category)
        counts: dict[str, int] = {}
        for f in features:
            counts[f] = counts.get(f, 0) + 1
        index_of = {f: feature_index(f) for f in counts}
        by_index: dict[int, int] = {}
        for f, c in counts.items():
            by_index[index_of[f]] = by_index.get(index_of[f], 0) + c
        norm = math.sqrt(sum(math.log1p(c) ** 2 for c in by_index.values())) or 1.0
        names = list(counts)
        weights = self.weights[[index_of[f] for f in names], col].tolist() if names else []
        return {f: w * math.log1p(by_index[index_of[f]]) / norm for f, w in zip(names, weights, strict=True)}

    # --- identity and persistence ------------------------------------------------------------

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    def to_bytes(self) -> bytes:
        arrays: dict[str, np.ndarray] = {"bias": self.bias.astype(np.float32)}
        for i, category in enumerate(self.categories):
            column = self.weights[:, i]
            nz = np.flatnonzero(column)
            arrays[f"idx_{category}"] = nz.astype(np.int32)
            arrays[f"val_{category}"] = column[nz].astype(np.float16)
        header = {"categories": list(self.categories), "thresholds": self.thresholds, "meta": self.meta}
        arrays["header"] = np.frombuffer(json.dumps(header, ensure_ascii=False, sort_keys=True).encode(), np.uint8)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ToneModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            header = json.loads(npz["header"].tobytes().decode())
            categories = tuple(header["categories"])
            weights = np.zeros((N_FEATURES, len(categories)), dtype=np.float32)
            for i, category in enumerate(categories):
                weights[npz[f"idx_{category}"], i] = npz[f"val_{category}"].astype(np.float32)
            bias = npz["bias"].astype(np.float32)
        return cls(weights, bias, categories, {k: float(v) for k, v in header["thresholds"].items()}, header["meta"])

    def save(self, path: Path | str) -> None:
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: Path | str) -> ToneModel:
        return cls.from_bytes(Path(path).read_bytes())


def model_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


_shipped: ToneModel | None = None


def shipped_model() -> ToneModel | None:
    """The model trained from the shipped corpus (tone/tone_model.npz), or None if absent."""
    global _shipped
    if _shipped is None and SHIPPED_MODEL_PATH.exists():
        _shipped = ToneModel.load(SHIPPED_MODEL_PATH)
    return _shipped
