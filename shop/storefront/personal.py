"""The visitor's own header: basket and 询价单 counts, unread notifications, vendor link.

Every page shows them, so they are cached per user (``default`` cache) and invalidated
exactly: any save or delete of a basket, basket line, quote list, quote list line,
notification, vendor application, the user, or a change of the user's partners, groups or
permissions gives the user a new **generation** (now, and again after the transaction
commits). The cached values carry the generation they were computed under and count only
while it is still current, so a request that read the database before a commit can never
store counts that outlive it. A buyer's own header is therefore exact on the very next page.

Anonymous visitors: the basket of their basket cookie (one count) and the 询价单 count the
quotes app keeps in their session; nothing is cached for them.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.signing import BadSignature, Signer
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.template.loader import get_template
from django.utils import translation
from django.utils.functional import cached_property

SCHEMA = 2  # bump when the cached values change shape
GLOBAL_GEN_KEY = "sf:personal-gen"


def _seconds() -> int:
    return getattr(settings, "STOREFRONT_PERSONAL_SECONDS", 3600)


@dataclass(frozen=True)
class PersonalCounts:
    basket_lines: int = 0
    quote_lines: int = 0
    unread_notifications: int = 0
    vendor_nav: str = ""  # "vendor", "applicant", "operator" or ""
    unit_name: str = ""  # the buying unit the user is an active member of
    unit_roles: tuple = ()  # the member's role codes (shop.buyers.models.UnitRole)

    @property
    def unit_role_labels(self) -> str:
        from shop.buyers.models import role_labels

        return "、".join(role_labels(self.unit_roles))


ANONYMOUS = PersonalCounts()


# --- generations -------------------------------------------------------------------------------


def _gen_key(user_id: int) -> str:
    return f"sf:personal-gen:{user_id}"


def _data_key(user_id: int) -> str:
    return f"sf:personal:{SCHEMA}:{user_id}"


def _new_generation() -> str:
    return f"{time.time_ns():x}-{uuid.uuid4().hex[:8]}"


def _renew(key: str) -> None:
    cache.set(key, _new_generation(), _seconds() * 2)


_epoch = [0]  # bumped by every change made in this process: drops per-request memos


def personal_changed(user_id: int | None) -> None:
    """The header of ``user_id`` changed: a new generation now and after commit."""
    if not user_id:
        return
    _epoch[0] += 1
    key = _gen_key(user_id)
    _renew(key)
    transaction.on_commit(lambda: _renew(key))


def everyone_changed() -> None:
    """Something every header may depend on changed (a group's permissions)."""
    _epoch[0] += 1
    _renew(GLOBAL_GEN_KEY)
    transaction.on_commit(lambda: _renew(GLOBAL_GEN_KEY))


def _generation(found: dict, key: str) -> str:
    gen = found.get(key)
    if gen is None:
        gen = _new_generation()
        if not cache.add(key, gen, _seconds() * 2):
            gen = cache.get(key, gen)
    return gen


# --- reads --------------------------------------------------------------------------------------


def user_keys(user_id: int) -> list[str]:
    """The cache keys of a user's header (callers may fetch them with other keys at once)."""
    return [GLOBAL_GEN_KEY, _gen_key(user_id), _data_key(user_id)]


class UserHeader:
    """A user's cached header: the counts and the rendered regions (per language), valid for
    one generation. ``found``: the result of a ``get_many`` that included ``user_keys``."""

    def __init__(self, user, found: dict | None = None):
        keys = user_keys(user.pk)
        if found is None:
            found = cache.get_many(keys)
        self.epoch = _epoch[0]
        self.key = keys[2]
        self.generation = (_generation(found, keys[0]), _generation(found, keys[1]))
        stored = found.get(self.key)
        if stored is not None and stored[0] == self.generation:
            self.counts, self.regions = PersonalCounts(**stored[1]), stored[2]
        else:
            self.counts, self.regions = _compute(user), {}
            self.save()

    def save(self) -> None:
        cache.set(self.key, (self.generation, self.counts.__dict__, self.regions), _seconds())

    def region(self, name: str, render, language: str | None = None) -> str:
        """The region ``name`` in ``language`` (the active one if not given), rendered by
        ``render`` once per generation."""
        by_name = self.regions.setdefault(language or translation.get_language(), {})
        html = by_name.get(name)
        if html is None:
            html = by_name[name] = render()
            self.save()
        return html


def header_for_user(user, found: dict | None = None) -> UserHeader:
    """The user's header, read once per request (again after a change in this process)."""
    memo = getattr(user, "_xh_header", None)
    if memo is None or memo.epoch != _epoch[0]:
        memo = user._xh_header = UserHeader(user, found)
    return memo


def counts_for_user(user) -> PersonalCounts:
    """The cached header counts of an authenticated user (one cache round trip when warm)."""
    return header_for_user(user).counts


def _compute(user) -> PersonalCounts:
    Basket = apps.get_model("basket", "Basket")
    Line = apps.get_model("basket", "Line")
    Notification = apps.get_model("communication", "Notification")
    basket_lines = Line.objects.filter(basket__owner_id=user.pk, basket__status=Basket.OPEN).count()
    unread = Notification.objects.filter(recipient_id=user.pk, date_read=None).count()
    quote_lines = 0
    if apps.is_installed("shop.quotes"):
        QuoteListLine = apps.get_model("quotes", "QuoteListLine")
        quote_lines = QuoteListLine.objects.filter(quote_list__user_id=user.pk).count()
    return PersonalCounts(
        basket_lines=basket_lines,
        quote_lines=quote_lines,
        unread_notifications=unread,
        vendor_nav=_vendor_nav(user),
        **_unit(user),
    )


def _unit(user) -> dict:
    if not apps.is_installed("shop.buyers"):
        return {}
    UnitMember = apps.get_model("buyers", "UnitMember")
    row = (
        UnitMember.objects.filter(user_id=user.pk, is_active=True)
        .values_list("unit__org_name", "roles")
        .first()
    )
    return {"unit_name": row[0], "unit_roles": tuple(row[1] or ())} if row else {}


def _vendor_nav(user) -> str:
    if not apps.is_installed("shop.vendors"):
        return ""
    from shop.core.access import is_operator, is_vendor
    from shop.vendors.selectors import latest_application_for_user

    if is_operator(user):
        return "operator"
    if is_vendor(user):
        return "vendor"
    return "applicant" if latest_application_for_user(user) is not None else ""


def anonymous_basket_lines(request) -> int:
    """Lines in the basket of an anonymous visitor's basket cookie (no basket is loaded)."""
    cookie = request.COOKIES.get(settings.OSCAR_BASKET_COOKIE_OPEN)
    if not cookie:
        return 0
    try:
        basket_id = int(Signer().unsign(cookie))
    except (BadSignature, ValueError):
        return 0
    Basket = apps.get_model("basket", "Basket")
    Line = apps.get_model("basket", "Line")
    return Line.objects.filter(basket_id=basket_id, basket__owner=None, basket__status=Basket.OPEN).count()


def basket_lines(request) -> int:
    """The header's basket count. A signed-in buyer who still carries an anonymous basket
    cookie (just logged in) gets Oscar's basket loaded, which merges the two baskets."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return anonymous_basket_lines(request)
    if request.COOKIES.get(settings.OSCAR_BASKET_COOKIE_OPEN) and hasattr(request, "basket"):
        return request.basket.num_lines
    return counts_for_user(user).basket_lines


# --- invalidation -----------------------------------------------------------------------------


def _owner_of_basket(basket_id) -> int | None:
    Basket = apps.get_model("basket", "Basket")
    return Basket.objects.filter(pk=basket_id).values_list("owner_id", flat=True).first()


def _user_of_quote_list(quote_list_id) -> int | None:
    QuoteList = apps.get_model("quotes", "QuoteList")
    return QuoteList.objects.filter(pk=quote_list_id).values_list("user_id", flat=True).first()


def _cached_parent(instance, field: str):
    return instance._state.fields_cache.get(field)


def _basket_changed(sender, instance, **kwargs):
    personal_changed(instance.owner_id)


def _basket_line_changed(sender, instance, **kwargs):
    basket = _cached_parent(instance, "basket")
    personal_changed(basket.owner_id if basket is not None else _owner_of_basket(instance.basket_id))


def _quote_list_changed(sender, instance, **kwargs):
    personal_changed(instance.user_id)


def _quote_line_changed(sender, instance, **kwargs):
    qlist = _cached_parent(instance, "quote_list")
    personal_changed(qlist.user_id if qlist is not None else _user_of_quote_list(instance.quote_list_id))


def _notification_changed(sender, instance, **kwargs):
    personal_changed(instance.recipient_id)


def _application_changed(sender, instance, **kwargs):
    personal_changed(instance.user_id)


def _unit_member_changed(sender, instance, **kwargs):
    personal_changed(instance.user_id)


def _unit_changed(sender, instance, **kwargs):
    """A unit renamed (or removed): the header of each of its members."""
    UnitMember = apps.get_model("buyers", "UnitMember")
    for user_id in UnitMember.objects.filter(unit_id=instance.pk).values_list("user_id", flat=True):
        personal_changed(user_id)


def _user_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # every login saves last_login; the header does not show it
    personal_changed(instance.pk)


def _user_m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Partner.users, User.groups, User.user_permissions."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    User = apps.get_model(settings.AUTH_USER_MODEL)
    if isinstance(instance, User):
        personal_changed(instance.pk)
    elif action == "post_clear":
        everyone_changed()  # the users are gone from the relation already
    else:
        for user_id in pk_set or ():
            personal_changed(user_id)


def _everyone_m2m_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        everyone_changed()


def connect_receivers() -> None:
    def watch(model, receiver, name):
        uid = f"storefront-personal-{name}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete")

    User = apps.get_model(settings.AUTH_USER_MODEL)
    watch(apps.get_model("basket", "Basket"), _basket_changed, "basket")
    watch(apps.get_model("basket", "Line"), _basket_line_changed, "basket-line")
    watch(apps.get_model("communication", "Notification"), _notification_changed, "notification")
    watch(User, _user_changed, "user")
    if apps.is_installed("shop.quotes"):
        watch(apps.get_model("quotes", "QuoteList"), _quote_list_changed, "quote-list")
        watch(apps.get_model("quotes", "QuoteListLine"), _quote_line_changed, "quote-line")
    if apps.is_installed("shop.vendors"):
        watch(apps.get_model("vendors", "VendorApplication"), _application_changed, "application")
    if apps.is_installed("shop.buyers"):
        watch(apps.get_model("buyers", "UnitMember"), _unit_member_changed, "unit-member")
        post_save.connect(
            _unit_changed,
            sender=apps.get_model("buyers", "BuyingUnit"),
            dispatch_uid="storefront-personal-unit",
        )
    Partner = apps.get_model("partner", "Partner")
    Group = apps.get_model("auth", "Group")
    for through, name in (
        (Partner.users.through, "partner-users"),
        (User.groups.through, "user-groups"),
        (User.user_permissions.through, "user-permissions"),
    ):
        m2m_changed.connect(_user_m2m_changed, sender=through, dispatch_uid=f"storefront-personal-{name}")
    m2m_changed.connect(
        _everyone_m2m_changed,
        sender=Group.permissions.through,
        dispatch_uid="storefront-personal-group-perms",
    )


# --- the header's regions ------------------------------------------------------------------------

REGION_TEMPLATE = "oscar/partials/personal/{}.html"
REGIONS = ("account", "basket", "nav", "messages")


class Visitor:
    """Who a page's personal regions are rendered for (``request=None``: a cookieless
    anonymous visitor, as in the shared page cache). Counts are read only when shown."""

    def __init__(self, request=None):
        self.request = request
        self.user = getattr(request, "user", None) if request is not None else None
        if self.user is not None:
            # loading a lazy user puts the user itself on the request (shop.core.usercache): keep
            # that one, so that ``visitor_for`` finds this visitor again
            _ = self.user.is_authenticated
            self.user = request.user
        if self.user is None:
            from django.contrib.auth.models import AnonymousUser

            self.user = AnonymousUser()

    @property
    def header_keys(self) -> list[str]:
        return user_keys(self.user.pk) if self.user.is_authenticated else []

    def prime(self, found: dict) -> None:
        """Use a ``get_many`` result that included ``header_keys`` (saves a round trip)."""
        if self.user.is_authenticated:
            header_for_user(self.user, found)

    @property
    def header(self) -> UserHeader | None:
        """The cached header of a signed-in user, unless a basket cookie is still to merge."""
        if not self.user.is_authenticated:
            return None
        if self.request is not None and self.request.COOKIES.get(settings.OSCAR_BASKET_COOKIE_OPEN):
            return None
        return header_for_user(self.user)

    @cached_property
    def language(self) -> str:
        """The request's language, read once for all the regions."""
        return translation.get_language()

    @cached_property
    def csrf_token(self) -> str:
        """One CSRF token for all the regions' forms of this request."""
        from shop.core.csrf import get_token

        return get_token(self.request)

    @cached_property
    def counts(self) -> PersonalCounts:
        return counts_for_user(self.user) if self.user.is_authenticated else ANONYMOUS

    @cached_property
    def basket_lines(self) -> int:
        return basket_lines(self.request) if self.request is not None else 0

    @cached_property
    def messages(self):
        from shop.core.messages import may_have_messages

        if self.request is None or not may_have_messages(self.request):
            return []
        from django.contrib.messages import get_messages

        return get_messages(self.request)


