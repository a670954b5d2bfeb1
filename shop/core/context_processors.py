from django.conf import settings


def mall(request):
    """The mall's contact and company details, from settings (never from templates)."""
    return {
        "mall": {
            "name": settings.OSCAR_SHOP_NAME,
            "hotline": settings.MALL_HOTLINE,
            "contact_name": settings.MALL_CONTACT_NAME,
            "company": settings.MALL_COMPANY_NAME,
            "address": settings.MALL_COMPANY_ADDRESS,
            "email": settings.MALL_SERVICE_EMAIL,
            "icp": settings.MALL_ICP,
            "icp_url": settings.MALL_ICP_URL,
        }
    }
