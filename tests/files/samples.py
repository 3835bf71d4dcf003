"""Tiny generated sample files for the file-layer tests (no binary fixtures in the repo)."""

from __future__ import annotations

import io
import struct
import wave
import zipfile

from PIL import Image


def image(fmt: str, size: tuple[int, int] = (4, 4)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 10, 30)).save(buf, fmt)
    return buf.getvalue()


def wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * 400)
    return buf.getvalue()


def pdf(pages: int = 1) -> bytes:
    """A minimal, well-formed PDF (correct xref offsets) with ``pages`` empty pages."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"] * pages,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 144 * 128000 // 44100 = 417-byte frames.
MP3_FRAME = b"\xff\xfb\x90\x00" + b"\x00" * 413
# MPEG-2 Layer III, 64 kbit/s, 22.05 kHz: 72 * 64000 // 22050 = 208-byte frames.
MP3_V2_FRAME = b"\xff\xf3\x80\x00" + b"\x00" * 204


def id3(payload: bytes) -> bytes:
    tag_body = b"TIT2\x00\x00\x00\x05\x00\x00\x03abcd"
    size = len(tag_body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + tag_body + payload


def adts() -> bytes:
    # AAC LC, 44.1 kHz, stereo, 7-byte header and an empty-ish frame.
    frame_len = 7 + 8
    header = bytes(
        [
            0xFF,
            0xF1,
            0x50,
            0x80 | (frame_len >> 11),
            (frame_len >> 3) & 0xFF,
            ((frame_len & 7) << 5) | 0x1F,
            0xFC,
        ]
    )
    return (header + b"\x00" * 8) * 3


def ogg(first_packet: bytes) -> bytes:
    # One Ogg page header (27 bytes + one-entry segment table) followed by the first packet.
    header = b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 8 + b"\x01"
    return header + bytes([len(first_packet)]) + first_packet


VORBIS = ogg(b"\x01vorbis" + b"\x00" * 23)
OPUS = ogg(b"OpusHead\x01\x02" + b"\x00" * 9)
THEORA = ogg(b"\x80theora" + b"\x03\x02\x01" + b"\x00" * 30)
FLAC = b"fLaC" + b"\x80\x00\x00\x22" + b"\x00" * 34


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def ftyp(brand: bytes, *compatible: bytes) -> bytes:
    return box(b"ftyp", brand + b"\x00\x00\x02\x00" + b"".join(compatible))


def hdlr(handler: bytes) -> bytes:
    return box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 12 + b"\x00")


def mp4(brand: bytes, *handlers: bytes) -> bytes:
    traks = b"".join(box(b"trak", box(b"mdia", hdlr(h))) for h in handlers)
    return ftyp(brand, brand, b"isom") + box(b"moov", traks) + box(b"mdat", b"\x00" * 16)


def ebml(doctype: bytes, *codecs: bytes) -> bytes:
    header_body = b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    header_body += b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    header = b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header_body)]) + header_body
    entries = b"".join(
        b"\xae" + bytes([0x80 | (2 + len(c))]) + b"\x86" + bytes([0x80 | len(c)]) + c for c in codecs
    )
    tracks = b"\x16\x54\xae\x6b" + bytes([0x80 | len(entries)]) + entries
    return header + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + tracks


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()
