"""BaseModel's RNGs as the spec states them: the model's generator is
``numpy.random.default_rng(seed)``; numpy's and Python's global RNGs are
seeded with ``seed + 1`` and ``seed + 2`` by default (True), with a given
int as it is (0 included), and left alone when false or null."""

from __future__ import annotations

import gc
import logging
import random
import signal
import sys

import numpy as np
import pytest
from _models import Counter

from utopya_backend.signal import SIGNAL_INFO
from utopya_backend.tools import ConfigError


class Quiet(Counter):
    ATTACH_SIGNAL_HANDLERS = False
    USE_SYS_EXIT = False


def _numpy_draws(seed=None) -> list:
    if seed is not None:
        np.random.seed(seed)
    return list(np.random.randint(0, 2**31, size=4))


def _system_draws(seed=None) -> list:
    if seed is not None:
        random.seed(seed)
    return [random.getrandbits(31) for _ in range(4)]


@pytest.fixture
def global_rngs():
    """Restore both global RNGs after the test."""
    np_state, py_state = np.random.get_state(), random.getstate()
    yield
    np.random.set_state(np_state)
    random.setstate(py_state)


def test_the_model_rng_is_default_rng_of_the_seed(make_cfg, global_rngs):
    m = Quiet(cfg_file_path=make_cfg(seed=123))
    expected = np.random.default_rng(123).integers(0, 2**62, size=5)
    np.testing.assert_array_equal(m.rng.integers(0, 2**62, size=5), expected)


@pytest.mark.parametrize(
    "option, expected_seed",
    [(True, 11), (5, 5), (0, 0)],
    ids=["true: seed+1", "int", "zero is a seed"],
)
def test_numpy_global_rng_is_seeded(
    make_cfg, global_rngs, option, expected_seed
):
    Quiet(cfg_file_path=make_cfg(seed=10, seed_numpy_rng=option))
    got = _numpy_draws()
    assert got == _numpy_draws(expected_seed)


@pytest.mark.parametrize(
    "option, expected_seed",
    [(True, 12), (5, 5), (0, 0)],
    ids=["true: seed+2", "int", "zero is a seed"],
)
def test_system_global_rng_is_seeded(
    make_cfg, global_rngs, option, expected_seed
):
    Quiet(cfg_file_path=make_cfg(seed=10, seed_system_rng=option))
    got = _system_draws()
    assert got == _system_draws(expected_seed)


def test_the_default_seeds_both_global_rngs(make_cfg, global_rngs):
    """Neither option in the config: both default to True."""
    cfg = make_cfg(seed=20, drop=("seed_numpy_rng", "seed_system_rng"))
    Quiet(cfg_file_path=cfg)
    numpy_got, system_got = _numpy_draws(), _system_draws()
    assert numpy_got == _numpy_draws(21)
    assert system_got == _system_draws(22)


@pytest.mark.parametrize("option", [False, None])
def test_false_or_null_leaves_the_global_rngs_alone(
    make_cfg, global_rngs, option
):
    np.random.seed(777)
    random.seed(778)
    Quiet(
        cfg_file_path=make_cfg(
            seed=10, seed_numpy_rng=option, seed_system_rng=option
        )
    )
    numpy_got, system_got = _numpy_draws(), _system_draws()
    assert numpy_got == _numpy_draws(777)
    assert system_got == _system_draws(778)


# .. What the file holds at each stage ........................................


class Staged(Quiet):
    """Appends rows in setup, in ``_setup_finished`` (where a stepwise
    model writes its initial state) and at every write; the epilog reads
    back what the file holds."""

    def setup(self, **cfg):
        super().setup(**cfg)
        self.w = self.create_ts_writer("w", dtype="f8")
        self.w.append(1.0)
        self.w.append(2.0)

    def _setup_finished(self):
        self.w.append(3.0)

    def write_data(self):
        self.w.append(10.0 * self.n_iterations)

    def epilog(self, *, finished_run):
        self.seen_by_epilog = self.h5group["w"][()]


def test_rows_of_setup_and_of_setup_finished_are_in_the_file_after_init(
    make_cfg,
):
    """From the end of ``__init__`` on, the file holds every row so far
    (a run killed then still leaves them readable)."""
    m = Staged(cfg_file_path=make_cfg(model=dict(stop=2, write_at=[])))
    np.testing.assert_array_equal(m.h5group["w"][()], [1.0, 2.0, 3.0])


def test_the_epilog_reads_every_row_of_the_run_from_the_file(make_cfg):
    m = Staged(cfg_file_path=make_cfg(model=dict(stop=3)))
    assert m.run() == 0
    np.testing.assert_array_equal(
        m.seen_by_epilog, [1.0, 2.0, 3.0, 10.0, 20.0, 30.0]
    )


# .. What __init__ logs, and where ............................................


@pytest.fixture
def own_logger():
    """A logger passed as ``_log``, collecting the messages it gets (its
    model's child logger's too)."""
    messages: list = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    log = logging.getLogger("test_base_init")
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        yield log, messages
    finally:
        log.removeHandler(handler)


def test_init_logs_its_steps_to_the_given_logger(make_cfg, own_logger):
    log, messages = own_logger
    cfg = make_cfg(log_levels=dict(model="info"))
    m = Quiet(cfg_file_path=cfg, _log=log)
    assert m.log.name == "test_base_init.MyModel"  # a child of _log
    assert messages[0].startswith("Backend: utopya-backend ")
    assert messages[1:5] == [
        f"Loading configuration file ...\n  {cfg}",
        "Setting up model infrastructure ...",
        "  Class name:       Quiet",
        "  Instance name:    MyModel",
    ]
    assert messages[-1] == "Fully initialized Quiet named 'MyModel'."


class OwnConfig(Quiet):
    """Loads its root config itself and logs through the logger given."""

    def _get_root_cfg(self, cfg_file_path, *, _log):
        _log.info("Reading %s my way", cfg_file_path)
        return super()._get_root_cfg(cfg_file_path, _log=_log)


def test_an_overridden_config_loader_gets_the_init_logger(
    make_cfg, own_logger
):
    log, messages = own_logger
    cfg = make_cfg()
    OwnConfig(cfg_file_path=cfg, _log=log)
    assert f"Reading {cfg} my way" in messages


def test_a_new_model_clears_the_signal_record_of_an_earlier_one(make_cfg):
    """A signal that stopped an earlier model in this process does not
    stop the next one, and the public record reads as if none came."""
    m = Quiet(cfg_file_path=make_cfg(model=dict(stop=3)))
    SIGNAL_INFO.update(
        got_signal=True, signum=signal.SIGTERM, frame=object(), at_time=1.0
    )
    assert m.run() == 128 + int(signal.SIGTERM)
    m = Quiet(cfg_file_path=make_cfg(model=dict(stop=3)))
    assert SIGNAL_INFO == dict(
        got_signal=False, signum=None, frame=None, at_time=None
    )
    assert m.run() == 0
    assert m.n_iterations == 3


@pytest.mark.parametrize(
    "override",
    [dict(drop=("seed",)), dict(seed="many")],
    ids=["missing key", "bad value"],
)
def test_a_refused_config_is_torn_down_silently(
    make_cfg, caplog, monkeypatch, override
):
    """The config error is all the user sees: collecting the half-built
    model (no output file yet) logs and raises nothing more."""
    unraisable: list = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with caplog.at_level(logging.WARNING):
        with pytest.raises(ConfigError, match="seed"):
            Quiet(cfg_file_path=make_cfg(**override))
        gc.collect()
    assert unraisable == []
    assert [r.getMessage() for r in caplog.records] == []
