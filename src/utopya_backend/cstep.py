"""Stand-in for the compiled ``cstep`` module in a pure-Python install.

Python imports the compiled module when it exists (extension modules come
first); this file only runs where the compiled core was not built.
"""

raise ImportError(
    "utopya_backend.cstep (compiled model steps) needs the compiled core, "
    "and this install of utopya-backend is pure Python. Install a binary "
    "wheel, or a C compiler and the Python headers and reinstall with "
    "`pip install --no-cache-dir --force-reinstall utopya-backend`. A "
    "model's step can stay a Python method meanwhile."
)
