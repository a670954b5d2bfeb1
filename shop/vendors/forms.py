from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from shop.core.uploads import check_upload
from shop.core.validators import validate_cn_mobile, validate_uscc

from .uploads import check_import_file

Category = get_model("catalogue", "Category")
User = get_user_model()


# The company fields an application stores as they are (and a re-application starts from).
COMPANY_FIELDS = (
    "company_name",
    "uscc",
    "legal_representative",
    "contact_name",
    "mobile",
    "email",
    "business_scope",
)


class VendorApplicationForm(forms.Form):
    """供应商入驻申请. ``with_account`` adds e-mail and password for applicants not signed in."""

    company_name = forms.CharField(label=_("企业名称"), max_length=128)
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        min_length=1,
        help_text=_("18 位，见营业执照"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18}),
    )
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=64)
    contact_name = forms.CharField(label=_("联系人"), max_length=64)
    mobile = forms.CharField(label=_("手机号码"), max_length=11, validators=[validate_cn_mobile])
    email = forms.EmailField(label=_("联系邮箱"), help_text=_("审核结果将发送到此邮箱"))
    business_scope = forms.CharField(
        label=_("经营范围"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("供货类目"),
        queryset=Category.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个供货类目。"), "invalid_choice": _("所选类目不存在。")},
    )
    licence = forms.FileField(
        label=_("营业执照"),
        help_text=_("PDF、JPG 或 PNG，不超过 %(mb)d MB")
        % {"mb": settings.VENDOR_LICENCE_MAX_BYTES // 1048576},
        error_messages={"required": _("请上传营业执照。"), "empty": _("上传的文件是空的。")},
    )
    account_email = forms.EmailField(label=_("登录邮箱"), help_text=_("用于登录供应商后台"))
    password1 = forms.CharField(label=_("登录密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput, strip=False)
    agree = forms.BooleanField(
        label=_("我确认以上信息真实有效，并同意平台的供应商入驻规则"),
        error_messages={"required": _("请确认信息真实有效并同意入驻规则。")},
    )

    def __init__(self, *args, with_account: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_account = with_account
        self.fields["categories"].queryset = Category.objects.get_root_nodes()
        if not with_account:
            for name in ("account_email", "password1", "password2"):
                del self.fields[name]
        self.checked_licence = None

    def clean_uscc(self):
        value = self.cleaned_data["uscc"].strip().upper()
        validate_uscc(value)
        return value

    def clean_mobile(self):
        return self.cleaned_data["mobile"].strip()

    def clean_licence(self):
        upload = self.cleaned_data["licence"]
        self.checked_licence = check_upload(
            upload, allowed={"pdf", "png", "jpeg"}, max_bytes=settings.VENDOR_LICENCE_MAX_BYTES
        )
        return upload

    def clean_account_email(self):
        email = User.objects.normalize_email(self.cleaned_data["account_email"].strip()).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("该邮箱已注册，请先登录后再提交入驻申请。"), code="email_taken")
        return email

    def clean(self):
        data = super().clean()
        if self.with_account:
            p1, p2 = data.get("password1"), data.get("password2")
            if p1 and p2 and p1 != p2:
                self.add_error("password2", _("两次输入的密码不一致。"))
            elif p1:
                probe = User(username=data.get("account_email") or "", email=data.get("account_email") or "")
                try:
                    validate_password(p1, probe)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        kwargs = {key: d[key] for key in (*COMPANY_FIELDS, "categories", "licence")}
        if self.with_account:
            kwargs.update(account_email=d["account_email"], account_password=d["password1"])
        return kwargs


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("驳回原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写驳回原因。")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("请填写驳回原因。"))
        return reason


class ProductImportForm(forms.Form):
    file = forms.FileField(
        label=_("商品文件"),
        help_text=_("CSV 或 Excel（.xlsx），请使用模板填写"),
        error_messages={"required": _("请选择要上传的文件。"), "empty": _("上传的文件是空的。")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_import_file(upload)
        return upload
