"""``leftshift --help``, ``--version`` and the ``report`` sub-command."""

import io
import re
import sys
import types

import pytest

import leftshift
from leftshift import cli
from leftshift.report.console import BOARD_PACK_FORMATS
from tests.helpers import run_cli


def _main(monkeypatch, *args: str) -> int:
    """Run ``leftshift *args`` in this process; its exit code."""
    monkeypatch.setattr(sys, "argv", ["leftshift", *args])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    return stopped.value.code or 0


@pytest.mark.unit
@pytest.mark.parametrize("args", [("--version",), ("compare", "--version")])
def test_version_is_ours_not_hydras(monkeypatch, capsys, args):
    assert _main(monkeypatch, *args) == 0
    assert capsys.readouterr().out == f"leftshift {leftshift.__version__}\n"


@pytest.mark.unit
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_short_and_names_what_a_user_needs(monkeypatch, capsys, flag):
    assert _main(monkeypatch, flag) == 0
    text = capsys.readouterr().out
    assert len(text.splitlines()) <= 70  # a screen: each group option has its line
    assert text.startswith(f"leftshift {leftshift.__version__}:")
    for needle in (
        "leftshift compare",
        "leftshift collect DIR",
        "leftshift sensitivity",
        "leftshift report RUN_DIR",
        " ".join(BOARD_PACK_FORMATS.split()[:3]),  # "HTML, PDF (needs": the line may wrap
        "leftshift -m",
        "run.replications=",
        "run.horizon_years=",
        "place=small",
        "--hydra-help",
        "scenarios/README.md",
    ):
        assert needle in text, needle
    assert "freed=" in text  # leftshift compare's shorthand for experiment.freed_capacity
    small = cli.option_description("place", "small")  # its people and beds, then a warning
    assert "not calibrated" in small and "12 hours" in small
    assert " ".join(small.split()) in " ".join(text.split())
    groups = text.split("Config groups")[1].split("Common overrides")[0]
    names = set(re.findall(r"\w+", groups))
    for group in cli.GROUPS:
        assert group in names, group
        assert set(cli.group_options(group)) <= names, group


@pytest.mark.unit
def test_help_describes_every_option_of_every_group(monkeypatch, capsys):
    """An option with no line of its own is a bare name a new user cannot choose between."""
    assert _main(monkeypatch, "--help") == 0
    lines = capsys.readouterr().out.splitlines()
    chosen = cli.default_options()
    assert chosen["hospital"] == "default" and chosen["social_care"] == "delays"
    for group in cli.GROUPS:
        for option in cli.group_options(group):
            if cli.group_options(group) == ["default"]:
                continue  # listed as "default only"
            description = cli.option_description(group, option)
            assert len(description) > 10, (group, option)
            name = f"{option}*" if chosen.get(group) == option else option
            section = lines[lines.index(f"  {group}: {cli.GROUP_HELP[group]}") :]
            line = next(ln for ln in section if ln.split()[:1] == [name])
            assert description.split()[0] in line, (group, option)
    assert {g for g, _ in cli.OPTION_HELP} <= set(cli.GROUPS)
    for group, option in cli.OPTION_HELP:  # no description of a file that is gone
        assert option in cli.group_options(group), (group, option)


@pytest.mark.e2e
def test_help_and_version_from_the_command(tmp_path):
    version = run_cli(tmp_path, "--version")
    assert version.returncode == 0 and version.stdout == f"leftshift {leftshift.__version__}\n"
    assert "Hydra" not in version.stdout
    shown = run_cli(tmp_path, "--help")
    assert shown.returncode == 0 and "leftshift report RUN_DIR" in shown.stdout
    assert not (tmp_path / "outputs").exists()


@pytest.mark.unit
def test_report_is_handed_to_the_board_pack_command(monkeypatch):
    """``leftshift report ...`` calls ``leftshift.report.pack.report_command`` with the rest."""
    seen = []
    pack = types.ModuleType("leftshift.report.pack")
    pack.report_command = lambda args: seen.append(args) or 7  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "leftshift.report.pack", pack)
    assert _main(monkeypatch, "report", "outputs/run", "--format", "html") == 7
    assert seen == [["outputs/run", "--format", "html"]]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.unit
def test_progress_off_a_terminal_writes_whole_lines_only():
    """Piped or logged, no bar is drawn: one line a batch, so the next output starts a line."""
    piped = io.StringIO()
    progress = cli._Progress(piped)
    for total in (4, 2):  # the experiment, then a decommissioning-search step
        for done in range(total + 1):
            progress(done, total)
    lines = piped.getvalue().split("\n")
    assert "\r" not in piped.getvalue() and lines[-1] == ""
    assert [ln.split(" done")[0] for ln in lines[:-1]] == [
        "  replications: 4 of 4",
        "  replications: 2 of 2",
    ]
    terminal = _Terminal()
    bar = cli._Progress(terminal)
    for done in range(3):
        bar(done, 2)
    assert "\r" in terminal.getvalue()  # a bar redrawn in place, cleared when done
