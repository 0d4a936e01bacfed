"""Writing to residents: outbound messages, sending, statuses, media, pacing, phone numbers."""
