"""More RDJ108 cases: lifespan tasks registered from another module."""
