"""Text from scans through Tesseract (Debian's `tesseract-ocr`, driven by pytesseract): images
(.png, .jpg, .tiff) and the pages of a PDF that have no text layer. Where Tesseract is missing the
file is skipped with the reason and how to install it."""

from __future__ import annotations

import shutil
from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.limits import MAX_OCR_PAGES, skip

HINT = "OCR needs Tesseract, which is not installed (apt-get install tesseract-ocr)"
MAX_PIXELS = 80_000_000  # a larger image is refused (Pillow's own bomb limit is 179 M)


def load_image(path: Path, source: str, depth: int) -> list[Document]:
    """The text Tesseract reads in an image (each frame of a multi-page TIFF is a `page`)."""
    from PIL import Image, ImageSequence

    _need_tesseract()
    with Image.open(path) as image:
        if image.width * image.height > MAX_PIXELS:
            raise skip(f"image of {image.width}x{image.height} pixels is larger than {MAX_PIXELS} pixels")
        docs = []
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > MAX_OCR_PAGES:
                raise skip(f"more than {MAX_OCR_PAGES} frames")
            metadata = {"source": source, **({"page": number} if getattr(image, "n_frames", 1) > 1 else {})}
            docs.append(Document(page_content=_ocr(frame), metadata=metadata))
    return docs


def ocr_pdf_pages(reader, pages: list[str]) -> list[str]:
    """`pages` with the text of each page that has none read from its images by Tesseract.

    Args:
        reader: the open pypdf PdfReader.
        pages: each page's extracted text ("" for a scanned page).

    Raises:
        SkipFile: no page has text and Tesseract is missing, or too many pages need OCR.
    """
    empty = [i for i, text in enumerate(pages) if not text.strip()]
    if len(empty) > MAX_OCR_PAGES:
        raise skip(f"{len(empty)} pages without a text layer, more than the {MAX_OCR_PAGES} read by OCR")
    if shutil.which("tesseract") is None:
        if len(empty) == len(pages):
            raise skip(f"scanned PDF without a text layer: {HINT}")
        return pages
    pages = list(pages)
    for i in empty:
        texts = []
        for picture in reader.pages[i].images:
            image = picture.image
            if image is not None and image.width * image.height <= MAX_PIXELS and min(image.size) >= 32:
                texts.append(_ocr(image if image.mode in ("L", "RGB", "1") else image.convert("RGB")))
        pages[i] = "\n\n".join(t for t in texts if t.strip())
    return pages


def _need_tesseract() -> None:
    if shutil.which("tesseract") is None:
        raise skip(HINT)


def _ocr(image) -> str:
    """Tesseract's text for one image (English, automatic page segmentation)."""
    import pytesseract

    try:
        return pytesseract.image_to_string(image, timeout=120)
    except RuntimeError as err:  # pytesseract's timeout
        raise skip(f"OCR took longer than 120 s: {err}") from err
