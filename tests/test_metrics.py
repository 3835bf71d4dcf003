"""GET /metrics: Prometheus text with request outcomes, cost, latency, breakers and unfinished jobs."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Api


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def _admin_headers(api: Api) -> dict[str, str]:
    _, secret = await api.gateway.keys.create("ops", is_admin=True)
    return {"Authorization": f"Bearer {secret}"}


async def test_metrics_count_outcomes_cost_breakers_and_jobs(api: Api) -> None:
    body = {"model": "text/embeddings/fake", "input": {"texts": ["a" * 250]}}
    for _ in range(3):
        assert (await api.post("/v3/universal-ai", json=body)).json()["status"] == "success"
    failing = {**body, "provider_params": {"fail": "server"}}
    assert (await api.post("/v3/universal-ai", json=failing)).json()["status"] == "fail"
    queued = {**body, "provider_params": {"sleep": 30}}
    assert (await api.post("/v3/universal-ai/async", json=queued)).status_code == 202

    r = await api.get("/metrics", headers=await _admin_headers(api))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    m = _samples(r.text)
    ok = (("provider", "fake"), ("status", "success"), ("subfeature", "text/embeddings"))
    failed = (("provider", "fake"), ("status", "fail"), ("subfeature", "text/embeddings"))
    assert m[("unigate_requests_total", ok)] == 3
    assert m[("unigate_requests_total", failed)] == 1
    # 250 characters billed in steps of 100 at $0.10 per million: 300 chars each, three calls.
    cost = m[("unigate_cost_usd_total", (("provider", "fake"), ("subfeature", "text/embeddings")))]
    assert abs(cost - 3 * 300 * 0.10 / 1_000_000) < 1e-12
    assert m[("unigate_request_duration_seconds_count", (("subfeature", "text/embeddings"),))] == 4
    # The failure was transient (a 5xx): the breaker counted it.
    assert m[("unigate_circuit_state", (("model", "small"), ("provider", "fake")))] == 0
    assert m[("unigate_circuit_failures", (("model", "small"), ("provider", "fake")))] >= 1
    unfinished = (
        m[("unigate_jobs_unfinished", (("state", "queued"),))]
        + m[("unigate_jobs_unfinished", (("state", "running"),))]
    )
    assert unfinished == 1


async def test_metrics_need_an_admin_key(api: Api) -> None:
    assert (await api.get("/metrics")).status_code == 403  # the test client's key is not an admin
    assert (await api.get("/metrics", headers={"Authorization": "Bearer nope"})).status_code == 401
