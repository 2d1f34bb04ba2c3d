"""Optional parts name the extra that brings them when it is missing, before any work is done."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from server.cli import main
from server.db.session import Database
from simulator.extras import EXTRA_OF, MissingExtra, require
from simulator.loading import dump_scenario, load_scenario, scenario_from_dict, scenario_to_dict

_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "launch_spike.toml"


def _missing(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """Make `module` unimportable, as in an install without its extra."""
    monkeypatch.setitem(sys.modules, module, None)


def _small(tmp_path: Path) -> Path:
    data = scenario_to_dict(load_scenario(_EXAMPLE)) | {"horizon_days": 3}
    path = tmp_path / "small.toml"
    dump_scenario(scenario_from_dict(data), path)
    return path


@pytest.mark.parametrize(("module", "extra"), sorted(EXTRA_OF.items()))
def test_a_missing_module_names_its_extra(monkeypatch: pytest.MonkeyPatch, module: str, extra: str) -> None:
    _missing(monkeypatch, module)
    with pytest.raises(MissingExtra, match=rf"the thing needs the '{extra}' extra.*pip install 'labelops\[{extra}\]'"):
        require(module, "the thing")


def test_an_installed_module_is_returned() -> None:
    assert require("matplotlib", "charts").__name__ == "matplotlib"


def test_postgresql_without_its_extra_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    _missing(monkeypatch, "asyncpg")
    with pytest.raises(MissingExtra, match=r"a PostgreSQL database needs the 'postgres' extra"):
        Database("postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@pytest.mark.parametrize(
    ("module", "options", "extra"),
    [
        ("matplotlib", ["--chart", "{tmp}/chart.png"], "charts"),
        ("distributed", ["--executor", "dask://127.0.0.1:1"], "dask"),
    ],
)
def test_simulate_refuses_before_running_when_an_extra_is_missing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    module: str,
    options: list[str],
    extra: str,
) -> None:
    _missing(monkeypatch, module)
    out = tmp_path / "result.json"
    arguments = [option.format(tmp=tmp_path) for option in options]
    code = main(["simulate", str(_small(tmp_path)), "-n", "2", "--no-progress", "--out", str(out), *arguments])
    error = capsys.readouterr().err.strip()
    assert code != 0
    assert len(error.splitlines()) == 1 and f"'{extra}' extra" in error
    assert not out.exists()  # nothing ran
