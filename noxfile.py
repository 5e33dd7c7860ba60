"""Developer sessions: `nox -s tests`, `nox -s lint`, `nox -s serve`."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests"]
PACKAGES = ["domain", "application", "adapters", "entrypoints", "bootstrap"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite: unit, integration and end-to-end."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check formatting, lint and types (mypy --strict on the five packages)."""
    session.install("-e", ".[dev]")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    session.run("mypy", *PACKAGES)


@nox.session
def serve(session: nox.Session) -> None:
    """Run the service on the embedded default (pass options after --, e.g. -- --port 9000)."""
    session.install("-e", ".")
    session.run("notifications", "serve", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmark the service against a bare Litestar process (needs wrk: apt-get install -y wrk)."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "tests.benchmarks", *session.posargs)
