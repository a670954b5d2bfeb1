"""What the page-wording test accepts and what it refuses.

ALLOWED_WORDS: Latin-script words a Chinese procurement page may show — brand names, units,
standards and product terms that Chinese buyers read in Latin letters. Case-sensitive: "OEM"
passes, "Name" does not. Add a word only when it is such a term, never a UI word.

CONSUMER_TERMS: consumer-shop wording and technical terms no buyer, vendor or operator reads.

EXPECTED_ELSEWHERE: URL-name prefixes of pages whose findings are only printed, not failed (empty:
every page of every role is held to these rules; keep it that way).
"""

ALLOWED_WORDS = frozenset(
    # product and technology terms
    """
    OEM ODM CPU GPU NPU AI IoT LED LCD LPR GIS BIM CIM ETC NB RFID NFC GPS UPS NVR DVR IPC
    PTZ POE PoE USB HDMI VGA DP RJ SSD HDD RAM ROM DDR TB GB MB KB Hz GHz MHz Wi Fi WiFi
    WLAN LTE NR SIM IP TCP UDP HTTP HTTPS SaaS PaaS IaaS ERP CRM OA VR AR XR APP App SDK API
    PDF CSV XLSX Excel Word ZIP JPG JPEG PNG SVG SKU UPC ICP ID QR VIP BOM PCB SMT MOQ IT
    ICT VAT CA UKey OCR MES PLC SCADA CCTV ONU OLT PON IDC CDN DNS VPN SD TF HD UHD FHD OLED
    EPC PPP BOT EOD
    IPS mm cm km kg kW kWh mAh dB lm Mbps Gbps fps dpi ms
    """.split()
    +  # brands and standards
    """
    Stripe Visa Mastercard UnionPay Android Linux Windows Intel AMD ARM Huawei HUAWEI Kylin
    UOS Swagger ISO CE CCC RoHS IEEE Noto Sans CJK SC
    """.split()
    +  # words Chinese web and print shops use as they are
    """
    Logo LOGO SEO URL
    """.split()
    +  # money and time
    """
    CNY RMB
    """.split()
)

# content, not UI: e-mail addresses, web addresses and file names (checked before the words)
DATA_PATTERNS = (
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    r"https?://\S+",
    r"[\w\u4e00-\u9fff.-]+\.(?:png|jpe?g|gif|svg|webp|pdf|csv|xlsx?|docx?|zip|txt)\b",
)

# (label, regular expression)
CONSUMER_TERMS = (
    ("购物篮", r"购物篮"),
    ("购物车", r"购物车"),
    ("结账", r"结账"),  # a procurement mall 结算s
    ("现在购买的物品", r"现在购买的物品"),
    ("数字+的", r"(?<![\d.,])\d+的(?![确])"),  # "2的政企咨询服务包" (a quantity glued to a title)
    ("啊呀", r"啊呀|哎呀|哎哟|糟糕"),
    ("True/False", r"\bTrue\b|\bFalse\b|\bNone\b"),
    ("PaymentIntent", r"PaymentIntent|payment_intent|SetupIntent"),
    ("幂等键", r"幂等键|幂等"),
)

EXPECTED_ELSEWHERE: tuple[str, ...] = ()  # URL-name prefixes (none: every page is held to the rules)


def data_texts() -> list[str]:
    """Texts the test world stored (names, titles, codes, e-mail addresses): what a page shows
    of them is content, not UI. Read from the database after the world is built."""
    from django.contrib.auth import get_user_model
    from oscar.core.loading import get_model

    texts: set[str] = set()

    def add(model, *fields):
        for row in model.objects.values_list(*fields):
            texts.update(str(v) for v in row if v)

    User = get_user_model()
    add(User, "username", "email", "first_name", "last_name")
    add(get_model("catalogue", "Product"), "title", "upc")
    add(get_model("catalogue", "ProductClass"), "name")
    add(get_model("catalogue", "Category"), "name")
    add(get_model("catalogue", "Option"), "name")
    add(get_model("catalogue", "ProductAttribute"), "name", "code")
    add(get_model("catalogue", "AttributeOptionGroup"), "name")
    add(get_model("partner", "Partner"), "name", "code")
    add(get_model("partner", "StockRecord"), "partner_sku")
    add(get_model("order", "Order"), "number")
    add(get_model("order", "Line"), "title", "partner_sku", "upc")
    add(get_model("offer", "ConditionalOffer"), "name")
    add(get_model("offer", "Range"), "name")
    add(get_model("voucher", "Voucher"), "code", "name")
    add(get_model("communication", "CommunicationEventType"), "code", "name")
    add(get_model("shipping", "WeightBased"), "name")
    add(get_model("reviews", "ProductReview"), "title", "body")
    add(get_model("wishlists", "WishList"), "name")
    add(get_model("voucher", "VoucherSet"), "name", "description")
    add(get_model("payments", "OrderOrigin"), "reference")
    return sorted(t for t in texts if len(t) > 1)
