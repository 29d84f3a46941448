#!/usr/bin/env python3
"""Delta Explorer's two everyday commands, needing only Python 3.11+ to start with.

    python3 dev.py app     start the app on the bundled data (http://localhost:8501)
    python3 dev.py test    run the whole test suite (extra arguments go to pytest)
    python3 dev.py bench   run the benchmarks (extra arguments go to the benchmark script)

Each creates a virtual environment in .venv on first use and installs the pinned
requirements into it; later runs reinstall only when a requirements file has changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = {"app": "requirements.txt", "test": "requirements-test.txt",
                "bench": "requirements-test.txt"}


def venv_python() -> Path:
    """The interpreter inside .venv (Windows or POSIX layout)."""
    windows = VENV / "Scripts" / "python.exe"
    return windows if windows.exists() else VENV / "bin" / "python"


def ensure_env(requirements: str) -> Path:
    """Create .venv if needed and install `requirements` unless already installed as they are."""
    if sys.version_info < (3, 11):
        sys.exit(f"Delta Explorer needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not venv_python().exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except Exception as exc:  # e.g. Debian without python3-venv
            sys.exit(f"Could not create .venv ({exc}). On Debian/Ubuntu: apt install python3-venv")
    files = [ROOT / requirements]
    if requirements != "requirements.txt":
        files.append(ROOT / "requirements.txt")
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if not stamp.exists() or stamp.read_text() != digest:
        print(f"Installing {requirements} into .venv ...", flush=True)
        subprocess.run([str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check",
                        "-q", "-r", str(ROOT / requirements)], check=True)
        stamp.write_text(digest)
    return venv_python()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in REQUIREMENTS:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    python = ensure_env(REQUIREMENTS[command])
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if command == "app":
        args = [str(python), "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), *rest]
    elif command == "test":
        args = [str(python), "-m", "pytest", *rest]
    else:
        args = [str(python), str(ROOT / "benchmarks" / "run.py"), *rest]
    return subprocess.run(args, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
