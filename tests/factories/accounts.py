import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from oscar.core.loading import get_model

Partner = get_model("partner", "Partner")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-12345")


class OperatorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"operator{n}")
    is_staff = True


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"供应商{n}")
    code = factory.Sequence(lambda n: f"vendor-{n}")


def make_vendor_user(*, partner=None, username=None):
    """A vendor user: dashboard access, linked to its own partner only."""
    partner = partner or PartnerFactory()
    user = UserFactory(username=username or f"vendor-{partner.code}")
    user.user_permissions.add(
        Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")
    )
    partner.users.add(user)
    return user, partner
