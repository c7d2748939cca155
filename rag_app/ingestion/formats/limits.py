"""Limits every loader keeps, so that a hostile or broken file is skipped with a reason instead of
exhausting memory or time: zip bombs, deeply nested or entity-expanding XML, encrypted documents,
truncated archives, and files with millions of cells or pages."""

from __future__ import annotations

import zipfile
from pathlib import Path

MAX_UNPACKED_BYTES = 1024 * 2**20  # all members of one archive (docx, xlsx, odt, epub), as their headers declare
MAX_MEMBER_BYTES = 128 * 2**20  # one member, or one .gz (parsers hold a member's XML in memory)
MAX_MEMBERS = 10_000  # entries in one archive
MAX_RATIO = 200  # uncompressed / compressed size of a member past 16 MiB (XML packs ~10-30x, deflate at most ~1030x)
MAX_XML_DEPTH = 200  # element nesting (libxml2 refuses past 256 without its `huge` option)
MAX_CELLS = 2_000_000  # spreadsheet cells read, across sheets
MAX_PAGES = 5_000  # slides, sheets, chapters, messages
MAX_OCR_PAGES = 100  # PDF pages without a text layer that are OCR'd
MAX_NESTING = 3  # containers inside containers: a .gz in an e-mail attached to an e-mail


def skip(reason: str) -> Exception:
    """A SkipFile with `reason` (imported late: rag_app.ingestion.loaders imports this package)."""
    from rag_app.ingestion.loaders import SkipFile

    return SkipFile(reason)


def check_zip(path: Path) -> None:
    """Refuse an archive that is truncated, encrypted or a zip bomb.

    Raises:
        SkipFile: not a readable zip, an encrypted member, too many members, or too much unpacked data.
    """
    with open(path, "rb") as file:
        if file.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE container: how Office stores encrypted files
            raise skip("encrypted document (password required)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as err:
        raise skip(f"broken or truncated archive ({err})") from err
    if len(members) > MAX_MEMBERS:
        raise skip(f"archive has {len(members)} members, more than {MAX_MEMBERS}")
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise skip("encrypted document (password required)")
        total += member.file_size
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > 16 * 2**20 and ratio > MAX_RATIO:
            raise skip(f"zip bomb: {member.filename} unpacks {ratio}x to {member.file_size / 2**20:.0f} MiB")
        if member.file_size > MAX_MEMBER_BYTES and not member.filename.lower().endswith(_MEDIA):
            raise skip(
                f"{member.filename} unpacks to {member.file_size / 2**20:.0f} MiB, more than {MAX_MEMBER_BYTES // 2**20} MiB"
            )
    if total > MAX_UNPACKED_BYTES:
        raise skip(f"archive unpacks to {total / 2**20:.0f} MiB, more than {MAX_UNPACKED_BYTES // 2**20} MiB")


_MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".emf", ".wmf", ".mp3", ".mp4", ".wav", ".bin")


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes, read no further than the archive limit whatever its header claims."""
    with archive.open(name) as member:
        data = member.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise skip(f"{name} unpacks to more than {MAX_MEMBER_BYTES // 2**20} MiB")
    return data


def parse_xml(data: bytes):  # -> lxml.etree._Element
    """XML parsed without entity expansion, network access or libxml2's `huge` mode, depth-checked.

    Raises:
        SkipFile: not well-formed, or nested deeper than MAX_XML_DEPTH.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise skip(f"broken XML: {str(err).splitlines()[0][:120]}") from err
    if root is None:
        raise skip("empty XML")
    if _depth(root) > MAX_XML_DEPTH:
        raise skip(f"XML nested deeper than {MAX_XML_DEPTH} levels")
    return root


def _depth(root) -> int:
    """The deepest element nesting below `root`, found without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node)
    return deepest
