"""Hostile files, built in memory for the tests and the `hostile` benchmark.

Each builder returns the bytes someone careless or malicious might upload: workbooks
that declare or use absurd sizes, decompression bombs (honest and lying about their
sizes), zips of thousands of parts, deeply nested XML, and text files in the encodings
and shapes spreadsheet programs really produce. Nothing here needs a spreadsheet
program; the workbooks are written part by part with zipfile.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 b'<Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 b'spreadsheetml.sheet.main+xml"/>'
                 b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                 b'officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             b'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Return" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
SHEET_XML = "xl/worksheets/sheet1.xml"
PARTS = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": WORKBOOK,
         "xl/_rels/workbook.xml.rels": WORKBOOK_RELS}


def text_cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def number_cell(ref: str, number: float) -> bytes:
    return f'<c r="{ref}"><v>{number}</v></c>'.encode()


def sheet(rows: bytes, dimension: str | None = "A1:B2") -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return SHEET_HEAD + dim + b"<sheetData>" + rows + b"</sheetData></worksheet>"


def small_return_rows() -> bytes:
    return (b'<row r="1">' + text_cell("A1", "Indicator") + text_cell("B1", "This month") + b"</row>"
            b'<row r="2">' + text_cell("A2", "Arrests") + number_cell("B2", 12) + b"</row>")


def workbook(sheet_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A one-sheet .xlsx (sheet 'Return') with the given sheet XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in {**PARTS, SHEET_XML: sheet_xml, **(extra or {})}.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def huge_dimension() -> bytes:
    """A few KB that declare, and use, the largest sheet Excel allows (16384 x 1048576 cells):
    what a spreadsheet library writes after one stray value in the last cell."""
    rows = small_return_rows() + b'<row r="1048576">' + number_cell("XFD1048576", 1) + b"</row>"
    return workbook(sheet(rows, "A1:XFD1048576"))


def far_away_cell(ref: str = "XFD1048576") -> bytes:
    """An honest-looking dimension, but one cell far away (by default the last row and column)."""
    row = re.match(r"[A-Z]+(\d+)", ref)[1]
    rows = small_return_rows() + f'<row r="{row}">'.encode() + number_cell(ref, 1) + b"</row>"
    return workbook(sheet(rows, "A1:B2"))


def formula_without_value(ref: str = "B2") -> bytes:
    """A figure that is a formula linked to another workbook, saved without its result."""
    rows = (b'<row r="1">' + text_cell("A1", "Indicator") + text_cell("B1", "This month") + b"</row>"
            b'<row r="2">' + text_cell("A2", "Arrests") + f'<c r="{ref}"><f>[1]Sheet1!A1</f></c>'.encode() + b"</row>")
    return workbook(sheet(rows))


def many_parts(count: int = 20_000) -> bytes:
    return workbook(sheet(small_return_rows()), {f"xl/media/part{i}.bin": b"" for i in range(count)})


def deep_xml(depth: int = 400_000, varied: bool = False) -> bytes:
    """A cell whose content nests `depth` elements deep. `varied` gives every element its own
    name, so the XML barely compresses and passes the compression-ratio caps."""
    names = [f"r{random.Random(i).getrandbits(40):010x}".encode() for i in range(depth)] if varied \
        else [b"r"] * depth
    opening = b"".join(b"<" + n + b">" for n in names)
    closing = b"".join(b"</" + n + b">" for n in reversed(names))
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is>' + opening + b"<t>x</t>" + closing + b"</is></c></row>"
    return workbook(sheet(rows, "A1"))


def _repeated_deflate(block: bytes, repeats: int) -> bytes:
    """Raw deflate data for `block` repeated `repeats` times, without compressing it all:
    after a full flush the compressor starts afresh, so every block compresses alike."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    return one * repeats + b"\x03\x00"  # an empty final block ends the stream


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from (name, raw deflate data, declared uncompressed size, crc) written by hand,
    so declared sizes can be anything (zipfile would compute the true ones)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, size, crc in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0))
        out.write(encoded + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size,
                                  len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), start, 0))
    return out.getvalue()


def zip_bomb(compressed_mb: float = 19.0, lying: bool = False) -> bytes:
    """Sheets of one repeated row that inflate about 1000-fold: ~19 MB becomes ~19 GB.

    With `lying`, every part declares a harmless size, so only reading it reveals the truth.
    """
    row = b"<row>" + text_cell("A1", "x").replace(b' r="A1"', b"") + b"</row>"
    block = row * (1024 * 1024 // len(row))
    per_block = len(_repeated_deflate(block, 1)) - 2
    sheets = 5
    repeats = int(compressed_mb * 1024 * 1024 / sheets / per_block)
    head, tail = SHEET_HEAD + b"<sheetData>", b"</sheetData></worksheet>"
    members = []
    for name, data in PARTS.items():
        if name == "xl/workbook.xml":
            data = data.replace(b'<sheet name="Return" sheetId="1" r:id="rId1"/>', b"".join(
                f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>'.encode() for i in range(1, sheets + 1)))
        if name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b'<Relationship Id="rId1"', b"".join(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'.encode()
                for i in range(1, sheets + 1)) + b'<Relationship Id="rId0"')
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        members.append((name, packer.compress(data) + packer.flush(), len(data), zlib.crc32(data)))
    for i in range(1, sheets + 1):
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        end = packer.compress(tail) + packer.flush(zlib.Z_FULL_FLUSH)
        data = start + _repeated_deflate(block, repeats)[:-2] + end + b"\x03\x00"
        size = len(head) + len(block) * repeats + len(tail)
        if lying:  # declare a small size, with the checksum of just that much: a reader trusting it is fooled
            members.append((f"xl/worksheets/sheet{i}.xml", data, 50_000,
                            zlib.crc32(zlib.decompressobj(-15).decompress(data, 50_000))))
        else:  # CRC left 0: computing it means inflating it all, which a bomb's maker need not do
            members.append((f"xl/worksheets/sheet{i}.xml", data, min(size, 0xFFFFFFFE), 0))
    return _zip(members)


def big_workbook(rows: int = 200_000, cols: int = 10) -> bytes:
    """A legitimate-looking sheet of numbers near the size caps (rows x cols cells with values)."""
    letters = [chr(65 + c) for c in range(cols)]
    body = b"".join(f'<row r="{r}">'.encode() + b"".join(
        f'<c r="{letters[c]}{r}"><v>{(r * 31 + c * 7) % 1000}</v></c>'.encode() for c in range(cols)) + b"</row>"
        for r in range(1, rows + 1))
    return workbook(sheet(body, f"A1:{letters[-1]}{rows}"))


def big_csv(target_bytes: int = 19 * 1024 * 1024) -> bytes:
    """A legitimate-looking long-format return just under the upload limit."""
    lines = ["Period,Force,Measure,Value"]
    size, i = 0, 0
    while size < target_bytes:
        line = f"2025-09,Regional,Extra measure {i},{i % 97}"
        lines.append(line)
        size += len(line) + 1
        i += 1
    return ("\n".join(lines) + "\n").encode()


def utf16_text(text: str) -> bytes:
    """Text as Excel's "Unicode Text" saves it: UTF-16 little-endian with a byte-order mark, tabs."""
    return b"\xff\xfe" + text.replace(",", "\t").encode("utf-16-le")
