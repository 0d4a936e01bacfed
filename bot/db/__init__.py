"""Storage: the database engine and transactions, the tables."""
