"""Content-based MIME detection.

The type of a file is decided from its bytes only: a client-supplied name or Content-Type can lie,
and providers reject (or worse, misparse) a file sent with the wrong type. Our own signature checks
cover every type the gateway cares about, because puremagic alone is weak on several of them
(bare MP3 frames, m4a vs mp4, webm audio vs video, plain zip reported as docx, plain text);
puremagic is the fallback for everything else.
"""

from __future__ import annotations

import io
import json
import mimetypes
import re
import zipfile
from collections.abc import Callable

import puremagic

OCTET_STREAM = "application/octet-stream"

# Aliases seen in the wild (and from puremagic) mapped to the one name the rest of unigate uses.
_ALIASES = {
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/mp3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "audio/x-flac": "audio/flac",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "application/ogg": "audio/ogg",
    "audio/x-aac": "audio/aac",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-ms-bmp": "image/bmp",
    "image/x-bmp": "image/bmp",
    "image/x-png": "image/png",
    "application/x-pdf": "application/pdf",
    "text/json": "application/json",
}

_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
    "image/tiff": ".tiff",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/avif": ".avif",
    "application/pdf": ".pdf",
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/aac": ".aac",
    "audio/ogg": ".ogg",
    "audio/flac": ".flac",
    "audio/mp4": ".m4a",
    "audio/webm": ".webm",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "video/ogg": ".ogv",
    "video/quicktime": ".mov",
    "video/3gpp": ".3gp",
    "video/x-msvideo": ".avi",
    "video/x-matroska": ".mkv",
    "audio/x-matroska": ".mka",
    "text/plain": ".txt",
    "application/json": ".json",
    "application/zip": ".zip",
    OCTET_STREAM: ".bin",
}


def normalize_mime(mime: str) -> str:
    """Lower-case, drop parameters (``; charset=...``) and map aliases to the canonical name."""
    base = mime.split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base) or OCTET_STREAM


def extension_for(mime: str) -> str:
    """File extension (with the dot) for a MIME type; ``.bin`` when nothing better is known."""
    mime = normalize_mime(mime)
    return _EXTENSIONS.get(mime) or mimetypes.guess_extension(mime, strict=False) or ".bin"


def detect_mime(data: bytes, filename: str | None = None) -> str:
    """Canonical MIME type of ``data``, decided from the content alone.

    ``filename`` is only a tie-breaker passed to puremagic among candidates the bytes already
    match; it can never turn one detected type into another.
    """
    if not data:
        return OCTET_STREAM
    for check in _SIGNATURES:
        found = check(data)
        if found:
            return found
    text = _text_mime(data)
    if text:
        return text
    return _puremagic_mime(data, filename) or OCTET_STREAM


# --- images and documents ----------------------------------------------------------------------


def _image(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "image/tiff"
    # "BM" alone is too weak (plenty of text starts with it): also require a known DIB header size.
    if data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124):
        return "image/bmp"
    return None


def _riff(data: bytes) -> str | None:
    if data[:4] != b"RIFF" or len(data) < 12:
        return None
    return {b"WAVE": "audio/wav", b"WEBP": "image/webp", b"AVI ": "video/x-msvideo"}.get(data[8:12])


def _pdf(data: bytes) -> str | None:
    return "application/pdf" if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"%PDF-" else None


_ZIP_DECLARED = re.compile(r"application/[a-z0-9][a-z0-9.+-]{0,80}")


def _zip(data: bytes) -> str | None:
    # puremagic calls every zip an Office document; look at the member names instead.
    if data[:4] != b"PK\x03\x04":
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                # EPUB and OpenDocument name their own type; keep it only if it looks like one.
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip().lower()
                if _ZIP_DECLARED.fullmatch(declared):
                    return declared
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, RuntimeError):
        return "application/zip"
    if "[Content_Types].xml" in names:
        for prefix, kind in (
            ("word/", "wordprocessingml.document"),
            ("xl/", "spreadsheetml.sheet"),
            ("ppt/", "presentationml.presentation"),
        ):
            if any(name.startswith(prefix) for name in names):
                return f"application/vnd.openxmlformats-officedocument.{kind}"
    return "application/zip"


# --- audio and video containers ----------------------------------------------------------------


def _ogg(data: bytes) -> str | None:
    if data[:4] != b"OggS":
        return None
    # The first packet of the first page names the codec; Theora is the only video one in use.
    return "video/ogg" if b"\x80theora" in data[:256] else "audio/ogg"


def _flac(data: bytes) -> str | None:
    return "audio/flac" if data[:4] == b"fLaC" else None


def _id3(data: bytes) -> str | None:
    if data[:3] != b"ID3" or len(data) < 10:
        return None
    # ID3v2 can precede FLAC too; its size is a 28-bit "syncsafe" integer (7 bits per byte).
    size = 10 + ((data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | data[9] & 0x7F)
    if data[5] & 0x10:  # footer present
        size += 10
    return "audio/flac" if data[size : size + 4] == b"fLaC" else "audio/mpeg"


_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_IMAGE_BRANDS = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"hevc": "image/heic",
    b"hevx": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
}


