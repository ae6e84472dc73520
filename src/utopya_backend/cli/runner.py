"""Run a model without the utopya frontend: ``python -m utopya_backend run``.

The runner writes the config file the frontend would write and runs the
model on it in this process, so a model can be run, debugged and profiled
on its own::

    python -m utopya_backend run model.py:Walker --set num_steps=100
    python -m utopya_backend run mypkg.model:Walker --cfg walker.yml

Where a config entry goes:

- ``--cfg FILE`` holds the model's own keys (what the frontend puts under
  the model's name). A file with a ``root_model_name`` key is taken as a
  complete run config instead: its root keys replace the defaults below,
  and its model's entry is the model config.
- ``--set KEY=VALUE`` (repeatable; the value is read as YAML; dotted keys
  nest, ``a.b=1`` sets ``{a: {b: 1}}``): a key whose first part is one of
  the frontend's root keys (:data:`ROOT_KEYS`) sets that root entry, any
  other key an entry of the model's config. ``--set`` wins over ``--cfg``.
- ``output_path`` and ``output_dir`` are always the runner's: a new
  directory (``--out DIR``, or a fresh one under
  ``<temp dir>/utopya-backend-runs/``) holding ``data.h5`` and the
  ``config.yml`` the model ran on (kept also when the model fails, unless
  it failed before it created ``data.h5``: then no directory is left).

Root defaults: :data:`ROOT_DEFAULTS`, plus ``num_steps: 100`` for a
``StepwiseModel``. A benchmarked model (with ``ModelBenchmarkMixin``) does
not log its timing summary (``benchmark.show_on_exit`` defaults to false
here): the runner prints the timing table instead.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import os
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml

__all__ = [
    "ROOT_DEFAULTS",
    "ROOT_KEYS",
    "RunnerError",
    "build_root_cfg",
    "load_model_class",
    "parse_set",
    "run_model",
]

ROOT_DEFAULTS: Dict[str, Any] = dict(
    seed=42,
    monitor_emit_interval=2.0,
    log_levels=dict(model="info", backend="info"),
)
"""The frontend's root keys the runner fills in if not given."""

STEPWISE_DEFAULTS: Dict[str, Any] = dict(num_steps=100)
"""Extra root defaults for a ``StepwiseModel``."""

ROOT_KEYS = (
    "root_model_name",
    "seed",
    "seed_numpy_rng",
    "seed_system_rng",
    "monitor_emit_interval",
    "log_levels",
    "num_steps",
    "write_start",
    "write_every",
    "swmr",
)
"""Keys ``--set`` puts at the root of the config; the rest go to the
model's config. ``output_path`` and ``output_dir`` are set by ``--out``."""

_OUTPUT_KEYS = ("output_path", "output_dir")

RUNS_DIR = "utopya-backend-runs"
"""Directory under the temp dir that holds the runs without ``--out``."""


class RunnerError(Exception):
    """A one-line message for the user: bad target, config or option."""


# .. Loading the model class ..................................................


def _import_file(path: str) -> Any:
    """Import a ``.py`` file as a module, with its directory on sys.path
    (as when it is run as a script), not as ``__main__``."""
    if not os.path.isfile(path):
        raise RunnerError(f"{path}: no such file")
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    stem = os.path.splitext(os.path.basename(path))[0]
    name = f"_utopya_backend_run_{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RunnerError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_model_class(target: str) -> type:
    """The model class ``FILE.py:Class`` or ``package.module:Class`` names.

    Raises:
        RunnerError: If the target is malformed, cannot be imported, or is
            not a model class. Exceptions the module raises on import are
            passed on (the caller reports them).
    """
    from ..model import BaseModel

    where, sep, cls_name = target.rpartition(":")
    if not sep or not where or not cls_name:
        raise RunnerError(
            f"model {target!r}: expected FILE.py:Class or "
            "package.module:Class"
        )
    if where.endswith(".py") or os.sep in where or "/" in where:
        module = _import_file(where)
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as exc:
            if exc.name and where.startswith(exc.name):
                raise RunnerError(
                    f"model {target!r}: no module named {exc.name!r} (give "
                    "a FILE.py or an importable package.module)"
                ) from None
            raise
    cls = getattr(module, cls_name, None)
    if cls is None:
        models = sorted(
            k
            for k, v in vars(module).items()
            if isinstance(v, type)
            and issubclass(v, BaseModel)
            and v.__module__ == module.__name__
        )
        hint = f"; its models: {', '.join(models)}" if models else ""
        raise RunnerError(f"model {target!r}: no class {cls_name!r}{hint}")
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise RunnerError(
            f"model {target!r}: {cls_name} is not a utopya_backend model "
            "(a subclass of BaseModel or StepwiseModel)"
        )
    return cls


