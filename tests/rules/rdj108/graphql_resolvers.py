"""GraphQL resolvers: `graphql_views.py` serves the schemas asynchronously
(Strawberry's `AsyncGraphQLView`, Ariadne's `graphql()`), so graphql-core
calls each sync resolver on the loop thread."""

import strawberry
import strawberry_django
from ariadne import ObjectType, QueryType
from asgiref.sync import sync_to_async
from django.db import transaction

from app.models import Product


def count_products() -> int:
    return Product.objects.count()  # error: RDJ108


@strawberry.type
class Query:
    product_total: int = strawberry.field(resolver=count_products)

    @strawberry.field
    def product_count(self) -> int:
        return Product.objects.count()  # error: RDJ108

    @strawberry.field(description="names, in order")
    def product_names(self) -> list[str]:
        return [p.name for p in Product.objects.order_by("name")]  # error: RDJ108

    @strawberry.field
    def greeting(self) -> str:
        return "hello"  # ok

    @strawberry.field
    async def product_count_async(self) -> int:
        return await Product.objects.acount()  # ok

    @strawberry.field
    @sync_to_async
    def product_count_in_thread(self) -> int:
        return Product.objects.count()  # ok

    # strawberry-django's own field moves a sync resolver to a thread
    @strawberry_django.field
    def stocked_count(self) -> int:
        return Product.objects.filter(stock__gt=0).count()  # ok


@strawberry_django.type(Product)
class ProductNode:
    name: strawberry.auto

    # a plain strawberry field on a strawberry-django type is kept as it is
    @strawberry.field
    def same_name_count(self) -> int:
        return Product.objects.filter(name=self.name).count()  # error: RDJ108


@strawberry.type
class Mutation:
    @strawberry.mutation
    @transaction.atomic
    def rename(self, pk: int, name: str) -> int:
        return Product.objects.filter(pk=pk).update(name=name)  # error: RDJ108


class NotAType:
    """Not decorated as a Strawberry type: never part of a schema."""

    @strawberry.field
    def product_count(self) -> int:
        return Product.objects.count()  # ok


config = ObjectType("Config")
query = QueryType()


@config.field("productCount")
def resolve_product_count(*_):
    return Product.objects.count()  # error: RDJ108


@query.field("productCountInThread")
@sync_to_async
def resolve_product_count_in_thread(*_):
    return Product.objects.count()  # ok


def resolve_first_name(*_):
    return Product.objects.first().name  # error: RDJ108


query.set_field("firstName", resolve_first_name)


def plain_helper():
    return Product.objects.count()  # ok
