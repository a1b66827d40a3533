"""Two speakers on one channel: who spoke each segment of a mono call, and how sure we are.

1. **Voices.** Segments are cut where the sound falls silent (a mono turn change often hides in a
   short pause Whisper stretches a word over) and at short gaps between words. Each piece is
   described by its MFCC means and spreads over voiced frames and its pitch statistics (per-frame
   autocorrelation F0), all from one frame table of the call. The pieces are split in two by
   2-means from several starting weightings, refined by weighting each feature by how well it
   separates the clusters; the split most likely as two Gaussians wins (``split_voices``). How well
   the voices separate is the silhouette of that split under fixed weights.
2. **Roles.** Which cluster is the agent is decided by what each says: an agent greets with the
   company's name, addresses the customer as 고객님, offers to check (확인해 드리겠습니다), asks
   them to wait, apologises for the inconvenience; a customer asks, complains, says goodbye.
   ``role_score`` counts those cues per segment.
3. **Confidence** in [0, 1] is the product of how clearly the voices separate and how clearly the
   roles point one way. Below the caller's threshold the call must not be scored as if we knew.

Pure numpy, nothing is downloaded; no Django.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from speech.transcription import Segment

__all__ = [
    "Attribution",
    "attribute_speakers",
    "cluster_two",
    "refine_two",
    "role_score",
    "split_at_silences",
    "split_voices",
    "voice_features",
]

FRAME_S = 0.025
HOP_S = 0.010
PITCH_FRAME_S = 0.05
N_MELS = 32
N_MFCC = 20
N_SPREAD = 13
PITCH_MIN_HZ = 60.0
PITCH_MAX_HZ = 400.0
VOICED_STRENGTH = 0.5
# Frames within this many dB of the call's loud speech count as speech.
SPEECH_DB = 30.0
FEATURES = (N_MFCC - 1) + (N_SPREAD - 1) + 3
# Pitch tells two people apart far better than a segment's average spectrum, which mostly follows
# what was said; the spectrum still helps when two voices are pitched alike.
FEATURE_WEIGHTS = np.array([0.35] * (N_MFCC - 1) + [0.2] * (N_SPREAD - 1) + [1.5, 1.5, 3.0])
# On one channel, a pause this long between two words may be a change of speaker.
TURN_PAUSE_S = 0.25
# Segments shorter than this carry too little voice to place by sound; they follow their
# neighbours' voice only through the text, or stay with the nearer cluster.
MIN_VOICE_S = 0.3
# A silence this long inside a segment (sound this far below the call's loud speech) may be a
# change of speaker that Whisper's word timings hide.
SILENCE_SPLIT_S = 0.2
SILENCE_DB = 35.0
REFINE_ROUNDS = 5
# A segment's edges follow the sound out this far while it stays within EDGE_DB of loud speech.
EDGE_REACH_S = 0.5
EDGE_DB = 40.0

# Phrases a call-centre agent says and a customer rarely does (and the reverse), on text with
# spaces removed. Weights are how telling each is.
AGENT_CUES: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p), w)
    for p, w in (
        (r"고객님", 2.0),
        (r"확인(해|하여)?드리겠", 2.0),
        (r"도와드릴까요|도와드리겠", 2.0),
        (r"(상담원|상담사)", 1.5),
        (r"(센터|고객센터|콜센터|서비스)입니다", 2.0),
        (r"[가-힣]{2,}(입니다|이었습니다)$", 0.5),
        (r"잠시만기다려주(시겠습니까|세요)", 1.0),
        (r"불편을?드려(서)?죄송", 2.0),
        (r"안내(해)?드리", 1.5),
        (r"더궁금하신|다른문의", 1.5),
        (r"(이용|전화)해주셔서감사", 2.0),
        (r"말씀(하신|해주신)", 1.0),
    )
)
CUSTOMER_CUES: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p), w)
    for p, w in (
        (r"안녕히계세요", 1.5),
        (r"(해|바꿔|알려|처리해)주세요$", 0.5),
        (r"(환불|해지|취소)(하고|하려고|해주)", 1.0),
        (r"왜(이렇게|안|자꾸)", 1.0),
        (r"(제|저희)(가|집|폰|카드|요금)", 0.5),
        (r"(문의|여쭤|물어)(하려고|보려고|볼게)", 1.0),
    )
)
_SPACE = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Attribution:
    segments: list[Segment]
    confidence: float
    voice_separation: float
    role_margin: float


# --------------------------------------------------------------------------
# Voice features


def _mel_filterbank(sample_rate: int, n_fft: int) -> np.ndarray:
    def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)

    mels = np.linspace(hz_to_mel(80.0), hz_to_mel(min(7600.0, sample_rate / 2)), N_MELS + 2)
    bins = np.floor((n_fft + 1) * (700.0 * (10 ** (mels / 2595.0) - 1.0)) / sample_rate).astype(int)
    bank = np.zeros((N_MELS, n_fft // 2 + 1))
    for m in range(1, N_MELS + 1):
        left, centre, right = bins[m - 1], bins[m], bins[m + 1]
        for k in range(left, centre):
            bank[m - 1, k] = (k - left) / max(centre - left, 1)
        for k in range(centre, right):
            bank[m - 1, k] = (right - k) / max(right - centre, 1)
    return bank


def _framed(audio: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """Frames of ``frame`` samples every ``hop``, centred on ``hop * i + hop // 2``."""
    pad = (frame - hop) // 2
    padded = np.pad(audio.astype(np.float32, copy=False), (pad, frame))
    count = len(audio) // hop
    if count == 0:
        return np.zeros((0, frame), dtype=np.float32)
    index = np.arange(frame)[None, :] + hop * np.arange(count)[:, None]
    return padded[index]


