"""BaseModel: what a stopping signal logs and returns, and the default
progress a model without ``compute_progress`` reports."""

from __future__ import annotations

import logging
import signal

import pytest
import yaml
from _models import BenchWalker, Counter

from utopya_backend import BaseModel
from utopya_backend.core import _impl
from utopya_backend.signal import SIG_STOPCOND


class Quiet(Counter):
    ATTACH_SIGNAL_HANDLERS = False
    USE_SYS_EXIT = False


@pytest.mark.parametrize(
    "signum, message",
    [
        (SIG_STOPCOND, "A stop condition was fulfilled."),
        (signal.SIGINT, "Was told to stop."),
        (signal.SIGTERM, "Was told to stop."),
        (
            signal.SIGUSR2,
            f"Got an unexpected signal: {signal.SIGUSR2}. " "Stopping ...",
        ),
    ],
)
def test_a_signal_stops_the_run_with_its_warning(
    use_impl, make_cfg, caplog, signum, message
):
    m = Quiet(cfg_file_path=make_cfg(model=dict(stop=5)))
    m._signal_info = dict(got_signal=True, signum=signum)
    with caplog.at_level(logging.WARNING):
        assert m.run() == 128 + int(signum)
    warnings = [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
    ]
    assert warnings == [message]
    assert m.n_iterations == 1  # stopped after the first iteration


class NoProgress(BaseModel):
    """Implements only the abstract methods."""

    def setup(self, **_):
        pass

    def should_iterate(self):
        return self.n_iterations < 2

    def iterate(self):
        pass

    def should_write(self):
        return False

    def write_data(self):
        pass


def test_a_model_without_compute_progress_reports_zero(make_cfg, capsys):
    NoProgress(cfg_file_path=make_cfg())
    lines = [
        yaml.safe_load(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("!!map")
    ]
    assert lines == [dict(progress=0.0, n_iter=0, MyModel={})]


class WrappedWrites(BenchWalker):
    """Wraps the loop's writes (the loop then calls this wrapper)."""

    def _invoke_write_data(self):
        self.wrapped = getattr(self, "wrapped", 0) + 1
        super()._invoke_write_data()


def test_wrapped_writes_are_still_timed(use_impl, make_cfg):
    """A model wrapping ``_invoke_write_data`` keeps its loop writes under
    the ``write_data`` timer (the initial write stays untimed)."""
    m = WrappedWrites(cfg_file_path=make_cfg(num_steps=6))
    m.run()
    assert m.wrapped == 6
    assert m.timers["write_data"].invocations == 6
    assert m.elapsed["write_data"] > 0


def _info(caplog) -> list:
    return [r.getMessage() for r in caplog.records]


def test_a_run_logs_its_start_and_finish(make_cfg, caplog):
    m = Quiet(cfg_file_path=make_cfg(log_levels=dict(model="info")))
    with caplog.at_level(logging.INFO):
        assert m.run() == 0
    msgs = _info(caplog)
    assert "Commencing model run ..." in msgs
    assert msgs[-1] == "Simulation run finished."


class Exiting(Counter):
    ATTACH_SIGNAL_HANDLERS = False


def test_a_signal_with_sys_exit_logs_the_exit_code(make_cfg, caplog):
    m = Exiting(cfg_file_path=make_cfg(log_levels=dict(model="info")))
    m._signal_info = dict(got_signal=True, signum=signal.SIGTERM)
    with caplog.at_level(logging.INFO):
        with pytest.raises(SystemExit) as exc:
            m.run()
    code = 128 + int(signal.SIGTERM)
    assert exc.value.code == code
    msgs = _info(caplog)
    assert msgs[-1] == f"Now exiting (code: {code}) ..."
    assert "Simulation run finished." not in msgs


class FailsAfterClosing(Counter):
    """Appends a row, closes its file and fails in its first iteration."""

    def setup(self, **cfg):
        super().setup(**cfg)
        self.writer = self.create_ts_writer("w", dtype="f8")

    def iterate(self):
        self.writer.append(1.0)
        self._h5file.close()
        raise ValueError("iterate broke")


def test_a_failed_run_raises_its_error_and_logs_the_lost_rows(
    use_impl, make_cfg, caplog
):
    m = FailsAfterClosing(cfg_file_path=make_cfg())
    with caplog.at_level(logging.ERROR):
        with pytest.raises(ValueError, match="iterate broke"):
            m.run()
    (msg,) = [m for m in _info(caplog) if "lost" in m]
    assert msg.startswith(
        "Writing pending output failed: RuntimeError: Cannot write 1 rows"
    )
    assert msg.endswith("so they are lost")


def test_the_signal_record_can_be_replaced_after_a_run(make_cfg):
    """Setting ``_signal_info`` (the original's attribute) after a run
    works, and the signal check reads the new record."""
    m = Quiet(cfg_file_path=make_cfg(model=dict(stop=3)))
    assert m.run() == 0
    m._signal_info = dict(got_signal=True, signum=signal.SIGINT)
    assert m._check_signals() == 128 + int(signal.SIGINT)


class Announced(Counter):
    ATTACH_SIGNAL_HANDLERS = True


def test_init_logs_signal_handlers_and_the_rng_seed(make_cfg, caplog):
    cfg = make_cfg(seed=17, log_levels=dict(model="debug"))
    with caplog.at_level(logging.DEBUG):
        Announced(cfg_file_path=cfg)
    msgs = _info(caplog)
    assert "Attaching signal handlers ..." in msgs
    assert "Creating shared RNG (seed: 17) ..." in msgs


def test_trigger_monitor_emits_once_the_interval_has_passed(
    make_cfg, capsys, monkeypatch
):
    """On the clock the model reads: not a nanosecond early."""
    clock = [10**13]
    monkeypatch.setattr(_impl, "monotonic_ns", lambda: clock[0])
    m = Counter(cfg_file_path=make_cfg(monitor_emit_interval=2.0))
    capsys.readouterr()  # the line of __init__, at 10**13
    clock[0] += 2 * 10**9 - 1
    m.trigger_monitor()
    assert "!!map" not in capsys.readouterr().out
    clock[0] += 1
    m.trigger_monitor()
    assert capsys.readouterr().out.count("!!map") == 1


def test_init_logs_the_output_file_and_the_setup(make_cfg, caplog):
    cfg = make_cfg(log_levels=dict(model="info", backend="info"))
    with caplog.at_level(logging.INFO):
        Counter(cfg_file_path=cfg)
    msgs = _info(caplog)
    path = yaml.safe_load(open(cfg))["output_path"]
    assert f"Creating HDF5 output file at:\n  {path}" in msgs
    i = msgs.index("Invoking model setup ...")
    assert msgs.index("Model setup finished.") > i
