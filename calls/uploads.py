"""An upload handler that refuses an over-sized upload before any of it is stored.

Django would otherwise spool a 2 GB body to a temporary file before our view could look at it.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

# Room for the multipart envelope and the form fields around the file.
ENVELOPE_SLACK = 1024 * 1024


def upload_was_too_large(request) -> bool:
    request = getattr(request, "_request", request)  # DRF wraps the HttpRequest
    return getattr(request, "upload_too_large", False)


class SizeLimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Django only honours StopUpload from the chunk hooks, so a declared length over the cap
        # is refused at the first chunk, before anything is written.
        self.declared_too_large = bool(
            content_length and content_length > settings.RECORDING_MAX_BYTES + ENVELOPE_SLACK
        )

    def receive_data_chunk(self, raw_data, start):
        if self.declared_too_large or start + len(raw_data) > settings.RECORDING_MAX_BYTES:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self):
        self.request.upload_too_large = True
        # Without a connection reset Django reads and discards the rest of the body, so the
        # client still gets our 413 with its reason rather than a broken connection.
        raise StopUpload(connection_reset=False)
