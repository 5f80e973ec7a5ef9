"""The SQL-level benchmark of the query patterns QP-01..QP-10 (``manage.py bench``).

- :mod:`reports.bench.queries`  the SQL the benchmark owns (patterns with no selector yet)
- :mod:`reports.bench.draws`    fixtures and randomized, deterministic parameter draws
- :mod:`reports.bench.runner`   timing in the request role, EXPLAIN of the slowest draw
- :mod:`reports.bench.report`   machine facts and the markdown report
"""
