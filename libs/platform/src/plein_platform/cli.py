"""`plein`: run services, rebuild projections, seed the demo, write the event contract."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import typer
import uvicorn
import uvloop
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .settings import Settings

if TYPE_CHECKING:
    from plein_events.projection import ReplayReport

    from .runtime import RuntimeFactory

app = typer.Typer(
    help="Plein: the social intranet that makes participation happen.", no_args_is_help=True
)
# soft_wrap: a long line (a URL, a demo summary) stays one line, whatever the terminal's width.
console = Console(stderr=True, soft_wrap=True, highlight=False)


def _settings() -> Settings:
    from .telemetry import configure_logging, configure_tracing

    settings = Settings()
    configure_logging(settings)
    configure_tracing(settings)
    return settings


@app.command()
def run(
    service: Annotated[
        list[str] | None,
        typer.Option("--service", "-s", help="run only this service (repeatable); default: all"),
    ] = None,
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    seed: Annotated[bool, typer.Option(help="seed the demo organisation on first start")] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="processes serving the port (uvicorn workers); background workers still run "
            "once, in the process holding their leader lock",
        ),
    ] = 1,
) -> None:
    """Serve Plein: every service under /api/<name> on one port (or just the ones named)."""
    from .embedded import mail_catcher, servers
    from .registry import load_services
    from .runtime import RuntimeFactory

    settings = _settings()
    if host:
        settings.host = host
    if port:
        settings.port = port
    names = tuple(s.name for s in load_services(service))  # fails early on an unknown name
    with servers(settings) as (database_url, nats_url), mail_catcher(settings) as mail_dir:
        if mail_dir is not None:
            console.print(
                f"  mail       smtp://{settings.smtp_host}:{settings.smtp_port}, kept in {mail_dir}"
            )
        factory = RuntimeFactory(settings, names, database_url, nats_url)
        seeding = seed and settings.seed_demo and not service
        if workers == 1:
            # uvicorn shuts down on SIGTERM, then raises the signal again; its default action
            # would end the process there, leaving the embedded PostgreSQL and NATS running.
            # As an exit instead, the `with` blocks above stop them.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
            # The event loop uvicorn picks for its worker processes (uvloop), here too: a
            # Kubernetes pod runs this single-process path.
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(_serve(factory, seed=seeding))
        else:
            _serve_processes(factory, workers, seed=seeding)


def _announce(factory: RuntimeFactory) -> None:
    from .registry import browser_services

    base = factory.settings.base_url
    console.print(f"\n[bold green]Plein is running on {base}[/]")
    at_root = browser_services(factory.service_names)
    for name in factory.service_names:
        if name in at_root:
            console.print(f"  {name:10} {base}/  (Plein in a browser)")
        else:
            console.print(f"  {name:10} {base}/api/{name}  (docs: {base}/api/{name}/docs)")
    console.print(f"  {'prometheus':10} {base}/metrics")
    console.print(f"  PostgreSQL {factory.database_url}\n  NATS       {factory.nats_url}")


def demo_organisation() -> Any | None:
    """The demo organisation's module when it is installed, else None. `plein-demo` offers
    itself under the `plein.demo` entry point: the platform does not depend on it, so an
    image without it runs Plein without a demo."""
    found = entry_points(group="plein.demo", name="organisation")
    return next(iter(found)).load() if found else None


def _sign_in_hint(settings: Settings) -> None:
    """Who to sign in as, on every start once the demo organisation is there."""
    demo = demo_organisation()
    if demo is not None and (settings.data_dir / "seeded").exists():
        console.print(f"  sign in as ann@example.com / {demo.DEMO_PASSWORD} (the network admin)")


async def _seed(settings: Settings, app: Any = None) -> None:
    """Seed the demo organisation once per data dir; with `app` (this process's), with its
    twelve weeks of history. A start after an interrupted seed says so and leaves it."""
    demo = demo_organisation()
    if demo is None:
        return
    marker, filling = settings.data_dir / "seeded", settings.data_dir / "seeding"
    if marker.exists():
        return
    if filling.exists():
        console.print(
            f"[yellow]  demo: an earlier start was stopped while filling it; for a complete "
            f"demo, stop Plein and remove {settings.data_dir}[/]"
        )
        return
    filling.parent.mkdir(parents=True, exist_ok=True)
    filling.write_text("seeding\n")
    console.print("  demo: filling in the background (lines marked demo: follow; ready last)")
    try:
        await demo.seed_demo(
            settings.base_url, say=lambda m: console.print(f"  demo: {m}"), app=app
        )
        marker.write_text("seeded\n")
        filling.unlink(missing_ok=True)
        console.print("  demo: ready")
    except Exception as error:  # the demo is a convenience; Plein runs without it
        console.print(f"[yellow]  demo seed failed: {error!r}[/]")


async def _serve(factory: RuntimeFactory, *, seed: bool) -> None:
    """One process: the app, its background workers, and the demo seed once it answers
    (in the background: the app answers while the demo fills)."""
    settings = factory.settings
    app = factory.runtime().asgi()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            proxy_headers=False,  # forwarded headers: only from PLEIN_TRUSTED_PROXIES (runtime)
            lifespan="on",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if serving.done():
        await serving
        return
    _announce(factory)
    seeding = None
    if seed and not (settings.data_dir / "seeded").exists():

        async def seed_then_hint() -> None:
            await _seed(settings, app)
            _sign_in_hint(settings)

        seeding = asyncio.create_task(seed_then_hint())
    else:
        _sign_in_hint(settings)
    console.print("Press Ctrl-C to stop.\n")
    try:
        await serving
    finally:
        if seeding is not None and not seeding.done():
            seeding.cancel()


def _serve_processes(factory: RuntimeFactory, workers: int, *, seed: bool) -> None:
    """`workers` processes serving one port, each accepting on a socket of its own.

    This process prepares streams and migrations once, so the workers start without racing
    over them, seeds the demo once they answer, and restarts a worker that dies. Each worker
    builds its app from the same factory as a single process does. The sockets share the port
    with SO_REUSEPORT, so the kernel spreads new connections over the workers at random, as a
    Kubernetes Service spreads them over pods; workers accepting from one shared socket
    (uvicorn's `--workers`) let whichever wakes first take most of a burst of connections.
    """
    import threading

    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors.multiprocess import Process

    from .registry import load_services
    from .runtime import prepare

    settings = factory.settings
    asyncio.run(
        prepare(
            settings,
            load_services(factory.service_names),
            database_url=factory.database_url,
            nats_url=factory.nats_url,
        )
    )
    config = uvicorn.Config(
        replace(factory, prepared=True),
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=False,  # forwarded headers: only from PLEIN_TRUSTED_PROXIES (runtime)
        lifespan="on",
    )
    sockets = [_reuse_port_socket(settings.host, settings.port) for _ in range(workers)]
    # Each worker keeps its Prometheus counters in files here and a scrape sums them all
    # (prometheus.process_registry); set before the workers start, which import anew (spawn).
    metrics_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.TemporaryDirectory(prefix="plein-prometheus-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir.name
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    def when_serving() -> None:
        # The port is open from the start (this process holds the sockets): wait for an answer.
        while not _answers(f"http://{settings.host}:{settings.port}/health"):
            if stop.wait(0.1):
                return
        _announce(factory)
        console.print(f"  {workers} worker processes")
        if seed:
            asyncio.run(_seed(settings))
        _sign_in_hint(settings)
        console.print("Press Ctrl-C to stop.\n")

    def start(sock: socket.socket) -> Process:
        process = Process(config, [sock])
        process.start()
        return process

    processes = [start(sock) for sock in sockets]
    threading.Thread(target=when_serving, daemon=True).start()
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if process.process.is_alive():
                    continue
                process.join()
                if process.exitcode == STARTUP_FAILURE:  # broken app: a restart fails the same
                    console.print(f"[red]worker {process.pid} failed to start; stopping[/]")
                    stop.set()
                    break
                console.print(f"[yellow]worker {process.pid} died; starting another[/]")
                processes[i] = start(sockets[i])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join()
        for sock in sockets:
            sock.close()
        if metrics_dir is not None:
            metrics_dir.cleanup()
    if any(p.exitcode == STARTUP_FAILURE for p in processes):
        raise typer.Exit(STARTUP_FAILURE)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).is_success
    except httpx.HTTPError:
        return False


def _reuse_port_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@app.command()
def migrate(
    service: Annotated[
        list[str] | None,
        typer.Option("--service", "-s", help="only this service (repeatable); default: all"),
    ] = None,
) -> None:
    """Create the JetStream streams and apply pending migrations, then exit.

    What the Kubernetes pre-start Job runs; services do the same at start-up, so it is safe to
    run again at any time.
    """
    from .embedded import servers
    from .registry import load_services
    from .runtime import prepare

    settings = _settings()
    services = load_services(service)
    with servers(settings) as (database_url, nats_url):
        applied = asyncio.run(
            prepare(settings, services, database_url=database_url, nats_url=nats_url)
        )
    for name, files in applied.items():
        done = ", ".join(files) if files else "up to date"
        console.print(f"[green]{name}[/]: {done}")


@app.command()
def replay(
    projection: Annotated[
        str, typer.Argument(help="projection to rebuild, e.g. feed; or `export` (see --to)")
    ],
    wait: Annotated[float, typer.Option(help="seconds to wait for a live runner to let go")] = 30,
    to: Annotated[
        Path | None, typer.Option(help="`plein replay export`: directory to write Parquet to")
    ] = None,
    from_seq: Annotated[
        int | None, typer.Option(help="`plein replay export`: start at this stream sequence")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="`plein replay export`: start at this time (UTC)")
    ] = None,
) -> None:
    """Drop a projection's tables and rebuild them by replaying the PLEIN stream from the start.

    `plein replay export --to DIR [--from-seq N | --since TIME]` instead writes the stream as
    Parquet for analysts (an exporter plugged in through the `plein.exports` entry point).
    """
    from .embedded import servers

    settings = _settings()
    exporters = {ep.name: ep for ep in entry_points(group="plein.exports")}
    if projection in exporters:
        if to is None:
            raise typer.BadParameter("`plein replay export` needs --to DIR")
        when = since if since is None or since.tzinfo else since.replace(tzinfo=UTC)
        with servers(settings) as (_, nats_url):
            exporters[projection].load()(nats_url, to, from_seq, when)
        return
    from plein_events.projection import ReplayAbandoned

    with servers(settings) as (database_url, nats_url):
        try:
            report = asyncio.run(
                replay_projection(
                    settings, projection, database_url, nats_url, wait_s=wait, show_progress=True
                )
            )
        except ReplayAbandoned as abandoned:
            console.print(
                f"[red]{projection}: replay abandoned after {abandoned.report.messages} messages: "
                f"{abandoned.reason}. Nothing was changed: the read model is as it was before "
                "the replay. Run it again once the servers answer.[/]"
            )
            raise typer.Exit(1) from None
    console.print(f"[green]{projection}: rebuilt from {report.messages} messages[/]")
    if report.resumes:
        console.print(
            f"  delivery resumed {report.resumes} times (NATS went away or delivered out of "
            "order); every message was applied once"
        )
    if report.dead_letters:
        console.print(
            f"[yellow]  {report.dead_letters} messages could not be applied and were "
            f"dead-lettered (dlq.plein.{projection}, and the dead_letters table)[/]"
        )


async def replay_projection(
    settings: Settings,
    projection: str,
    database_url: str,
    nats_url: str,
    *,
    wait_s: float = 30,
    show_progress: bool = False,
) -> ReplayReport:
    """Rebuild one projection from the stream (all or nothing: see ProjectionRunner.replay);
    returns what it did, or raises ReplayAbandoned with the read model left as it was."""
    from plein_events.leader import LeadershipLost, leadership
    from plein_events.projection import ProjectionRunner, ReplayAbandoned, ReplayReport

    from .database import migrate, platform_migrations, schema_pool
    from .registry import load_services
    from .runtime import connect_nats

    owners = [(s, p) for s in load_services() for p in s.projections() if p.name == projection]
    if not owners:
        known = sorted(p.name for s in load_services() for p in s.projections())
        raise typer.BadParameter(f"unknown projection {projection!r}; known: {', '.join(known)}")
    service, proj = owners[0]
    await migrate(
        database_url,
        service.name,
        [("platform", platform_migrations()), (service.name, service.migrations())],
    )
    nc = await connect_nats(nats_url, name=f"plein-replay-{projection}")
    pool = schema_pool(database_url, service.name)
    await pool.open()
    try:
        runner = ProjectionRunner(
            proj,
            pool,
            nc.jetstream(),
            batch_size=settings.consumer_batch_size,
            max_failures=settings.consumer_max_failures,
        )
        try:
            async with leadership(
                database_url, f"projection:{projection}", timeout_s=wait_s, retry_every_s=0.5
            ):
                if not show_progress:
                    return await runner.replay()
                with Progress(
                    TextColumn(f"replay {projection}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=console,
                ) as progress:
                    task = progress.add_task("replay", total=None)
                    return await runner.replay(
                        lambda done, total: progress.update(task, completed=done, total=total)
                    )
        except LeadershipLost as lost:
            raise ReplayAbandoned(str(lost), ReplayReport()) from lost
        except TimeoutError:
            console.print(
                f"[red]{projection} is being run by a live process; stop its "
                "consumer (or the service) and try again.[/]"
            )
            raise typer.Exit(1) from None
    finally:
        await pool.close()
        await nc.close()


@app.command()
def seed(
    url: Annotated[str | None, typer.Option(help="Plein's base URL")] = None,
) -> None:
    """Seed the demo organisation into a running Plein (through its HTTP API)."""
    demo = demo_organisation()
    if demo is None:
        console.print("[red]the demo organisation (plein-demo) is not installed here[/]")
        raise typer.Exit(1)
    settings = _settings()
    created = asyncio.run(demo.seed_demo(url or settings.base_url, say=console.print))
    console.print("[green]seeded[/]" if created else "[yellow]the demo was already there[/]")


@app.command()
def contract(
    check: Annotated[bool, typer.Option(help="only check that the files are up to date")] = False,
) -> None:
    """Write the event contract's JSON Schemas and AsyncAPI document under libs/events."""
    from plein_events.schema_files import write_contract_files

    changed = write_contract_files(dry_run=check)
    for path in changed:
        console.print(f"{'outdated' if check else 'wrote'} {path}")
    if check and changed:
        raise typer.Exit(1)


def _plug_in_commands() -> None:
    """Commands services add to `plein` (entry point group `plein.commands`), e.g. `kpis`."""
    for ep in entry_points(group="plein.commands"):
        app.command(ep.name)(ep.load())


_plug_in_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
