"""The project's resilient Redis cache, with one ``redis.Redis`` client per connection pool.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` object for every cache call (about
0.1–0.2 ms each with redis-py 8); a storefront page makes three or four calls (session,
catalogue version, page and header). The client object is thread-safe and only borrows
connections from its pool, so one per pool (per process, re-made after a fork by redis-py's
pool) does the same work."""

from django.core.cache.backends.redis import RedisCacheClient

from shop.core.cache import ResilientRedisCache


class ReusingRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(index)
        if client is None:
            client = clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class StorefrontRedisCache(ResilientRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
