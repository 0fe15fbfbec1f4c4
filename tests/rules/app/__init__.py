"""The `app` Django app of the rule fixtures: plain Django models."""
