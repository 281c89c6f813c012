"""A synthetic county for demos, benchmarks and tests: stations, enterprises, projects, the
must-visit roster, users and devices (:mod:`demo.county`), and some ninety complaints in every
stage of their casework (:mod:`demo.cases`).

Generated data, not the bureau's rules: it lives apart from :mod:`bureau` so that package
holds only the rules. It builds on them (``demo`` → ``bureau`` → ``gis``) and knows nothing
of the server, which loads it (``server.services.demo``).
"""
