"""Opt-in fast codecs: ``compression="lz4"`` or ``"zstd"``.

gzip (deflate) stays the default because every HDF5 reader opens it. A
user who wants rows compressed in a fraction of the time can name one of
:data:`CODECS` instead: Blosc with byte shuffle and LZ4 or Zstd, from the
``hdf5plugin`` package (``pip install "utopya-backend[codecs]"``). A reader
then needs the same filter: ``import hdf5plugin`` before opening the file
with h5py (or utopya's data manager), or ``HDF5_PLUGIN_PATH`` set to
``hdf5plugin.PLUGIN_PATH`` for other HDF5 tools.

Any other value of ``compression`` (an int level, ``"gzip"``, ``"lzf"``,
an ``hdf5plugin`` filter object, None) goes to h5py unchanged.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping

__all__ = ["CODECS", "H5PY_NAMES", "codec_kwargs"]

H5PY_NAMES = ("gzip", "lzf", "szip")
"""The names h5py itself knows (built into HDF5 or h5py)."""

CODECS: Mapping[str, Dict[str, Any]] = {
    "lz4": dict(cname="lz4", clevel=5),
    "zstd": dict(cname="zstd", clevel=3),
}
"""The codec names ``compression`` accepts, and their Blosc settings
(byte shuffle always): LZ4 for speed, Zstd for smaller files."""


def codec_kwargs(
    compression: Any, where: str, dset_kwargs: Mapping[str, Any] = {}
) -> Dict[str, Any]:
    """The dataset keywords that give ``compression``: for a name in
    :data:`CODECS` its Blosc filter, else ``compression`` itself.

    Raises:
        ValueError: For a codec name together with ``compression_opts``
            (the name sets them; pass an ``hdf5plugin`` filter object to
            choose others), or a name neither h5py nor this module knows.
        ImportError: For a codec name without ``hdf5plugin`` installed.
    """
    if not isinstance(compression, str) or compression in H5PY_NAMES:
        return dict(compression=compression)
    name = compression.lower()
    if name not in CODECS:
        known = ", ".join(map(repr, [*H5PY_NAMES, *CODECS]))
        raise ValueError(
            f"{where}: unknown compression={compression!r}; the names are "
            f"{known} (or an int level, or an hdf5plugin filter object)"
        )
    if "compression_opts" in dset_kwargs:
        raise ValueError(
            f"{where}: compression={compression!r} sets its own options; "
            "drop compression_opts, or pass an hdf5plugin filter object "
            f"(e.g. hdf5plugin.Blosc(cname='{CODECS[name]['cname']}', "
            "clevel=9)) to choose them"
        )
    try:
        import hdf5plugin
    except ImportError as exc:
        raise ImportError(
            f"{where}: compression={compression!r} needs the hdf5plugin "
            "package: pip install 'utopya-backend[codecs]' (readers of "
            "the file need it too)"
        ) from exc
    blosc = hdf5plugin.Blosc(shuffle=hdf5plugin.Blosc.SHUFFLE, **CODECS[name])
    return dict(blosc)
