"""The compiled core and its pure-Python twins.

``_timing`` (the ``Timer``), ``_itimers`` (the run loop's timers),
``_loop`` (the run loop) and ``_rowbuffer`` (rows into blocks) are Cython
modules; each has a twin ``*_py.py`` beside it with the same names,
behaviour and errors. :mod:`._impl` picks one set. The rest are helpers
both sets share: argument checks, row checks, timer statistics, time
formatting, the environment switches.
"""
