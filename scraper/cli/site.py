"""`serve`: browse the report site."""

from __future__ import annotations

import click

from scraper.cli.app import (
    Env,
    echo,
    errors_to_exit,
    pick_target,
    target_option,
)

# -- serve: browse the report site ----------------------------------------------------------


@click.command()
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@target_option("Print the address of this target's part of the site.")
@click.pass_obj
def serve(env: Env, port: int, target_name: str | None) -> None:
    """Serve the report site (the data dir's reports/) on 127.0.0.1 until Ctrl-C.

    Prints the address to open. Only this machine can connect; nothing is written.

    Example: nato-watch serve --port 8000
    """
    import signal

    # lazy: http.server loads only for serve
    from scraper.reports.serve import SiteServer

    with errors_to_exit():
        target = pick_target(env, target_name) if target_name else None
        server = SiteServer(env.archive.site.root, port=port)
    # Ctrl-C, and SIGTERM (a service manager, `kill`), stop it cleanly, even when started in
    # the background by a shell that ignores SIGINT for its background jobs.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    with server:
        address = server.url + (f"index.html#only-{target}" if target else "")
        try:
            # Inside the `try`: a Ctrl-C right after the address is printed stops it cleanly too.
            echo(f"serving {server.reports} at {address} (Ctrl-C stops)")
            server.serve_forever()
        except KeyboardInterrupt:
            echo("stopped")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
