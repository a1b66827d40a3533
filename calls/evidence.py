"""Evidence packs for customer abuse: what a supervisor hands on to protect the agent.

산업안전보건법 §41 (고객의 폭언등으로 인한 건강장해 예방조치) asks the employer to protect an
agent abused by a customer and to support the agent's own complaint or report; both need the
words, the moment and the sound. The pack is a ZIP with a transcript excerpt in Korean (each abuse
moment with two turns either side, personal numbers masked as on screen), a WAV clip of each
moment with a few seconds of margin, and a manifest with the SHA-256 of every file so that a
copy handed on can be checked. Every download is written to the access log.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scoping import team_ids_managed_by
from speech.audio import AudioRejected, cut_wav

from .models import Call, Category, Flag, Recording, ReviewStatus, Segment
from .selectors import call_segments

CLIP_MARGIN_S = 3.0  # before and after the abusive turn
CONTEXT_TURNS = 2
MAX_CLIPS = 30


def can_export_evidence(user: User, call: Call) -> bool:
    """The team's supervisors and admins: those who answer for the agent's protection."""
    if not user.is_authenticated or user.is_agent:
        return False
    team_ids = team_ids_managed_by(user)
    return team_ids is None or call.team_id in team_ids


def evidence_flags(call: Call) -> list[Flag]:
    """The abuse flags of a call a reviewer has not dismissed (a dismissal says it was no abuse)."""
    return list(
        Flag.objects.filter(call=call, category=Category.ABUSE)
        .exclude(review_status=ReviewStatus.DISMISSED)
        .select_related("segment", "segment__transcript__recording", "reviewed_by")
        .order_by("segment__start", "start", "id")
    )


@dataclass
class Clip:
    recording: Recording
    start: float
    end: float
    flag_ids: list[int] = field(default_factory=list)
    name: str = ""
    seconds: float = 0.0
    error: str = ""


@dataclass
class EvidencePack:
    data: bytes
    filename: str
    sha256: str
    flag_count: int
    clips: list[Clip]
    has_audio: bool


def _clock(seconds: float) -> str:
    whole = int(max(seconds, 0))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _audio_path(recording: Recording) -> Path | None:
    if not recording.file or recording.audio_deleted_at is not None:
        return None
    try:
        path = Path(recording.file.path)
    except (ValueError, NotImplementedError):
        return None
    return path if path.is_file() else None


def _clip_windows(flags: list[Flag]) -> list[Clip]:
    """One window per abusive turn with margins, overlapping windows of one recording merged."""
    clips: list[Clip] = []
    for flag in sorted(flags, key=lambda f: (f.segment.transcript.recording_id, f.segment.start)):
        recording = flag.segment.transcript.recording
        start = max(0.0, flag.segment.start - CLIP_MARGIN_S)
        end = min(recording.duration_seconds or flag.segment.end + CLIP_MARGIN_S, flag.segment.end + CLIP_MARGIN_S)
        last = clips[-1] if clips else None
        if last and last.recording.pk == recording.pk and start <= last.end:
            last.end = max(last.end, end)
            last.flag_ids.append(flag.pk)
        else:
            clips.append(Clip(recording=recording, start=start, end=end, flag_ids=[flag.pk]))
    return clips[:MAX_CLIPS]


def _cut_clips(clips: list[Clip]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for number, clip in enumerate(clips, start=1):
        path = _audio_path(clip.recording)
        if path is None:
            clip.error = _("the audio is not kept (deleted under the retention period, or never uploaded)")
            continue
        try:
            data, clip.seconds = cut_wav(path, start_s=clip.start, end_s=clip.end)
        except (AudioRejected, OSError, ValueError):
            clip.error = _("the audio could not be read")
            continue
        start, end = _clock(clip.start).replace(":", "m") + "s", _clock(clip.end).replace(":", "m") + "s"
        clip.name = f"audio/clip-{number:02d}_rec{clip.recording.pk}_{start}-{end}.wav"
        files[clip.name] = data
    return files


def _context(flag: Flag, by_transcript: dict[int, list[Segment]]) -> list[Segment]:
    turns = by_transcript.get(flag.segment.transcript_id, [])
    index = next((i for i, s in enumerate(turns) if s.pk == flag.segment_id), None)
    if index is None:
        return [flag.segment]
    return turns[max(0, index - CONTEXT_TURNS) : index + CONTEXT_TURNS + 1]


def _transcript(call: Call, actor: User, flags: list[Flag], clips: list[Clip], now) -> str:
    local = timezone.localtime
    segments = list(call_segments(call))
    by_transcript: dict[int, list[Segment]] = {}
    for segment in segments:
        by_transcript.setdefault(segment.transcript_id, []).append(segment)
    clip_of = {flag_id: clip for clip in clips for flag_id in clip.flag_ids}
    recordings = {flag.segment.transcript.recording_id for flag in flags}
    agent = call.agent
    zone = timezone.get_current_timezone_name()
    label = {
        "call": _("Call"),
        "agent": _("Agent"),
        "team": _("Team"),
        "started": _("Call started"),
        "duration": _("Duration"),
        "moments": _("Abusive moments"),
        "moment": _("Moment"),
        "time": _("Time"),
        "severity": _("Severity"),
        "review": _("Review"),
        "rule": _("Rule"),
        "words": _("Flagged words"),
        "clip": _("Audio clip"),
        "none": _("none"),
    }
    prepared = _("Prepared %(when)s by %(who)s") % {
        "when": f"{local(now):%Y-%m-%d %H:%M:%S} ({zone})",
        "who": f"{actor} ({actor.get_username()})",
    }
    lines = [
        _("Customer abuse: evidence"),
        "=" * 40,
        f"{label['call']}: #{call.pk}",
        f"{label['agent']}: {agent} ({agent.get_username()})",
        f"{label['team']}: {call.team or '—'}",
        f"{label['started']}: {local(call.started_at):%Y-%m-%d %H:%M:%S} ({zone})",
        f"{label['duration']}: {call.duration_display}",
        prepared,
        f"{label['moments']}: {len(flags)}",
    ]
    audio_clips = [c for c in clips if c.name]
    if audio_clips:
        text = _("Audio: %(n)s clip(s) in the audio/ folder (WAV), %(margin)s seconds before and after each moment.")
        lines.append(text % {"n": len(audio_clips), "margin": int(CLIP_MARGIN_S)})
    if not audio_clips or any(c.error for c in clips):
        lines.append(
            _("Audio: this call has no recording kept for these moments; the pack holds the transcript only.")
            if not audio_clips
            else _("Audio: some moments have no clip (see below).")
        )
    if len(recordings) > 1:
        lines.append(_("This call has several recordings; times are from the start of each recording."))
    lines += [
        _("Times [mm:ss] are from the start of the recording. Personal numbers are masked as on screen."),
        _("The SHA-256 of every file is in manifest.json and SHA256SUMS.txt."),
        "",
    ]
    speakers = {"agent": _("Agent"), "customer": _("Customer"), "unknown": _("Unknown speaker")}
    for number, flag in enumerate(flags, start=1):
        lines.append(f"--- {label['moment']} {number} / {len(flags)} " + "-" * 20)
        lines.append(
            f"{label['time']}: [{_clock(flag.segment.start)}]  {label['severity']}: {flag.get_severity_display()}"
        )
        review = flag.get_review_status_display()
        if flag.reviewed_by:
            review += f" ({flag.reviewed_by}, {local(flag.reviewed_at):%Y-%m-%d %H:%M})"
        lines.append(f"{label['review']}: {review}")
        lines.append(f"{label['rule']}: {flag.rule_code} — {flag.explanation}")
        lines.append(f"{label['words']}: “{flag.excerpt}”")
        lines.append("")
        for segment in _context(flag, by_transcript):
            marker = "▶" if segment.pk == flag.segment_id else " "
            who = speakers.get(segment.speaker, segment.speaker)
            lines.append(f"{marker} [{_clock(segment.start)}] {who}: {segment.text}")
        clip = clip_of.get(flag.pk)
        lines.append("")
        if clip and clip.name:
            lines.append(f"{label['clip']}: {clip.name} ({_clock(clip.start)}–{_clock(clip.end)}, {clip.seconds:.1f}s)")
        elif clip and clip.error:
            lines.append(f"{label['clip']}: {label['none']} — {clip.error}")
        else:
            lines.append(f"{label['clip']}: {label['none']}")
        lines.append("")
    return "\n".join(lines) + "\n"


def evidence_pack_build(*, actor: User, call: Call) -> EvidencePack:
    """The ZIP for `call`. Raises ValueError when it has no abuse to show (nothing to hand on).

    Written in Korean whatever language the actor reads the app in: it is handed to people
    outside the app (the agent, a labour office, the police).
    """
    flags = evidence_flags(call)
    if not flags:
        raise ValueError("no abuse flags")
    now = timezone.now()
    with translation.override("ko"):
        clips = _clip_windows(flags)
        files = _cut_clips(clips)
        transcript = _transcript(call, actor, flags, clips, now)
    members: dict[str, bytes] = {"transcript.txt": transcript.encode("utf-8"), **files}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}
    manifest = {
        "call": call.pk,
        "agent": call.agent.get_username(),
        "team": str(call.team) if call.team else None,
        "call_started_at": timezone.localtime(call.started_at).isoformat(),
        "generated_at": timezone.localtime(now).isoformat(),
        "generated_by": actor.get_username(),
        "flags": [flag.pk for flag in flags],
        "audio": any(c.name for c in clips),
        "clips": [
            {
                "file": c.name or None,
                "recording": c.recording.pk,
                "start_seconds": round(c.start, 2),
                "end_seconds": round(c.end, 2),
                "flags": c.flag_ids,
                "error": c.error or None,
            }
            for c in clips
        ],
        "files": [{"name": name, "bytes": len(data), "sha256": digests[name]} for name, data in members.items()],
    }
    buffer = io.BytesIO()
    stamp = timezone.localtime(now)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)
        archive.writestr(
            zipfile.ZipInfo("manifest.json", date_time=stamp.timetuple()[:6]),
            json.dumps(manifest, ensure_ascii=False, indent=2),
            zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            zipfile.ZipInfo("SHA256SUMS.txt", date_time=stamp.timetuple()[:6]),
            "".join(f"{digests[name]}  {name}\n" for name in members),
            zipfile.ZIP_DEFLATED,
        )
    data = buffer.getvalue()
    return EvidencePack(
        data=data,
        filename=f"abuse-evidence-call-{call.pk}-{stamp:%Y%m%d-%H%M}.zip",
        sha256=hashlib.sha256(data).hexdigest(),
        flag_count=len(flags),
        clips=clips,
        has_audio=manifest["audio"],
    )
