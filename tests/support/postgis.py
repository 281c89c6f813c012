"""Throwaway PostgreSQL + PostGIS cluster for the test session.

Framework-free (stdlib only) so that it can be used from a pytest fixture, a
benchmark or a one-off script alike::

    from tests.support.postgis import ThrowawayPostgis

    with ThrowawayPostgis() as pg:
        url = pg.create_database("t_example")  # postgresql+psycopg://postgres@127.0.0.1:PORT/t_example
        ...                                     # use url with SQLAlchemy / create_app(url)
        pg.drop_database("t_example")

What ``start()`` does
---------------------
1. Finds the server binaries: ``pg_config --bindir`` if that directory has
   ``initdb``, else the highest ``/usr/lib/postgresql/*/bin`` (Debian layout).
   Raises :class:`PostgisUnavailable` (naming the apt package to install) when
   ``initdb`` or the ``postgis`` extension is missing.
2. ``initdb -A trust --no-sync -E UTF8 --locale=C.UTF-8 -U postgres`` into a
   fresh temporary directory.
3. ``pg_ctl -w start`` with fsync/synchronous_commit/full_page_writes off (unless
   ``durable=True``: then at PostgreSQL's defaults, all on, as a benchmark needs),
   listening on TCP ``127.0.0.1`` on a free port (the unix socket goes into the
   temporary directory, never ``/var/run/postgresql``).
4. Creates the template database ``fieldsync_template`` with
   ``CREATE EXTENSION postgis`` and marks it ``IS_TEMPLATE``, so that
   :meth:`ThrowawayPostgis.create_database` is a cheap file-level clone.

Running as root
---------------
``initdb``, ``pg_ctl`` and ``postgres`` refuse to run as root.  When the
effective uid is 0 (CI runs as root) every server-side command, and ``psql``,
is run as an unprivileged OS user -- ``postgres`` if it exists, else
``nobody`` -- through ``runuser -u USER --`` (or ``setpriv`` if ``runuser`` is
missing).  The temporary directory is created under a base directory whose
every parent that user can traverse (``$TMPDIR``, else ``/tmp``, ...) and is
chowned to it.  Only the PostgreSQL binaries run as that user: the Python
interpreter (which may live under a 0700 home such as ``/root/.pyenv``) and
the tests themselves keep running as root and connect over TCP.  As a normal
user the commands are simply run directly.

Using an existing server instead
--------------------------------
If ``FIELDSYNC_TEST_POSTGRES_ADMIN_URL`` is set (for example
``postgresql://postgres@db.example:5432/postgres``; a superuser or a role with
CREATEDB on a server where the ``postgis`` extension is available), no cluster
is started: the template and the per-test databases are created on that server
with ``psql`` and the returned URLs are derived from it.

Cleanup
-------
:meth:`ThrowawayPostgis.stop` runs ``pg_ctl stop -m fast`` and removes the
temporary directory.  ``start()`` also registers an ``atexit`` hook, so a test
session that dies with an exception does not leave a server running (a
SIGKILLed process cannot run it, of course; the server then lives on until
the machine or container goes away).
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = [
    "ADMIN_URL_ENV",
    "TEMPLATE_DB",
    "PostgisError",
    "PostgisUnavailable",
    "ThrowawayPostgis",
    "find_bindir",
]

#: Environment variable naming an existing server to use instead of a throwaway one.
ADMIN_URL_ENV = "FIELDSYNC_TEST_POSTGRES_ADMIN_URL"
#: Name of the template database that already has ``CREATE EXTENSION postgis``.
TEMPLATE_DB = "fieldsync_template"
#: Database superuser created by ``initdb -U``.
SUPERUSER = "postgres"

_APT_SERVER = "postgresql-15 postgresql-15-postgis-3"
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
# Unix socket paths are limited to ~107 bytes; the socket file name adds ~17.
_MAX_SOCKDIR_LEN = 80


class PostgisUnavailable(RuntimeError):
    """PostgreSQL server binaries or the PostGIS extension are not installed."""


class PostgisError(RuntimeError):
    """A PostgreSQL command (initdb, pg_ctl, psql) failed."""


# --------------------------------------------------------------------------
# Locating binaries
# --------------------------------------------------------------------------


def _version_key(bindir: str) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin -> (15,)
    name = os.path.basename(os.path.dirname(bindir))
    return tuple(int(p) for p in re.findall(r"\d+", name)) or (0,)


def _candidate_bindirs() -> list[str]:
    found: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=30
            )
            if out.returncode == 0 and out.stdout.strip():
                found.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    debian = [
        os.path.join("/usr/lib/postgresql", v, "bin")
        for v in (os.listdir("/usr/lib/postgresql") if os.path.isdir("/usr/lib/postgresql") else [])
    ]
    found.extend(sorted((d for d in debian if os.path.isdir(d)), key=_version_key, reverse=True))
    # de-duplicate, keep order
    return list(dict.fromkeys(found))


def find_bindir() -> str:
    """Directory holding ``initdb``/``pg_ctl``/``postgres``/``psql``.

    ``pg_config --bindir`` if that directory has ``initdb``, else the highest
    ``/usr/lib/postgresql/*/bin`` that has it.
    """
    candidates = _candidate_bindirs()
    for d in candidates:
        if os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    looked = ", ".join(candidates) or "no pg_config on PATH and no /usr/lib/postgresql/*/bin"
    raise PostgisUnavailable(
        f"PostgreSQL server binaries (initdb) not found (looked in: {looked}). "
        f"Install them with `apt-get install {_APT_SERVER}` or run scripts/bootstrap."
    )


