"""E-mail: single messages (.eml, with the standard library's `email`), mailboxes (.mbox, `mailbox`)
and Outlook messages (.msg, with extract-msg). Each message is a document with `subject`, `from`
and `date` in its metadata and the subject as its `section`; its body (plain text, else its HTML
reduced to text), then the text of each attached document of a supported type (read by that type's
loader, up to MAX_NESTING containers deep)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.limits import MAX_NESTING, MAX_PAGES, skip

_MAX_ATTACHMENTS = 100


def load_eml(path: Path, source: str, depth: int) -> list[Document]:
    """One message (and its attachments' text)."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return [_message_doc(message, source, depth)]


def load_mbox(path: Path, source: str, depth: int) -> list[Document]:
    """Every message of a mailbox, one document each."""
    import mailbox

    box = mailbox.mbox(
        str(path), factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default), create=False
    )
    docs = []
    try:
        for number, message in enumerate(box, start=1):
            if number > MAX_PAGES * 10:
                raise skip(f"more than {MAX_PAGES * 10} messages")
            docs.append(_message_doc(message, source, depth))
    finally:
        box.close()
    return docs


def _message_doc(message: EmailMessage, source: str, depth: int) -> Document:
    """A message's headers, body and attachments' text as one document."""
    from rag_app.ingestion.html import html_sections

    subject, sender, date = (
        str(message.get(h, "") or "").replace("\x00", "").strip() for h in ("subject", "from", "date")
    )
    body = ""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, LookupError):
        part = None
    if part is not None:
        body = _part_text(part)
        if part.get_content_type() == "text/html":
            body = "\n\n".join(text for _, text in html_sections(body)[1])
    attachments = []
    for number, attachment in enumerate(message.iter_attachments(), start=1):
        if number > _MAX_ATTACHMENTS:
            break
        name = attachment.get_filename() or ""
        if attachment.get_content_type() == "message/rfc822":
            inner = attachment.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, EmailMessage) and depth < MAX_NESTING:
                attachments.append(("attached message", _message_doc(inner, source, depth + 1).page_content))
            continue
        data = attachment.get_payload(decode=True)
        if name and data:
            attachments.append((name, attached_text(name, data, source, depth)))
    return _doc(source, subject, sender, date, body, attachments)


def _part_text(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("latin-1")


def attached_text(name: str, data: bytes, source: str, depth: int) -> str:
    """The text of an attached file of a supported type ("" for others, or ones that cannot be read)."""
    from rag_app.ingestion.formats.compressed import load_inner
    from rag_app.ingestion.loaders import SkipFile
    from rag_app.ingestion.uploads import safe_file_name

    if depth >= MAX_NESTING:
        return ""
    try:
        return "\n\n".join(d.page_content for d in load_inner(safe_file_name(name), data, source))
    except (SkipFile, ValueError, OSError):  # a picture, a signature, a broken file: the message still counts
        return ""


def _doc(source: str, subject: str, sender: str, date: str, body: str, attachments: list[tuple[str, str]]) -> Document:
    """The document of one message; headers on top so that a question naming them finds it."""
    head = "\n".join(f"{k}: {v}" for k, v in (("Subject", subject), ("From", sender), ("Date", date)) if v)
    parts = [head, body.strip(), *(f"Attachment {name}:\n{text.strip()}" for name, text in attachments if text.strip())]
    metadata = {"source": source, **{k: v for k, v in (("subject", subject), ("from", sender), ("date", date)) if v}}
    if subject:
        metadata["section"] = subject
    return Document(page_content="\n\n".join(p for p in parts if p), metadata=metadata)


def load_msg(path: Path, source: str, depth: int) -> list[Document]:
    """An Outlook message: headers, body (plain text, else HTML reduced to text) and attachments' text."""
    import logging

    import extract_msg

    logging.getLogger("extract_msg").setLevel(logging.ERROR)
    message = extract_msg.openMsg(str(path), delayAttachments=False)
    try:
        return [_msg_doc(message, source, depth)]
    finally:
        message.close()


def _msg_doc(message, source: str, depth: int) -> Document:
    from rag_app.ingestion.html import html_sections

    body = message.body or ""
    if not body.strip() and getattr(message, "htmlBody", None):
        html = message.htmlBody.decode("utf-8", "replace") if isinstance(message.htmlBody, bytes) else message.htmlBody
        body = "\n\n".join(text for _, text in html_sections(html)[1])
    attachments = []
    for attachment in list(message.attachments)[:_MAX_ATTACHMENTS]:
        data = attachment.data
        name = attachment.longFilename or attachment.shortFilename or ""
        if hasattr(data, "attachments") and depth < MAX_NESTING:  # an attached Outlook message
            attachments.append((name or "attached message", _msg_doc(data, source, depth + 1).page_content))
        elif isinstance(data, bytes) and name:
            attachments.append((name, attached_text(name, data, source, depth)))
    date = str(message.date or "") if getattr(message, "date", None) else ""
    subject, sender = (str(v or "").replace("\x00", "").strip() for v in (message.subject, message.sender))
    return _doc(source, subject, sender, date, body, attachments)
