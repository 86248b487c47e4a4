"""``coffer serve``: the HTTP API (Formance Ledger v2 compatible) on uvicorn."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import sqlalchemy as sa


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8000,
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)"),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
    graceful_seconds: Annotated[
        int, typer.Option("--graceful-seconds", help="How long shutdown waits for requests")
    ] = 30,
    pin_cpu: Annotated[
        bool,
        typer.Option(
            "--pin-cpu",
            help="Keep the process on one CPU (faster with many concurrent writers;"
            " docs/performance.md)",
        ),
    ] = False,
) -> None:
    """Serve the API until SIGINT/SIGTERM; in-flight requests (and their batches) finish."""
    import uvicorn

    import coffer
    from coffer.api import create_app
    from coffer.api.auth import DEFAULT_SCOPES, count_clients, create_client
    from coffer.api.observability import configure_logging
    from coffer.settings import owned_process_settings

    configure_logging(getattr(logging, log_level.upper(), logging.INFO))
    # Coffer owns this process: the home CPU is on unless COFFER_HOME_CPU says otherwise.
    instance = coffer.open(database, settings=owned_process_settings())
    try:
        url = f"http://{host}:{port}"
        typer.echo(f"Coffer API on {url} (database: {instance.backend.value})")
        if count_clients(instance.engine) == 0:
            credentials = create_client(instance.engine, "default", DEFAULT_SCOPES)
            typer.echo("Created the first API client (the secret is shown only once):")
            typer.echo(f"client_id: {credentials.client_id}")
            typer.echo(f"client_secret: {credentials.client_secret}")
            typer.echo(f"token_url: {url}/api/auth/oauth/token")
        else:
            typer.echo(
                "API clients exist already (secrets are shown only when created); for new"
                f" credentials run: coffer clients create NAME --scopes {','.join(DEFAULT_SCOPES)}"
            )
            typer.echo(f"token_url: {url}/api/auth/oauth/token")
        _first_operator(instance.engine, url)
        sys.stdout.flush()
        if pin_cpu:
            cpu = coffer.pin_to_one_cpu()
            typer.echo(f"pinned to CPU {cpu}" if cpu is not None else "--pin-cpu: not on Linux")
        app = create_app(instance, tune_gc=True)
        if host not in ("0.0.0.0", "::", ""):  # a wildcard is no address a browser can use
            app.state.public_base_url = url  # unless COFFER_PUBLIC_BASE_URL says otherwise
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            loop="auto",
            http="auto",
            workers=1,  # the ledger's sequencer is per process
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=graceful_seconds,
            backlog=2048,
        )
        uvicorn.Server(config).run()
    finally:
        instance.close()


def _first_operator(engine: sa.Engine, url: str) -> None:
    """Print the console's URL; on first run create an admin operator and print its
    credentials once."""
    from coffer.identity.operators.service import count_operators, create_operator
    from coffer.platforms import DEFAULT_PLATFORM_ID
    from coffer.web.settings import WebSettings

    web = WebSettings()
    if not web.enabled:
        return
    typer.echo(f"console: {url}/console/")
    with engine.begin() as connection:
        if count_operators(connection) > 0:
            typer.echo(
                "operators exist already; for a new one run: coffer operators create EMAIL --role admin"
            )
            return
        operator, password = create_operator(
            connection,
            email=web.console_first_operator_email,
            role="admin",
            platform_id=DEFAULT_PLATFORM_ID,
            actor="system",
        )
    typer.echo("Created the first console operator (the password is shown only once):")
    typer.echo(f"operator_email: {operator.email}")
    typer.echo(f"operator_password: {password}")
    typer.echo("(an admin: set up TOTP at the first sign-in)")
