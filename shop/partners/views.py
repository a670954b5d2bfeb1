"""Public 合作伙伴 pages (all regions, one 市州) and the application form with the applicant's
own list. The public pages show company, region, industry and resources only."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shop.core.exceptions import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .forms import PartnerForm
from .regions import CITIES, CITY_CODES, COUNTIES


class PartnerIndexView(View):
    def get(self, request):
        grouped = selectors.partners_by_region()
        regions = [(code, name, grouped.get(name, [])) for code, name, _c in CITIES]
        return render(request, "partners/index.html", {"regions": regions})


class RegionView(View):
    def get(self, request, code):
        city = CITY_CODES.get(code)
        if city is None:
            raise Http404
        partners = selectors.partners_by_region(city=city).get(city, [])
        by_county = [("", _("全市州"), [p for p in partners if not p.county])]
        by_county += [
            (county, county, [p for p in partners if p.county == county]) for county in COUNTIES[city]
        ]
        return render(
            request,
            "partners/region.html",
            {"city": city, "code": code, "partners": partners, "by_county": by_county, "cities": CITIES},
        )


class ApplyView(LoginRequiredMixin, View):
    def get(self, request):
        initial = {"contact_name": request.user.get_full_name(), "contact_email": request.user.email}
        region = request.GET.get("region", "")
        if region in CITY_CODES:
            initial["region"] = CITY_CODES[region]
        return render(request, "partners/apply.html", {"form": PartnerForm(initial=initial)})

    def post(self, request):
        form = PartnerForm(request.POST)
        if form.is_valid():
            try:
                application = services.partner_apply(
                    user=request.user, data=services.PartnerInput(**form.cleaned_data)
                )
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                placed = False
                for name, msgs in exc.fields.items():
                    if name in form.fields:
                        form.add_error(name, msgs[0] if msgs else exc.message)
                        placed = True
                if not placed:
                    form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("合作伙伴申请 %(number)s 已提交，平台审核后会通知您。")
                    % {"number": application.number},
                )
                return redirect("partners:mine")
        return render(request, "partners/apply.html", {"form": form}, status=400)


class MyApplicationsView(LoginRequiredMixin, View):
    def get(self, request):
        rows = list(selectors.applications_of(user=request.user).order_by("-created_at", "-pk"))
        return render(request, "partners/mine.html", {"applications": rows})
