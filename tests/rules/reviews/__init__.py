"""A second app whose models inherit reflex_django's `Model` (RDJ401)."""