# .. Building the config ......................................................


def parse_set(item: str) -> Tuple[List[str], Any]:
    """``"a.b=1"`` -> ``(["a", "b"], 1)``; the value is read as YAML."""
    key, sep, text = item.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(p.strip() for p in parts):
        raise RunnerError(
            f"--set {item!r}: expected KEY=VALUE, e.g. num_steps=100 or "
            "params.rate=0.5"
        )
    try:
        value = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise RunnerError(
            f"--set {item!r}: the value is not valid YAML ({problem})"
        ) from None
    return [p.strip() for p in parts], value


def _set_nested(cfg: Dict[str, Any], parts: List[str], value: Any, item: str):
    node = cfg
    for i, part in enumerate(parts[:-1]):
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        elif not isinstance(nxt, dict):
            where = ".".join(parts[: i + 1])
            raise RunnerError(
                f"--set {item!r}: {where} is {nxt!r}, not a mapping"
            )
        node = nxt
    node[parts[-1]] = value


def _load_cfg(path: str) -> Dict[str, Any]:
    from ..tools import load_cfg_file

    try:
        cfg = load_cfg_file(path)
    except FileNotFoundError:
        raise RunnerError(f"--cfg {path}: no such file") from None
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RunnerError(f"--cfg {path}: {first}") from None
    if cfg is None:
        return {}
    if not isinstance(cfg, dict):
        raise RunnerError(
            f"--cfg {path}: expected a mapping of the model's config keys, "
            f"got {type(cfg).__name__}"
        )
    return cfg


def build_root_cfg(
    cls: type,
    *,
    cfg_file: Optional[str] = None,
    sets: Sequence[str] = (),
) -> Dict[str, Any]:
    """The root config for ``cls``, without the output keys."""
    from ..benchmark import ModelBenchmarkMixin
    from ..model import StepwiseModel

    root: Dict[str, Any] = dict(root_model_name=cls.__name__)
    root.update(copy.deepcopy(ROOT_DEFAULTS))
    if issubclass(cls, StepwiseModel):
        root.update(STEPWISE_DEFAULTS)
    model_cfg: Dict[str, Any] = {}
    if cfg_file is not None:
        loaded = _load_cfg(cfg_file)
        if "root_model_name" in loaded:  # a complete run config
            name = loaded["root_model_name"]
            model_cfg = loaded.pop(name, None) or {}
            if not isinstance(model_cfg, dict):
                raise RunnerError(
                    f"--cfg {cfg_file}: the entry of model {name!r} is not "
                    "a mapping"
                )
            for key in _OUTPUT_KEYS:
                loaded.pop(key, None)
            root.update(loaded)
        else:
            model_cfg = loaded
    for item in sets:
        parts, value = parse_set(item)
        if parts[0] in _OUTPUT_KEYS:
            raise RunnerError(
                f"--set {item!r}: the runner chooses {parts[0]}; use "
                "--out DIR for a new output directory"
            )
        if parts[0] in ROOT_KEYS:
            _set_nested(root, parts, value, item)
        else:
            _set_nested(model_cfg, parts, value, item)
    name = root["root_model_name"]
    if not isinstance(name, str) or not name:
        raise RunnerError(f"root_model_name {name!r}: expected a name")
    if issubclass(cls, ModelBenchmarkMixin):
        bench = model_cfg.setdefault("benchmark", {})
        if isinstance(bench, dict):
            bench.setdefault("show_on_exit", False)
    root[name] = model_cfg
    return root


