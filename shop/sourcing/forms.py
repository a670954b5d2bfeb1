"""Forms of sourcing pages. They check shapes (numbers, dates); the rules are the services'."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from .models import Invitation, Mode

Category = get_model("catalogue", "Category")
LINE_ROWS = 6


class SourcingForm(forms.Form):
    mode = forms.ChoiceField(label=_("采购方式"), choices=Mode.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("项目名称"), max_length=120)
    category = forms.ModelChoiceField(label=_("品目"), queryset=Category.objects.order_by("path"))
    delivery_place = forms.CharField(label=_("交货地点"), max_length=200)
    delivery_date = forms.DateField(label=_("交货日期"), widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateTimeField(
        label=_("截止时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("询价：响应截止时间（至少 3 个工作日后）；竞价：竞价结束时间。"),
    )
    starts_at = forms.DateTimeField(
        label=_("竞价开始时间"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    max_total = forms.CharField(label=_("最高限价（元，含税，可选）"), required=False, max_length=20)
    start_price = forms.CharField(label=_("起始价（元，含税，竞价必填）"), required=False, max_length=20)
    decrement = forms.CharField(label=_("最小降价幅度（元，竞价必填）"), required=False, max_length=20)
    qualifications = forms.CharField(
        label=_("资格要求"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    invitation = forms.ChoiceField(
        label=_("供应商范围"),
        choices=Invitation.choices,
        widget=forms.RadioSelect,
        initial=Invitation.INVITED,
    )
    invited = forms.MultipleChoiceField(
        label=_("邀请的供应商（至少 3 家）"), required=False, widget=forms.CheckboxSelectMultiple
    )
    budget_line = forms.ChoiceField(label=_("预算"), required=False)

    def __init__(self, *args, partners=(), budget_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invited"].choices = [(str(p.pk), p.name) for p in partners]
        self.fields["budget_line"].choices = [("", _("（不使用预算）"))] + [
            (str(line.pk), f"{line.year} {line.name}（可用 ¥{line.available:,.2f}）") for line in budget_lines
        ]
        for i in range(1, LINE_ROWS + 1):
            self.fields[f"line_{i}_title"] = forms.CharField(label=_("名称"), required=False, max_length=255)
            self.fields[f"line_{i}_spec"] = forms.CharField(
                label=_("技术参数"), required=False, max_length=4000
            )
            self.fields[f"line_{i}_quantity"] = forms.CharField(
                label=_("数量"), required=False, max_length=10
            )
            self.fields[f"line_{i}_unit"] = forms.CharField(label=_("单位"), required=False, max_length=16)
            # a line taken from the basket keeps its catalogue product (checked: visible products only)
            self.fields[f"line_{i}_product"] = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        return timezone.make_aware(value) if timezone.is_naive(value) else value

    def clean_starts_at(self):
        value = self.cleaned_data.get("starts_at")
        if value and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

    def line_rows(self):
        rows = []
        for i in range(1, LINE_ROWS + 1):
            rows.append({k: self[f"line_{i}_{k}"] for k in ("title", "spec", "quantity", "unit", "product")})
        return rows

    def lines(self):
        from shop.storefront.selectors import visible_product

        from .services import LineSpec

        out = []
        for i in range(1, LINE_ROWS + 1):
            title = self.cleaned_data.get(f"line_{i}_title", "").strip()
            quantity = self.cleaned_data.get(f"line_{i}_quantity", "").strip()
            if not title and not quantity:
                continue
            out.append(
                LineSpec(
                    title=title,
                    quantity=quantity,
                    unit=self.cleaned_data.get(f"line_{i}_unit", ""),
                    spec=self.cleaned_data.get(f"line_{i}_spec", ""),
                    product=visible_product(pk=self.cleaned_data[f"line_{i}_product"])
                    if self.cleaned_data.get(f"line_{i}_product")
                    else None,
                )
            )
        return out


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=1000)


class ReissueForm(forms.Form):
    deadline = forms.DateTimeField(
        label=_("新的截止时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        return timezone.make_aware(value) if timezone.is_naive(value) else value


class BidForm(forms.Form):
    amount = forms.CharField(label=_("报价总额（元，含税）"), max_length=20)
