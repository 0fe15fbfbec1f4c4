"""How the resolvers of graphql_resolvers.py are served: asynchronously."""

from ariadne import graphql, make_executable_schema
from strawberry.django.views import AsyncGraphQLView

from rdj108.graphql_resolvers import config, query

ariadne_schema = make_executable_schema("type Query { productCount: Int }", query, config)


class ProjectGraphQLView(AsyncGraphQLView):
    pass


async def ariadne_view(data):
    return await graphql(ariadne_schema, data)
