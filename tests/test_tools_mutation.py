"""``load_cfg_file``: the whole first line of a YAML syntax error."""

from __future__ import annotations

import pytest
import yaml

from utopya_backend.tools import ConfigError, load_cfg_file
from utopya_backend.yamlcfg._yaml import CfgLoader


@pytest.mark.parametrize(
    "text", ["a: 1\nb: [1, 2\nc: 3\n", "a: 1\n  b: 2\n", "a: *nowhere\n"]
)
def test_syntax_error_line_is_file_line_and_problem(tmp_path, text):
    """The first line is the file, the line of the problem and the
    loader's problem text (not its whole multi-line message)."""
    p = tmp_path / "bad.yml"
    p.write_text(text)
    with pytest.raises(yaml.MarkedYAMLError) as yaml_err:
        yaml.load(text, Loader=CfgLoader)
    problem = yaml_err.value.problem
    line = yaml_err.value.problem_mark.line + 1
    with pytest.raises(ConfigError) as err:
        load_cfg_file(str(p))
    first, rest = str(err.value).split("\n", 1)
    assert first == f"Invalid config file {p}, line {line}: {problem}"
    # The loader's full message follows, with the marks.
    assert rest == str(yaml_err.value)
