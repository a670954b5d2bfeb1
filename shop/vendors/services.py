"""Writes for vendors: applications, approval, product ownership and review, imports."""

import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.core.access import is_operator, user_partner_ids
from shop.core.enqueue import enqueue_on_commit, sweep_enqueue
from shop.core.exceptions import DomainError, PermissionDenied
from shop.core.mail import mail_queue
from shop.core.transitions import transition
from shop.core.uploads import check_upload, clean_display_name

from .models import (
    APPLICATION_MOVES,
    IMPORT_MOVES,
    REVIEW_MOVES,
    ApplicationStatus,
    ImportStatus,
    ProductImport,
    ProductImportEvent,
    ProductReviewEvent,
    VendorApplication,
    VendorApplicationEvent,
    VendorProduct,
)
from .uploads import check_import_file

logger = logging.getLogger("shop.vendors")

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
User = get_user_model()

APPLICATION_LABELS = dict(ApplicationStatus.choices)
IMPORT_LABELS = dict(ImportStatus.choices)


def _review_labels() -> dict:
    return dict(Product._meta.get_field("review_status").choices)


def site_url(path: str = "") -> str:
    return getattr(settings, "MALL_SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


# --- applications -------------------------------------------------------------------------


def vendor_application_submit(
    *,
    user=None,
    account_email: str = "",
    account_password: str = "",
    company_name: str,
    uscc: str,
    legal_representative: str,
    contact_name: str,
    mobile: str,
    email: str,
    business_scope: str,
    categories: Iterable = (),
    licence,
) -> VendorApplication:
    """Save an application (status 待审核). Without ``user`` a new account is created from
    ``account_email``/``account_password``; it has no dashboard access until approval."""
    uscc = uscc.strip().upper()
    checked = check_upload(
        licence, allowed={"pdf", "png", "jpeg"}, max_bytes=settings.VENDOR_LICENCE_MAX_BYTES
    )
    with transaction.atomic():
        if user is None:
            account_email = User.objects.normalize_email(account_email.strip()).lower()
            if User.objects.filter(email__iexact=account_email).exists():
                raise DomainError("该邮箱已注册，请先登录后再提交入驻申请。")
            user = User(username=f"v{uuid.uuid4().hex[:29]}", email=account_email, is_active=True)
            user.set_password(account_password)
            user.save()
        else:
            if is_operator(user):
                raise DomainError("运营人员账号不能申请成为供应商。")
            if user_partner_ids(user):
                raise DomainError("您的账号已是供应商，无需重复申请。")
        if VendorApplication.objects.filter(user=user, status__in=["submitted", "approved"]).exists():
            raise DomainError("您已有一份待审核或已通过的入驻申请。")
        if VendorApplication.objects.filter(uscc=uscc, status__in=["submitted", "approved"]).exists():
            raise DomainError("该统一社会信用代码已有待审核或已通过的入驻申请。")
        application = VendorApplication(
            user=user,
            company_name=company_name.strip(),
            uscc=uscc,
            legal_representative=legal_representative.strip(),
            contact_name=contact_name.strip(),
            mobile=mobile.strip(),
            email=email.strip(),
            business_scope=business_scope.strip(),
            licence_name=checked.display_name,
            licence_kind=checked.kind,
        )
        application.licence.save(checked.display_name, licence, save=False)
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:
            application.licence.delete(save=False)
            raise DomainError("该账号或统一社会信用代码已有待审核或已通过的入驻申请。")
        application.categories.set(list(categories))
        VendorApplicationEvent.objects.create(
            application=application,
            actor=user,
            from_status="",
            to_status=ApplicationStatus.SUBMITTED,
            kind="submitted",
        )
    return application


def _dashboard_access_permission() -> Permission:
    return Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")


def _enqueue_decision_mail(application_id: int) -> None:
    from .tasks import send_application_decision_email

    enqueue_on_commit(send_application_decision_email, application_id)


def vendor_application_approve(*, application: VendorApplication, actor) -> VendorApplication:
    """Approve: create the Oscar partner, link the applicant to it, grant dashboard access."""
    if not is_operator(actor):
        raise PermissionDenied("只有运营人员可以审核入驻申请。")
    with transaction.atomic():
        locked = transition(
            obj=application,
            to=ApplicationStatus.APPROVED,
            allowed=APPLICATION_MOVES,
            labels=APPLICATION_LABELS,
            event_model=VendorApplicationEvent,
            event_fk="application",
            actor=actor,
            kind="approved",
            extra_updates={"decided_at": timezone.now(), "decided_by": actor, "reject_reason": ""},
        )
        partner, _created = Partner.objects.get_or_create(
            code=f"vendor-{locked.uscc.lower()}", defaults={"name": locked.company_name}
        )
        partner.users.add(locked.user)
        locked.user.user_permissions.add(_dashboard_access_permission())
        if locked.user.is_staff:  # vendors are never staff: is_staff skips every partner filter
            locked.user.is_staff = False
            locked.user.save(update_fields=["is_staff"])
        VendorApplication.objects.filter(pk=locked.pk).update(partner=partner)
        _enqueue_decision_mail(locked.pk)
    application.refresh_from_db()
    return application


def vendor_application_reject(*, application: VendorApplication, actor, reason: str) -> VendorApplication:
    if not is_operator(actor):
        raise PermissionDenied("只有运营人员可以审核入驻申请。")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写驳回原因。")
    with transaction.atomic():
        transition(
            obj=application,
            to=ApplicationStatus.REJECTED,
            allowed=APPLICATION_MOVES,
            labels=APPLICATION_LABELS,
            event_model=VendorApplicationEvent,
            event_fk="application",
            actor=actor,
            note=reason,
            kind="rejected",
            extra_updates={"decided_at": timezone.now(), "decided_by": actor, "reject_reason": reason},
        )
        _enqueue_decision_mail(application.pk)
    application.refresh_from_db()
    return application


def vendor_application_notify(*, application_id: int) -> bool:
    """Queue the applicant's decision e-mail in the outbox, once per decision (the dedupe key
    names the decision). True if a mail was queued now."""
    with transaction.atomic():
        application = (
            VendorApplication.objects.select_for_update()
            .filter(pk=application_id)
            .select_related("user")
            .first()
        )
        if application is None or not application.is_decided:
            return False
        if application.notified_status == application.status:
            return False
        context = {
            "application": application,
            "mall_name": settings.OSCAR_SHOP_NAME,
            "status_url": site_url(reverse("vendors:status")),
            "dashboard_url": site_url(reverse("dashboard:index")),
            "apply_url": site_url(reverse("vendors:apply")),
        }
        name = "approved" if application.status == ApplicationStatus.APPROVED else "rejected"
        subject = render_to_string(f"vendors/emails/application_{name}_subject.txt", context)
        body = render_to_string(f"vendors/emails/application_{name}_body.txt", context)
        recipients = sorted({application.email, application.user.email} - {""})
        mail_queue(
            to=recipients,
            subject=subject,
            body=body,
            dedupe_key=f"vendors:application:{application.pk}:{application.status}:{application.decided_at.timestamp()}",
        )
        application.notified_status = application.status
        application.notified_at = timezone.now()
        application.save(update_fields=["notified_status", "notified_at", "updated_at"])
    logger.info("vendor application %s: %s mail queued", application_id, name)
    return True


# --- product ownership and review ---------------------------------------------------------


def product_ownership_assign(*, product, partner_id: int, actor=None) -> VendorProduct | None:
    """Record that a vendor's partner owns a new top-level product (children follow the parent)."""
    if product.parent_id:
        return None
    ownership, _created = VendorProduct.objects.get_or_create(
        product=product,
        defaults={"partner_id": partner_id, "created_by": actor if getattr(actor, "pk", None) else None},
    )
    return ownership


def _review_move(*, product, to: str, actor, kind: str, note: str = "", is_public: bool):
    return transition(
        obj=product,
        to=to,
        allowed=REVIEW_MOVES,
        labels=_review_labels(),
        event_model=ProductReviewEvent,
        event_fk="product",
        actor=actor,
        note=note,
        kind=kind,
        status_field="review_status",
        extra_updates={"is_public": is_public, "review_note": note if to == "rejected" else ""},
    )


def product_review_submit(*, product, actor, note: str = ""):
    """A vendor created or changed ``product``: its listing (the parent of a child) goes back to
    待审核 and off the storefront until an operator approves it."""
    top = product.parent if product.parent_id else product
    return _review_move(product=top, to="pending", actor=actor, kind="submitted", note=note, is_public=False)


def product_review_approve(*, product, actor):
    if not is_operator(actor):
        raise PermissionDenied("只有运营人员可以审核商品。")
    return _review_move(product=product, to="approved", actor=actor, kind="approved", is_public=True)


def product_review_reject(*, product, actor, reason: str):
    if not is_operator(actor):
        raise PermissionDenied("只有运营人员可以审核商品。")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写驳回原因。")
    return _review_move(
        product=product, to="rejected", actor=actor, kind="rejected", note=reason, is_public=False
    )


# --- bulk import --------------------------------------------------------------------------


def product_import_create(*, user, upload) -> ProductImport:
    """Store a vendor's CSV/XLSX and enqueue its import (after commit)."""
    partner_ids = user_partner_ids(user)
    if is_operator(user) or not partner_ids:
        raise PermissionDenied("只有供应商账号可以批量上架商品。")
    kind = check_import_file(upload)
    with transaction.atomic():
        product_import = ProductImport(
            partner_id=partner_ids[0], created_by=user, file_name=clean_display_name(upload.name), kind=kind
        )
        product_import.file.save(product_import.file_name, upload, save=False)
        product_import.save()
        ProductImportEvent.objects.create(
            product_import=product_import, actor=user, to_status=ImportStatus.QUEUED, kind="uploaded"
        )
        product_import_enqueue(import_id=product_import.pk)
    return product_import


def product_import_enqueue(*, import_id: int) -> None:
    from .tasks import run_product_import

    enqueue_on_commit(run_product_import, import_id)


def product_import_move(*, product_import: ProductImport, to: str, note: str = "", extra_updates=None):
    return transition(
        obj=product_import,
        to=to,
        allowed=IMPORT_MOVES,
        labels=IMPORT_LABELS,
        event_model=ProductImportEvent,
        event_fk="product_import",
        note=note,
        extra_updates=extra_updates,
    )


# --- sweep ----------------------------------------------------------------------------------


def vendors_sweep(*, now=None) -> dict:
    """Re-enqueue decision mails not yet sent and imports not finished (queued for over a
    sweep interval, or running without progress for longer than the broker's visibility
    timeout). Both tasks are idempotent, so a duplicate costs nothing."""
    from datetime import timedelta

    from .tasks import run_product_import, send_application_decision_email

    now = now or timezone.now()
    grace = timedelta(seconds=settings.SWEEP_INTERVAL_SECONDS)
    stale = timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600))
    mails = sweep_enqueue(
        send_application_decision_email,
        VendorApplication.objects.filter(
            status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED], decided_at__lt=now - grace
        ).exclude(notified_status=models.F("status")),
    )
    imports = sweep_enqueue(
        run_product_import,
        ProductImport.objects.filter(
            models.Q(status=ImportStatus.QUEUED, updated_at__lt=now - grace)
            | models.Q(status=ImportStatus.RUNNING, updated_at__lt=now - stale)
        ),
    )
    return {"mails": len(mails), "imports": len(imports)}
