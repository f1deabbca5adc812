"""A pull-based step (a function of an iterator) driven by pushes: what a Spark UDTF needs, as Spark
calls ``eval`` once per input row while winnow's steps (packing) pull their input batches.

The step runs in a thread that reads the pushed items from a queue of at most ``depth`` items;
``push`` hands it one item and returns the outputs ready so far, ``finish`` ends the input and
returns the rest. Only ``depth`` inputs wait at a time, so a partition streams through in bounded
memory (the step's own state aside). An error in the step is raised again by the next call.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator

_END = object()


class PushedStream:
    def __init__(self, step: Callable[[Iterator], Iterable], depth: int = 2):
        self._inputs: queue.Queue = queue.Queue(maxsize=depth)
        self._outputs: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(step,), daemon=True)
        self._thread.start()

    def _pulled(self) -> Iterator:
        while (item := self._inputs.get()) is not _END:
            yield item

    def _run(self, step) -> None:
        try:
            for output in step(self._pulled()):
                self._outputs.put(output)
        except BaseException as error:  # raised again in the caller's thread
            self._error = error
        finally:
            self._outputs.put(_END)

    def _put(self, item) -> None:
        while True:
            self._raise_if_failed()
            try:
                self._inputs.put(item, timeout=0.05)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    self._raise_if_failed()
                    raise RuntimeError("the step stopped before reading all its input") from None

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _ready(self) -> list:
        ready = []
        while True:
            try:
                item = self._outputs.get_nowait()
            except queue.Empty:
                return ready
            if item is _END:
                self._raise_if_failed()
                # The step ended early: later pushes must not wait for it.
                self._outputs.put(_END)
                return ready
            ready.append(item)

    def push(self, item) -> list:
        """Hand the step one input; the outputs it produced so far."""
        self._put(item)
        return self._ready()

    def finish(self) -> list:
        """End the input; every remaining output (raises the step's error, if any)."""
        if self._thread.is_alive():
            self._put(_END)
        self._thread.join()
        outputs = []
        while (item := self._outputs.get()) is not _END:
            outputs.append(item)
        self._raise_if_failed()
        return outputs
