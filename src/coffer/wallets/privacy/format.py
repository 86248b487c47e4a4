"""The mark of a value sealed by a customer's data key (see :mod:`.keys`)."""

PREFIX = "ck1."
