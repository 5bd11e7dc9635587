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


def _readme_commands() -> list[list[str]]:
    """Every ``leftshift ...`` line of the README's bash blocks, as arguments."""
    import shlex

    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("leftshift"):
                commands.append(shlex.split(line)[1:])
    return commands


@pytest.mark.unit
def test_readme_commands_pass_the_command_lines_checks():
    """Each README command composes and validates as the command line would run it."""
    from leftshift.cli import (
        check_overrides,
        compare_arguments,
        composition_problem,
        sweep_values,
    )
    from leftshift.config import register_configs

    register_configs()
    commands = _readme_commands()
    assert len(commands) > 10
    for args in commands:
        if args and args[0] in ("collect", "sensitivity"):
            continue  # their own argument parsers; tests/test_sensitivity.py runs one
        if args and args[0] == "compare":
            args = compare_arguments(args[1:])
        args = [a for a in args if "<" not in a]  # placeholders such as <run id>
        problems = check_overrides(args)
        to_compose = args
        if "-m" in args:
            sweep_problems, to_compose = sweep_values(args)
            problems += sweep_problems
        assert not problems, (args, problems)
        assert composition_problem(to_compose) is None, args