@dataclass(frozen=True)
class FrameTable:
    """Per 10 ms frame of a call: MFCCs, level (dB), log F0 (NaN where unvoiced)."""

    mfcc: np.ndarray
    level: np.ndarray
    log_f0: np.ndarray

    def span(self, start_s: float, end_s: float) -> slice:
        return slice(max(0, int(start_s / HOP_S)), max(0, int(np.ceil(end_s / HOP_S))))


def frame_table(audio: np.ndarray, sample_rate: int) -> FrameTable:
    """MFCCs, level and pitch of every 10 ms of ``audio``, computed once for a whole call."""
    hop = int(HOP_S * sample_rate)
    frames = _framed(audio, int(FRAME_S * sample_rate), hop)
    if len(frames) == 0:
        empty = np.zeros(0)
        return FrameTable(np.zeros((0, N_MFCC)), empty, empty)
    n_fft = 512
    mfcc_rows, level_rows, pitch_rows = [], [], []
    bank = _mel_filterbank(sample_rate, n_fft).T
    n = np.arange(N_MELS)
    dct = np.cos(np.pi / N_MELS * (n[None, :] + 0.5) * np.arange(N_MFCC)[:, None])
    window = np.hamming(frames.shape[1])
    long = _framed(audio, int(PITCH_FRAME_S * sample_rate), hop)
    for lo in range(0, len(frames), 4000):  # bounded memory on long calls
        chunk = frames[lo : lo + 4000]
        power = np.abs(np.fft.rfft(chunk * window, n=n_fft)) ** 2
        mfcc_rows.append(np.log(np.maximum(power @ bank, 1e-10)) @ dct.T)
        level_rows.append(10 * np.log10(np.maximum(np.mean(chunk.astype(np.float64) ** 2, axis=1), 1e-12)))
        pitch_rows.append(_frame_pitch(long[lo : lo + 4000], sample_rate))
    return FrameTable(np.vstack(mfcc_rows), np.concatenate(level_rows), np.concatenate(pitch_rows))


