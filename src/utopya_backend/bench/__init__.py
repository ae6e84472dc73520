"""What the benchmark mixin (:mod:`utopya_backend.benchmark`) is made of.

Its options (``_bench_options``), named timers (``_bench_timers``),
summary (``_bench_summary``), the timers' statistics and how they are
stored (``_stats``, ``_stats_hdf5``) and the process's resources
(``_resources``).
"""
