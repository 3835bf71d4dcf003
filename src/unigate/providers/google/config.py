"""Environment variables of the Google provider, what each API needs, and the credentials mapping.

Everything an adapter needs from the environment travels in `ctx.credentials` (built once per call
by `credentials(env)`), so adapters never read `os.environ` themselves and tests can point every
API at a loopback fake.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Mapping
from enum import Enum

API_KEY = "GOOGLE_API_KEY"
SERVICE_ACCOUNT = "GOOGLE_APPLICATION_CREDENTIALS"
PROJECT = "GOOGLE_CLOUD_PROJECT"
LOCATION = "GOOGLE_CLOUD_LOCATION"  # Document AI processor location: "us" or "eu"
PROCESSORS = "GOOGLE_DOCUMENTAI_PROCESSORS"  # JSON: {"ocr/invoice_parser": "<processor id>", ...}
TRANSLATE_LOCATION = "UNIGATE_GOOGLE_TRANSLATE_LOCATION"  # translateDocument: "global" or "us-central1"


class Api(Enum):
    """One Google API: the environment variable overriding its base URL, and its default URL."""

    VISION = ("UNIGATE_GOOGLE_VISION_URL", "https://vision.googleapis.com")
    LANGUAGE = ("UNIGATE_GOOGLE_LANGUAGE_URL", "https://language.googleapis.com")
    TRANSLATE = ("UNIGATE_GOOGLE_TRANSLATE_URL", "https://translation.googleapis.com")
    SPEECH = ("UNIGATE_GOOGLE_SPEECH_URL", "https://speech.googleapis.com")
    TTS = ("UNIGATE_GOOGLE_TTS_URL", "https://texttospeech.googleapis.com")
    # Document AI is regional: the default host is "{location}-documentai.googleapis.com".
    DOCUMENTAI = ("UNIGATE_GOOGLE_DOCUMENTAI_URL", "https://{location}-documentai.googleapis.com")
    GEMINI = ("UNIGATE_GOOGLE_GEMINI_URL", "https://generativelanguage.googleapis.com")

    @property
    def env_var(self) -> str:
        return self.value[0]

    @property
    def default_url(self) -> str:
        return self.value[1]


def _project_of(path: str) -> str | None:
    """The project a service-account key file belongs to (its `project_id`), if readable."""
    try:
        with open(path, encoding="utf-8") as fh:
            value = json.load(fh).get("project_id")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def credentials(env: Mapping[str, str]) -> dict[str, str]:
    """The secrets and settings an adapter needs, keyed by our own short names."""
    out: dict[str, str] = {}
    if env.get(API_KEY):
        out["api_key"] = env[API_KEY]
    if env.get(SERVICE_ACCOUNT):
        out["service_account_file"] = env[SERVICE_ACCOUNT]
    project = env.get(PROJECT) or (_project_of(env[SERVICE_ACCOUNT]) if env.get(SERVICE_ACCOUNT) else None)
    if project:
        out["project"] = project
    out["location"] = env.get(LOCATION) or "us"
    out["translate_location"] = env.get(TRANSLATE_LOCATION) or "global"
    if env.get(PROCESSORS):
        out["processors"] = env[PROCESSORS]
    for api in Api:
        if env.get(api.env_var):
            out[f"url:{api.name}"] = env[api.env_var].rstrip("/")
    return out


def base_url(creds: Mapping[str, str], api: Api) -> str:
    url = creds.get(f"url:{api.name}") or api.default_url
    return url.replace("{location}", creds.get("location", "us"))


def processors(creds: Mapping[str, str]) -> dict[str, str]:
    """GOOGLE_DOCUMENTAI_PROCESSORS as a dict; keys may be "ocr/invoice_parser" or "invoice_parser"."""
    raw = creds.get("processors")
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {str(k): str(v) for k, v in parsed.items() if isinstance(v, str) and v}


def processor_id(creds: Mapping[str, str], subfeature: str) -> str | None:
    found = processors(creds)
    return found.get(subfeature) or found.get(subfeature.split("/", 1)[-1])


# --- availability ---------------------------------------------------------------------------------

Check = Callable[[Mapping[str, str]], str | None]


AUTH_EXTRA = "google-auth is not installed (pip install 'unigate[google]'), needed for a service account"


def google_auth_missing() -> bool:
    """Whether google-auth (the `google` extra) is absent; found without importing it."""
    try:
        return importlib.util.find_spec("google.oauth2") is None
    except (ImportError, ValueError):
        return True


def provider_unavailable(env: Mapping[str, str]) -> str | None:
    if env.get(API_KEY):
        return None
    if env.get(SERVICE_ACCOUNT):
        return AUTH_EXTRA if google_auth_missing() else None
    return f"set {API_KEY} (an API key) or {SERVICE_ACCOUNT} (a service-account key file)"


def needs_api_key(env: Mapping[str, str]) -> str | None:
    """The Gemini API is called with an API key only."""
    return None if env.get(API_KEY) else f"{API_KEY} is not set (the Gemini API is called with an API key)"


def needs_service_account(what: str) -> Check:
    def check(env: Mapping[str, str]) -> str | None:
        if not env.get(SERVICE_ACCOUNT):
            return f"{SERVICE_ACCOUNT} is not set ({what} needs a service account)"
        if google_auth_missing():
            return AUTH_EXTRA
        if not (env.get(PROJECT) or _project_of(env[SERVICE_ACCOUNT])):
            return f"{PROJECT} is not set and the service-account file names no project_id"
        return None

    return check


def needs_processor(subfeature: str) -> Check:
    """Document AI: a service account, a project and a processor id for this subfeature."""
    base = needs_service_account("Document AI")

    def check(env: Mapping[str, str]) -> str | None:
        reason = base(env)
        if reason:
            return reason
        if processor_id(credentials(env), subfeature) is None:
            return f"{PROCESSORS} names no processor for {subfeature} (a JSON map subfeature -> processor id)"
        return None

    return check
