"""Pack the speech of several channels into Whisper windows, to be decoded in one batch.

faster-whisper's batched pipeline packs VAD chunks back to back, so one speaker's sentences from
minutes apart reach Whisper with no pause between them; Whisper then often stops after the first
(more so with a prompt such as hotwords) or runs them into one segment. Here each channel's speech
is cut into *stretches* (VAD chunks joined across pauses shorter than a turn break), and the
stretches are laid out with a second of silence between them, as in a conversation, in windows of
at most 30 s. Windows hold one channel each, so every decoded segment belongs to one speaker;
windows of both channels go to the model together, which is what makes it faster than decoding
each channel window after window.

``pack`` builds the packed audio and its windows; ``unpack_time`` maps a time in it back to the
channel's own clock. Pure numpy; the VAD is passed in.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Packed", "Piece", "join_stretches", "pack"]

WINDOW_S = 29.5  # Whisper's window is 30 s; a little room so no word is cut at the edge
SPACER_S = 1.0
# Whisper (base at least) often stops decoding after a few separate utterances in one window, and
# more so with a prompt (hotwords); what it skips must be decoded again, which costs more than a
# few extra windows up front.
MAX_PIECES = 6


@dataclass(frozen=True)
class Piece:
    """One stretch of one channel, and where it sits in the packed audio (seconds)."""

    track: int
    window: int
    start: float
    end: float
    packed_start: float

    @property
    def packed_end(self) -> float:
        return self.packed_start + (self.end - self.start)


@dataclass
class Packed:
    audio: np.ndarray
    windows: list[tuple[float, float]]  # packed seconds
    window_tracks: list[int]
    pieces: list[Piece]

    def unpack_span(self, window: int, start: float, end: float) -> tuple[float, float]:
        """A word's packed span on its channel's clock, kept inside the one stretch its middle is in.

        A word must not stretch across the silence between two stretches: that silence stands for
        the other side's turn.
        """
        piece = self._piece_at(window, (start + end) / 2)
        return self._within(piece, start), self._within(piece, end)

    def unpack_time(self, window: int, packed_seconds: float) -> float:
        """``packed_seconds`` (inside ``window``) on its channel's own clock.

        A time in the silence between two stretches goes to the nearer one's edge.
        """
        return self._within(self._piece_at(window, packed_seconds), packed_seconds)

    @staticmethod
    def _within(piece: Piece, packed_seconds: float) -> float:
        clamped = min(max(packed_seconds, piece.packed_start), piece.packed_end)
        return piece.start + (clamped - piece.packed_start)

    def _piece_at(self, window: int, packed_seconds: float) -> Piece:
        pieces = [p for p in self.pieces if p.window == window]
        starts = [p.packed_start for p in pieces]
        index = max(0, bisect.bisect_right(starts, packed_seconds) - 1)
        piece = pieces[index]
        if packed_seconds > piece.packed_end and index + 1 < len(pieces):
            following = pieces[index + 1]
            if following.packed_start - packed_seconds < packed_seconds - piece.packed_end:
                piece = following
        return piece


def join_stretches(
    chunks: Sequence[tuple[float, float]], *, max_pause_s: float, max_stretch_s: float = WINDOW_S - SPACER_S
) -> list[tuple[float, float]]:
    """VAD chunks (seconds) joined across pauses shorter than ``max_pause_s``, none too long for a window."""
    stretches: list[tuple[float, float]] = []
    for start, end in chunks:
        if stretches and start - stretches[-1][1] < max_pause_s and end - stretches[-1][0] <= max_stretch_s:
            stretches[-1] = (stretches[-1][0], end)
        else:
            stretches.append((start, end))
    return stretches


def pack(
    tracks: Sequence[np.ndarray],
    stretches: Sequence[Sequence[tuple[float, float]]],
    *,
    sample_rate: int,
    window_s: float = WINDOW_S,
    spacer_s: float = SPACER_S,
    max_pieces: int = MAX_PIECES,
) -> Packed:
    """Lay each track's stretches out in windows of at most ``window_s``, ``spacer_s`` apart."""
    spacer = np.zeros(int(spacer_s * sample_rate), dtype=np.float32)
    parts: list[np.ndarray] = []
    windows: list[tuple[float, float]] = []
    window_tracks: list[int] = []
    pieces: list[Piece] = []
    position = 0  # samples
    for track, (audio, spans) in enumerate(zip(tracks, stretches, strict=True)):
        window_start: int | None = None
        in_window = 0
        for start, end in spans:
            first, last = int(start * sample_rate), min(len(audio), int(end * sample_rate))
            if last <= first:
                continue
            length = last - first
            too_long = (
                window_start is not None and position + len(spacer) + length - window_start > window_s * sample_rate
            )
            if window_start is not None and (in_window >= max_pieces or too_long):
                windows.append((window_start / sample_rate, position / sample_rate))
                window_tracks.append(track)
                window_start = None
            if window_start is None:
                window_start = position
                in_window = 0
            else:
                parts.append(spacer)
                position += len(spacer)
            parts.append(audio[first:last])
            pieces.append(
                Piece(
                    track=track,
                    window=len(windows),
                    start=first / sample_rate,
                    end=last / sample_rate,
                    packed_start=position / sample_rate,
                )
            )
            position += length
            in_window += 1
        if window_start is not None:
            windows.append((window_start / sample_rate, position / sample_rate))
            window_tracks.append(track)
    audio = np.concatenate(parts).astype(np.float32, copy=False) if parts else np.zeros(0, dtype=np.float32)
    return Packed(audio=audio, windows=windows, window_tracks=window_tracks, pieces=pieces)
