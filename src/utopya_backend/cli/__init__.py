"""The command line: ``python -m utopya_backend`` (:mod:`.main`).

:mod:`.main` parses the commands; ``run`` starts a model without the
frontend (:mod:`.runner`), ``demo`` runs the forest fire
(:mod:`._forest_fire`) and measures the overhead (:mod:`.demo`,
:mod:`._overhead`).
"""
