"""A 1-D cellular automaton whose step is compiled (``ca_step.pyx``)."""

from ca_step import RuleStep

from utopya_backend import StepwiseModel


class CA(StepwiseModel):
    """Elementary cellular automaton on a ring; writes cells and density."""

    def setup(
        self,
        *,
        rule: int = 90,
        width: int = 256,
        p_live: float = 0.5,
        **_: object,
    ) -> None:
        cells = self.rng.random(width) < p_live
        self.step = RuleStep(
            rule,
            cells,
            self.create_ts_writer("density", dtype="f8"),
            self.create_ts_writer(
                "cells", extra_dims=("x",), sizes=dict(x=width), dtype="u1"
            ),
        )
        # A CStep as perform_step: the loop calls it in C.
        self.perform_step = self.step  # type: ignore[method-assign]

    def perform_step(self) -> None:  # replaced in setup
        raise NotImplementedError

    def write_data(self) -> None:
        self.step.write()

    def monitor(self, info: dict) -> dict:
        info["steps"] = self.time
        return info
