"""The run loop with a compiled (cdef) step and with a Python step."""

from ._common import Model, Plain

try:
    from utopya_backend import ModelBenchmarkMixin
    from utopya_backend.cstep import _CountStep
except ImportError:  # an older commit, or a pure-Python install
    _CountStep = None


class _Cdef(Plain):
    def setup(self, **_):
        self.perform_step = _CountStep()


if _CountStep is not None:

    class _CdefTimed(ModelBenchmarkMixin, _Cdef):
        pass


class CompiledStepSuite:
    """100 000 steps, one write: the loop around the step."""

    params = ["cdef", "cdef_timed", "python"]
    param_names = ["step"]
    number = 1
    repeat = 5

    def setup(self, kind):
        if _CountStep is None:
            raise NotImplementedError("no compiled model steps here")
        cls = dict(cdef=_Cdef, python=Plain).get(kind)
        cfg = {}
        if kind == "cdef_timed":
            cls, cfg = _CdefTimed, dict(benchmark=dict(show_on_exit=False))
        self.m = Model(cls, 100_000, 100_000, cfg)

    def teardown(self, kind):
        self.m.close()

    def time_run(self, kind):
        self.m.run()
