"""The city's open data: public figures without personal data, published on a schedule and served at /datos/.

figures.py computes each figure with the operators' report functions (bot/reports/); anonymity.py is why none
places a report: grid cells and small counts folded; downloads.py writes CSV and GeoJSON; store.py keeps the
files in the database; publish.py does it all at once (the scheduled job, `ventanilla datos publish`).
"""

from bot.opendata.publish import PAGE_DATA, Publication, publish

__all__ = ["publish", "Publication", "PAGE_DATA"]
