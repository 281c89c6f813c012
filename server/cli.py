"""The ``fieldsync`` command: serve, migrate, import, demo data, users and devices."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from bureau.errors import DomainError


def _app():
    from server import create_app

    return create_app()


def with_app(func):
    """Run the command inside an app context, turning domain errors into clear messages."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from server.extensions import db

        app = _app()
        with app.app_context():
            try:
                return func(*args, **kwargs)
            except DomainError as error:
                db.session.rollback()
                details = "".join(
                    f"\n  {name}: {'; '.join(reasons)}" for name, reasons in error.errors.items()
                )
                raise click.ClickException(f"{error.message}{details}") from error
            finally:
                db.session.remove()
                db.engine.dispose()

    return wrapper


def _require_schema() -> None:
    from server.extensions import db
    from server.migrate import current_revision, head_revision

    if current_revision(db.engine) != head_revision():
        raise click.ClickException(
            "The database schema is not up to date: run 'fieldsync db upgrade' first."
        )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """fieldsync: the offline field-sync server of a county environmental protection bureau.

    Configuration comes from FIELDSYNC_* environment variables (FIELDSYNC_DATABASE_URL,
    FIELDSYNC_INSTANCE_PATH, ...); by default the embedded SpatiaLite database in ./instance.
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker threads of this process.",
)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the API with waitress (for several processes, run gunicorn: see README)."""
    import waitress

    app = _app()
    with app.app_context():
        _require_schema()
        from server.extensions import db

        backend = db.engine.dialect.name
        url = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"fieldsync: serving on http://{host}:{port} ({backend}: {url})")
    waitress.serve(app, host=host, port=port, threads=threads, ident="fieldsync")


@main.group()
def db() -> None:
    """Database schema: upgrade to the newest, show the current revision, compare with models."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@with_app
def db_upgrade(revision: str) -> None:
    """Create or migrate the database schema (safe to run again)."""
    from server.extensions import db as database
    from server.migrate import current_revision, upgrade

    before = current_revision(database.engine)
    upgrade(database.engine, revision)
    after = current_revision(database.engine)
    if before == after:
        click.echo(f"fieldsync: schema already at {after}")
    else:
        click.echo(f"fieldsync: schema upgraded from {before or 'empty'} to {after}")


@db.command("current")
@with_app
def db_current() -> None:
    """Print the database's schema revision and the newest one."""
    from server.extensions import db as database
    from server.migrate import current_revision, head_revision

    click.echo(f"current: {current_revision(database.engine) or 'empty'}  head: {head_revision()}")


@main.command()
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
@click.option("--seed", default=12369, show_default=True, help="Seed of the synthetic county.")
@with_app
def demo(if_empty: bool, seed: int) -> None:
    """Load a synthetic demo county: 3 stations, 520 enterprises, 10 projects, rosters, users,
    and about ninety complaints in every stage of their casework."""
    from server.extensions import db as database
    from server.migrate import upgrade
    from server.services.demo import database_is_empty, load_demo

    upgrade(database.engine)
    if not database_is_empty():
        if if_empty:
            click.echo("fieldsync: the database already has data; demo not loaded")
            return
        raise click.ClickException(
            "The database already has data; the demo county is only loaded into an empty one."
        )
    summary = load_demo(seed=seed, progress=lambda text: click.echo(f"fieldsync: {text}"))
    click.echo(summary)


@main.command("import")
@click.argument("kind", type=click.Choice(["stations", "enterprises", "projects", "people"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all-or-nothing", is_flag=True, help="Apply no row at all if any row is rejected.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10000))
@with_app
def import_(kind: str, file: Path, all_or_nothing: bool, batch_size: int) -> None:
    """Import registry data from CSV (lon/lat columns) or GeoJSON.

    Re-importing the same file changes nothing. Rejected rows are listed with their line and
    reason; the exit status is 1 when any row was rejected.
    """
    from server.services.importer import run_import

    _require_schema()
    with click.progressbar(length=0, label=f"importing {kind}", file=sys.stderr) as bar:
        report = run_import(
            kind, file, all_or_nothing=all_or_nothing, batch_size=batch_size, progress=bar
        )
    for line in report.rejections_text():
        click.echo(line, err=True)
    click.echo(report.summary())
    if report.rejected:
        sys.exit(1)


@main.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.argument("username")
@click.option("--full-name", required=True, help="The person's name, e.g. 王芳.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["admin", "leader", "officer", "intake", "inspector", "station_staff", "auditor"]
    ),
)
@click.option(
    "--station", "station_code", default=None, help="Station code; omit for county-level users."
)
@click.password_option(help="At least 10 characters; asked for when not given.")
@with_app
def user_add(
    username: str, full_name: str, role: str, station_code: str | None, password: str
) -> None:
    """Create a user."""
    from server.extensions import db as database
    from server.services.accounts import add_user

    _require_schema()
    created = add_user(
        username=username,
        full_name=full_name,
        role=role,
        password=password,
        station_code=station_code,
    )
    database.session.commit()
    where = created.station.code if created.station else "county"
    click.echo(f"fieldsync: user {created.username} ({created.role}, {where}) created")


