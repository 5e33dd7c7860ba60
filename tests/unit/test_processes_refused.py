"""`serve --processes N` refuses, in one line, what processes cannot share."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.cli import main


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFICATIONS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NOTIFICATIONS_LOG_LEVEL", "warning")


def test_several_processes_refuse_the_in_process_queue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--processes", "2", "--port", "0"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(
        "notifications: --processes 2 needs a queue between processes: NOTIFICATIONS_QUEUE=log"
    )


def test_several_processes_refuse_the_memory_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFICATIONS_QUEUE", "log")
    monkeypatch.setenv("NOTIFICATIONS_EVENT_STORE", "memory")
    assert main(["serve", "--processes", "3", "--port", "0"]) == 2
    assert "needs an event store the processes share" in capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("count", ["0", "65", "two"])
def test_a_number_of_processes_out_of_range_is_refused(
    count: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["serve", "--processes", count])
    assert exit.value.code == 2
    assert "is not a number of processes from 1 to 64" in capsys.readouterr().err