def _sharedir(bindir: str) -> list[str]:
    """Candidate share directories (the one holding ``extension/``) for *bindir*."""
    dirs: list[str] = []
    pg_config = os.path.join(bindir, "pg_config")
    if os.access(pg_config, os.X_OK):
        try:
            out = subprocess.run(
                [pg_config, "--sharedir"], capture_output=True, text=True, timeout=30
            )
            if out.returncode == 0 and out.stdout.strip():
                dirs.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    m = re.match(r"^/usr/lib/postgresql/([^/]+)/bin/?$", bindir)
    if m:  # Debian/Ubuntu layout
        dirs.append(f"/usr/share/postgresql/{m.group(1)}")
    prefix = os.path.dirname(os.path.normpath(bindir))
    dirs += [os.path.join(prefix, "share", "postgresql"), os.path.join(prefix, "share")]
    return list(dict.fromkeys(dirs))


def _check_postgis(bindir: str) -> None:
    shares = _sharedir(bindir)
    for share in shares:
        if os.path.isfile(os.path.join(share, "extension", "postgis.control")):
            return
    major = ".".join(map(str, _version_key(bindir)))
    pkg = f"postgresql-{major}-postgis-3" if re.match(r"^\d+$", major) else "postgis"
    raise PostgisUnavailable(
        f"The PostGIS extension is not installed for the PostgreSQL server in {bindir} "
        f"(no extension/postgis.control under {', '.join(shares)}). "
        f"Install it with `apt-get install {pkg}` or run scripts/bootstrap."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _quote_ident(name: str) -> str:
    if not _IDENT_RE.match(name):
        raise ValueError(
            f"invalid database name {name!r}: use letters, digits and _ (max 63 chars)"
        )
    return '"' + name + '"'


def _clean_env() -> dict[str, str]:
    """os.environ without libpq variables that could redirect our commands."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.setdefault("LC_MESSAGES", "C")
    return env


# --------------------------------------------------------------------------
# Running as an unprivileged user when root
# --------------------------------------------------------------------------


def _traversable_by(path: str, pw: pwd.struct_passwd) -> bool:
    """True if user *pw* can search every directory from / down to *path*."""
    groups = set(os.getgrouplist(pw.pw_name, pw.pw_gid))
    path = os.path.realpath(path)
    parts = [path]
    while parts[-1] != os.path.dirname(parts[-1]):
        parts.append(os.path.dirname(parts[-1]))
    for p in parts:
        try:
            st = os.stat(p)
        except OSError:
            return False
        if st.st_uid == pw.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def _pick_run_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgisUnavailable(
        "running as root, but neither a 'postgres' nor a 'nobody' OS user exists "
        "to run initdb/pg_ctl as (PostgreSQL refuses to run as root)"
    )


def _user_prefix(pw: pwd.struct_passwd) -> list[str]:
    runuser = shutil.which("runuser") or next(
        (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None
    )
    if runuser:
        return [runuser, "-u", pw.pw_name, "--"]
    setpriv = shutil.which("setpriv") or (
        "/usr/bin/setpriv" if os.access("/usr/bin/setpriv", os.X_OK) else None
    )
    if setpriv:
        return [
            setpriv,
            f"--reuid={pw.pw_uid}",
            f"--regid={pw.pw_gid}",
            "--init-groups",
            "--",
        ]
    raise PostgisUnavailable(
        "running as root, but neither runuser nor setpriv (package util-linux) is "
        "available to drop privileges for initdb/pg_ctl"
    )


# --------------------------------------------------------------------------
# The cluster
# --------------------------------------------------------------------------


class ThrowawayPostgis:
    """A PostgreSQL + PostGIS server for one test session.

    :param admin_url: use this existing server instead of starting one
        (defaults to ``$FIELDSYNC_TEST_POSTGRES_ADMIN_URL``; pass ``""`` to
        force a throwaway cluster even if the variable is set).
    :param bindir: directory with ``initdb``/``pg_ctl``/``psql`` (default:
        :func:`find_bindir`).
    :param template: name of the PostGIS template database.
    :param durable: start the throwaway cluster at PostgreSQL's default durability (fsync,
        synchronous_commit and full_page_writes on) instead of turning them off for speed.
    """

    def __init__(
        self,
        *,
        admin_url: str | None = None,
        bindir: str | None = None,
        template: str = TEMPLATE_DB,
        durable: bool = False,
    ) -> None:
        if admin_url is None:
            admin_url = os.environ.get(ADMIN_URL_ENV, "")
        self._external_url = admin_url.strip() or None
        self._bindir = bindir
        self.template = template
        self.durable = durable
        _quote_ident(template)
        self._psql: str | None = None
        self._prefix: list[str] = []
        self._run_user: str | None = None
        self._tmpdir: str | None = None
        self._sockdir_extra: str | None = None
        self._datadir: str | None = None
        self._logfile: str | None = None
        self._port: int | None = None
        self._admin_url: str | None = None
        self._started = False
        self._owner_pid: int | None = None
        #: Seconds spent in :meth:`start` (initdb, server start, template).
        self.timings: dict[str, float] = {}

    # ---- public API ------------------------------------------------------

    @property
    def external(self) -> bool:
        """True when using ``FIELDSYNC_TEST_POSTGRES_ADMIN_URL`` rather than our own cluster."""
        return self._external_url is not None

    @property
    def started(self) -> bool:
        return self._started

    @property
    def admin_url(self) -> str:
        """libpq URL of the maintenance database, e.g. ``postgresql://postgres@127.0.0.1:PORT/postgres``."""
        self._require_started()
        assert self._admin_url is not None
        return self._admin_url

    @property
    def port(self) -> int | None:
        return urlsplit(self._admin_url).port if self._admin_url else None

    @property
    def log_path(self) -> str | None:
        """Server log of the throwaway cluster (``None`` for an external server)."""
        return self._logfile

    def url_for(self, name: str, *, driver: str = "psycopg") -> str:
        """SQLAlchemy URL for database *name* on this server (``postgresql+psycopg://...``)."""
        self._require_started()
        _quote_ident(name)
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return self._with_db(self.admin_url, name, scheme=scheme)

    def start(self) -> ThrowawayPostgis:
        """Start the cluster (or connect to the external server) and build the template."""
        if self._started:
            return self
        self._owner_pid = os.getpid()
        atexit.register(self._atexit)
        try:
            if self.external:
                self._start_external()
            else:
                self._start_cluster()
            self._started = True
            self._ensure_template()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop -m fast``) and remove its temporary directory.

        Safe to call more than once. For an external server this only forgets it.
        """
        atexit.unregister(self._atexit)
        try:
            if self._datadir and os.path.isfile(os.path.join(self._datadir, "postmaster.pid")):
                res = self._run_pg(
                    ["pg_ctl", "-D", self._datadir, "-m", "fast", "-w", "-t", "30", "stop"],
                    check=False,
                )
                if res.returncode != 0:
                    self._run_pg(
                        ["pg_ctl", "-D", self._datadir, "-m", "immediate", "-w", "stop"],
                        check=False,
                    )
        finally:
            for d in (self._tmpdir, self._sockdir_extra):
                if d:
                    shutil.rmtree(d, ignore_errors=True)
            self._tmpdir = self._sockdir_extra = self._datadir = None
            self._started = False

    def __enter__(self) -> ThrowawayPostgis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """``CREATE DATABASE name TEMPLATE fieldsync_template`` (or ``template``); returns its
        SQLAlchemy URL.

        The new database already has the ``postgis`` extension.
        """
        self._require_started()
        source = _quote_ident(template or self.template)
        self.psql(f"CREATE DATABASE {_quote_ident(name)} TEMPLATE {source}")
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """``DROP DATABASE IF EXISTS name WITH (FORCE)`` (terminates leftover connections)."""
        self._require_started()
        self.psql(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")

    def psql(self, *sql: str, dbname: str | None = None) -> str:
        """Run each SQL string with ``psql -c`` (each in its own transaction).

        Returns psql's unaligned, tuples-only stdout (``-At``), stripped.
        Raises :class:`PostgisError` on failure.
        """
        self._require_started()
        url = self._admin_url if dbname is None else self._with_db(self._admin_url, dbname)
        assert self._psql is not None and url is not None
        argv = [self._psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url]
        for s in sql:
            argv += ["-c", s]
        prefix = [] if self.external else self._prefix
        return self._run(prefix + argv).stdout.strip()

    # ---- internals -------------------------------------------------------

    def _require_started(self) -> None:
        if not self._started or self._admin_url is None:
            raise PostgisError("ThrowawayPostgis is not started; call start() first")

    def _atexit(self) -> None:
        if os.getpid() == self._owner_pid:  # not in a forked child
            self.stop()

    @staticmethod
    def _with_db(url: str | None, dbname: str, *, scheme: str | None = None) -> str:
        assert url is not None
        parts = urlsplit(url)
        return urlunsplit(
            (scheme or parts.scheme, parts.netloc, "/" + quote(dbname), parts.query, "")
        )

    def _run(
        self, argv: list[str], *, check: bool = True, cwd: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        res = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=_clean_env(),
            cwd=cwd or self._tmpdir or "/",
            timeout=300,
        )
        if check and res.returncode != 0:
            raise PostgisError(
                f"command failed (exit {res.returncode}): {' '.join(argv)}\n"
                f"{res.stderr.strip() or res.stdout.strip()}"
            )
        return res

    def _run_pg(self, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert self._bindir is not None
        return self._run(
            self._prefix + [os.path.join(self._bindir, argv[0])] + argv[1:], check=check
        )

    def _start_external(self) -> None:
        assert self._external_url is not None
        parts = urlsplit(self._external_url)
        if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
            raise PostgisError(
                f"{ADMIN_URL_ENV} must look like postgresql://USER[:PASSWORD]@HOST[:PORT]/DB, "
                f"got {self._external_url!r}"
            )
        self._admin_url = urlunsplit(("postgresql",) + tuple(parts[1:]))
        psql = None
        try:
            bindir = self._bindir or find_bindir()
            if os.access(os.path.join(bindir, "psql"), os.X_OK):
                psql = os.path.join(bindir, "psql")
        except PostgisUnavailable:
            pass
        psql = psql or shutil.which("psql")
        if not psql:
            raise PostgisUnavailable(
                f"{ADMIN_URL_ENV} is set but the psql client is not installed "
                "(apt-get install postgresql-client-15)"
            )
        self._psql = psql
        self._prefix = []

    def _base_tempdir(self, pw: pwd.struct_passwd | None) -> str:
        candidates = [tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"]
        for c in candidates:
            if os.path.isdir(c) and os.access(c, os.W_OK | os.X_OK):
                if pw is None or _traversable_by(c, pw):
                    return c
        raise PostgisError(
            f"no temporary directory that user {pw.pw_name if pw else '?'} can traverse "
            f"(tried {', '.join(candidates)})"
        )

    def _start_cluster(self) -> None:
        self._bindir = self._bindir or find_bindir()
        for tool in ("initdb", "pg_ctl", "postgres", "psql"):
            if not os.access(os.path.join(self._bindir, tool), os.X_OK):
                raise PostgisUnavailable(
                    f"{tool} not found in {self._bindir}; install `{_APT_SERVER}` "
                    "(or run scripts/bootstrap)"
                )
        _check_postgis(self._bindir)
        self._psql = os.path.join(self._bindir, "psql")

        pw = None
        if os.geteuid() == 0:
            pw = _pick_run_user()
            self._prefix = _user_prefix(pw)
            self._run_user = pw.pw_name

        self._tmpdir = tempfile.mkdtemp(prefix="fieldsync-pg-", dir=self._base_tempdir(pw))
        sockdir = self._tmpdir
        if len(sockdir) > _MAX_SOCKDIR_LEN:
            self._sockdir_extra = sockdir = tempfile.mkdtemp(prefix="fspg-", dir="/tmp")
        if pw is not None:
            for d in {self._tmpdir, sockdir}:
                os.chown(d, pw.pw_uid, pw.pw_gid)
        self._datadir = os.path.join(self._tmpdir, "data")
        self._logfile = os.path.join(self._tmpdir, "postgres.log")

        t0 = time.monotonic()
        self._run_pg(
            [
                "initdb",
                "-D",
                self._datadir,
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "-U",
                SUPERUSER,
            ]
        )
        t1 = time.monotonic()
        self.timings["initdb"] = t1 - t0

        last_error: PostgisError | None = None
        for _attempt in range(5):
            port = _free_port()
            opts = f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1"
            if not self.durable:
                opts = (
                    "-F "
                    + opts
                    + (" -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
                )
            res = self._run_pg(
                [
                    "pg_ctl",
                    "-D",
                    self._datadir,
                    "-l",
                    self._logfile,
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    opts,
                    "start",
                ],
                check=False,
            )
            if res.returncode == 0:
                self._port = port
                break
            log = self._log_tail()
            last_error = PostgisError(
                f"pg_ctl start failed (exit {res.returncode}): "
                f"{res.stderr.strip() or res.stdout.strip()}\n--- server log ---\n{log}"
            )
            if "already in use" not in log and "could not bind" not in log:
                raise last_error
        else:
            assert last_error is not None
            raise last_error
        t2 = time.monotonic()
        self.timings["pg_ctl start"] = t2 - t1
        self._admin_url = f"postgresql://{SUPERUSER}@127.0.0.1:{self._port}/postgres"

    def _log_tail(self, lines: int = 30) -> str:
        try:
            with open(self._logfile or "", encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _ensure_template(self) -> None:
        t0 = time.monotonic()
        tmpl = self.template
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{tmpl}'") == "1"
        if not exists:
            available = self.psql("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
            if available != "1":
                raise PostgisUnavailable(
                    f"the server at {self._admin_url} has no postgis extension available "
                    "(install postgresql-15-postgis-3 on it)"
                )
            self.psql(f"CREATE DATABASE {_quote_ident(tmpl)}")
            self.psql("CREATE EXTENSION IF NOT EXISTS postgis", dbname=tmpl)
            self.psql(f"ALTER DATABASE {_quote_ident(tmpl)} WITH IS_TEMPLATE true")
        self.timings["template"] = time.monotonic() - t0
