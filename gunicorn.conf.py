"""gunicorn's settings for fieldsync, read from the directory gunicorn starts in.

``gunicorn -w 4 -b 0.0.0.0:8000 'server:create_app()'`` run from the project root picks this
file up by itself (README, "PostgreSQL/PostGIS and several app servers").

Garbage collection: once a worker has loaded the app, everything alive then (Flask, SQLAlchemy's
mappers, the schemas: all kept for the worker's life) goes into the collector's permanent
generation, and the youngest generation's threshold is raised from 700 to 20,000 allocations.
A push of 500 visits makes some ten thousand short-lived dicts and lists; with the defaults the
collector ran about ten times per push and walked the long-lived objects again and again,
1.4 ms of a 22 ms push (measured in-process, 6 %). Reference counting frees almost everything
a request makes; the collector is only for cycles, which are few and still collected.
"""

import gc


def post_worker_init(worker):
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
