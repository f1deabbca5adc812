"""The small shared helpers of python_udfs.kernels.utils."""

from __future__ import annotations

import pyarrow as pa
import pytest

from python_udfs.kernels.utils import checked_in_order


def _batch(values: list[int]) -> pa.RecordBatch:
    return pa.record_batch({"position": pa.array(values, pa.int64())})


def test_ordered_batches_pass_through_unchanged() -> None:
    batches = [_batch([0, 1, 2]), _batch([]), _batch([3, 7])]
    assert list(checked_in_order(batches, "position")) == batches


@pytest.mark.parametrize(
    "batches",
    [
        [_batch([0, 2, 1])],  # out of order inside a batch
        [_batch([0, 5]), _batch([3])],  # a later batch starts before the last one ended
        [_batch([0, 1]), _batch([1])],  # a repeated position
    ],
)
def test_out_of_order_batches_stop_before_they_are_yielded(batches: list[pa.RecordBatch]) -> None:
    seen = []
    with pytest.raises(RuntimeError, match="position arrived out of order"):
        for batch in checked_in_order(batches, "position"):
            seen.append(batch)
    assert len(seen) == len(batches) - 1
