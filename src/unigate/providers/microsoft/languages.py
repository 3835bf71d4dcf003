"""Language codes: English names for Translator's /detect (it gives codes only), and the locale a
bare language code means for Speech (which wants locales: 'fr' -> 'fr-FR')."""

from __future__ import annotations

_NAMES = {
    "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "as": "Assamese", "az": "Azerbaijani",
    "ba": "Bashkir", "be": "Belarusian", "bg": "Bulgarian", "bn": "Bangla", "bo": "Tibetan",
    "bs": "Bosnian", "ca": "Catalan", "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German",
    "dv": "Divehi", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque",
    "fa": "Persian", "fi": "Finnish", "fil": "Filipino", "fj": "Fijian", "fo": "Faroese", "fr": "French",
    "fr-CA": "French (Canada)", "ga": "Irish", "gl": "Galician", "gu": "Gujarati", "ha": "Hausa",
    "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "ht": "Haitian Creole", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "ig": "Igbo", "is": "Icelandic", "it": "Italian",
    "iu": "Inuktitut", "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh", "km": "Khmer", "kn": "Kannada",
    "ko": "Korean", "ku": "Kurdish (Central)", "kmr": "Kurdish (Northern)", "ky": "Kyrgyz",
    "lo": "Lao", "lt": "Lithuanian", "lv": "Latvian", "mg": "Malagasy", "mi": "Maori",
    "mk": "Macedonian", "ml": "Malayalam", "mn-Cyrl": "Mongolian (Cyrillic)", "mr": "Marathi",
    "ms": "Malay", "mt": "Maltese", "my": "Myanmar (Burmese)", "nb": "Norwegian", "ne": "Nepali",
    "nl": "Dutch", "or": "Odia", "pa": "Punjabi", "pl": "Polish", "prs": "Dari", "ps": "Pashto",
    "pt": "Portuguese (Brazil)", "pt-PT": "Portuguese (Portugal)", "ro": "Romanian", "ru": "Russian",
    "rw": "Kinyarwanda", "sd": "Sindhi", "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian",
    "sm": "Samoan", "sn": "Shona", "so": "Somali", "sq": "Albanian", "sr-Cyrl": "Serbian (Cyrillic)",
    "sr-Latn": "Serbian (Latin)", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu",
    "th": "Thai", "ti": "Tigrinya", "tk": "Turkmen", "tlh-Latn": "Klingon (Latin)", "to": "Tongan",
    "tr": "Turkish", "tt": "Tatar", "ty": "Tahitian", "ug": "Uyghur", "uk": "Ukrainian", "ur": "Urdu",
    "uz": "Uzbek (Latin)", "vi": "Vietnamese", "xh": "Xhosa", "yo": "Yoruba", "yue": "Cantonese",
    "zh-Hans": "Chinese Simplified", "zh-Hant": "Chinese Traditional", "zu": "Zulu",
}  # fmt: skip


def language_name(code: str | None) -> str | None:
    if not code:
        return None
    return _NAMES.get(code) or _NAMES.get(code.split("-")[0])


# The usual locale of a bare language code (Speech voices and transcription want locales).
LOCALES = {
    "ar": "ar-SA", "cs": "cs-CZ", "da": "da-DK", "de": "de-DE", "el": "el-GR", "en": "en-US", "es": "es-ES",
    "fi": "fi-FI", "fr": "fr-FR", "he": "he-IL", "hi": "hi-IN", "id": "id-ID", "it": "it-IT", "ja": "ja-JP",
    "ko": "ko-KR", "nb": "nb-NO", "nl": "nl-NL", "no": "nb-NO", "pl": "pl-PL", "pt": "pt-BR", "ru": "ru-RU",
    "sv": "sv-SE", "th": "th-TH", "tr": "tr-TR", "uk": "uk-UA", "vi": "vi-VN", "zh": "zh-CN",
}  # fmt: skip


def locale_of(language: str | None) -> str | None:
    """'fr' -> 'fr-FR', 'pt_br' -> 'pt-BR', 'zh-Hans-CN' kept; None when not given."""
    if not language:
        return None
    parts = language.replace("_", "-").split("-")
    if len(parts) == 1:
        code = parts[0].lower()
        return LOCALES.get(code, f"{code}-{code.upper()}")
    return "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])
