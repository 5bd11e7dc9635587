"""The README's examples run, so the documentation cannot rot."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.integration
def test_readme_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


@pytest.mark.unit
def test_readme_commands_name_existing_scenarios():
    text = (ROOT / "README.md").read_text()
    for group, option in re.findall(r"\b(place|experiment)=(\w+)", text):
        assert (ROOT / "scenarios" / group / f"{option}.yaml").is_file(), f"{group}={option}"
