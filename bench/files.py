"""Benchmark: the files service's uploads, memory, serving and previews, each next to a
baseline measured in the same run, on the same disk.

- upload: POST /api/files/files of a 100 MB file (multipart, streamed from disk by curl)
  against writing the same bytes to a file in the same folder, 256 KiB at a time. Goal:
  ratio >= 0.5. Also against the least an HTTP upload can cost here: a bare ASGI route on
  uvicorn in the same process writing the raw body to a file (no parsing, no checks).
- memory: the service process's peak RSS while a 1 GB file is uploaded, against its RSS when
  idle just before. Goal: within 100 MB.
- serving: GET /api/files/files/{id}/content of that 100 MB file against Starlette's
  FileResponse of the very same stored file, from the same process. Goal: ratio >= 0.7.
- previews: how long processing takes for a 12-megapixel photo and a 50-page PDF.

Plein (identity and files, embedded PostgreSQL and NATS) runs in a child process, so that
its memory is measured apart from this client's.

    uv run python bench/files.py [--upload-mb 100] [--big-mb 1024]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from rich.console import Console
from rich.table import Table

console = Console()
CHUNK = 256 * 1024
MARK = "plein-bench-files: "  # the child's line saying where it serves (among its logs)
LINE = b"2027-01-01,Utrecht,42,a line of a large export to share with the team\n"


def make_file(path: Path, size: int) -> None:
    """A text file (CSV-like) of `size` bytes: a type the service accepts."""
    block = LINE * (CHUNK // len(LINE) + 1)
    with path.open("wb") as handle:
        left = size
        while left > 0:
            piece = block[: min(CHUNK, left)]
            handle.write(piece)
            left -= len(piece)


def disk_write_s(source: Path, target: Path) -> float:
    """Seconds to copy `source` to `target` 256 KiB at a time (the page cache, as uploads)."""
    start = time.perf_counter()
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            dst.write(chunk)
    elapsed = time.perf_counter() - start
    target.unlink()
    return elapsed


async def curl_upload(url: str, path: Path, token: str | None = None) -> tuple[float, str]:
    """Seconds to upload `path` with curl (multipart, streamed from disk: a client in C, so
    that the client's own work weighs little on the two cores), and what the server said."""
    command = ["curl", "-sS", "--fail-with-body", "-F", f"file=@{path};type=text/csv", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    elapsed = time.perf_counter() - start
    assert process.returncode == 0, out[:500]
    return elapsed, out.decode()


async def upload(base: str, token: str, path: Path) -> tuple[float, str]:
    """Seconds to upload `path` to the files service, and the new file's id."""
    elapsed, answer = await curl_upload(f"{base}/api/files/files", path, token)
    return elapsed, str(json.loads(answer)["id"])


async def download_s(client: httpx.AsyncClient, url: str, token: str | None = None) -> float:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    start = time.perf_counter()
    total = 0
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, url
        async for chunk in response.aiter_raw(CHUNK):
            total += len(chunk)
    return time.perf_counter() - start


class PeakRss:
    """Samples a process's resident memory every 20 ms in a thread; the highest seen."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


# -- the child: Plein (identity, files) and a static server of the same bytes ----------------


async def serve_child(base: Path) -> None:
    import uvicorn
    from plein_platform.embedded import EmbeddedNats, embedded_postgres, free_port
    from plein_testdata.servers import start_plein
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, PlainTextResponse
    from starlette.routing import Route

    data_dir = base / "data"
    os.environ["PLEIN_DATA_DIR"] = str(data_dir)
    with embedded_postgres(base / "pg") as database_url:
        nats = EmbeddedNats(base / "nats")
        plein = await start_plein(str(database_url), nats.start(), services=["identity", "files"])

        async def static(request: object) -> FileResponse:
            key = request.path_params["key"]  # type: ignore[attr-defined]
            return FileResponse(data_dir / "files" / key)

        async def bare(request: Request) -> PlainTextResponse:
            # The least an upload can be over HTTP here: the raw body to a file, no parsing.
            target = data_dir / "bare.upload"
            with target.open("wb", buffering=0) as handle:
                async for chunk in request.stream():
                    handle.write(chunk)
            target.unlink()
            return PlainTextResponse("{}")

        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                Starlette(
                    routes=[
                        Route("/static/{key:path}", static),
                        Route("/bare", bare, methods=["POST"]),
                    ]
                ),
                host="127.0.0.1",
                port=port,
                log_level="warning",
            )
        )
        serving = asyncio.create_task(server.serve())
        where = {"base": plein.base_url, "static": f"http://127.0.0.1:{port}"}
        print(MARK + json.dumps(where))
        sys.stdout.flush()
        await asyncio.to_thread(sys.stdin.read)  # until the parent closes our stdin
        server.should_exit = True
        await serving
        await plein.stop()
        nats.stop()


# -- previews, measured in this process -----------------------------------------------------


def preview_times(work: Path) -> tuple[float, float]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    from PIL import Image
    from plein_files.processing import image_previews, pdf_previews

    photo = work / "photo.jpg"
    # 4000 x 3000, with detail (noise) so the encoder works as on a real photo.
    Image.effect_noise((4000, 3000), 64).convert("RGB").save(photo, "JPEG", quality=90)
    pdf = pdfium.PdfDocument.new()
    for n in range(50):
        page = pdf.new_page(595, 842)
        text = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", 12.0)
        words = f"Page {n}: the yearly plan, its budget and its people. " * 3 + "\x00"
        encoded = words.encode("utf-16-le")
        raw.FPDFText_SetText(text, (raw.c_ushort * (len(encoded) // 2)).from_buffer_copy(encoded))
        raw.FPDFPageObj_Transform(text, 1, 0, 0, 1, 40, 780)
        raw.FPDFPage_InsertObject(page.raw, text)
        raw.FPDFPage_GenerateContent(page.raw)
    document = work / "plan.pdf"
    pdf.save(str(document))
    out = work / "out"
    out.mkdir()
    start = time.perf_counter()
    image_previews(photo, out, 100_000_000)
    photo_s = time.perf_counter() - start
    start = time.perf_counter()
    outcome = pdf_previews(document, out)
    pdf_s = time.perf_counter() - start
    assert outcome.page_count == 50
    return photo_s, pdf_s


def main(upload_mb: int, big_mb: int) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("PLEIN_BENCH_DIR")) as tmp:
        base = Path(tmp)
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", str(base)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            line = ""
            while not line.startswith(MARK):
                line = child.stdout.readline()
                if not line:
                    raise RuntimeError("the child stopped before serving")
            where = json.loads(line.removeprefix(MARK))
            asyncio.run(measure(base, where, child.pid, upload_mb, big_mb))
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=60)


async def measure(base: Path, where: dict[str, str], pid: int, upload_mb: int, big_mb: int) -> None:
    async with httpx.AsyncClient(base_url=where["base"], timeout=600) as client:
        email, password = "bench@example.com", "bench-secret-pw-123"
        await client.post(
            "/api/identity/users",
            json={"email": email, "password": password, "display_name": "Bench"},
        )
        token = (
            await client.post("/api/identity/tokens", json={"email": email, "password": password})
        ).json()["access_token"]

        sample = base / "data" / "sample.csv"
        sample.parent.mkdir(parents=True, exist_ok=True)
        make_file(sample, upload_mb * 1024 * 1024)
        # Warm up both paths once, then take the best of three turns each.
        await upload(where["base"], token, sample)
        disk_write_s(sample, base / "data" / "copy.csv")
        disk = min(disk_write_s(sample, base / "data" / "copy.csv") for _ in range(3))
        ups, bares = [], []
        for _ in range(3):
            seconds, file_id = await upload(where["base"], token, sample)
            ups.append(seconds)
            bares.append((await curl_upload(f"{where['static']}/bare", sample))[0])
        up, bare = min(ups), min(bares)

        key = f"{file_id[:2]}/{file_id}/original"
        files_url = f"/api/files/files/{file_id}/content"
        static_url = f"{where['static']}/static/{key}"
        await download_s(client, files_url, token)
        await download_s(client, static_url)
        served, static = [], []
        for _ in range(3):
            served.append(await download_s(client, files_url, token))
            static.append(await download_s(client, static_url))

        big = base / "data" / "big.csv"
        make_file(big, big_mb * 1024 * 1024)
        sample.unlink()
        process = psutil.Process(pid)
        idle = process.memory_info().rss
        with PeakRss(pid) as rss:
            await upload(where["base"], token, big)
        big.unlink()

    photo_s, pdf_s = preview_times(base)
    mb = upload_mb
    table = Table(title="files service (same run, same disk)")
    for column in ("measure", "files", "baseline", "ratio", "goal"):
        table.add_column(column, justify="right")
    table.add_row(
        f"upload {mb} MB",
        f"{mb / up:.0f} MB/s",
        f"{mb / disk:.0f} MB/s (disk write)",
        f"{disk / up:.2f}",
        ">= 0.5",
    )
    table.add_row(
        f"upload {mb} MB",
        f"{mb / up:.0f} MB/s",
        f"{mb / bare:.0f} MB/s (bare ASGI body to disk)",
        f"{bare / up:.2f}",
        "",
    )
    table.add_row(
        f"serve {mb} MB",
        f"{mb / min(served):.0f} MB/s",
        f"{mb / min(static):.0f} MB/s (FileResponse)",
        f"{min(static) / min(served):.2f}",
        ">= 0.7",
    )
    table.add_row(
        f"peak RSS, {big_mb} MB upload",
        f"{rss.peak / 2**20:.0f} MiB",
        f"{idle / 2**20:.0f} MiB (idle)",
        f"+{(rss.peak - idle) / 2**20:.0f} MiB",
        "<= +100 MiB",
    )
    table.add_row("preview, 12 MP photo", f"{photo_s:.2f} s", "", "", "")
    table.add_row("preview + text, 50-page PDF", f"{pdf_s:.2f} s", "", "", "")
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upload-mb", type=int, default=100)
    parser.add_argument("--big-mb", type=int, default=1024)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(serve_child(args.child))
    else:
        main(args.upload_mb, args.big_mb)