def _iso_bmff(data: bytes) -> str | None:
    if data[4:8] != b"ftyp" or len(data) < 12:
        return None
    brand = data[8:12]
    box_size = int.from_bytes(data[:4], "big")
    compatible = {data[i : i + 4] for i in range(16, min(box_size, len(data), 256) - 3, 4)}
    if brand in _AUDIO_BRANDS:
        return "audio/mp4"
    if brand in _IMAGE_BRANDS:
        return _IMAGE_BRANDS[brand]
    if brand in (b"mif1", b"msf1"):
        return "image/avif" if b"avif" in compatible else "image/heif"
    if brand == b"qt  ":
        return "video/quicktime"
    if brand[:3] in (b"3gp", b"3g2"):
        return "video/3gpp"
    # Generic brands (isom, mp42, ...) are used for audio-only files too: the track handlers tell.
    handlers = _handler_types(data)
    return "audio/mp4" if b"soun" in handlers and b"vide" not in handlers else "video/mp4"


def _handler_types(data: bytes) -> set[bytes]:
    # A 'hdlr' box is: size, 'hdlr', version+flags (4), pre_defined (4), handler type (4).
    found: set[bytes] = set()
    start = data.find(b"hdlr")
    while start != -1 and len(found) < 8:
        found.add(data[start + 12 : start + 16])
        start = data.find(b"hdlr", start + 4)
    return found


_MKV_VIDEO_CODEC = re.compile(rb"\x86[\x83-\x9f]V_")
_MKV_AUDIO_CODEC = re.compile(rb"\x86[\x83-\x9f]A_")


def _ebml(data: bytes) -> str | None:
    if data[:4] != b"\x1a\x45\xdf\xa3":
        return None
    head = data[:64]
    doctype = "webm" if b"\x42\x82\x84webm" in head else "matroska" if b"matroska" in head else None
    if doctype is None:
        return None
    # CodecID elements (0x86, then a one-byte size) read "V_..." for video tracks, "A_..." for audio.
    tracks = data[: 1 << 16]
    has_video = _MKV_VIDEO_CODEC.search(tracks) is not None
    has_audio = _MKV_AUDIO_CODEC.search(tracks) is not None
    kind = "audio" if has_audio and not has_video else "video"
    return f"{kind}/webm" if doctype == "webm" else f"{kind}/x-matroska"


# Bitrates in kbit/s indexed by the 4-bit header field, per (MPEG-1?, layer).
_MP3_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_frame_length(header: bytes) -> int | None:
    """Length of the MPEG audio frame starting with ``header`` (4 bytes), None if not a frame."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    # Reserved values (and "free format" bitrate 0) make random 0xFFEx bytes fail fast.
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3 or header[3] & 3 == 2:
        return None
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate = _MP3_BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    factor = 72 if layer == 3 and not mpeg1 else 144
    return factor * bitrate // rate + padding


def _mpeg_audio(data: bytes) -> str | None:
    length = _mpeg_frame_length(data[:4])
    if length is not None:
        # When the file holds more than one frame, the next one must sync too.
        if len(data) < length + 4 or _mpeg_frame_length(data[length : length + 4]) is not None:
            return "audio/mpeg"
        return None
    # ADTS (raw AAC) shares the 12-bit sync but has layer bits 00, which MPEG audio never uses.
    if len(data) >= 7 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0 and (data[2] >> 2) & 0xF < 13:
        return "audio/aac"
    return None


_SIGNATURES: tuple[Callable[[bytes], str | None], ...] = (
    _image,
    _riff,
    _pdf,
    _zip,
    _ogg,
    _flac,
    _id3,
    _iso_bmff,
    _ebml,
    _mpeg_audio,
)


# Every type a signature check above can return, except QuickTime: old .mov files without an
# 'ftyp' box are only recognised by puremagic.
_OWN_TYPES = frozenset(_EXTENSIONS) - {OCTET_STREAM, "video/quicktime"}


# --- text and fallback ---------------------------------------------------------------------------


def _text_mime(data: bytes) -> str | None:
    # Any valid UTF-8 without NULs is served as text; text-based formats (HTML, SVG, XML) are
    # deliberately kept as text/plain so they are never handed on as active content.
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            json.loads(stripped)
        except ValueError:
            return "text/plain"
        return "application/json"
    return "text/plain"


def _puremagic_mime(data: bytes, filename: str | None) -> str | None:
    try:
        candidates = puremagic.magic_string(data, filename=filename)
    except (puremagic.PureError, ValueError):
        return None
    for candidate in candidates:  # best confidence first
        # Without a content match puremagic guesses from the name alone; one-byte matches are noise.
        if not candidate.mime_type or len(candidate.byte_match) < 2:
            continue
        mime = normalize_mime(candidate.mime_type)
        # Our checks are authoritative for these: if they said no, a short puremagic match
        # (e.g. the two bytes FF FB "is MP3") must not say yes.
        if mime not in _OWN_TYPES:
            return mime
    return None