@main.group()
def device() -> None:
    """Devices: register/revoke/list on the server, and the reference device client.

    The [device] commands (login, act, sync, status) act as a phone would, with a local store
    file, talking to a running server over HTTP.
    """


@device.command("register")
@click.option("--user", "username", required=True, help="The device's user.")
@click.option("--name", required=True, help="A name for the device, e.g. 'Li Na phone'.")
@with_app
def device_register(username: str, name: str) -> None:
    """Register a device and print its token (only this once)."""
    from server.extensions import db as database
    from server.services.accounts import find_user, register_device

    _require_schema()
    created, token = register_device(find_user(username), name)
    database.session.commit()
    click.echo(
        f"fieldsync: device {created.id} ({created.name}) registered for {username}", err=True
    )
    click.echo("fieldsync: its token follows; it is shown only now:", err=True)
    click.echo(token)


@device.command("revoke")
@click.argument("device_id", type=int)
@with_app
def device_revoke(device_id: int) -> None:
    """Revoke a device's token; the device gets 401 from then on."""
    from server.extensions import db as database
    from server.services.accounts import revoke_device

    _require_schema()
    revoked = revoke_device(device_id)
    database.session.commit()
    click.echo(f"fieldsync: device {revoked.id} ({revoked.name}) revoked")


@device.command("list")
@with_app
def device_list() -> None:
    """List devices with their users and state."""
    import sqlalchemy as sa

    from server.extensions import db as database
    from server.models import Device

    _require_schema()
    for item in database.session.execute(sa.select(Device).order_by(Device.id)).scalars():
        state = "revoked" if item.revoked_at else "active"
        click.echo(
            f"{item.id:>5}  {item.token_hint}…  {state:<8} {item.user.username:<20} {item.name}"
        )


# -- the reference device client, driven from the shell ----------------------------------------


def _device_client(store_path: Path, server_url: str | None):
    from sync.client import DeviceClient
    from sync.client_store import ClientStore
    from sync.transport import UrllibTransport

    store = ClientStore(store_path)
    saved = store.get_meta("server_url")
    url = server_url or saved
    if server_url and server_url != saved:
        store.set_meta("server_url", server_url)
    transport = UrllibTransport(url) if url else _NoServer()
    return DeviceClient(store, transport)


class _NoServer:
    def request(self, *_args, **_kwargs):
        raise click.ClickException(
            "No server is known for this device store: pass --server http://host:port"
        )


_STORE = click.option(
    "--store",
    "store_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The device's local SQLite store (created if missing).",
)
_SERVER = click.option(
    "--server",
    "server_url",
    default=None,
    help="Server base URL, e.g. http://127.0.0.1:5000 (remembered).",
)


def _report_push(report) -> None:
    counts = ", ".join(f"{n} {o}" for o, n in sorted(report.counts.items())) or "nothing to send"
    click.echo(f"push: {counts} ({report.batches} batches)")
    if report.missing_photos:
        click.echo(f"push: photos the server still needs: {len(report.missing_photos)}")


@device.command("login")
@_STORE
@_SERVER
@click.option("--username", required=True, help="The user whose device this is.")
@click.option("--name", required=True, help="A name for the device, e.g. 'Li Na phone'.")
@click.password_option(confirmation_prompt=False, help="The user's password (asked for).")
def device_login(
    store_path: Path, server_url: str | None, username: str, name: str, password: str
) -> None:
    """[device] Register this device store with a server using a user's password."""
    from sync.client import SyncFailed

    client = _device_client(store_path, server_url)
    try:
        registered = client.register(username, password, name)
    except SyncFailed as error:
        raise click.ClickException(f"login failed: {error}") from error
    click.echo(f"device {registered.get('id')} registered for {username}; token stored")


