"""The log line writer: every line handed over is written once, in order, by its thread."""

from __future__ import annotations

import io
import threading

from hexa.drivers.log_lines import LineWriter


def test_flush_returns_once_every_earlier_line_is_written() -> None:
    stream = io.StringIO()
    writer = LineWriter(stream)
    for n in range(1000):
        writer.put(f"{n}\n")
    writer.flush()
    assert stream.getvalue().splitlines() == [str(n) for n in range(1000)]
    writer.close()


def test_lines_from_many_threads_are_each_written_once() -> None:
    stream = io.StringIO()
    writer = LineWriter(stream)

    def hand_over(thread: int) -> None:
        for n in range(5000):
            writer.put(f"{thread}:{n}\n")

    threads = [threading.Thread(target=hand_over, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    lines = stream.getvalue().splitlines()
    assert sorted(lines) == sorted(f"{t}:{n}" for t in range(4) for n in range(5000))
    for t in range(4):  # each thread's lines in the order it gave them
        assert [line for line in lines if line.startswith(f"{t}:")] == [
            f"{t}:{n}" for n in range(5000)
        ]


def test_a_line_alone_is_written_without_a_flush() -> None:
    stream = io.StringIO()
    writer = LineWriter(stream)
    writer.put("alone\n")
    written = threading.Event()
    for _ in range(100):
        if stream.getvalue():
            written.set()
            break
        threading.Event().wait(0.02)
    assert written.is_set() and stream.getvalue() == "alone\n"
    writer.close()


def test_close_writes_what_is_left_and_later_flushes_return() -> None:
    stream = io.StringIO()
    writer = LineWriter(stream)
    writer.put("last\n")
    writer.close()
    assert stream.getvalue() == "last\n"
    writer.flush()  # the thread is gone: returns at once
