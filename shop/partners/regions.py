"""Hunan's administrative divisions down to county level: its 14 市州 and their 122
县/县级市/区 (民政部 行政区划, as of 2024: 渌口区 replaced 株洲县 in 2018, 邵东市 and 祁阳市
replaced their counties in 2019 and 2021, 宁乡市 in 2017). Codes are the 市州 division codes.

A region is written as ``"<市州>"`` (the whole city or prefecture) or ``"<市州>/<县市区>"``;
``region_parse`` checks it against this table and the forms list it as grouped choices."""

from dataclasses import dataclass

PROVINCE = "湖南省"

CITIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "430100",
        "长沙市",
        ("芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区", "长沙县", "浏阳市", "宁乡市"),
    ),
    (
        "430200",
        "株洲市",
        ("荷塘区", "芦淞区", "石峰区", "天元区", "渌口区", "攸县", "茶陵县", "炎陵县", "醴陵市"),
    ),
    ("430300", "湘潭市", ("雨湖区", "岳塘区", "湘潭县", "湘乡市", "韶山市")),
    (
        "430400",
        "衡阳市",
        (
            "珠晖区",
            "雁峰区",
            "石鼓区",
            "蒸湘区",
            "南岳区",
            "衡阳县",
            "衡南县",
            "衡山县",
            "衡东县",
            "祁东县",
            "耒阳市",
            "常宁市",
        ),
    ),
    (
        "430500",
        "邵阳市",
        (
            "双清区",
            "大祥区",
            "北塔区",
            "新邵县",
            "邵阳县",
            "隆回县",
            "洞口县",
            "绥宁县",
            "新宁县",
            "城步苗族自治县",
            "武冈市",
            "邵东市",
        ),
    ),
    (
        "430600",
        "岳阳市",
        ("岳阳楼区", "云溪区", "君山区", "岳阳县", "华容县", "湘阴县", "平江县", "汨罗市", "临湘市"),
    ),
    (
        "430700",
        "常德市",
        ("武陵区", "鼎城区", "安乡县", "汉寿县", "澧县", "临澧县", "桃源县", "石门县", "津市市"),
    ),
    ("430800", "张家界市", ("永定区", "武陵源区", "慈利县", "桑植县")),
    ("430900", "益阳市", ("资阳区", "赫山区", "南县", "桃江县", "安化县", "沅江市")),
    (
        "431000",
        "郴州市",
        (
            "北湖区",
            "苏仙区",
            "桂阳县",
            "宜章县",
            "永兴县",
            "嘉禾县",
            "临武县",
            "汝城县",
            "桂东县",
            "安仁县",
            "资兴市",
        ),
    ),
    (
        "431100",
        "永州市",
        (
            "零陵区",
            "冷水滩区",
            "东安县",
            "双牌县",
            "道县",
            "江永县",
            "宁远县",
            "蓝山县",
            "新田县",
            "江华瑶族自治县",
            "祁阳市",
        ),
    ),
    (
        "431200",
        "怀化市",
        (
            "鹤城区",
            "中方县",
            "沅陵县",
            "辰溪县",
            "溆浦县",
            "会同县",
            "麻阳苗族自治县",
            "新晃侗族自治县",
            "芷江侗族自治县",
            "靖州苗族侗族自治县",
            "通道侗族自治县",
            "洪江市",
        ),
    ),
    ("431300", "娄底市", ("娄星区", "双峰县", "新化县", "冷水江市", "涟源市")),
    (
        "433100",
        "湘西土家族苗族自治州",
        ("吉首市", "泸溪县", "凤凰县", "花垣县", "保靖县", "古丈县", "永顺县", "龙山县"),
    ),
)

COUNTIES: dict[str, tuple[str, ...]] = {name: counties for _code, name, counties in CITIES}
CITY_CODES: dict[str, str] = {code: name for code, name, _counties in CITIES}
CODE_OF_CITY: dict[str, str] = {name: code for code, name, _counties in CITIES}


@dataclass(frozen=True)
class Region:
    city: str
    county: str = ""  # empty: the whole 市州

    @property
    def value(self) -> str:
        return f"{self.city}/{self.county}" if self.county else self.city

    @property
    def label(self) -> str:
        return f"{self.city}{self.county}" if self.county else f"{self.city}（全市州）"

    @property
    def city_code(self) -> str:
        return CODE_OF_CITY[self.city]


def region_parse(value: str, *, county_required: bool = False) -> Region | None:
    """The region ``value`` names, or None when it is not a Hunan 市州 (and county) of the table."""
    city, _sep, county = (value or "").strip().partition("/")
    if city not in COUNTIES:
        return None
    if county and county not in COUNTIES[city]:
        return None
    if county_required and not county:
        return None
    return Region(city=city, county=county)


def region_choices(*, with_cities: bool = True) -> list:
    """Grouped choices for a select: one group per 市州, the whole 市州 first (when allowed)."""
    groups = []
    for _code, city, counties in CITIES:
        options = [(city, f"{city}（全市州）")] if with_cities else []
        options += [(f"{city}/{county}", county) for county in counties]
        groups.append((city, options))
    return groups
