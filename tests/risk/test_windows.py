from coffer.risk.windows import DAY, HOUR, DistinctWindow, RunningStats, Window


def test_an_event_exactly_a_horizon_old_has_left_the_window() -> None:
    window = Window()
    window.add(1000.0, 5)
    counts, sums = window.stats(1000.0 + HOUR - 1)
    assert counts[0] == 1 and sums[0] == 5
    counts, sums = window.stats(1000.0 + HOUR)
    assert counts == [0, 1, 1, 1] and sums == [0, 5, 5, 5]
    counts, _ = window.stats(1000.0 + DAY)
    assert counts == [0, 0, 1, 1]
    counts, _ = window.stats(1000.0 + 7 * DAY)
    assert counts == [0, 0, 0, 1]
    counts, sums = window.stats(1000.0 + 30 * DAY)
    assert counts == [0, 0, 0, 0] and sums == [0, 0, 0, 0]


def test_running_sums_survive_compaction() -> None:
    window = Window((HOUR, DAY))
    for second in range(0, 5000 * 60, 60):
        window.add(float(second), 2)
    counts, sums = window.stats(float(5000 * 60 - 60))
    assert counts == [60, 1440] and sums == [120, 2880]
    assert len(window.times) < 5000


def test_distinct_window_counts_keys_once_and_forgets_at_the_edge() -> None:
    window = DistinctWindow(DAY)
    window.add(0.0, "a")
    window.add(10.0, "b")
    window.add(20.0, "a")
    assert window.count(100.0) == 2
    assert window.count(DAY + 10.0) == 1  # "b" left exactly at its edge; "a" seen at 20
    assert window.count(DAY + 20.0) == 0


def test_running_stats() -> None:
    stats = RunningStats()
    for value in (1.0, 2.0, 3.0):
        stats.add(value)
    assert stats.mean == 2.0 and stats.maximum == 3.0 and abs(stats.std - 1.0) < 1e-9
    assert stats.median() == 2.0


def test_counts_at_answers_as_stats_without_advancing() -> None:
    window = Window()
    for moment in (0.0, 100.0, 3_000.0, 3_700.0, 90_000.0):
        window.add(moment, 5)
    for now in (3_700.0, 3_800.0, 7_300.0, 90_000.0, 95_000.0):
        heads = list(window.heads)
        peeked = window.counts_at(now)
        assert window.heads == heads  # left as it was
        assert peeked == list(window.stats(now)[0])
