"""Reading an input file as text: binary and empty files refused, UTF-8 (with or without BOM) or GB18030 detected."""

from __future__ import annotations

import codecs
from pathlib import Path

from cockpit.tools.importers.report import ImportFailure

ENCODINGS = ("utf-8", "gb18030")  # tried in this order; UTF-8 first: valid GB18030 is rarely valid UTF-8
_SNIFF = 8192


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing, unreadable, empty or binary file is an ImportFailure."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailure(f"文件不存在 / file not found: {path}") from None
    except OSError as exc:
        raise ImportFailure(f"无法读取 / cannot read {path}: {exc.strerror}") from None
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFailure(f"文件为空 / file is empty: {path}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data  # Excel's "Unicode text": UTF-16 with a BOM, NUL bytes and all
    if b"\x00" in data[:_SNIFF]:
        raise ImportFailure(f"不是文本文件 / {path} is a binary file (NUL bytes), not CSV or JSON text")
    return data


def decode(data: bytes, path: Path, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used). With ``encoding`` None: UTF-16 with a BOM, UTF-8 (a BOM is dropped), else GB18030."""
    if encoding:
        return _decode_as(data, path, encoding), encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, path, "utf-16"), "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data, path, "utf-8-sig"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(data):
            raise ImportFailure(f"文件被截断 / {path} is truncated: it ends inside a UTF-8 character") from None
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ImportFailure(
            f"编码无法识别 / {path} is neither UTF-8 nor GB18030 (byte {exc.start}); pass --encoding"
        ) from None


def _decode_as(data: bytes, path: Path, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportFailure(f"未知编码 / unknown encoding {encoding!r}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailure(f"编码错误 / {path} is not valid {encoding} (line {line}, byte {exc.start})") from None
    return text.removeprefix("\ufeff")


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """A text file's content and the encoding it was read with."""
    return decode(read_bytes(path), path, encoding)
