"""The sequencer: one writer per ledger per process, committing requests in batches.

Callers queue requests and wait. The first caller to find no batch running becomes the
leader: it takes everything queued (up to ``max_batch_size``), applies it in order to the
balances it keeps in memory, writes the batch in one database transaction, wakes the
callers, and hands leadership to a waiting caller once its own requests are done. Requests
that arrive while a batch is being written form the next batch (group commit).

Several processes may write one ledger: each batch is guarded by the ledger's journal head
(``next_seq``). If another process moved it, the in-memory state is dropped, reloaded
under the ledger's row lock, and the batch is applied again.

Where each part lives (the methods of :class:`Sequencer` are defined in these modules):

- :mod:`.core`: the queue and leadership, and what happens to one batch;
- :mod:`.state`: the in-memory state (loading it, caching accounts, a prepared batch);
- :mod:`.apply`: applying transfers and their postings; :mod:`.operations`: holds,
  reverts, Numscript, metadata, overdrafts, checkpoints;
- :mod:`.writer`: the write path both backends share (SQLite's), connections, background
  catch-up and posting lists; :mod:`.postgresql`: statements in flight on PostgreSQL;
- :mod:`.recovery`: after a lost connection or a stale head;
- :mod:`.shared`: limits and the small types the others share.
"""

from coffer.ledger.sequencer.core import Sequencer
from coffer.ledger.sequencer.shared import BalanceTuple, as_coffer_error, write_in_doubt

__all__ = ["BalanceTuple", "Sequencer", "as_coffer_error", "write_in_doubt"]
