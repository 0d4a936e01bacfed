"""Residents' personal data as Mexican law asks: business-day deadlines, ARCO requests, the audit trail, exports."""