def visitor_for(request) -> Visitor:
    """One visitor per request (its counts are read once for all regions)."""
    if request is None:
        return Visitor()
    visitor = getattr(request, "_xh_visitor", None)
    if visitor is None or visitor.user is not getattr(request, "user", None):
        visitor = request._xh_visitor = Visitor(request)
    return visitor


def _render(name: str, visitor: Visitor, messages=()) -> str:
    context = {"visitor": visitor, "user": visitor.user, "request": visitor.request, "messages": messages}
    return get_template(REGION_TEMPLATE.format(name)).render(context)


def render_region(name: str, visitor: Visitor) -> str:
    """A personal region's HTML: a small template with only the visitor in its context (no
    context processors, no catalogue query). A signed-in user's regions are rendered once per
    generation and language and kept with the counts, so they must depend on the visitor
    alone, never on the page. Messages are read on every request."""
    if name not in REGIONS:
        return ""
    messages = visitor.messages if name == "messages" else ()
    if messages:
        return _with_csrf_token(_render(name, visitor, messages), visitor)
    header = visitor.header
    if header is None:
        return _with_csrf_token(_render(name, visitor), visitor)
    return _with_csrf_token(header.region(name, lambda: _render(name, visitor), visitor.language), visitor)


def _with_csrf_token(html: str, visitor: Visitor) -> str:
    """A region's forms (the header's 退出) carry the CSRF placeholder, never a token, since
    the region is cached per user: the request's own token goes in here."""
    from .cache import CSRF_PLACEHOLDER

    if visitor.request is None or CSRF_PLACEHOLDER not in html:
        return html
    return html.replace(CSRF_PLACEHOLDER, visitor.csrf_token)
