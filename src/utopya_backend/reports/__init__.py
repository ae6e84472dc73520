"""Reading a run's timings back: ``report``, ``compare`` and ``plots``.

:mod:`.report` reads benchmark groups (``_report_read``), formats them
(``_report_format``, ``_reportstats``) and plots them (``_report_plot``);
:mod:`.compare` pairs two sides (``_compare_pairs``) and compares their
timers (``_compare_match``).
"""
