"""Forms of the contract pages: the draft's terms (the buyer, before anyone confirmed) and a
补充协议 (either party, after signing). The services check everything again."""

from django import forms

from .models import MAX_TERM_DAYS, MIN_TERM_DAYS


class TermsForm(forms.Form):
    payment_term_days = forms.IntegerField(
        label="付款期限（验收合格后天数）",
        min_value=MIN_TERM_DAYS,
        max_value=MAX_TERM_DAYS,
        error_messages={
            "required": "请填写付款期限。",
            "invalid": "付款期限须填写整数天数。",
            "min_value": f"付款期限至少 {MIN_TERM_DAYS} 日。",
            "max_value": f"付款期限最长 {MAX_TERM_DAYS} 日（《保障中小企业款项支付条例》）。",
        },
        help_text="默认 30 日；超过 30 日（最长 60 日）须经供应商确认签订方为约定。",
    )
    delivery_place = forms.CharField(
        label="交货地点", max_length=200, error_messages={"required": "请填写交货地点。"}
    )
    delivery_date = forms.DateField(
        label="交货日期",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": "请填写正确的日期，如 2027-01-15。"},
    )
    warranty = forms.CharField(label="质量保证", max_length=300, required=False)
    acceptance_terms = forms.CharField(
        label="验收要求", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SupplementForm(TermsForm):
    note = forms.CharField(
        label="变更说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def initial_terms(contract) -> dict:
    return {
        "payment_term_days": contract.payment_term_days,
        "delivery_place": contract.delivery_place,
        "delivery_date": contract.delivery_date,
        "warranty": contract.warranty,
        "acceptance_terms": contract.acceptance_terms,
    }
