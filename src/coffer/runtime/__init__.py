"""How a process runs Coffer fast: helpers that touch the process, not the ledger's data.

- :mod:`coffer.runtime.cpupin`: callers that queue on a ledger run on one "home" CPU
  (:class:`~coffer.runtime.cpupin.HomeCpu`, setting ``home_cpu``), or the whole process
  on one CPU (:func:`~coffer.runtime.cpupin.pin_to_one_cpu`, opt-in).
- :mod:`coffer.runtime.gctune`: garbage-collector thresholds for a process Coffer owns.
- :mod:`coffer.runtime.batching`: hands many small blocking calls to one worker thread.

Nothing here changes the process on import: each helper acts when called, and
``coffer.open()`` calls none of them unless its settings ask (``home_cpu``).
"""
