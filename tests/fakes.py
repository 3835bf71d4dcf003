"""A scriptable provider for engine, job and API tests: behaviour is chosen per request through
`provider_params` ({"fail": "server"}, {"sleep": 2.0}, {"polls": 3}...). Calls are counted so tests
can assert what the gateway really did."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from unigate.providers.base import (
    Artifact,
    CallContext,
    Constraints,
    Launched,
    ModelSpec,
    Offer,
    Pending,
    Price,
    ProviderResult,
)
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
)

_ERRORS = {
    "server": ProviderServerError,
    "auth": ProviderAuthError,
    "rate": ProviderRateLimited,
    "invalid": ProviderInvalidInput,
}


class FakeProvider:
    def __init__(self, name: str = "fake") -> None:
        self.name = name
        self.display_name = f"Fake ({name})"
        self.calls: Counter[str] = Counter()
        self.launches: list[str] = []
        self._ids = itertools.count(1)
        self.missing_credentials = False

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        return "FAKE_API_KEY is not set" if self.missing_credentials else None

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        return {"api_key": "secret-never-shown"}

    async def _behave(self, ctx: CallContext, what: str) -> None:
        self.calls[what] += 1
        params = ctx.provider_params
        if (fail := params.get("fail")) and params.get("fail_provider", self.name) == self.name:
            raise _ERRORS[str(fail)](f"{self.name} says {fail}")
        if params.get("crash") and params.get("fail_provider", self.name) == self.name:
            raise RuntimeError("adapter bug")
        if sleep := params.get("sleep"):
            await asyncio.sleep(float(sleep))

    async def embeddings(self, inp: Any, ctx: CallContext) -> ProviderResult:
        await self._behave(ctx, "embeddings")
        if ctx.provider_params.get("bad_output"):
            return ProviderResult(output={"items": [{"vector": [1.0]}]})
        items = [{"embedding": [float(len(t)), 1.0, 0.5]} for t in inp.texts]
        chars = sum(len(t) for t in inp.texts)
        return ProviderResult(output={"items": items}, raw={"data": items, "key": "x"}, usage={"char": chars})

    async def langdetect(self, inp: Any, ctx: CallContext) -> ProviderResult:
        await self._behave(ctx, "langdetect")
        return ProviderResult(
            output={"items": [{"language": "en", "display_name": "English", "confidence": 0.9}]},
            usage={"request": 1},
        )

    async def ocr(self, inp: Any, ctx: CallContext) -> ProviderResult:
        await self._behave(ctx, "ocr")
        loaded = await ctx.files(inp.file)
        text = f"{loaded.mime}:{loaded.size}"
        return ProviderResult(
            output={
                "text": text,
                "bounding_boxes": [{"text": text, "left": 0, "top": 0, "width": 1, "height": 1}],
            },
            usage={"page": loaded.page_count or 1},
        )

    async def launch(self, inp: Any, ctx: CallContext) -> Launched:
        await self._behave(ctx, "launch")
        if vendor := ctx.provider_params.get("vendor"):  # a loopback vendor (tests/fakevendor.py)
            async with ctx.http.post(
                f"{vendor}/jobs",
                json={"client_token": ctx.launch_token, "polls": ctx.provider_params["polls"]},
            ) as r:
                r.raise_for_status()
                body = await r.json()
            return Launched(
                str(body["id"]), float(ctx.provider_params.get("retry_after", 0.05)), {"polls": 0}
            )
        job_id = f"{self.name}-job-{next(self._ids)}"
        self.launches.append(job_id)
        return Launched(
            job_id, retry_after=float(ctx.provider_params.get("retry_after", 0.05)), state={"polls": 0}
        )

    async def poll(self, provider_job_id: str, ctx: CallContext) -> Pending | ProviderResult:
        self.calls["poll"] += 1
        if vendor := ctx.provider_params.get("vendor"):
            async with ctx.http.get(f"{vendor}/jobs/{provider_job_id}") as r:
                r.raise_for_status()
                status = await r.json()
            if status["status"] != "done":
                return Pending(retry_after=float(ctx.provider_params.get("retry_after", 0.05)))
            ctx.job_state = {"polls": int(ctx.provider_params["polls"]) - 1}
        polls = int(ctx.job_state.get("polls", 0)) + 1
        if polls < int(ctx.provider_params.get("polls", 2)):
            return Pending(
                retry_after=float(ctx.provider_params.get("retry_after", 0.05)), state={"polls": polls}
            )
        text = f"done {provider_job_id} after {polls} polls"
        return ProviderResult(
            output={
                "raw_text": text,
                "pages": [{"lines": [{"text": text, "words": [], "bounding_box": {}, "confidence": 0.9}]}],
                "number_of_pages": 1,
            },
            usage={"page": 3},
        )

    async def speech(self, inp: Any, ctx: CallContext) -> ProviderResult:
        await self._behave(ctx, "speech")
        audio = b"ID3fake-mp3-" + inp.text.encode()
        return ProviderResult(
            output={"audio": base64.b64encode(audio).decode(), "voice_type": 1, "audio_resource_url": None},
            usage={"char": len(inp.text)},
            artifacts={"audio_resource_url": Artifact(audio, "audio/mpeg", "speech.mp3")},
        )

    async def transcribe(self, inp: Any, ctx: CallContext) -> ProviderResult:
        await self._behave(ctx, "transcribe")
        loaded = await ctx.files(inp.file)
        out = {"text": f"{loaded.duration_s:.1f} s", "diarization": {"total_speakers": 1, "entries": []}}
        return ProviderResult(output=out, usage={"second": loaded.duration_s or 0})

    async def generate(self, inp: Any, ctx: CallContext) -> ProviderResult:
        await self._behave(ctx, "generate")
        png = _tiny_png()
        items = [{"image": base64.b64encode(png).decode(), "image_resource_url": None}] * inp.num_images
        return ProviderResult(output={"items": items}, usage={"image": inp.num_images})

    def offers(self) -> Sequence[Offer]:
        return [
            Offer("image/generation", models=(ModelSpec("gen"),), default_model="gen", run=self.generate),
            Offer(
                "audio/speech_to_text_async",
                models=(ModelSpec("short", prices=(Price("second", Decimal("0.006"), per=60, step=15),)),),
                default_model="short",
                constraints=Constraints(max_duration_s=3.0),
                run=self.transcribe,
            ),
            Offer(
                "audio/text_to_speech", models=(ModelSpec("voice"),), default_model="voice", run=self.speech
            ),
            Offer(
                "text/embeddings",
                models=(
                    ModelSpec("small", prices=(Price("char", Decimal("0.10"), per=1_000_000, step=100),)),
                    ModelSpec("org/large-v2", prices=(Price("char", Decimal("1.30"), per=1_000_000),)),
                ),
                default_model="small",
                run=self.embeddings,
            ),
            Offer(
                "translation/language_detection",
                models=(ModelSpec("lid", prices=(Price("request", Decimal("1"), per=1000),)),),
                default_model="lid",
                constraints=Constraints(max_text_chars=1000),
                run=self.langdetect,
            ),
            Offer(
                "ocr/ocr",
                models=(ModelSpec("v1"),),
                default_model="v1",
                constraints=Constraints(
                    mime_types=frozenset({"image/png", "application/pdf"}), languages=frozenset({"en"})
                ),
                run=self.ocr,
            ),
            Offer(
                "ocr/ocr_async",
                models=(ModelSpec("v1", prices=(Price("page", Decimal("1.5"), per=1000),)),),
                default_model="v1",
                launch=self.launch,
                poll=self.poll,
            ),
        ]


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, format="PNG")
    return buf.getvalue()
