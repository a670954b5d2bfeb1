"""The store's URLs plus /hello/, the ceiling: the same middleware, no template, no query."""

from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from shop.urls import urlpatterns as shop_urlpatterns


@transaction.non_atomic_requests
def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("hello/", hello), *shop_urlpatterns]
