"""`serve --processes N` refuses, in one line, what processes cannot share, and gives them the log as
their queue where the settings name the in-process one.

The refusals are SettingsError, which `notifications` prints as one line (`notifications: …`) with
exit status 2, as for any bad setting (tests/integration/test_cli_data_dir.py runs the command).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap.settings import SettingsError, load_settings
from entrypoints.cli import main
from entrypoints.processes import container_for
from entrypoints.supervisor import child_environment, supervise


def refusal(tmp_path: Path, processes: int, **settings: str) -> str:
    environ = {"NOTIFICATIONS_DATA_DIR": str(tmp_path)} | {
        f"NOTIFICATIONS_{k.upper()}": v for k, v in settings.items()
    }
    container = container_for(load_settings(environ))
    with pytest.raises(SettingsError) as refused:
        supervise(container, "127.0.0.1", 0, processes, deliver=True)
    return str(refused.value)


def test_the_in_process_queue_becomes_the_log_between_processes(tmp_path: Path) -> None:
    default = load_settings({"NOTIFICATIONS_DATA_DIR": str(tmp_path)})
    assert child_environment(default)["NOTIFICATIONS_QUEUE"] == "log"
    sqs = load_settings(
        {
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_QUEUE": "sqs",
            "NOTIFICATIONS_SQS_QUEUE_URL": "http://q",
        }
    )
    assert child_environment(sqs).get("NOTIFICATIONS_QUEUE") != "log"


def test_several_processes_refuse_the_memory_store(tmp_path: Path) -> None:
    reason = refusal(tmp_path, 3, queue="log", event_store="memory")
    assert "needs an event store the processes share" in reason and "\n" not in reason


@pytest.mark.parametrize("count", ["0", "65", "two"])
def test_a_number_of_processes_out_of_range_is_refused(
    count: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["serve", "--processes", count])  # refused by the parser, before any setting is read
    assert exit.value.code == 2
    assert "is not a number of processes from 1 to 64" in capsys.readouterr().err
