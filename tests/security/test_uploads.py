"""Request bodies are limited before they are read: a login or form post above DATA_UPLOAD_MAX_MEMORY_SIZE is
answered 400 without reading its body; a signal import above SIGNAL_IMPORT_MAX_BYTES is refused by the upload
handler (signals/uploads.py) with the reason on the form or as a 400 on the `file` field, never a 500, and
reading stops as soon as the limit is known to be passed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from partners.tokens import issue_personal_token
from signals.models import SignalImport

pytestmark = pytest.mark.django_db

HEADER = "signaalnummer;naam;postcode;huisnummer;achterstandsbedrag;aantal_maanden_achterstand;peildatum;huurovereenkomstnummer\n"
ROW = "S-{n};Huurder {n};7514 BP;{n};640,00;2;2026-03-01;HC-{n}\n"
TWO_HUNDRED_MB = 200 * 1024 * 1024


class Endless:
    """A request body of any announced length that is made up as it is read, counting what was read."""

    def __init__(self, first=b""):
        self.first = first
        self.read_bytes = 0

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        head, self.first = self.first[:size], self.first[size:]
        chunk = head + b"a" * (size - len(head))
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size if size and size > 0 else 1024)


def csv_of(rows, size=None):
    text = HEADER + "".join(ROW.format(n=n) for n in range(1, rows + 1))
    if size is not None:
        text += "#" * (size - len(text))
    return text.encode()


@pytest.fixture
def small_limit(settings):
    settings.SIGNAL_IMPORT_MAX_BYTES = 10_000
    return settings.SIGNAL_IMPORT_MAX_BYTES


def test_anonymous_200_mb_login_post_is_refused_unread():
    body = Endless(b"username=a&password=")
    response = Client().post(
        reverse("login"), data=b"", content_type="application/x-www-form-urlencoded",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(TWO_HUNDRED_MB),
           "CONTENT_TYPE": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 413)
    assert body.read_bytes == 0


def test_a_form_post_above_the_form_limit_is_refused_unread(region, settings):
    client = Client()
    client.force_login(region.consultant)
    body = Endless(b"language=en&next=/&filler=")
    response = client.post(
        reverse("set_language"), data=b"", content_type="application/x-www-form-urlencoded",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
           "CONTENT_TYPE": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 413)
    assert body.read_bytes == 0


def test_signal_import_page_names_the_limit_in_dutch(client, region, small_limit):
    client.force_login(region.consultant)
    upload = SimpleUploadedFile("signalen.csv", csv_of(3, size=small_limit + 1), content_type="text/csv")
    response = client.post(reverse("signals:import"), {"file": upload})
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "Het bestand is groter dan de limiet van" in html
    assert 'class="errorlist"' in html
    assert SignalImport.objects.count() == 0


def test_signal_import_page_takes_a_file_within_the_limit(client, region, small_limit):
    client.force_login(region.consultant)
    upload = SimpleUploadedFile("signalen.csv", csv_of(3), content_type="text/csv")
    response = client.post(reverse("signals:import"), {"file": upload})
    assert response.status_code == 302
    assert SignalImport.objects.get().accepted == 3


def test_signal_import_api_answers_400_on_the_file(region, small_limit):
    _token, key = issue_personal_token(user=region.consultant)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    upload = SimpleUploadedFile("signalen.csv", csv_of(3, size=small_limit + 1), content_type="text/csv")
    response = client.post(reverse("api-signal-import-list"), {"file": upload})
    assert response.status_code == 400
    assert "file" in response.json()
    assert "10000" not in response.json()["file"][0] and "MB" in response.json()["file"][0]
    assert SignalImport.objects.count() == 0

    upload = SimpleUploadedFile("signalen.csv", csv_of(3), content_type="text/csv")
    response = client.post(reverse("api-signal-import-list"), {"file": upload})
    assert response.status_code == 201, response.content


def test_signal_import_of_200_mb_stops_reading_at_the_announced_length(region, settings):
    """Content-Length already passes the limit: the file's bytes are never read (a few chunks of the parts that
    come before it at most) and the API answers 400 on the field."""
    _token, key = issue_personal_token(user=region.consultant)
    boundary = "grens"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"groot.csv\"\r\n"
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + csv_of(2)
    body = Endless(head)
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").post(
        reverse("api-signal-import-list"), data=b"", content_type=f"multipart/form-data; boundary={boundary}",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(TWO_HUNDRED_MB),
           "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400, response.content
    assert "file" in response.json()
    assert body.read_bytes < 1024 * 1024
    assert SignalImport.objects.count() == 0


def test_signal_import_without_a_length_stops_at_the_limit(region, small_limit):
    """A body whose Content-Length understates it (or a part that never ends): reading stops once the file's
    bytes pass the limit."""
    _token, key = issue_personal_token(user=region.consultant)
    boundary = "grens"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"groot.csv\"\r\n"
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + csv_of(2)
    body = Endless(head)
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").post(
        reverse("api-signal-import-list"), data=b"", content_type=f"multipart/form-data; boundary={boundary}",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(small_limit + 50_000),
           "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400, response.content
    assert "file" in response.json()
    assert body.read_bytes <= small_limit + 50_000


def test_an_api_json_body_above_the_form_limit_is_refused_unread(region, settings):
    """A batch of signals as JSON larger than DATA_UPLOAD_MAX_MEMORY_SIZE: larger batches go as a CSV file."""
    _token, key = issue_personal_token(user=region.consultant)
    body = Endless(b'{"signals": [')
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").post(
        reverse("api-signal-submit"), data=b"", content_type="application/json",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
           "CONTENT_TYPE": "application/json"},
    )
    assert response.status_code in (400, 413)
    assert body.read_bytes == 0
