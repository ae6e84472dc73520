"""The YAML loader behind :func:`utopya_backend.tools.load_cfg_file`.

``_yaml`` (the loader), ``_yaml_tags`` (utopya's tags) and
``_yaml_limits`` (size limits and the arithmetic of ``!expr``).
"""
