"""Upload size limit, enforced while the request body is read (settings.FILE_UPLOAD_HANDLERS).

A file larger than SIGNAL_IMPORT_MAX_BYTES is refused before its bytes are read when Content-Length already says
so, and otherwise as soon as the bytes read pass the limit. Reading then stops (StopUpload with connection_reset:
the rest of the body is never read); the form fields sent before the file (the CSRF token) are kept, the file is
left out of request.FILES and the request is marked, so that the page or the API answers with the reason
(`refused`) instead of "no file".
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

# Room for the multipart boundaries, part headers and the small form fields sent with the file.
MULTIPART_OVERHEAD = 64 * 1024


def refused(request) -> bool:
    """Whether a file of this request was refused for its size (the request is Django's or DRF's)."""
    return bool(getattr(request, "upload_too_large", False))


class SizeLimitUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.body_too_large = content_length > settings.SIGNAL_IMPORT_MAX_BYTES + MULTIPART_OVERHEAD

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        if getattr(self, "body_too_large", False) or (content_length or 0) > settings.SIGNAL_IMPORT_MAX_BYTES:
            self._refuse()
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.SIGNAL_IMPORT_MAX_BYTES:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self):
        if self.request is not None:
            self.request.upload_too_large = True
        raise StopUpload(connection_reset=True)
