"""The platform's content limits, checked before anything is sent (pure functions).

Text: at most 2,000 characters (counted in UTF-16 units, as a JavaScript client counts them, so an
emoji counts twice and a text Zalo would cut is refused here). Files: PDF, DOC or DOCX, at most
5 MB; the type is decided by the name's extension AND the bytes' signature, so a renamed workbook is
refused here rather than by Zalo. Images: JPEG or PNG, at most 1 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from hsdt.channels.zalo_oa.errors import ContentRefused, Refusal

TEXT_LIMIT = 2000
FILE_LIMIT_BYTES = 5 * 1024 * 1024
IMAGE_LIMIT_BYTES = 1024 * 1024


class DocumentType(StrEnum):
    PDF = "pdf"
    DOC = "doc"
    DOCX = "docx"


class ImageType(StrEnum):
    JPEG = "jpg"
    PNG = "png"


_DOCUMENT_MIME = {
    DocumentType.PDF: "application/pdf",
    DocumentType.DOC: "application/msword",
    DocumentType.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_IMAGE_MIME = {ImageType.JPEG: "image/jpeg", ImageType.PNG: "image/png"}
_EXTENSIONS = {".pdf": DocumentType.PDF, ".doc": DocumentType.DOC, ".docx": DocumentType.DOCX}
_IMAGE_EXTENSIONS = {".jpg": ImageType.JPEG, ".jpeg": ImageType.JPEG, ".png": ImageType.PNG}


def text_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_text(text: str) -> str:
    if not text.strip():
        raise ContentRefused(Refusal.EMPTY_TEXT, "a message needs some text")
    if text_length(text) > TEXT_LIMIT:
        raise ContentRefused(Refusal.TEXT_TOO_LONG, f"{text_length(text)} characters, at most {TEXT_LIMIT}",
                             TEXT_LIMIT)
    return text


def _signature_type(data: bytes) -> DocumentType | None:
    if data.startswith(b"%PDF-"):
        return DocumentType.PDF
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE compound file: the old Word format
        return DocumentType.DOC
    if data.startswith(b"PK\x03\x04"):  # a ZIP container: DOCX (and XLSX, told apart by the extension)
        return DocumentType.DOCX
    return None


@dataclass(frozen=True)
class Document:
    name: str
    kind: DocumentType
    data: bytes

    @property
    def mime(self) -> str:
        return _DOCUMENT_MIME[self.kind]


def check_document(data: bytes, name: str) -> Document:
    """A file Zalo's file message takes, or `ContentRefused`."""
    if not data:
        raise ContentRefused(Refusal.EMPTY_FILE, "the file is empty")
    extension = PurePosixPath(name).suffix.lower()
    kind = _EXTENSIONS.get(extension)
    if kind is None or _signature_type(data) is not kind:
        raise ContentRefused(Refusal.FILE_TYPE, f"{name!r} is not a PDF, DOC or DOCX file")
    if len(data) > FILE_LIMIT_BYTES:
        raise ContentRefused(Refusal.FILE_TOO_LARGE, f"{len(data)} bytes, at most {FILE_LIMIT_BYTES}",
                             FILE_LIMIT_BYTES)
    return Document(name=PurePosixPath(name).name, kind=kind, data=data)


@dataclass(frozen=True)
class Image:
    name: str
    kind: ImageType
    data: bytes

    @property
    def mime(self) -> str:
        return _IMAGE_MIME[self.kind]


def check_image(data: bytes, name: str) -> Image:
    if not data:
        raise ContentRefused(Refusal.EMPTY_FILE, "the image is empty")
    kind = _IMAGE_EXTENSIONS.get(PurePosixPath(name).suffix.lower())
    signature = (ImageType.JPEG if data.startswith(b"\xff\xd8\xff")
                 else ImageType.PNG if data.startswith(b"\x89PNG\r\n\x1a\n") else None)
    if kind is None or signature is not kind:
        raise ContentRefused(Refusal.IMAGE_TYPE, f"{name!r} is not a JPEG or PNG image")
    if len(data) > IMAGE_LIMIT_BYTES:
        raise ContentRefused(Refusal.IMAGE_TOO_LARGE, f"{len(data)} bytes, at most {IMAGE_LIMIT_BYTES}",
                             IMAGE_LIMIT_BYTES)
    return Image(name=PurePosixPath(name).name, kind=kind, data=data)
