"""Plain functions; the app module registers one as a lifespan task."""

from app.models import Product


# registered by rdj108_orm_in_sync_event_handler.py: runs on the loop at start-up
def rebuild_search_index():
    return [p.name for p in Product.objects.all()]  # error: RDJ108


# the same body, never registered: a management command's helper
def rebuild_for_cli():
    return [p.name for p in Product.objects.all()]  # ok
