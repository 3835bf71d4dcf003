"""Shared AWS plumbing: configuration from the environment, endpoints, SigV4 signing (botocore's
signer, never by hand) and the mapping of AWS error codes to unigate's typed errors.

Every request goes through `unigate.providers.http.call` (the shared aiohttp session, the call
context's deadline); only the Authorization/X-Amz-* headers come from botocore.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from yarl import URL

from unigate.providers.base import CallContext
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedFormat,
    UnsupportedLanguage,
)
from unigate.providers.http import HttpResult, call, error_for_status, redact, retry_after_s

VENDOR = "amazon"

ACCESS_KEY = "AWS_ACCESS_KEY_ID"
SECRET_KEY = "AWS_SECRET_ACCESS_KEY"
SESSION_TOKEN = "AWS_SESSION_TOKEN"
REGION = "AWS_REGION"
DEFAULT_REGION = "AWS_DEFAULT_REGION"
BUCKET = "AWS_S3_BUCKET"
UNIGATE_BUCKET = "UNIGATE_AWS_S3_BUCKET"
UNIGATE_ENDPOINT = "UNIGATE_AWS_ENDPOINT_URL"
GLOBAL_ENDPOINT = "AWS_ENDPOINT_URL"
SERVICE_ENDPOINT_PREFIX = "AWS_ENDPOINT_URL_"

JSON_11 = "application/x-amz-json-1.1"
SIGN_INLINE_MAX = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Service:
    """One AWS API: where it lives, the name it is signed for, and its JSON 1.1 target prefix."""

    host_prefix: str  # "textract" -> textract.<region>.amazonaws.com
    signing_name: str  # SigV4 credential scope service
    env_suffix: str  # AWS_ENDPOINT_URL_<env_suffix> (the AWS tools' service-id convention)
    target_prefix: str = ""  # X-Amz-Target prefix of JSON 1.1 APIs


TEXTRACT = Service("textract", "textract", "TEXTRACT", "Textract")
COMPREHEND = Service("comprehend", "comprehend", "COMPREHEND", "Comprehend_20171127")
TRANSLATE = Service("translate", "translate", "TRANSLATE", "AWSShineFrontendService_20170701")
TRANSCRIBE = Service("transcribe", "transcribe", "TRANSCRIBE", "Transcribe")
REKOGNITION = Service("rekognition", "rekognition", "REKOGNITION", "RekognitionService")
POLLY = Service("polly", "polly", "POLLY")
BEDROCK_RUNTIME = Service("bedrock-runtime", "bedrock", "BEDROCK_RUNTIME")
S3 = Service("s3", "s3", "S3")

SERVICES = (TEXTRACT, COMPREHEND, TRANSLATE, TRANSCRIBE, REKOGNITION, POLLY, BEDROCK_RUNTIME, S3)


# ---------------------------------------------------------------------- configuration


def region_of(env: Mapping[str, str]) -> str:
    return env.get(REGION) or env.get(DEFAULT_REGION) or ""


def bucket_of(env: Mapping[str, str]) -> str:
    return env.get(UNIGATE_BUCKET) or env.get(BUCKET) or ""


def config_keys() -> tuple[str, ...]:
    """Every environment variable this provider reads."""
    per_service = tuple(SERVICE_ENDPOINT_PREFIX + s.env_suffix for s in SERVICES)
    return (
        ACCESS_KEY,
        SECRET_KEY,
        SESSION_TOKEN,
        REGION,
        DEFAULT_REGION,
        BUCKET,
        UNIGATE_BUCKET,
        UNIGATE_ENDPOINT,
        GLOBAL_ENDPOINT,
        *per_service,
    )


def missing_config(env: Mapping[str, str]) -> str | None:
    for name in (ACCESS_KEY, SECRET_KEY):
        if not env.get(name):
            return f"{name} is not set"
    if not region_of(env):
        return f"{REGION} (or {DEFAULT_REGION}) is not set"
    return None


def missing_bucket(env: Mapping[str, str]) -> str | None:
    """Provider-side async jobs read their input from S3: they need a staging bucket."""
    if not bucket_of(env):
        return f"{BUCKET} (or {UNIGATE_BUCKET}) is not set: long jobs stage their input in S3"
    return None


def endpoint(creds: Mapping[str, str], service: Service) -> str:
    """Base URL: per-service override, then the all-services ones, then the public regional host."""
    for name in (SERVICE_ENDPOINT_PREFIX + service.env_suffix, UNIGATE_ENDPOINT, GLOBAL_ENDPOINT):
        if creds.get(name):
            return creds[name].rstrip("/")
    region = region_of(creds)
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{service.host_prefix}.{region}.{suffix}"


def is_overridden(creds: Mapping[str, str], service: Service) -> bool:
    names = (SERVICE_ENDPOINT_PREFIX + service.env_suffix, UNIGATE_ENDPOINT, GLOBAL_ENDPOINT)
    return any(creds.get(n) for n in names)


# ---------------------------------------------------------------------- idempotency

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def client_token(ctx: CallContext) -> str | None:
    """`ctx.launch_token` as an AWS idempotency token (Textract's ClientRequestToken: 1-64 of
    [A-Za-z0-9_-]), None for a call without one. The engine's tokens already fit; anything else is
    hashed (64 hex digits), so the same launch token always gives the same AWS token."""
    token = ctx.launch_token
    if not token:
        return None
    if _TOKEN.match(token):
        return token
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------------- signing


def sign(
    creds: Mapping[str, str],
    service: Service,
    method: str,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
) -> dict[str, str]:
    """The headers to send: `headers` plus X-Amz-Date, Authorization (and the session token)."""
    from botocore.auth import S3SigV4Auth, SigV4Auth  # type: ignore[import-untyped]
    from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
    from botocore.credentials import Credentials  # type: ignore[import-untyped]

    credentials = Credentials(creds[ACCESS_KEY], creds[SECRET_KEY], creds.get(SESSION_TOKEN) or None)
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    # S3 wants the payload hash in X-Amz-Content-SHA256; its signer adds it.
    signer = S3SigV4Auth if service is S3 else SigV4Auth
    signer(credentials, service.signing_name, region_of(creds)).add_auth(request)
    return {str(k): str(v) for k, v in request.headers.items()}


async def send(
    ctx: CallContext,
    service: Service,
    method: str,
    url: str,
    *,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> HttpResult:
    """One signed request; a non-2xx answer becomes the typed error its AWS error code says."""
    args = (ctx.credentials, service, method, url, body, headers or {})
    # Signing hashes the payload: off the event loop for big ones (staged documents, media).
    big = len(body) > SIGN_INLINE_MAX
    signed: dict[str, str] = await ctx.run_blocking(sign, *args) if big else sign(*args)
    # Send the URL exactly as signed: given a str, yarl would turn "%3A" back into ":" (Bedrock model
    # ids), and AWS checks the signature against the path as encoded on the wire.
    wire = cast(str, URL(url, encoded=True))
    result = await call(ctx, VENDOR, method, wire, headers=signed, data=body or None, ok=lambda _: True)
    if 200 <= result.status < 300:
        return result
    raise aws_error(result, [ctx.credentials.get(k, "") for k in (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)])


async def json_api(
    ctx: CallContext, service: Service, operation: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """A JSON 1.1 API call (POST / with X-Amz-Target): the decoded JSON object answered."""
    headers = {"Content-Type": JSON_11, "X-Amz-Target": f"{service.target_prefix}.{operation}"}
    body = json.dumps(payload, separators=(",", ":")).encode()
    result = await send(
        ctx, service, "POST", endpoint(ctx.credentials, service) + "/", body=body, headers=headers
    )
    return json_object(result)


def json_object(result: HttpResult) -> dict[str, Any]:
    try:
        data = result.json()
    except ProviderBadResponse as exc:
        raise ProviderBadResponse(f"{VENDOR}: {exc.message}", status=result.status) from None
    if not isinstance(data, dict):
        raise ProviderBadResponse(f"{VENDOR}: expected a JSON object, got {type(data).__name__}")
    return data


# ---------------------------------------------------------------------- errors


class ResourceConflict(ProviderInvalidInput):
    """`ConflictException`: a resource of that name already exists (Transcribe: the job name). Still a
    provider_invalid_input to the engine; typed so that a launch can recognise its own earlier job."""


# AWS error codes (the `__type` of JSON APIs, `x-amzn-ErrorType`, S3's <Code>) -> typed errors.
# The HTTP status alone misleads: JSON 1.1 APIs answer throttling and some server faults with 400.
_AUTH = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "InvalidToken",
    "NotAuthorized",
    "AuthFailure",
    "OptInRequired",
}
_RATE = {
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "ProvisionedThroughputExceededException",
    "ProvisionedThroughputExceeded",
    "TooManyRequestsException",
    "LimitExceededException",  # Textract/Transcribe: too many concurrent jobs
    "RequestLimitExceeded",
    "SlowDown",
    "ServiceQuotaExceededException",
    "ModelNotReadyException",
}
_LANGUAGE = {
    "UnsupportedLanguageException",
    "UnsupportedLanguagePairException",
    "DetectedLanguageLowConfidenceException",
    "UnsupportedDisplayLanguageCodeException",
}
_FORMAT = {
    "UnsupportedDocumentException",
    "BadDocumentException",
    "DocumentTooLargeException",
    "InvalidImageFormatException",
    "ImageTooLargeException",
    "InvalidSampleRateException",
}
_SERVER = {
    "InternalServerError",
    "InternalServerException",
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "ServiceFailureException",
    "ServiceException",
    "ModelErrorException",  # Bedrock: the model failed while processing the request
}
_TIMEOUT = {"ModelTimeoutException", "RequestTimeout", "RequestTimeoutException"}

_CODE_TAG = re.compile(rb"<Code>([^<]+)</Code>")
_MESSAGE_TAG = re.compile(rb"<Message>([^<]*)</Message>")


def error_code_and_message(result: HttpResult) -> tuple[str, str]:
    """Where AWS puts them: JSON `__type`/`code` + `message`, the x-amzn-ErrorType header, S3's XML."""
    code, message = "", ""
    try:
        body: Any = json.loads(result.body) if result.body else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("__type") or body.get("code") or body.get("Code") or "")
        message = str(body.get("message") or body.get("Message") or "")
    if not code:
        header = {k.lower(): v for k, v in result.headers.items()}.get("x-amzn-errortype", "")
        code = header.split(":", 1)[0]
    if not code or not message:
        found = _CODE_TAG.search(result.body)
        if found and not code:
            code = found.group(1).decode("utf-8", "replace")
        said = _MESSAGE_TAG.search(result.body)
        if said and not message:
            message = said.group(1).decode("utf-8", "replace")
    code = code.rsplit("#", 1)[-1]  # "com.amazonaws.textract#InvalidParameterException"
    if not message:
        message = result.body[:300].decode("utf-8", "replace") or f"HTTP {result.status}"
    return code, message


def aws_error(result: HttpResult, secrets: list[str]) -> ProviderError:
    code, message = error_code_and_message(result)
    text = redact(f"{VENDOR}: {message}" + (f" ({code})" if code else ""), secrets)
    retry_after = retry_after_s(result.headers)
    status = result.status
    kinds: tuple[tuple[set[str], type[ProviderError]], ...] = (
        (_AUTH, ProviderAuthError),
        (_RATE, ProviderRateLimited),
        (_LANGUAGE, UnsupportedLanguage),
        (_FORMAT, UnsupportedFormat),
        (_TIMEOUT, ProviderTimeout),
        (_SERVER, ProviderServerError),
    )
    for codes, kind in kinds:
        if code in codes:
            return kind(text, retry_after=retry_after, status=status)
    if code == "ConflictException":
        return ResourceConflict(text, status=status)
    if code.startswith(("InvalidParameter", "Validation", "InvalidRequest", "BadRequest")):
        return ProviderInvalidInput(text, status=status)
    return error_for_status(VENDOR, status, redact(message, secrets), retry_after, code or None)
