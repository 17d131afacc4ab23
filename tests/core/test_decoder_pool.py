"""How many parallel decoders the automatic choice runs, and the pool lending contexts."""

from __future__ import annotations

import threading

from wavescribe.core.engine.decoder_pool import DecoderPool, auto_decoders

GB = 1_000_000_000
TINY = 77_700_000


def test_small_machines_keep_one_decoder_with_all_threads():
    assert auto_decoders(2, TINY, 8 * GB) == 1  # this 2-core box
    assert auto_decoders(4, TINY, 8 * GB) == 1
    assert auto_decoders(7, TINY, 8 * GB) == 1


def test_many_cores_get_one_decoder_per_four_threads_within_memory():
    assert auto_decoders(8, TINY, 8 * GB) == 2
    assert auto_decoders(16, TINY, 8 * GB) == 4
    assert auto_decoders(64, TINY, 8 * GB) == 4
    large = 3_095_000_000
    assert auto_decoders(16, large, 9 * GB) == 2  # one extra copy fits in half of 9 GB
    assert auto_decoders(16, large, 4 * GB) == 1


def test_a_context_is_lent_to_one_thread_at_a_time():
    pool = DecoderPool(["a", "b"])
    held: list[str] = []
    seen: set[str] = set()
    lock = threading.Lock()

    def use() -> None:
        with pool.borrow() as ctx:
            with lock:
                assert ctx not in held
                held.append(ctx)
                seen.add(ctx)
            with lock:
                held.remove(ctx)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen <= {"a", "b"} and held == []
