"""A ticket's life: folios, statuses, triage, SLAs, search, duplicates, redelivery."""
