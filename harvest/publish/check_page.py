"""/-/check: the citation check as a Datasette page (paste text or upload a file; writes nothing).

The same check as `harvest check` (harvest/citing/check.py), on Datasette's read-only connection.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qs

from datasette.utils.asgi import Response
from python_multipart import parse_form
from python_multipart.exceptions import FormParserError

from harvest.citing.check import STATUS_ORDER, check_report, report_failed
from harvest.citing.documents import FORMATS, parse_document
from harvest.errors import HarvestError

DATABASE = "catalog"
MAX_BYTES = 5 * 1024 * 1024  # a draft, not a book
STATUS_LABELS = {
    "retracted": "Retracted",
    "expression_of_concern": "Expression of concern",
    "erratum": "Corrected (erratum)",
    "not_in_catalog": "Not in the catalog",
    "uncertain": "Uncertain match",
    "off_topic": "Off-topic",
    "animal": "Animal study",
    "ok": "OK",
}
PASTED = "pasted text"


class InputError(HarvestError):
    """The form sent nothing to check, or something that cannot be read."""


async def read_form(request: Any) -> tuple[str, bytes]:
    """(document name, bytes) from a POSTed form: an uploaded file, else the pasted text."""
    body = await request.post_body()
    if len(body) > MAX_BYTES:
        raise InputError(f"the upload is larger than {MAX_BYTES // (1024 * 1024)} MB")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        fields, upload = _multipart(content_type, body)
    else:
        fields = {k: v[0].encode() for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        upload = []
    if upload:
        return upload[0]
    text = fields.get("text", b"").strip()
    if not text:
        raise InputError("paste some text or choose a file to check")
    return PASTED, text


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, bytes], list]:
    """Fields and uploaded files of a multipart/form-data body."""
    fields: dict[str, bytes] = {}
    upload: list[tuple[str, bytes]] = []

    def on_field(field: Any) -> None:
        fields[field.field_name.decode()] = field.value or b""

    def on_file(file: Any) -> None:
        file.file_object.seek(0)
        data = file.file_object.read()
        if file.file_name and data:
            upload.append((file.file_name.decode("utf-8", "replace"), data))

    headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
    try:
        parse_form(headers, io.BytesIO(body), on_field, on_file)
    except (ValueError, FormParserError) as exc:
        raise InputError(f"the form could not be read ({exc})") from None
    return fields, upload


def _rows(report: dict) -> list[dict]:
    """Result rows for the template, with labels for status and flags."""
    return [
        dict(
            c,
            status_label=STATUS_LABELS[c["status"]],
            flag_labels=[STATUS_LABELS[f] for f in c["flags"] if f != c["status"]],
        )  # fmt: skip
        for doc in report["documents"]
        for c in doc["citations"]
    ]


async def check_page(datasette: Any, request: Any) -> Response:
    """GET: the form. POST: the form and the results table."""
    context: dict[str, Any] = {
        "formats": FORMATS,
        "statuses": [(s, STATUS_LABELS[s]) for s in (*STATUS_ORDER, "ok")],
        "report": None,
        "error": None,
        "text": "",
    }
    status = 200
    if request.method == "POST":
        try:
            name, data = await read_form(request)
            lines = parse_document(name, data)
            if name == PASTED:
                context["text"] = data.decode("utf-8", "replace")
            db = datasette.get_database(DATABASE)
            report = await db.execute_fn(lambda conn: check_report(conn, [(name, lines)]))
        except HarvestError as exc:
            context["error"], status = str(exc), 400
        else:
            context.update(
                report=report, rows=_rows(report), failed=report_failed(report), name=name
            )
    html = await datasette.render_template("check.html", context, request=request)
    return Response.html(html, status=status)
