"""Command line: ``flask --app wsgi users create|token|revoke-tokens|deactivate`` and ``flask --app wsgi demo``."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from bureau.access import hash_token
from bureau.accounts import operations
from bureau.accounts.models import ApiToken, Role, User
from bureau.audit.recorder import Actor, set_actor
from bureau.db import db, transaction
from bureau.errors import Invalid

users = click.Group("users", help="Manage user accounts and API tokens.")


def _find_user(username: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    return user


def _as_cli_actor() -> None:
    set_actor(Actor(None, "cli"))


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", required=True)
@click.option("--name", "display_name", default="", help="Display name (姓名).")
def create_user(username: str, role: str, password: str, display_name: str) -> None:
    """Create USERNAME with ROLE and PASSWORD."""
    _as_cli_actor()
    try:
        with transaction():
            user = operations.create_user(username, role, password, display_name=display_name)
    except Invalid as error:
        raise click.ClickException("; ".join(f"{p.field}: {p.message}" for p in error.problems)) from None
    click.echo(f"created user {user.username} ({user.role})")


@users.command("token")
@click.argument("username")
def create_token(username: str) -> None:
    """Print a new API token for USERNAME (its last line is the token; the line before, its expiry)."""
    from bureau.web import datetime_local

    _as_cli_actor()
    with transaction():
        token = operations.issue_token(_find_user(username))
        expires_at = db.session.scalar(select(ApiToken.expires_at).where(ApiToken.token_hash == hash_token(token)))
    click.echo(f"API token for {username} (shown once; only its hash is stored)")
    click.echo(f"expires {datetime_local(expires_at)} Beijing time; a password change or deactivation ends it sooner")
    click.echo(token)


@users.command("revoke-tokens")
@click.argument("username")
def revoke_tokens(username: str) -> None:
    """Revoke every API token of USERNAME."""
    _as_cli_actor()
    with transaction():
        count = operations.revoke_tokens(_find_user(username))
    click.echo(f"revoked {count} token(s) of {username}")


@users.command("deactivate")
@click.argument("username")
def deactivate(username: str) -> None:
    """Switch USERNAME off: its sessions and API tokens end for good."""
    _as_cli_actor()
    with transaction():
        user = _find_user(username)
        operations.deactivate_user(user)
    click.echo(f"deactivated {user.username}")


@click.command("demo")
def load_demo() -> None:
    """Load the demo data set (idempotent: a second run adds nothing)."""
    from bureau.demo import load

    _as_cli_actor()
    with transaction():
        lines = load()
    for line in lines:
        click.echo(line)


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(load_demo)
    from bureau.i18n import translations
    from bureau.scheduler.process import scheduler_cli

    app.cli.add_command(translations)
    app.cli.add_command(scheduler_cli)
    from bureau.backup import backup_cli

    app.cli.add_command(backup_cli)
