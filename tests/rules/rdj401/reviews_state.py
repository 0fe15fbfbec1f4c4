"""A state module importing only models built on reflex_django's `Model`."""

import reflex as rx

# importing models that inherit reflex_django's Model bootstraps Django itself
from reviews.models import Review  # ok


class ReviewState(rx.State):
    count: int = 0

    async def load(self):
        self.count = await Review.objects.acount()
