"""Oscar's wish list views, with every change behind POST.

Oscar adds a product to a wish list (and creates the wish list) on GET, and moves a line to
another wish list on GET: a link, a prefetch or a crawler could change a buyer's data. Here
both answer only POST (the templates post forms); a GET is a 405 that writes nothing."""

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from oscar.apps.customer.wishlists import views as oscar_views
from oscar.apps.customer.wishlists.views import *  # noqa: F401,F403
from oscar.core.utils import redirect_to_referrer

WishList = oscar_views.WishList


class PostOnlyMixin:
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        # Oscar's dispatch loads (and may create) rows before the method check: refuse first
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


class WishListAddProduct(PostOnlyMixin, oscar_views.WishListAddProduct):
    pass


class WishListMoveProductToAnotherWishList(PostOnlyMixin, oscar_views.WishListMoveProductToAnotherWishList):
    def post(self, request, *args, **kwargs):
        to_wishlist = get_object_or_404(WishList, owner=request.user, key=kwargs["to_key"])
        names = {"title": self.product.get_title(), "name": to_wishlist.name}
        if to_wishlist.lines.filter(product=self.line.product).exists():
            messages.error(request, _("心愿单“%(name)s”中已有“%(title)s”。") % names)
        else:
            self.line.wishlist = to_wishlist
            self.line.save(update_fields=["wishlist"])
            messages.success(request, _("已将“%(title)s”移到心愿单“%(name)s”。") % names)
        return redirect_to_referrer(request, self.wishlist.get_absolute_url())
