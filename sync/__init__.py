"""The sync protocol, framework-free (DESIGN §2, §4; wire contract: docs/sync-protocol.md).

Pure rules the server builds on: the field-level three-way merge (:mod:`sync.merge`) and
per-device ordering with held gaps (:mod:`sync.ordering`). The reference device client — what
the Android app does — lives beside them: a local SQLite store (:mod:`sync.client_store`), a
small HTTP transport Protocol (:mod:`sync.transport`), the client itself (:mod:`sync.client`)
and scripted offline sessions (:mod:`sync.cli_script`).

Imports allowed here: the standard library, :mod:`bureau` and :mod:`gis`; no Flask, SQLAlchemy
or marshmallow, so every rule can be tested without an application or a database. Nothing is
imported eagerly.
"""