def _new_out_dir(out: Optional[str], cls_name: str) -> str:
    if out is not None:
        out = os.path.abspath(os.path.expanduser(out))
        try:
            os.makedirs(out)
        except FileExistsError:
            raise RunnerError(
                f"--out {out}: exists already; choose a new directory"
            ) from None
        except OSError as exc:
            raise RunnerError(
                f"--out {out}: cannot create it ({exc.strerror})"
            ) from None
        return out
    base = os.path.join(tempfile.gettempdir(), RUNS_DIR)
    os.makedirs(base, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return tempfile.mkdtemp(prefix=f"{cls_name}-{stamp}-", dir=base)


class _Dumper(yaml.SafeDumper):
    """Writes what utopya's YAML tags load (ranges, slices, numpy)."""


def _represent_range(dumper: yaml.SafeDumper, r: range) -> Any:
    return dumper.represent_sequence(
        "!range", [r.start, r.stop, r.step], flow_style=True
    )


def _represent_slice(dumper: yaml.SafeDumper, s: slice) -> Any:
    return dumper.represent_sequence(
        "!slice", [s.start, s.stop, s.step], flow_style=True
    )


def _represent_numpy(dumper: yaml.SafeDumper, value: Any) -> Any:
    return dumper.represent_data(value.tolist())


_Dumper.add_representer(range, _represent_range)
_Dumper.add_representer(slice, _represent_slice)
_Dumper.add_multi_representer(np.ndarray, _represent_numpy)
_Dumper.add_multi_representer(np.generic, _represent_numpy)


# .. Running ..................................................................


def run_model(
    target: str,
    *,
    cfg_file: Optional[str] = None,
    sets: Sequence[str] = (),
    out: Optional[str] = None,
) -> int:
    """Run the model ``target`` names; print where the output went and,
    for a benchmarked model, its timing table. Returns the exit code of
    the run (0, or ``128 + signum`` after a stop condition or interrupt).

    Raises:
        RunnerError: For a bad target, config file or ``--set`` item.
        Exception: Whatever the model raised (the caller reports it).
    """
    cls = load_model_class(target)
    root = build_root_cfg(cls, cfg_file=cfg_file, sets=sets)
    out_dir = _new_out_dir(out, cls.__name__)
    data = os.path.join(out_dir, "data.h5")
    cfg_path = os.path.join(out_dir, "config.yml")
    root["output_dir"] = out_dir
    root["output_path"] = data
    try:
        text = yaml.dump(root, Dumper=_Dumper, sort_keys=False)
    except yaml.YAMLError as exc:
        raise RunnerError(f"cannot write the config: {exc}") from None
    with open(cfg_path, "w") as f:
        f.write(text)
    print(
        f"Running {target} as model {root['root_model_name']!r}; config: "
        f"{cfg_path}",
        file=sys.stderr,
        flush=True,
    )
    try:
        model = cls(cfg_file_path=cfg_path)
    except BaseException:
        _discard_empty_run(out_dir, cfg_path)
        raise
    try:
        code = model.run() or 0
    except SystemExit as exc:  # after a stop condition or interrupt
        code = exc.code if isinstance(exc.code, int) else 1
    _summary(model)
    del model  # closes the output file
    sys.stdout.flush()
    print(f"\nOutput written to: {data}")
    return code


def _discard_empty_run(out_dir: str, cfg_path: str) -> None:
    """Remove a run directory that holds nothing but its ``config.yml``.

    A model that fails in ``__init__`` before its output file exists (a bad
    ``--set`` value, say) would leave a directory that looks like a run.
    """
    try:
        # Any other file (data.h5, the model's) keeps it, config and all.
        if os.listdir(out_dir) != [os.path.basename(cfg_path)]:
            return
        os.remove(cfg_path)
        os.rmdir(out_dir)
    except OSError:
        return
    print(
        f"No output was written; removed the run directory {out_dir}",
        file=sys.stderr,
        flush=True,
    )


def _summary(model: Any) -> None:
    from ..benchmark import ModelBenchmarkMixin
    from ..reports.report import format_timer_rows, timer_rows

    sys.stdout.flush()
    if isinstance(model, ModelBenchmarkMixin) and model.timers:
        if any(t.elapsed for t in model.timers.values()):
            print(f"\nTimings of {model.name}:")
            print(format_timer_rows(timer_rows(model.timers)))
