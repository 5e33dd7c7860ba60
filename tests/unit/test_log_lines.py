from __future__ import annotations

import asyncio
import io
import json
import uuid

from bootstrap.log_lines import LineWriter, json_line


class RecordingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)


async def test_lines_logged_in_one_pass_of_the_loop_go_out_in_one_write_after_it() -> None:
    stream = RecordingStream()
    writer = LineWriter(stream)
    writer.info("one")
    writer.info("two")
    assert stream.writes == []
    await asyncio.sleep(0)
    writer.info("three")
    await asyncio.sleep(0)
    assert stream.writes == ["one\ntwo\n", "three\n"]


async def test_a_line_from_another_thread_is_written_at_once_after_those_waiting() -> None:
    stream = RecordingStream()
    writer = LineWriter(stream)
    writer.info("from the loop")
    await asyncio.to_thread(writer.info, "from a thread")
    assert stream.writes == ["from the loop\nfrom a thread\n"]


def test_without_a_running_loop_a_line_is_written_at_once() -> None:
    stream = RecordingStream()
    LineWriter(stream).warning("now")
    assert stream.writes == ["now\n"]


def test_lines_waiting_for_a_loop_that_went_away_go_out_with_the_next_loops_lines() -> None:
    stream, loop = RecordingStream(), asyncio.new_event_loop()

    async def log(line: str) -> None:
        writer.info(line)

    async def log_and_stop() -> None:
        writer.info("before")
        loop.stop()  # the flush scheduled for "before" never runs on this loop

    writer = LineWriter(stream)
    loop.run_until_complete(log_and_stop())
    loop.close()
    assert stream.writes == []
    asyncio.run(log("after"))
    assert "".join(stream.writes) == "before\nafter\n"


def test_json_lines_write_values_json_has_no_type_for_as_text() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    an_id = uuid.uuid4()
    line = json_line(None, "info", {"event": "x", "id": an_id, "what": Opaque()})
    assert json.loads(line) == {"event": "x", "id": str(an_id), "what": "<opaque>"}


def test_json_lines_take_what_msgspec_refuses_through_the_standard_library() -> None:
    line = json_line(None, "info", {"event": "x", "count": 2**70, "what": object})
    assert json.loads(line) == {"event": "x", "count": 2**70, "what": repr(object)}