def _frame_pitch(frames: np.ndarray, sample_rate: int) -> np.ndarray:
    """log F0 per frame by normalised autocorrelation; NaN where the frame is not clearly voiced."""
    lo, hi = int(sample_rate / PITCH_MAX_HZ), int(sample_rate / PITCH_MIN_HZ)
    out = np.full(len(frames), np.nan)
    if len(frames) == 0 or frames.shape[1] <= hi:
        return out
    centred = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred * np.hanning(frames.shape[1]), n=2 * frames.shape[1])
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[:, : frames.shape[1]]
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    lags = lo + np.argmax(ac[:, lo:hi], axis=1)
    strength = ac[np.arange(len(ac)), lags]
    voiced = (strength > VOICED_STRENGTH) & (np.sum(centred**2, axis=1) > 1e-7 * frames.shape[1])
    out[voiced] = np.log(sample_rate / lags[voiced])
    return out


def _piece_features(table: FrameTable, span: slice, loud_db: float) -> np.ndarray:
    """Voice of one stretch: MFCC means and spreads over its speech frames, pitch statistics."""
    mfcc, level, log_f0 = table.mfcc[span], table.level[span], table.log_f0[span]
    if len(mfcc) == 0:
        return np.zeros(FEATURES)
    speech = level >= loud_db - SPEECH_DB
    voiced = speech & ~np.isnan(log_f0)
    chosen = mfcc[voiced] if voiced.sum() >= 5 else mfcc[speech] if speech.any() else mfcc
    pitch = log_f0[voiced]
    if len(pitch):
        pitch_stats = [float(np.median(pitch)), float(np.percentile(pitch, 20)), float(np.percentile(pitch, 80))]
    else:
        pitch_stats = [0.0, 0.0, 0.0]
    return np.concatenate(
        [chosen[:, 1:].mean(axis=0), chosen[:, 1:N_SPREAD].std(axis=0), pitch_stats[1:], [pitch_stats[0]]]
    )


