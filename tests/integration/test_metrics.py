"""`/metrics` answers in the Prometheus text format and moves with what the services do."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from plein_testdata.servers import Plein, eventually
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(plein: Plein) -> Samples:
    async with httpx.AsyncClient(base_url=plein.base_url, timeout=30.0) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def families(samples: Samples) -> set[str]:
    return {name for name, _ in samples}


async def test_metrics_are_refused_to_a_request_a_proxy_forwarded(plein: Plein) -> None:
    # The ingress sends every path under `/` to the web client's pods, `/metrics` too.
    async with httpx.AsyncClient(base_url=plein.base_url, timeout=30.0) as http:
        for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
            response = await http.get("/metrics", headers={header: "203.0.113.7"})
            assert response.status_code == 404, header
            assert response.headers["content-type"] == "application/problem+json"
            assert "plein_http_requests" not in response.text
        assert (await http.get("/metrics")).status_code == 200


POST_CREATED = {"service": "posts", "method": "POST", "route": "/api/posts/posts", "status": "201"}


async def test_metrics_move_when_a_post_is_written_and_delivered(plein: Plein) -> None:
    ann = await plein.register("ann")
    before = await scrape(plein)

    response = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "Gemeten"})
    assert response.status_code == 201, response.text

    def applied(samples: Samples) -> float:
        return sum(
            count
            for (name, _), count in samples.items()
            if name == "plein_projection_events_applied_total"
        )

    async def delivered() -> Samples:
        after = await scrape(plein)
        assert value(after, "plein_relay_lag_events", relay="outbox:posts") == 0
        assert value(after, "plein_relay_position", relay="outbox:posts") > value(
            before, "plein_relay_position", relay="outbox:posts"
        )
        assert applied(after) > applied(before)  # some projection took the post in
        return after

    after = await eventually(delivered)

    # One more created post, counted under its route template, timed in its histogram.
    assert value(after, "plein_http_requests_total", **POST_CREATED) == (
        value(before, "plein_http_requests_total", **POST_CREATED) + 1
    )
    timed = {"service": "posts", "method": "POST", "route": "/api/posts/posts"}
    assert value(after, "plein_http_request_duration_seconds_count", **timed) == (
        value(before, "plein_http_request_duration_seconds_count", **timed) + 1
    )
    # The relay published it.
    assert value(after, "plein_relay_published_total", relay="outbox:posts") > value(
        before, "plein_relay_published_total", relay="outbox:posts"
    )
    assert value(after, "plein_db_pool_requests_total", service="posts") > value(
        before, "plein_db_pool_requests_total", service="posts"
    )


async def test_metrics_show_every_family_an_operator_alerts_on(plein: Plein) -> None:
    samples = await scrape(plein)
    assert families(samples) >= {
        "plein_http_requests_total",
        "plein_http_request_duration_seconds_bucket",
        "plein_db_pool_size",
        "plein_db_pool_available",
        "plein_db_pool_requests_waiting",
        "plein_projection_lag_events",
        "plein_projection_position",
        "plein_projection_dead_letters",
        "plein_projection_last_applied_timestamp_seconds",
        "plein_projection_events_applied_total",
        "plein_projection_batches_total",
        "plein_relay_lag_events",
        "plein_relay_publish_errors_total",
        "plein_nats_connected",
        "plein_notify_emails_sent_total",
        "plein_notify_email_failures_total",
        "plein_notify_escalations_raised_total",
    }
    projections = {
        dict(labels)["projection"]
        for name, labels in samples
        if name == "plein_projection_lag_events"
    }
    assert {runner for service in plein.runtime.services for runner in service.runners} == (
        projections
    )
    assert value(samples, "plein_nats_connected") == 1


async def test_unknown_paths_share_one_label_instead_of_one_per_url(plein: Plein) -> None:
    for n in range(3):
        assert (await plein.http.get(f"/posts/no-such-page-{n}")).status_code == 404
    samples = await scrape(plein)
    routes = {
        dict(labels)["route"] for name, labels in samples if name == "plein_http_requests_total"
    }
    assert not any("no-such-page" in route for route in routes)
    assert "unmatched" in routes


async def test_e_mail_sent_and_failed_are_counted_as_the_smtp_server_answers(
    tmp_path: Path,
) -> None:
    from email.message import EmailMessage

    from plein_notify.mail import Mailer
    from plein_platform.embedded import free_port, mail_catcher
    from plein_platform.settings import Settings
    from prometheus_client import REGISTRY

    def count(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "plein@localhost", "ann@example.com", "Hoi"
    message.set_content("Gemeten.")
    settings = Settings(data_dir=tmp_path, database_url=None, smtp_host=None)
    with mail_catcher(settings) as mail_dir:  # a real SMTP server (aiosmtpd)
        assert mail_dir is not None
        sent, failed = (
            count("plein_notify_emails_sent_total"),
            count("plein_notify_email_failures_total"),
        )
        await Mailer(settings).send(message)
        assert count("plein_notify_emails_sent_total") == sent + 1
        assert count("plein_notify_email_failures_total") == failed

        settings.smtp_port = free_port()  # nobody listens there
        with pytest.raises(OSError):
            await Mailer(settings).send(message)
        assert count("plein_notify_emails_sent_total") == sent + 1
        assert count("plein_notify_email_failures_total") == failed + 1
