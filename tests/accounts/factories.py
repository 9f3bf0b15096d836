"""factory-boy factories for accounts: users, shops (the tenant) and memberships.

Shops and users are not tenant rows (no scope needed); a membership is created with its
user and shop."""

import factory

from accounts.models import Membership, Shop, User


class UserFactory(factory.django.DjangoModelFactory):
    """A user with the password ``pass-word-123``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class ShopFactory(factory.django.DjangoModelFactory):
    """A shop with the model's defaults (INR, en_IN)."""

    class Meta:
        model = Shop

    name = factory.Sequence(lambda n: f"Shop {n}")
    phone = "9876543210"
    address = "1 Market Road"


class MembershipFactory(factory.django.DjangoModelFactory):
    """A user's membership of a shop (a new user and a new shop unless given); owner by default."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    shop = factory.SubFactory(ShopFactory)
    role = Membership.Role.OWNER