def voice_features(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """The voice of one stretch of speech as a vector; its last element is the log median pitch
    (0 when nothing is voiced)."""
    table = frame_table(audio, sample_rate)
    loud = float(np.percentile(table.level, 95)) if len(table.level) else 0.0
    return _piece_features(table, slice(0, len(table.level)), loud)


# --------------------------------------------------------------------------
# Clustering


def cluster_two(features: np.ndarray, *, weights: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Split rows into two clusters (2-means on standardised features); labels and silhouette.

    Deterministic: starts from the two ends of the first principal component. The silhouette (-1..1) says how
    clearly the rows fall into two groups; fewer than 3 rows, or identical ones, give 0.
    """
    count = len(features)
    if count < 2:
        return np.zeros(count, dtype=int), 0.0
    spread = features.std(axis=0)
    x = (features - features.mean(axis=0)) / np.where(spread > 1e-9, spread, 1.0)
    if weights is not None:
        x = x * weights
    distances = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=2)
    if distances.max() <= 1e-9:
        return np.zeros(count, dtype=int), 0.0
    # Start from the two ends of the main axis of variation (the lower and upper quarters along
    # the first principal component): one odd segment cannot become a cluster of its own, as it
    # can when starting from the farthest pair.
    centred = x - x.mean(axis=0)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    position = centred @ axis
    low, high = np.percentile(position, 25), np.percentile(position, 75)
    if high <= low:
        low = high = float(np.median(position))
    centres = np.stack([x[position <= low].mean(axis=0), x[position >= high].mean(axis=0)])
    labels = np.zeros(count, dtype=int)
    for _ in range(50):
        new = np.argmin(np.linalg.norm(x[:, None, :] - centres[None, :, :], axis=2), axis=1)
        if np.array_equal(new, labels) and _ > 0:
            break
        labels = new
        for k in (0, 1):
            if np.any(labels == k):
                centres[k] = x[labels == k].mean(axis=0)
    return labels, _silhouette(distances, labels)


def refine_two(
    features: np.ndarray, labels: np.ndarray, *, prior: np.ndarray, rounds: int = REFINE_ROUNDS
) -> np.ndarray:
    """Labels re-fitted with each feature weighted by how well it separates the current clusters.

    Which features tell two people apart differs from pair to pair (pitch, or the spectrum when
    they are pitched alike); after a first split, each standardised feature is weighted by the
    distance between the cluster means over its within-cluster spread (its Fisher ratio), blended
    with the ``prior`` weights, and 2-means runs again from the current clusters.
    """
    spread = features.std(axis=0)
    x = (features - features.mean(axis=0)) / np.where(spread > 1e-9, spread, 1.0)
    for _ in range(rounds):
        if len(set(labels.tolist())) < 2:
            return labels
        groups = [x[labels == k] for k in (0, 1)]
        within = np.sqrt((groups[0].var(axis=0) * len(groups[0]) + groups[1].var(axis=0) * len(groups[1])) / len(x))
        fisher = np.abs(groups[0].mean(axis=0) - groups[1].mean(axis=0)) / (within + 0.25)
        weights = prior / np.linalg.norm(prior) + fisher / max(np.linalg.norm(fisher), 1e-9)
        y = x * weights
        centres = np.stack([y[labels == k].mean(axis=0) for k in (0, 1)])
        new = labels
        for _ in range(50):
            new = np.argmin(np.linalg.norm(y[:, None, :] - centres[None, :, :], axis=2), axis=1)
            if len(set(new.tolist())) < 2:
                return labels
            updated = np.stack([y[new == k].mean(axis=0) for k in (0, 1)])
            if np.allclose(updated, centres):
                break
            centres = updated
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def split_voices(features: np.ndarray) -> tuple[np.ndarray, float]:
    """Two voices among the rows: labels, and the silhouette of that split (how clearly it separates).

    2-means from several starting weightings (the default emphasis on pitch, pitch alone, the
    spectrum alone, all features equal), each refined by ``refine_two``; of the candidate splits
    the one under which the rows are most likely as two Gaussians with a shared diagonal
    covariance wins (the smallest within-cluster spread, summed in log over features), so a
    split along what was said loses to one along who said it when the latter is tighter. The
    silhouette is measured with the fixed ``FEATURE_WEIGHTS``, so it does not flatter a split the
    refinement found in noise.
    """
    count, width = features.shape
    if count < 2:
        return np.zeros(count, dtype=int), 0.0
    spread = features.std(axis=0)
    x = (features - features.mean(axis=0)) / np.where(spread > 1e-9, spread, 1.0)
    pitch_only = np.r_[np.zeros(width - 3), np.ones(3)]
    starts = (FEATURE_WEIGHTS, pitch_only, 1.0 - pitch_only, np.ones(width))
    best, best_score = None, -np.inf
    for start in starts:
        labels, _ = cluster_two(features, weights=start)
        for prior in (FEATURE_WEIGHTS, np.ones(width)):
            candidate = refine_two(features, labels, prior=prior)
            share = float(candidate.mean())
            if min(share, 1.0 - share) * count < 1:
                continue
            score = _two_gaussian_score(x, candidate)
            if score > best_score + 1e-9:
                best, best_score = candidate, score
    if best is None:
        return np.zeros(count, dtype=int), 0.0
    weighted = x * FEATURE_WEIGHTS
    distances = np.linalg.norm(weighted[:, None, :] - weighted[None, :, :], axis=2)
    return best, _silhouette(distances, best)


def _two_gaussian_score(x: np.ndarray, labels: np.ndarray) -> float:
    """Log-likelihood (up to constants) of standardised rows as two Gaussians, shared diagonal covariance."""
    within = sum(x[labels == k].var(axis=0) * np.sum(labels == k) for k in (0, 1)) / len(x)
    return float(-np.sum(np.log(within + 0.05)))


def _silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    if len(set(labels.tolist())) < 2 or len(labels) < 3:
        return 0.0
    scores = []
    for i, label in enumerate(labels):
        own = labels == label
        own[i] = False
        if not own.any():
            scores.append(0.0)
            continue
        inside = distances[i, own].mean()
        outside = distances[i, labels != label].mean()
        scores.append((outside - inside) / max(inside, outside, 1e-12))
    return float(np.mean(scores))


# --------------------------------------------------------------------------
# Roles


def role_score(text: str) -> float:
    """Positive when ``text`` sounds like the agent, negative like the customer."""
    compact = _SPACE.sub("", text)
    agent = sum(weight for pattern, weight in AGENT_CUES if pattern.search(compact))
    customer = sum(weight for pattern, weight in CUSTOMER_CUES if pattern.search(compact))
    return agent - customer


def attribute_speakers(
    segments: Sequence[Segment],
    audio: np.ndarray,
    sample_rate: int,
    *,
    agent: str = "agent",
    customer: str = "customer",
) -> Attribution:
    """Label each segment of a mono call ``agent`` or ``customer``, with a confidence in [0, 1].

    On one channel a turn change can hide in a pause shorter than the one that ends a segment, and
    Whisper often stretches a word over it, so segments are first cut at every pause of
    ``TURN_PAUSE_S`` between words and at every silence of ``SILENCE_SPLIT_S`` in the sound; pieces
    of one segment that land on the same speaker are joined again afterwards.
    """
    from speech.segmenting import split_segment

    table = frame_table(audio, sample_rate)
    loud = float(np.percentile(table.level, 95)) if len(table.level) else 0.0
    pieces: list[tuple[int, Segment]] = [
        (index, cut)
        for index, segment in enumerate(segments)
        for piece in split_segment(segment, max_pause_s=TURN_PAUSE_S)
        for cut in split_at_silences(piece, table, loud)
    ]
    result = _attribute([piece for _, piece in pieces], table, loud, agent=agent, customer=customer)
    joined: list[Segment] = []
    previous = None
    for (index, _), piece in zip(pieces, result.segments, strict=True):
        if joined and previous == index and joined[-1].speaker == piece.speaker:
            last = joined[-1]
            joined[-1] = replace(
                last, end=piece.end, text=f"{last.text} {piece.text}".strip(), words=[*last.words, *piece.words]
            )
        else:
            joined.append(piece)
        previous = index
    return replace(result, segments=_reach_sound_edges(joined, table, loud))


def _reach_sound_edges(segments: list[Segment], table: FrameTable, loud_db: float) -> list[Segment]:
    """Edges moved out over the voice's quiet onset and decay (sound within ``EDGE_DB`` of the
    call's loud speech), at most ``EDGE_REACH_S``, never into a neighbouring segment.

    On one channel the segmenter's edges are drawn against both voices' loudness; a turn's soft
    start and fading end belong to whoever spoke it.
    """
    audible = table.level >= loud_db - EDGE_DB
    count = len(audible)
    order = sorted(range(len(segments)), key=lambda i: segments[i].start)
    out = list(segments)
    reach = int(EDGE_REACH_S / HOP_S)
    for position, i in enumerate(order):
        seg = out[i]
        lower = out[order[position - 1]].end if position else 0.0
        upper = segments[order[position + 1]].start if position + 1 < len(order) else count * HOP_S
        head, tail = int(round(seg.start / HOP_S)), int(round(seg.end / HOP_S))
        if not 0 <= head < tail <= count:
            continue
        first, last = head, tail
        while head > 0 and first - head < reach and audible[head - 1] and (head - 1) * HOP_S >= lower:
            head -= 1
        while tail < count and tail - last < reach and audible[tail] and (tail + 1) * HOP_S <= upper:
            tail += 1
        if (head, tail) != (first, last):
            out[i] = replace(seg, start=min(seg.start, head * HOP_S), end=max(seg.end, tail * HOP_S))
    return out


def split_at_silences(segment: Segment, table: FrameTable, loud_db: float) -> list[Segment]:
    """``segment`` cut at every stretch of at least ``SILENCE_SPLIT_S`` where the sound is quiet.

    Each word goes to the piece its end falls in (or the nearest piece): when Whisper stretches a
    word over the pause before it, its sound is at its end.
    """
    span = table.span(segment.start, segment.end)
    quiet = table.level[span] < loud_db - SILENCE_DB
    if len(quiet) == 0:
        return [segment]
    offset = span.start
    pieces: list[tuple[float, float]] = []
    run_start = None
    piece_start = None
    for i, q in enumerate([*quiet.tolist(), True]):
        if not q and piece_start is None:
            piece_start = i
        if q and run_start is None:
            run_start = i
        if not q:
            if run_start is not None and piece_start is not None and i - run_start >= SILENCE_SPLIT_S / HOP_S:
                pieces.append((piece_start, run_start))
                piece_start = i
            run_start = None
    if piece_start is not None:
        pieces.append((piece_start, run_start if run_start is not None else len(quiet)))
    if len(pieces) <= 1:
        return [segment]
    bounds = [((offset + a) * HOP_S, (offset + b) * HOP_S) for a, b in pieces]
    bounds[0] = (min(bounds[0][0], segment.start), bounds[0][1])
    bounds[-1] = (bounds[-1][0], max(bounds[-1][1], segment.end))
    bounds[0] = (segment.start, bounds[0][1])
    bounds[-1] = (bounds[-1][0], segment.end)
    groups: list[list[dict]] = [[] for _ in bounds]
    for word in segment.words:
        end = float(word["end"])
        distance = [0.0 if a <= end <= b + HOP_S else min(abs(end - a), abs(end - b)) for a, b in bounds]
        groups[int(np.argmin(distance))].append(word)
    return [
        replace(
            segment,
            start=a,
            end=b,
            text="".join(str(w["word"]) for w in words).strip(),
            words=[dict(w) for w in words],
        )
        for (a, b), words in zip(bounds, groups, strict=True)
    ]


def _attribute(segs: list[Segment], table: FrameTable, loud_db: float, *, agent: str, customer: str) -> Attribution:
    if not segs:
        return Attribution([], 0.0, 0.0, 0.0)
    features = np.stack([_piece_features(table, table.span(s.start, s.end), loud_db) for s in segs])
    # No voiced frame found (a breath, a click): give it the typical pitch rather than a value
    # that would make it an outlier of its own.
    voiced = features[:, -1] > 0
    if voiced.any():
        for column in (-3, -2, -1):
            features[~voiced, column] = float(np.median(features[voiced, column]))
    durations = np.array([s.end - s.start for s in segs])
    usable = durations >= MIN_VOICE_S
    labels = np.zeros(len(segs), dtype=int)
    separation = 0.0
    if usable.sum() >= 2:
        fitted, separation = split_voices(features[usable])
        labels[usable] = fitted
        if not usable.all() and len(set(fitted.tolist())) == 2:
            # Too short to cluster on: the more likely voice, in the clusters' own spread.
            fit = features[usable]
            spread = np.where(fit.std(axis=0) > 1e-9, fit.std(axis=0), 1.0)
            x = (features - fit.mean(axis=0)) / spread
            centres = np.stack([x[usable][fitted == k].mean(axis=0) for k in (0, 1)])
            within = sum(x[usable][fitted == k].var(axis=0) * np.sum(fitted == k) for k in (0, 1)) / len(fit) + 0.05
            for i in np.flatnonzero(~usable):
                labels[i] = int(np.argmin([np.sum((x[i] - c) ** 2 / within) for c in centres]))
    scores = np.array([role_score(s.text) for s in segs])
    per_cluster = [float(scores[labels == k].sum()) for k in (0, 1)]
    agent_cluster = int(np.argmax(per_cluster))
    # How one-sided the cue evidence is: the difference relative to all cue weight seen, damped
    # when there is little evidence at all.
    total = float(np.abs(scores).sum())
    margin = abs(per_cluster[0] - per_cluster[1]) / total if total else 0.0
    margin *= min(1.0, total / 6.0)
    confidence = float(np.clip(max(separation, 0.0) / 0.35, 0.0, 1.0) * margin)
    named = [replace(s, speaker=agent if labels[i] == agent_cluster else customer) for i, s in enumerate(segs)]
    return Attribution(named, round(confidence, 3), round(separation, 3), round(margin, 3))
