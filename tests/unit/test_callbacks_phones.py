"""预约咨询: Chinese mobile and landline numbers are validated and stored in one form; everyone
but operators sees them masked (138****5678); a bad number is refused and stores nothing; an
operator answers a waiting call-back once."""

import pytest
from django.core.exceptions import ValidationError

from shop.callbacks import selectors, services
from shop.callbacks.models import CallbackEvent, CallbackRequest
from shop.callbacks.phones import phone_mask, phone_normalise
from shop.core.exceptions import IllegalTransition, Invalid, NotFound
from tests.factories.accounts import OperatorFactory, PartnerFactory, UserFactory, make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.services import package


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0731-88881234", "0731-88881234"),
        ("073188881234", "0731-88881234"),
        ("010-62345678", "010-62345678"),
        ("(021)52345678", "021-52345678"),
        ("0731-8888123-806", "0731-8888123-806"),
    ],
)
def test_valid_numbers_are_stored_in_one_form(typed, stored):
    assert phone_normalise(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "1381234567",
        "23812345678",
        "12812345678",
        "0731-0888123",
        "731-88881234",
        "0731-888812345",
        "abc",
        "",
        "0731-88881234-1234567",
    ],
)
def test_bad_numbers_are_refused_in_chinese(typed):
    with pytest.raises(ValidationError) as refused:
        phone_normalise(typed)
    assert refused.value.messages == [
        "请输入有效的电话号码：11 位手机号码，或带区号的固定电话（如 0731-88881234）。"
    ]


@pytest.mark.parametrize(
    ("number", "masked"),
    [("13812345678", "138****5678"), ("0731-88881234", "0731-****1234"), ("010-62345678-12", "010-****5678")],
)
def test_numbers_are_masked(number, masked):
    assert phone_mask(number) == masked


@pytest.mark.django_db
def test_a_booking_and_its_answer_and_who_reads_the_number():
    # given a service of a vendor and a unit member on its page
    partner = PartnerFactory(name="咨询服务商（测试）")
    vendor, _ = make_vendor_user(partner=partner)
    product = package("consulting-service", title="政企咨询服务包", partner=partner)
    unit, members = make_unit(roles_by_name={"handler": ["handler"]})
    booker = members["handler"].user
    operator = OperatorFactory()
    # when they book a call-back
    callback = services.callback_book(
        user=booker,
        product=product,
        data=services.BookingInput(name="李经办", phone="138 1234 5678", window="morning"),
    )
    # then it waits, for the unit, about the vendor's service, with one event
    assert (callback.status, callback.unit_id, callback.partner_id, callback.topic) == (
        "waiting",
        unit.pk,
        partner.pk,
        "政企咨询服务包",
    )
    assert list(callback.events.values_list("kind", "to_status")) == [("booked", "waiting")]
    # and only the operator reads the full number; the unit's admin and the vendor see it masked
    assert selectors.phone_for(user=operator, callback=callback) == "13812345678"
    assert selectors.phone_for(user=members["admin"].user, callback=callback) == "138****5678"
    assert selectors.phone_for(user=vendor, callback=callback) == "138****5678"
    assert list(selectors.callbacks_for_booker(user=members["admin"].user)) == [callback]
    assert list(selectors.callbacks_for_handler(user=vendor)) == [callback]
    # and another vendor and another buyer see no row at all
    other_vendor, _ = make_vendor_user(partner=PartnerFactory(name="别家"))
    assert list(selectors.callbacks_for_handler(user=other_vendor)) == []
    assert list(selectors.callbacks_for_booker(user=UserFactory())) == []
    # when a vendor tries to answer it, it is refused; the operator answers it once
    with pytest.raises(NotFound):
        services.callback_answer(callback=callback, actor=vendor, note="已联系")
    services.callback_answer(callback=callback, actor=operator, note="已电话沟通，约下周上门")
    callback.refresh_from_db()
    assert (callback.status, callback.answer_note, callback.answered_by_id) == (
        "answered",
        "已电话沟通，约下周上门",
        operator.pk,
    )
    with pytest.raises(IllegalTransition):
        services.callback_answer(callback=callback, actor=operator, note="再次")
    assert CallbackEvent.objects.filter(callback=callback).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [({"phone": "1381234567"}, "phone"), ({"name": " "}, "name"), ({"window": "midnight"}, "window")],
)
def test_a_bad_booking_stores_nothing(changes, field):
    values = {"name": "李经办", "phone": "13812345678", "window": "morning", **changes}
    with pytest.raises(Invalid) as refused:
        services.callback_book(user=UserFactory(), data=services.BookingInput(**values))
    assert list(refused.value.fields) == [field]
    assert CallbackRequest.objects.count() == 0 and CallbackEvent.objects.count() == 0
