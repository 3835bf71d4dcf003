from __future__ import annotations

import pytest

from unigate.files.mime import OCTET_STREAM, detect_mime, extension_for, normalize_mime

from . import samples as s

CASES: list[tuple[str, bytes, str]] = [
    ("png", s.image("PNG"), "image/png"),
    ("jpeg", s.image("JPEG"), "image/jpeg"),
    ("webp", s.image("WEBP"), "image/webp"),
    ("gif", s.image("GIF"), "image/gif"),
    ("bmp", s.image("BMP"), "image/bmp"),
    ("tiff", s.image("TIFF"), "image/tiff"),
    ("wav", s.wav(), "audio/wav"),
    ("pdf", s.pdf(), "application/pdf"),
    ("mp3-id3", s.id3(s.MP3_FRAME * 2), "audio/mpeg"),
    ("mp3-bare", s.MP3_FRAME * 3, "audio/mpeg"),
    ("mp3-bare-one-frame", s.MP3_FRAME, "audio/mpeg"),
    ("mp3-mpeg2", s.MP3_V2_FRAME * 3, "audio/mpeg"),
    ("flac-after-id3", s.id3(s.FLAC), "audio/flac"),
    ("aac-adts", s.adts(), "audio/aac"),
    ("ogg-vorbis", s.VORBIS, "audio/ogg"),
    ("ogg-opus", s.OPUS, "audio/ogg"),
    ("ogg-theora", s.THEORA, "video/ogg"),
    ("flac", s.FLAC, "audio/flac"),
    ("m4a", s.mp4(b"M4A ", b"soun"), "audio/mp4"),
    ("mp4-audio-only-generic-brand", s.mp4(b"isom", b"soun"), "audio/mp4"),
    ("mp4", s.mp4(b"isom", b"vide", b"soun"), "video/mp4"),
    ("mp4-no-tracks-yet", s.ftyp(b"mp42", b"isom"), "video/mp4"),
    ("mov", s.mp4(b"qt  ", b"vide"), "video/quicktime"),
    ("heic", s.ftyp(b"heic", b"mif1"), "image/heic"),
    ("avif", s.ftyp(b"avif", b"mif1"), "image/avif"),
    ("avif-via-mif1", s.ftyp(b"mif1", b"avif"), "image/avif"),
    ("webm-audio", s.ebml(b"webm", b"A_OPUS"), "audio/webm"),
    ("webm-video", s.ebml(b"webm", b"V_VP9", b"A_OPUS"), "video/webm"),
    ("matroska", s.ebml(b"matroska", b"V_MPEG4/ISO/AVC"), "video/x-matroska"),
    ("zip", s.zip_of({"a.txt": b"hello"}), "application/zip"),
    (
        "docx",
        s.zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("epub", s.zip_of({"mimetype": b"application/epub+zip", "a.xhtml": b""}), "application/epub+zip"),
    ("text", "héllo wörld — ok\n".encode(), "text/plain"),
    ("text-bom", "\ufeffbonjour".encode(), "text/plain"),
    ("html-stays-text", b"<!doctype html><html><script>alert(1)</script></html>", "text/plain"),
    ("json-object", b' {"a": [1, 2, {"b": null}]}\n', "application/json"),
    ("json-array", b"[1, 2, 3]", "application/json"),
    ("json-broken", b'{"a": ', "text/plain"),
    ("json-scalar-is-text", b"42", "text/plain"),
    ("latin1-not-text", "caf\xe9".encode("latin-1"), OCTET_STREAM),
    ("nul-not-text", b"abc\x00def", OCTET_STREAM),
    ("binary", bytes(range(256)) * 4, OCTET_STREAM),
    ("empty", b"", OCTET_STREAM),
]


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_detects_from_content(data: bytes, expected: str) -> None:
    assert detect_mime(data) == expected


# Names that lie in every direction: the content must win each time.
LIES = ["photo.png", "doc.pdf", "song.mp3", "notes.txt", "data.json", "movie.mp4", "evil.exe", "noext", ""]


@pytest.mark.parametrize("name", LIES)
@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_file_name_never_changes_the_answer(data: bytes, expected: str, name: str) -> None:
    assert detect_mime(data, name) == expected


def test_unknown_content_is_not_named_by_its_extension() -> None:
    # puremagic alone would answer from the extension when nothing in the bytes matches.
    blob = b"\x01\x02\x03\x04\xfe\xfd" * 10
    assert detect_mime(blob, "track.mp3") == OCTET_STREAM
    assert detect_mime(blob, "report.docx") == OCTET_STREAM


def test_mp3_sync_needs_a_second_frame_when_there_is_room() -> None:
    # A valid-looking header followed by garbage where the next frame should start is not MP3.
    fake = s.MP3_FRAME + b"\x12\x34\x56\x78" + b"\x00" * 500
    assert detect_mime(fake) != "audio/mpeg"


@pytest.mark.parametrize(
    "header",
    [
        b"\xff\xeb\x90\x00",  # reserved MPEG version
        b"\xff\xf9\x90\x00",  # reserved layer... as MPEG, but ADTS-shaped: must not be MP3 either
        b"\xff\xfb\xf0\x00",  # bad bitrate index
        b"\xff\xfb\x9c\x00",  # reserved sample rate
        b"\xff\xfb\x00\x00",  # free-format bitrate: refused (cannot be framed)
    ],
)
def test_invalid_mpeg_headers_are_not_mp3(header: bytes) -> None:
    assert detect_mime(header + b"\x00" * 600) != "audio/mpeg"


def test_bm_prefix_alone_is_not_bmp() -> None:
    assert detect_mime(b"BMW is a car brand, this is text") == "text/plain"


def test_puremagic_fallback_is_normalized() -> None:
    # Not one of ours: puremagic identifies it (a 7z archive signature).
    assert detect_mime(b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 40) == "application/x-7z-compressed"


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("audio/x-wav", "audio/wav"),
        ("audio/wave", "audio/wav"),
        ("audio/mp3", "audio/mpeg"),
        ("image/x-ms-bmp", "image/bmp"),
        ("application/ogg", "audio/ogg"),
        ("Image/JPG; charset=binary", "image/jpeg"),
        ("", OCTET_STREAM),
        ("image/png", "image/png"),
    ],
)
def test_normalize_mime(alias: str, canonical: str) -> None:
    assert normalize_mime(alias) == canonical


@pytest.mark.parametrize(
    ("mime", "ext"),
    [
        ("image/png", ".png"),
        ("image/jpeg", ".jpg"),
        ("audio/mpeg", ".mp3"),
        ("audio/x-wav", ".wav"),
        ("audio/mp4", ".m4a"),
        ("video/mp4", ".mp4"),
        ("audio/webm", ".webm"),
        ("application/pdf", ".pdf"),
        ("text/plain", ".txt"),
        ("application/json", ".json"),
        ("application/octet-stream", ".bin"),
        ("application/x-made-up", ".bin"),
    ],
)
def test_extension_for(mime: str, ext: str) -> None:
    assert extension_for(mime) == ext


def test_every_case_has_an_extension() -> None:
    for _, data, _expected in CASES:
        assert extension_for(detect_mime(data)).startswith(".")
