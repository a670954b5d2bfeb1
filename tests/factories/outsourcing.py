"""人才开发外包 for tests: the XH-DEV product as the catalogue loads it (a parent of class
``developer-outsourcing`` with 一级/二级/三级开发师 variants listed by a vendor at 20000 / 15000 /
10000), a government unit with its 经办人 and 财务, and helpers that take an engagement through
its real services (the contract is rendered and confirmed by both parties)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from shop.buyers.models import UnitRole
from shop.contracts import services as contracts
from shop.contracts.models import Contract
from shop.outsourcing import services
from tests.factories.accounts import PartnerFactory, make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.catalogue import ChildProductFactory, ParentProductFactory, ProductClassFactory
from tests.factories.vendors import make_application

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LEVELS = (("一级开发师", "20000.00"), ("二级开发师", "15000.00"), ("三级开发师", "10000.00"))


def cv(name: str = "简历.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class OutsourcingWorld:
    product: object
    levels: list
    partner: object
    vendor: object
    unit: object
    members: dict

    @property
    def handler(self):
        return self.members["handler"].user


def developer_product(*, partner, title: str = "人才开发外包"):
    product_class = ProductClassFactory(
        slug="developer-outsourcing", name="人才开发外包", requires_shipping=False, track_stock=False
    )
    parent = ParentProductFactory(
        title=title, product_class=product_class, tax_rate=Decimal("0.06"), unit="项"
    )
    levels = [
        ChildProductFactory(
            parent=parent,
            title=name,
            price=Decimal(price),
            partner=partner,
            tax_rate=Decimal("0.06"),
            unit="项",
        )
        for name, price in LEVELS
    ]
    return parent, levels


def outsourcing_world(*, vendor_name: str = "湘江软件外包（测试）") -> OutsourcingWorld:
    partner = PartnerFactory(name=vendor_name)
    vendor, _ = make_vendor_user(partner=partner)
    make_application(status="approved", partner=partner, company_name=vendor_name)
    product, levels = developer_product(partner=partner)
    unit, members = make_unit(
        roles_by_name={
            "handler": [UnitRole.HANDLER.value],
            "approver": [UnitRole.APPROVER.value],
            "finance": [UnitRole.FINANCE.value],
        },
        org_name="长沙市数据资源局",
    )
    return OutsourcingWorld(product, levels, partner, vendor, unit, members)


def request_input(w: OutsourcingWorld, **changes) -> services.RequestInput:
    values = {
        "title": "政务云运维开发",
        "lines": [(w.levels[0].pk, 1), (w.levels[1].pk, 2)],
        "months": 2,
        "start_date": date(2026, 9, 1),
        "place": "on_site",
        "city": "长沙市",
        "skills": "Python、Django、PostgreSQL",
    }
    values.update(changes)
    return services.RequestInput(**values)


def proposal_input(request, rates: dict | None = None) -> services.ProposalInput:
    """Rates by level name (default: the listed prices) and one profile per head."""
    lines = list(request.lines.all())
    by_name = rates or {}
    profiles = []
    for line in lines:
        for i in range(line.headcount):
            profiles.append(
                services.ProfileInput(
                    line_id=line.pk,
                    name=f"{line.level_name[:2]}人选{i + 1}",
                    years=5 + i,
                    skills="Python、Django",
                    cv=cv(f"{line.level_name}{i + 1}.pdf"),
                )
            )
    return services.ProposalInput(
        rates={line.pk: by_name.get(line.level_name, dict(LEVELS)[line.level_name]) for line in lines},
        profiles=profiles,
        note="两周内到岗",
    )


def sign_contract(order, *, handler, vendor, now=None) -> Contract:
    """The order's contract drafted, rendered and confirmed by both parties."""
    contract = contracts.contract_ensure(order_id=order.pk)
    version = contracts.contract_version_render(version_id=contract.versions.get().pk)
    for user in (handler, vendor):
        contracts.contract_confirm(
            version=version, user=user, pdf_sha256=version.pdf_sha256, client_address="127.0.0.1", now=now
        )
    contract.refresh_from_db()
    return contract


def engaged(w: OutsourcingWorld, *, today=date(2026, 8, 20), sign: bool = True, **changes):
    """A request of the unit's 经办人, the vendor's proposal at the listed prices, accepted."""
    request = services.outsourcing_request_submit(
        actor=w.handler, product=w.product, data=request_input(w, **changes), today=today
    )
    proposal = services.proposal_submit(actor=w.vendor, request=request, data=proposal_input(request))
    request = services.proposal_accept(actor=w.handler, proposal=proposal, today=today)
    if sign:
        sign_contract(request.order, handler=w.handler, vendor=w.vendor)
    request.refresh_from_db()
    return request