@device.command("act")
@_STORE
@_SERVER
@click.argument("script", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def device_act(store_path: Path, server_url: str | None, script: Path) -> None:
    """[device] Run a JSON script of actions (create/update/delete offline, push/pull/sync).

    SCRIPT is a JSON list such as
    [{"do": "create", "entity": "visit", "fields": {...}, "as": "v1"}, {"do": "sync"}].
    """
    import json

    from sync.cli_script import ScriptError, run_actions
    from sync.client import SyncFailed

    try:
        actions = json.loads(script.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{script} is not a JSON list of actions: {error}") from error
    client = _device_client(store_path, server_url)
    try:
        run = run_actions(client, actions)
    except (ScriptError, SyncFailed) as error:
        raise click.ClickException(str(error)) from error
    for name, record_id in run.names.items():
        click.echo(f"{name} = {record_id}")
    click.echo(f"{len(actions)} actions done; {len(client.pending())} mutations waiting to sync")


@device.command("sync")
@_STORE
@_SERVER
def device_sync(store_path: Path, server_url: str | None) -> None:
    """[device] Push everything waiting, then pull what changed."""
    from sync.client import SyncFailed

    client = _device_client(store_path, server_url)
    try:
        report = client.sync()
    except SyncFailed as error:
        raise click.ClickException(f"sync failed: {error}") from error
    _report_push(report.push)
    click.echo(
        f"pull: {report.pull.upserted} records updated, {report.pull.deleted} removed"
        f"{' (full resync)' if report.pull.resynced else ''}"
    )
    rejected = client.rejected()
    if rejected:
        click.echo(f"{len(rejected)} mutations were rejected; see 'fieldsync device status'")


@device.command("status")
@_STORE
def device_status(store_path: Path) -> None:
    """[device] What the device holds and what waits to be sent."""
    from sync.client_store import ClientStore

    store = ClientStore(store_path)
    click.echo(f"server: {store.get_meta('server_url') or '-'}  cursor: {store.cursor or '-'}")
    for state in ("pending", "sent", "held", "done", "rejected"):
        entries = store.mutations((state,))
        click.echo(f"{state:>8}: {len(entries)}")
        if state == "rejected":
            for entry in entries:
                outcome = entry.outcome or {}
                click.echo(
                    f"          {entry.entity} {entry.op} {entry.record_id}: "
                    f"{outcome.get('code')} {outcome.get('message') or ''}"
                )


@main.group("sync")
def sync_group() -> None:
    """Sync housekeeping on the server: held mutations and tombstones."""


@sync_group.command("release-held")
@with_app
def sync_release_held() -> None:
    """Apply held mutations whose gap has waited longer than FIELDSYNC_SYNC_GAP_HOLD_SECONDS."""
    import sqlalchemy as sa

    from server.extensions import db as database
    from server.models import Device, SyncMutation
    from server.services.sync_push import BatchProcessor
    from server.settings import service_area, sync_settings
    from sync.actor import DeviceActor

    def held_count(device_id: int) -> int:
        return database.session.execute(
            sa.select(sa.func.count()).where(
                SyncMutation.device_id == device_id, SyncMutation.outcome == "held"
            )
        ).scalar_one()

    _require_schema()
    device_ids = list(
        database.session.execute(
            sa.select(SyncMutation.device_id).where(SyncMutation.outcome == "held").distinct()
        ).scalars()
    )
    released = 0
    with click.progressbar(device_ids, label="devices with held mutations", file=sys.stderr) as bar:
        for device_id in bar:
            device_row = database.session.get(Device, device_id)
            user = device_row.user
            actor = DeviceActor(device_id, user.id, user.role, user.station_id)
            before = held_count(device_id)
            BatchProcessor(actor, sync_settings(), service_area())._release_overdue_held()
            database.session.commit()
            released += before - held_count(device_id)
    click.echo(f"fieldsync: {released} held mutations applied or given up")


@sync_group.command("prune")
@click.option(
    "--keep-days",
    default=90,
    show_default=True,
    type=click.IntRange(1, 36500),
    help="Tombstones younger than this are kept.",
)
@with_app
def sync_prune(keep_days: int) -> None:
    """Forget old tombstones; devices with older cursors are told to resync (410)."""
    from datetime import timedelta

    import sqlalchemy as sa

    from server.extensions import db as database
    from server.models import SyncCounter, SyncTombstone
    from server.models.base import utcnow
    from server.services.sync_pull import WATERMARK_COUNTER

    _require_schema()
    cutoff = utcnow() - timedelta(days=keep_days)
    highest = database.session.execute(
        sa.select(sa.func.max(SyncTombstone.sync_seq)).where(SyncTombstone.created_at < cutoff)
    ).scalar_one_or_none()
    if highest is None:
        click.echo("fieldsync: no tombstone is old enough; nothing pruned")
        return
    deleted = database.session.execute(
        sa.delete(SyncTombstone).where(SyncTombstone.sync_seq <= highest)
    ).rowcount
    counter = database.session.get(SyncCounter, WATERMARK_COUNTER)
    if counter is None:
        database.session.add(SyncCounter(name=WATERMARK_COUNTER, value=highest + 1))
    else:
        counter.value = max(counter.value, highest + 1)
    database.session.commit()
    click.echo(f"fieldsync: {deleted} tombstones pruned; cursors below {highest + 1} must resync")
