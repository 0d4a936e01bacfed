"""Handling one inbound message: dedupe, lock, run the engine, save, apply its events."""
