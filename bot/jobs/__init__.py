"""Work after the commit: the outbox, its attempts ledger, the RQ queue and every job."""
