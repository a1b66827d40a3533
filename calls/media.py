"""Serving recordings: only through a permission-checked view, with byte ranges for seeking.

The bytes come from the recordings' storage (local disk or S3, see calls.storage), never from a
path the request could name.
"""

import re
from collections.abc import Callable
from typing import IO

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from .storage import stored_exists, stored_open, stored_size

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _file_chunks(open_file: Callable[[], IO[bytes]], start: int, length: int):
    with open_file() as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


def audio_response(
    request: HttpRequest, open_file: Callable[[], IO[bytes]], size: int, content_type: str, filename: str
) -> HttpResponse:
    """The file, or the byte range asked for (an <audio> element seeks with Range requests)."""
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:  # the final N bytes
            start, end = max(size - int(last), 0), size - 1
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _harden(response, content_type)
        response = StreamingHttpResponse(_file_chunks(open_file, start, end - start + 1), status=206)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(open_file())
        response["Content-Length"] = str(size)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _harden(response, content_type)


def _harden(response: HttpResponse, content_type: str) -> HttpResponse:
    response["Content-Type"] = content_type
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def recording_audio_response(request: HttpRequest, recording) -> HttpResponse:
    from .recordings import content_type_for

    if recording.audio_deleted_at or not stored_exists(recording.file):
        raise Http404("The audio file is missing.")
    filename = f"call-{recording.call_id}-recording-{recording.pk}{recording.storage_suffix}"
    return audio_response(
        request,
        lambda: stored_open(recording.file),
        stored_size(recording.file),
        content_type_for(recording),
        filename,
    )
