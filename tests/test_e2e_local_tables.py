"""Local table extraction end to end: upload a PDF with a ruled table, run the async job, read cells."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.providers.local._tables import TABLE, table_pdf

pytest.importorskip("rapid_layout", reason="rapid-layout is not installed (pip install --no-deps)")
pytest.importorskip("rapidocr", reason="the local-ocr extra is not installed")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_ocr_tables_async_local(api: Api) -> None:
    up = (await api.upload(table_pdf(), "report.pdf")).json()
    assert up["metadata"]["page_count"] == 1
    r = await api.post(
        "/v3/universal-ai/async",
        json={"model": "ocr/ocr_tables_async/local", "input": {"file": up["file_id"], "language": "en"}},
    )
    assert r.status_code == 202, r.text
    done = await api.wait(r.json()["public_id"], timeout_s=180)
    assert done["status"] == "success", done
    assert done["cost"] == "0.000" and done["output"]["num_pages"] == 1
    (table,) = done["output"]["pages"][0]["tables"]
    assert (table["num_rows"], table["num_cols"]) == (len(TABLE), len(TABLE[0]))
    got = [[c["text"] for c in row["cells"]] for row in table["rows"]]
    right = sum(
        g == e for grow, erow in zip(got, TABLE, strict=True) for g, e in zip(grow, erow, strict=True)
    )
    assert right >= 19  # of 20 cells


async def test_ocr_tables_refuses_other_files(api: Api) -> None:
    up = (await api.upload(b"just some text\n" * 10, "notes.txt")).json()
    r = await api.post(
        "/v3/universal-ai/async",
        json={"model": "ocr/ocr_tables_async/local", "input": {"file": up["file_id"]}},
    )
    assert r.status_code == 415, r.text
