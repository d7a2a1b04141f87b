"""essay-search: full-text search over archives of political essays and their comment threads."""
