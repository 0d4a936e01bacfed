"""Whole reports filed by a resident, for tests that need a ticket first."""

from __future__ import annotations


def file_pothole(resident) -> str:
    for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir"):
        resident.says(text)
    resident.says("sí")
    return resident
