"""The core timing model (runtime/timing.py): in-order issue, one command at a time per
resource, and byte-range hazards deciding what may overlap."""
import numpy as np

from convc.runtime.geometry import flat
from convc.runtime.timing import CoreTimeline

A, B = 0x1000_0000, 0x1000_1000  # two disjoint L1 buffers of 4 KiB
L2 = 0x2000_0000


def times(line, *args):
    start, finish = line.run(*args)
    return int(start[0]), int(finish[0])


def test_dma_into_another_buffer_overlaps_compute():
    line = CoreTimeline()
    assert times(line, "imc", [flat("in", False, A, 4096)], 100) == (0, 100)
    # the next tile's DMA writes B while the array reads A: it starts at once
    assert times(line, "dma", [flat("src", False, L2, 4096), flat("dst", True, B, 4096)], 60) == (0, 60)
    assert int(line.end[0]) == 100


def test_dma_overwriting_a_buffer_being_read_waits_for_the_reader():
    line = CoreTimeline()
    times(line, "imc", [flat("in", False, A, 4096)], 100)
    assert times(line, "dma", [flat("src", False, L2, 16), flat("dst", True, A + 4000, 16)], 60) == (100, 160)


def test_a_reader_waits_for_the_dma_that_writes_its_bytes():
    line = CoreTimeline()
    times(line, "dma", [flat("src", False, L2, 4096), flat("dst", True, A, 4096)], 60)
    assert times(line, "dpu", [flat("in", False, A + 4095, 1), flat("out", True, B, 1)], 10) == (60, 70)


def test_two_readers_of_one_buffer_overlap():
    line = CoreTimeline()
    times(line, "imc", [flat("in", False, A, 4096)], 100)
    assert times(line, "dma", [flat("src", False, A, 4096), flat("dst", True, L2, 4096)], 60) == (0, 60)


def test_one_resource_runs_its_commands_in_order():
    line = CoreTimeline()
    times(line, "dma", [flat("dst", True, A, 16)], 50)
    assert times(line, "dma", [flat("dst", True, B, 16)], 50) == (50, 100)


def test_issue_is_in_order_a_later_command_never_starts_earlier():
    line = CoreTimeline()
    times(line, "dma", [flat("dst", True, A, 16)], 50)
    times(line, "imc", [flat("in", False, A, 16)], 10)  # starts at 50 (reads what the DMA writes)
    assert times(line, "dpu", [flat("out", True, B + 64, 16)], 5) == (50, 55)  # independent, but issued after


def test_signal_is_a_fence_and_does_not_hold_back_later_commands():
    line = CoreTimeline()
    times(line, "imc", [flat("in", False, A, 16)], 100)
    times(line, "dma", [flat("dst", True, B, 16)], 30)
    start, finish = line.signal(1)
    assert (int(start[0]), int(finish[0])) == (100, 101)  # after both
    assert times(line, "dpu", [flat("out", True, B + 64, 16)], 5) == (0, 5)


def test_wait_holds_back_every_later_command():
    line = CoreTimeline()
    line.wait(np.array([500]), 1)
    assert times(line, "dma", [flat("dst", True, A, 16)], 10) == (501, 511)


def test_a_hazard_outlives_shorter_commands_issued_after_it():
    line = CoreTimeline()
    times(line, "imc", [flat("in", False, A, 16)], 1000)
    for i in range(20):  # many short commands elsewhere must not drop the array's pending read
        times(line, "dpu", [flat("out", True, B + 16 * i, 16)], 1)
    assert times(line, "dma", [flat("dst", True, A, 16)], 10) == (1000, 1010)


def test_per_sample_costs_give_per_sample_times():
    line = CoreTimeline(batch=2)
    line.run("snn", [flat("out", True, A, 16)], np.array([10, 40]))
    start, finish = line.run("dma", [flat("src", False, A, 16), flat("dst", True, L2, 16)], 5)
    assert start.tolist() == [10, 40] and finish.tolist() == [15, 45]
