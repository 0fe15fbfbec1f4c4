"""Models on reflex_django's `Model` base: importing it runs
`configure_django()`, so these may be imported at module level anywhere."""

from django.db import models
from reflex_django import Model


class Review(Model):
    product = models.ForeignKey("app.Product", on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120)
