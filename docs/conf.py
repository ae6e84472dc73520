"""Sphinx configuration of the utopya-backend documentation.

Autodoc imports the *installed* package (never ``src/``, which holds no
compiled core): ``pip install ".[docs]"``, then
``sphinx-build -W --keep-going -b html docs docs/_build/html``.
"""

import importlib

try:
    import utopya_backend
except ImportError as exc:  # pragma: no cover - a setup mistake
    raise RuntimeError(
        "The docs document the installed package: run `pip install "
        '".[docs]"` (or install a wheel) in this environment first'
    ) from exc

project = "utopya-backend"
author = "utopya-backend developers"
copyright = "utopya-backend developers; LGPL-3.0-or-later"
release = version = utopya_backend.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"utopya-backend {release}"
# No network at build time: no intersphinx, so external types are
# listed in nitpick_ignore below instead of linked.
html_static_path: list = []

# .. autodoc and napoleon .....................................................

# The docstrings are Google style ("Args:", "Returns:", "Raises:").
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True

autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autodoc_inherit_docstrings = True
add_module_names = False

# .. Cross-references: broken ones fail the build ..............................

nitpicky = True

# Types outside this package, as they appear in signatures and docstrings;
# without intersphinx (the build must not need the network) they cannot be
# linked, and they are not ours to document.
_external = [
    "h5py._hl.dataset.Dataset",  # h5py.Dataset, by its defining module
    "h5py._hl.group.Group",  # h5py.Group
    "logging.Logger",
    "numpy.ndarray",
    "numpy.random._generator.Generator",  # numpy.random.Generator
    "signal.Signals",
    "types.ModuleType",
]
nitpick_ignore = [("py:class", name) for name in _external]
nitpick_ignore += [
    # ModelBenchmarkMixin's docstring says :meth:`run`, meaning the model's
    # run (BaseModel.run): the mixin itself has none, so it cannot resolve.
    # Remove once that docstring says :meth:`~.model.BaseModel.run`.
]


def _documented_object(name):
    """The Python object behind a dotted ``utopya_backend`` name, or None."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


_HOMES: dict = {}


def _homes(env):
    """Map ``id(object)`` to the name it is documented under.

    Built once per process, at the first unresolved reference: references
    are resolved after every page was read, so all objects are known.
    """
    homes = _HOMES
    if not homes:
        for name, entry in env.get_domain("py").objects.items():
            if entry.aliased or not name.startswith("utopya_backend"):
                continue
            obj = _documented_object(name)
            if obj is not None and not isinstance(obj, (str, int, float)):
                homes.setdefault(id(obj), name)
    return homes


def _resolve_elsewhere(app, env, node, contnode):
    """Resolve a reference to an object documented under another name.

    Each object is documented once (a class documented twice would be a
    duplicate description), but docstrings refer to objects by the name
    they have where the docstring is written: a name ``utopya_backend``
    re-exports (``:class:`BaseModel``` in its module docstring), or a
    method a class inherits (``:meth:`setup``` in ``StepwiseModel``,
    documented on ``BaseModel``). The reference is looked up as Python
    would, from the module and class it was written in, and redirected to
    the name the object is documented under. A target that names no
    object, or an object documented nowhere, stays a broken reference.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    module = node.get("py:module") or ""
    cls = node.get("py:class") or ""
    candidates = [target]
    if module and cls:
        candidates.append(f"{module}.{cls}.{target}")
    if module:
        candidates.append(f"{module}.{target}")
    homes = _homes(env)
    for name in candidates:
        if not name.startswith("utopya_backend."):
            continue
        obj = _documented_object(name)
        home = homes.get(id(obj)) if obj is not None else None
        if home is not None and home != name:
            new = node.deepcopy()
            new["reftarget"] = home
            return env.get_domain("py").resolve_xref(
                env,
                node["refdoc"],
                app.builder,
                node["reftype"],
                home,
                new,
                contnode,
            )
    return None


def setup(app):
    app.connect("missing-reference", _resolve_elsewhere)
