"""Deterministic generator of the demo district (a synthetic 即墨).

Pure: numpy, Faker, python-stdnum and the CSV files in `data/reference/`; no SQLAlchemy, no
Flask. `generate(seed, scale)` returns a `District` of plain column lists keyed by natural
keys (bodies, units and towns by code, officers by certificate number, entities by unified
social credit code); `scheduler.demo_loader` maps the keys to ids and bulk-inserts the rows.

Determinism: the same seed and scale give the same district byte for byte (see
`district_digest`) with the pinned numpy and Faker versions. Nothing reads the wall
clock: every date is relative to the fixed reference day `DEMO_TODAY`. Each stage
(officers, entities, conflicts, leave, history) draws from its own child of
`np.random.SeedSequence(seed)` and its own seeded Faker, so a stage can be generated on
its own (`generate_officers`) with the same result as inside the full district.

Formats:

* Certificate number (执法证号), 15 digits: ``370282`` (即墨 division code) + ``BB`` (the
  body's 1-based position in bodies.csv) + ``YY`` (year the certificate was issued, i.e.
  of `cert_valid_from`) + ``NNNNN`` (serial of the officer within the body). Unique
  because (body, serial) is.
* Unified social credit code (统一社会信用代码, GB 32100-2015), 18 characters: ``9``
  (registered by market regulation) + type (``1`` enterprise, ``2`` individual business,
  ``3`` farmer cooperative) + division code (``370282`` 即墨市 for entities registered
  before 2017-10-30, when 即墨 became a district, ``370215`` 即墨区 after) + the 9-character
  organisation code + check digit (`stdnum.cn.uscc.calc_check_digit`). The organisation
  code is 8 characters and its own GB 11714-1997 check digit (`org_code_check_digit`):
  8 digits for enterprises and cooperatives registered before the code reform
  (2015-10-01), ``L`` + 7 characters for individual businesses registered before it, and
  ``MA3`` + 5 characters (the Shandong pattern) for everything registered since. The
  organisation codes of the three patterns are drawn without replacement and cannot
  collide with each other, so every code is unique.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from faker import Faker
from stdnum.cn import uscc

from data import REFERENCE_DIR

DEMO_TODAY = dt.date(2026, 11, 1)  # the demo's "today"; dates never come from the clock
DIVISION_CODE_CITY = "370282"  # 即墨市, a county-level city until 2017
DIVISION_CODE_DISTRICT = "370215"  # 即墨区 since 2017-10-30
DISTRICT_SINCE = dt.date(2017, 10, 30)
CODE_REFORM = dt.date(2015, 10, 1)  # unified social credit codes for new registrations
COOPERATIVE_LAW = dt.date(2007, 7, 1)  # 农民专业合作社法 in force

ENTITY_COUNTS = {"E": 54_000, "I": 160_000, "C": 3_000}  # sum 217,000
HISTORY_COUNT = 8_000  # inspections in the year before DEMO_TODAY
CONFLICTS_PER_OFFICER = 10
LEAVE_SHARE = 0.10
LEAVE_UNTIL = dt.date(2027, 6, 30)
CERT_TERM_DAYS = 5 * 365  # valid_to = valid_from + CERT_TERM_DAYS
REEXAMINATION_YEARS = 4  # officers are re-examined after four years with a certificate
CREDIT_SHARES = {"A": 0.60, "B": 0.25, "C": 0.10, "D": 0.05}
CERT_SHARES = {"expired": 0.05, "suspended": 0.01, "revoked": 0.005}  # the rest valid
STATUS_SHARES = {"deregistered": 0.035, "revoked": 0.015}  # the rest active
OWN_TOWN_CONFLICT_SHARE = 0.85

USC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997

# Demo logins (printed by `flask demo load`); the officer login gets a valid SC officer.
DEMO_USERS = (
    {"username": "admin", "password": "admin-demo-2026", "role": "admin", "body": None},
    {"username": "planner", "password": "planner-demo-2026", "role": "planner", "body": "SC"},
    {"username": "auditor", "password": "auditor-demo-2026", "role": "auditor", "body": None},
    {"username": "officer", "password": "officer-demo-2026", "role": "officer", "body": "SC"},
)

# Columns of each generated table, in the canonical order used by `district_digest`.
COLUMNS = {
    "officers": (
        "cert_no",
        "name",
        "body",
        "unit",
        "cert_valid_from",
        "cert_valid_to",
        "cert_status",
        "competences",
        "phone",
    ),
    "leave_periods": ("officer", "starts_on", "ends_on", "reason"),
    "entities": (
        "uscc",
        "name",
        "type",
        "industry",
        "town",
        "address",
        "registered_on",
        "status",
        "credit_class",
        "key_supervision",
        "abnormal",
    ),
    "conflicts": ("officer", "entity", "kind", "declared_on", "note"),
    "history": ("entity", "body", "inspected_on", "plan_code", "officers"),
}

# Relative size of the towns (subdistricts larger) and how rural they are (cooperatives).
TOWN_WEIGHTS = {
    "TJ": 10.0,
    "HX": 9.0,
    "CH": 9.0,
    "BA": 8.0,
    "LS": 7.0,
    "LQ": 7.0,
    "ASW": 5.0,
    "WQ": 4.0,
    "DX": 5.0,
    "LC": 6.0,
    "LIS": 5.0,
    "DBL": 3.0,
    "YFD": 3.5,
    "TH": 3.0,
    "JK": 2.5,
    "LK": 3.0,
    "JKQ": 7.0,
    "THD": 0.5,
}
TOWN_RURAL = {
    "TJ": 0.2,
    "HX": 0.2,
    "CH": 0.3,
    "BA": 0.8,
    "LS": 1.0,
    "LQ": 1.0,
    "ASW": 1.5,
    "WQ": 1.5,
    "DX": 2.0,
    "LC": 2.0,
    "LIS": 2.0,
    "DBL": 4.0,
    "YFD": 4.0,
    "TH": 3.0,
    "JK": 3.0,
    "LK": 0.5,
    "JKQ": 0.5,
    "THD": 1.0,
}
DEFAULT_TOWN_WEIGHT = 3.0

# Industry sections (GB/T 4754) per entity type, weighted like a coastal district.
INDUSTRY_WEIGHTS = {
    "E": {
        "A": 2.0,
        "B": 0.2,
        "C": 18.0,
        "D": 0.5,
        "E": 6.0,
        "F": 35.0,
        "G": 4.0,
        "H": 3.0,
        "I": 5.0,
        "J": 0.5,
        "K": 2.5,
        "L": 10.0,
        "M": 4.5,
        "N": 1.5,
        "O": 3.0,
        "P": 0.8,
        "Q": 0.5,
        "R": 1.5,
    },
    "I": {
        "A": 1.0,
        "C": 3.0,
        "E": 1.0,
        "F": 50.0,
        "G": 3.0,
        "H": 20.0,
        "I": 1.0,
        "K": 0.5,
        "L": 1.0,
        "M": 0.3,
        "N": 0.5,
        "O": 15.0,
        "P": 0.5,
        "Q": 0.5,
        "R": 2.7,
    },
    "C": {"A": 90.0, "C": 3.0, "F": 4.0, "G": 0.5, "H": 0.5, "L": 1.0, "O": 1.0},
}

# Words of enterprise names by industry section ("青岛" + 字号 + word + form).
ENTERPRISE_WORDS = {
    "A": ["农业发展", "农业科技", "生态农业", "水产养殖", "畜牧", "果蔬", "苗木", "渔业"],
    "B": ["矿业", "石材", "砂石"],
    "C": ["机械", "食品", "服装", "纺织", "制衣", "针织", "电子", "塑料制品", "金属制品"]
    + ["包装", "家具", "化工", "模具", "汽车配件", "橡胶", "工艺品", "印刷", "木业", "新材料"],
    "D": ["能源", "新能源", "热力", "燃气", "电力"],
    "E": ["建筑工程", "建设工程", "装饰工程", "安装工程", "市政工程", "园林绿化工程"],
    "F": ["商贸", "贸易", "经贸", "进出口", "国际贸易", "医药", "建材", "五金", "食品"]
    + ["服饰", "电子商务", "供应链", "物资", "石油", "日用品", "农产品", "家电", "汽车销售"],
    "G": ["物流", "运输", "货运", "仓储", "国际物流", "客运"],
    "H": ["餐饮", "餐饮管理", "酒店", "酒店管理", "食府"],
    "I": ["信息技术", "网络科技", "软件", "数据科技", "智能科技", "网络"],
    "J": ["融资担保", "投资", "典当", "资产管理"],
    "K": ["置业", "房地产开发", "物业管理", "房地产经纪", "地产"],
    "L": ["商务服务", "企业管理", "广告", "文化传媒", "人力资源", "咨询", "会展服务"]
    + ["旅行社", "劳务", "保安服务", "租赁"],
    "M": ["检测技术", "工程设计", "科技", "技术服务", "环保科技", "生物科技", "测绘"],
    "N": ["环境工程", "环保", "园林绿化", "水利工程", "环境卫生"],
    "O": ["汽车维修", "家政服务", "洗衣", "美容美发", "汽车服务"],
    "P": ["教育科技", "培训", "文化教育"],
    "Q": ["医疗", "健康管理", "养老服务", "医院"],
    "R": ["文化", "体育", "娱乐", "文化旅游", "影视", "健身"],
}
ENTERPRISE_FORMS = (("有限公司", 0.86), ("有限责任公司", 0.10), ("股份有限公司", 0.04))
ENTERPRISE_PREFIXES = (("青岛", 0.85), ("青岛市即墨区", 0.10), ("山东", 0.05))

# Shop words of individual businesses by industry section ("即墨区" + 字号 + word).
SHOP_WORDS = {
    "A": ["养殖场", "种植园", "苗圃", "家庭农场"],
    "C": ["加工坊", "加工厂", "服装加工部", "食品加工部", "木器加工部", "机械加工部", "豆腐坊"],
    "E": ["装修队", "水电安装部", "建材安装部"],
    "F": ["超市", "便利店", "商店", "副食店", "五金店", "水果店", "日用品店", "烟酒店"]
    + ["服装店", "建材店", "粮油店", "蔬菜店", "批发部", "经营部", "手机店", "海产品店"]
    + ["农资店", "鞋店", "茶叶店", "母婴店", "花店"],
    "G": ["货运部", "搬家服务部", "运输队"],
    "H": ["小吃店", "饭店", "餐馆", "面馆", "烧烤店", "饺子馆", "快餐店", "海鲜饭店"]
    + ["早餐店", "火锅店", "包子铺", "饮品店", "奶茶店"],
    "I": ["网络服务部", "电脑维修部", "网吧"],
    "K": ["房产中介"],
    "L": ["广告部", "图文设计部", "打印部", "婚庆服务部"],
    "M": ["技术服务部"],
    "N": ["保洁服务部"],
    "O": ["理发店", "美容美发店", "洗车店", "汽车修理部", "家电维修部", "洗衣店", "摄影部"]
    + ["修配部", "美甲店", "开锁店", "家政服务部"],
    "P": ["培训部", "托管中心"],
    "Q": ["诊所", "推拿店"],
    "R": ["棋牌室", "健身房", "台球室"],
}
COOPERATIVE_WORDS = {
    "A": ["果蔬种植", "蔬菜种植", "葡萄种植", "花生种植", "生猪养殖", "蓝莓种植", "茶叶种植"]
    + ["粮食种植", "苗木种植", "渔业", "畜禽养殖", "土地股份", "农机服务", "食用菌"],
    "C": ["农产品加工", "粮油加工"],
    "F": ["农资", "农产品购销"],
    "G": ["农产品运销"],
    "H": ["农家乐"],
    "L": ["农业服务"],
    "O": ["农机维修"],
}
# Characters of trade names (字号), added to those found in Faker's zh_CN name lists.
TRADENAME_CHARS = (
    "鑫盛源华泰恒德丰瑞祥隆达通宏远嘉和兴福新金海润博美佳益聚康顺安永昌正诚信合汇利荣"
    "贵宝豪广运升天大中东方明辉凯旭森林鼎龙腾飞跃星洋春茂万佰仟亿众创卓越航优品尚雅艺"
    "仁义锦绣弘志高峰宇鸿晟昊昱泽涛琪璟聚富盈丰亨乐善崂墨岚蓝鳌灵"
)
TRADENAME_BLACKLIST = set("公司国际电子计算机数字盒次元软件信息网科技开发区地球村")
ROAD_SUFFIXES = ("路", "路", "路", "街", "二路", "三路", "大街")
VILLAGE_SUFFIXES = ("家庄", "家疃", "格庄", "戈庄", "家屯", "家营")  # + 村
RURAL_TOWNS = ("DBL", "YFD", "TH", "JK", "THD")

CONFLICT_KINDS = (
    ("relative", 0.45),
    ("former_employer", 0.20),
    ("shareholding", 0.10),
    ("other", 0.25),
)
CONFLICT_NOTES = {
    "relative": ["配偶经营", "父母经营", "子女经营或任负责人", "兄弟姐妹经营", "近姻亲任负责人"],
    "former_employer": ["曾在该单位任职", "入职前曾在该单位工作", "曾任该单位顾问"],
    "shareholding": ["本人持有股份", "配偶持有股份", "近亲属持股"],
    "other": ["同乡邻居", "曾有经济往来", "曾处理其投诉纠纷", "同学经营"],
}
LEAVE_KINDS = (
    # reason, share, minimum days, maximum days
    ("年休假", 0.50, 1, 10),
    ("培训", 0.25, 3, 20),
    ("病假", 0.13, 3, 60),
    ("借调", 0.07, 30, 120),
    ("产假", 0.05, 98, 158),
)
# Relative weight of a body in the inspection history (per officer); SC does most draws.
HISTORY_BODY_BOOST = {"SC": 3.0}
HISTORY_WINDOW_DAYS = 365


# --------------------------------------------------------------------------- reference


@dataclass(frozen=True)
class Reference:
    """The reference tables as read from the CSV files (lists of dicts of strings)."""

    bodies: list[dict[str, str]]
    towns: list[dict[str, str]]
    units: list[dict[str, str]]
    items: list[dict[str, str]]


def _read_csv(directory: Path, name: str) -> list[dict[str, str]]:
    with open(directory / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_reference(directory: Path = REFERENCE_DIR) -> Reference:
    return Reference(
        bodies=_read_csv(directory, "bodies.csv"),
        towns=_read_csv(directory, "towns.csv"),
        units=_read_csv(directory, "units.csv"),
        items=_read_csv(directory, "items.csv"),
    )


# --------------------------------------------------------------------------- the result


@dataclass
class District:
    """A generated district: tables as dicts of equally long column lists (see `COLUMNS`).

    Values are plain Python objects (str, bool, datetime.date; `history["officers"]` holds
    tuples of two certificate numbers), ready to be bound to SQL parameters.
    """

    seed: int
    scale: float
    today: dt.date
    officers: dict[str, list]
    leave_periods: dict[str, list]
    entities: dict[str, list]
    conflicts: dict[str, list]
    history: dict[str, list]
    users: list[dict] = field(default_factory=list)

    def table(self, name: str) -> dict[str, list]:
        return getattr(self, name)

    def counts(self) -> dict[str, int]:
        return {name: len(self.table(name)[COLUMNS[name][0]]) for name in COLUMNS}


def _canonical(column: list) -> list:
    """JSON-ready values: dates as ISO strings, tuples as lists."""
    if column and isinstance(column[0], dt.date):
        return [d.isoformat() for d in column]
    if column and isinstance(column[0], tuple):
        return [list(v) for v in column]
    return column


def district_digest(district: District) -> str:
    """SHA-256 over a canonical serialisation: a JSON header line (seed, scale, today,
    users), then per table and column, in `COLUMNS` order, a name line and a JSON array."""
    h = hashlib.sha256()
    header = {
        "seed": district.seed,
        "scale": district.scale,
        "today": district.today.isoformat(),
        "users": district.users,
    }
    h.update(json.dumps(header, ensure_ascii=False, sort_keys=True).encode() + b"\n")
    for name, cols in COLUMNS.items():
        table = district.table(name)
        for col in cols:
            h.update(f"#{name}.{col}\n".encode())
            h.update(json.dumps(_canonical(table[col]), ensure_ascii=False).encode() + b"\n")
    return h.hexdigest()


# --------------------------------------------------------------------------- helpers


def _round(x: float) -> int:
    return int(math.floor(x + 0.5))


def _ordinal_dates(ordinals: np.ndarray) -> list[dt.date]:
    """Dates from proleptic ordinals, sharing one object per distinct day."""
    cache: dict[int, dt.date] = {}
    out = []
    for o in ordinals.tolist():
        d = cache.get(o)
        if d is None:
            d = cache[o] = dt.date.fromordinal(o)
        out.append(d)
    return out


def _choice_index(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _pick(rng: np.random.Generator, options: list[str], size: int) -> list[str]:
    return [options[i] for i in rng.integers(0, len(options), size).tolist()]


def _faker(rng: np.random.Generator) -> Faker:
    fake = Faker("zh_CN")
    fake.seed_instance(int(rng.integers(0, 2**31 - 1)))
    return fake


def org_code_check_digit(code8: str) -> str:
    """GB 11714-1997 check digit of an 8-character organisation code."""
    total = 0
    for ch, w in zip(code8, ORG_WEIGHTS, strict=True):
        total += (int(ch) if ch.isdigit() else ord(ch) - 55) * w
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def _base31(values: np.ndarray, width: int) -> list[str]:
    """Fixed-width strings over `USC_ALPHABET` of non-negative integers."""
    alphabet = np.frombuffer(USC_ALPHABET.encode(), dtype=np.uint8)
    digits = np.empty((len(values), width), dtype=np.uint8)
    v = values.astype(np.int64)
    for pos in range(width - 1, -1, -1):
        digits[:, pos] = alphabet[v % 31]
        v //= 31
    raw = digits.tobytes().decode("ascii")
    return [raw[i * width : (i + 1) * width] for i in range(len(values))]


def planned_counts(scale: float = 1.0, reference: Reference | None = None) -> dict:
    """Row counts the generator aims at for `scale`: officers per body (each at least 2),
    entities per type (each at least 1) and inspections in the history."""
    ref = reference or read_reference()
    officers = {b["code"]: max(2, _round(int(b["officers"]) * scale)) for b in ref.bodies}
    entities = {t: max(1, _round(n * scale)) for t, n in ENTITY_COUNTS.items()}
    return {
        "officers": officers,
        "entities": entities,
        "history": max(1, _round(HISTORY_COUNT * scale)),
    }


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` over weighted slots, at least one each when there are enough."""
    k = len(weights)
    w = np.asarray(weights, dtype=float)
    if total < k:  # not enough for everybody: one each for the heaviest slots
        order = np.argsort(-w, kind="stable")[:total]
        out = [0] * k
        for i in order.tolist():
            out[i] = 1
        return out
    rest = total - k
    exact = w / w.sum() * rest
    base = np.floor(exact).astype(int)
    left = rest - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")[:left]
    base[order] += 1
    return (base + 1).tolist()


# --------------------------------------------------------------------------- officers


@dataclass
class _Officers:
    columns: dict[str, list]
    body_idx: np.ndarray  # index into reference.bodies
    town_idx: np.ndarray  # the officer's home town (unit's town, or random for desk units)
    valid_from: np.ndarray  # ordinals
    valid_to: np.ndarray
    demo_officer: int  # index of the officer behind the "officer" login


def _unit_weights(body: str, units: list[dict]) -> list[float]:
    """Relative staffing of a body's units. SC: brigade 10 %, each other desk unit 5 %, the
    town offices the rest by town size; ZF squads by town size; elsewhere the brigade
    (-ZD) twice the supervision division."""
    if body != "SC":
        return [
            TOWN_WEIGHTS.get(u["town"], DEFAULT_TOWN_WEIGHT)
            if u["town"]
            else (2.0 if u["code"].endswith("-ZD") else 1.0)
            for u in units
        ]
    desk = {u["code"]: 10.0 if u["code"].endswith("-ZD") else 5.0 for u in units if not u["town"]}
    towns = sum(TOWN_WEIGHTS.get(u["town"], DEFAULT_TOWN_WEIGHT) for u in units if u["town"])
    rest = 100.0 - sum(desk.values())
    return [
        TOWN_WEIGHTS.get(u["town"], DEFAULT_TOWN_WEIGHT) / towns * rest
        if u["town"]
        else desk[u["code"]]
        for u in units
    ]


def _officers(rng: np.random.Generator, ref: Reference, scale: float) -> _Officers:
    fake = _faker(rng)
    today = DEMO_TODAY.toordinal()
    counts = planned_counts(scale, ref)["officers"]
    town_codes = [t["code"] for t in ref.towns]
    town_pos = {c: i for i, c in enumerate(town_codes)}
    town_w = [TOWN_WEIGHTS.get(c, DEFAULT_TOWN_WEIGHT) for c in town_codes]
    categories: dict[str, list[str]] = {}
    for it in ref.items:
        cats = categories.setdefault(it["body"], [])
        if it["category_zh"] not in cats:
            cats.append(it["category_zh"])

    body_col, unit_col, body_idx, town_idx, own_town, serial = [], [], [], [], [], []
    for b_i, body in enumerate(ref.bodies):
        code = body["code"]
        units = [u for u in ref.units if u["body"] == code]
        n = counts[code]
        if not units:
            raise ValueError(f"body {code} has no units in units.csv")
        per_unit = _apportion(n, _unit_weights(code, units))
        s = 0
        for u, k in zip(units, per_unit, strict=True):
            for _ in range(k):
                s += 1
                body_col.append(code)
                unit_col.append(u["code"])
                body_idx.append(b_i)
                serial.append(s)
                if u["town"]:
                    town_idx.append(town_pos[u["town"]])
                    own_town.append(True)
                else:
                    town_idx.append(-1)
                    own_town.append(False)
    n = len(body_col)
    body_idx_a = np.array(body_idx)
    town_idx_a = np.array(town_idx)
    own_town_a = np.array(own_town)
    desk = ~own_town_a
    town_idx_a[desk] = _choice_index(rng, town_w, int(desk.sum()))

    # Certificates: status first, then dates consistent with it.
    u = rng.random(n)
    e, s_, r = CERT_SHARES["expired"], CERT_SHARES["suspended"], CERT_SHARES["revoked"]
    status = np.where(
        u < e,
        "expired",
        np.where(u < e + s_, "suspended", np.where(u < e + s_ + r, "revoked", "valid")),
    )
    # Valid (also suspended, revoked): issued within the term, so still within it today.
    valid_from = today - rng.integers(7, CERT_TERM_DAYS + 1, n)
    expired = status == "expired"
    expired_to = today - rng.integers(1, 2 * 365, n)
    valid_from = np.where(expired, expired_to - CERT_TERM_DAYS, valid_from)

    # The officer behind the demo login: the first SC officer of a town office, valid.
    sc = [i for i in range(n) if body_col[i] == "SC"]
    demo = next((i for i in sc if own_town[i]), sc[0])
    status[demo] = "valid"
    valid_from[demo] = today - 400
    valid_to = valid_from + CERT_TERM_DAYS

    # Competences: a subset of the body's item categories; about 20 % empty (= all).
    competences = []
    empty = rng.random(n) < 0.20
    for i in range(n):
        cats = categories.get(body_col[i], [])
        if empty[i] or not cats or i == demo:
            competences.append("")
            continue
        k = 1 + int(rng.binomial(len(cats) - 1, 0.2)) if len(cats) > 1 else 1
        chosen = {cats[j] for j in rng.choice(len(cats), size=k, replace=False).tolist()}
        if unit_col[i] == "SC-SP":
            chosen.add("食品安全")
        elif unit_col[i] == "SC-TZ":
            chosen.add("特种设备")
        competences.append(";".join(sorted(chosen)))

    body_order = {b["code"]: i + 1 for i, b in enumerate(ref.bodies)}
    issued = _ordinal_dates(valid_from)
    cert_no = [
        f"{DIVISION_CODE_CITY}{body_order[b]:02d}{d.year % 100:02d}{k:05d}"
        for b, d, k in zip(body_col, issued, serial, strict=True)
    ]
    names = [fake.name() for _ in range(n)]
    phones = [fake.phone_number() for _ in range(n)]
    columns = {
        "cert_no": cert_no,
        "name": names,
        "body": body_col,
        "unit": unit_col,
        "cert_valid_from": issued,
        "cert_valid_to": _ordinal_dates(valid_to),
        "cert_status": status.tolist(),
        "competences": competences,
        "phone": phones,
    }
    return _Officers(columns, body_idx_a, town_idx_a, valid_from, valid_to, demo)


def generate_officers(seed: int = 1, scale: float = 1.0, reference: Reference | None = None):
    """The officer table alone, identical to `generate(seed, scale).officers`."""
    ref = reference or read_reference()
    return _officers(_stage_rngs(seed)["officers"], ref, scale).columns


# --------------------------------------------------------------------------- entities


@dataclass
class _Entities:
    columns: dict[str, list]
    type_idx: np.ndarray  # 0 E, 1 I, 2 C
    industry: np.ndarray  # section letters (numpy unicode array)
    town_idx: np.ndarray
    registered: np.ndarray  # ordinals
    active: np.ndarray  # bool


class _NameParts:
    """Pools of name parts, built once from a seeded Faker plus fixed word lists."""

    def __init__(self, fake: Faker, rng: np.random.Generator):
        from faker.providers.address.zh_CN import Provider as AddressProvider

        chars = dict.fromkeys(TRADENAME_CHARS)
        for _ in range(400):
            for ch in fake.first_name() + fake.company_prefix():
                if "\u4e00" <= ch <= "\u9fff" and ch not in TRADENAME_BLACKLIST:
                    chars.setdefault(ch)
        pool = list(chars)
        pairs = rng.integers(0, len(pool), size=(30_000, 2))
        tradenames = dict.fromkeys(
            pool[a] + pool[b] for a, b in pairs.tolist() if a != b
        )  # ordered, de-duplicated
        for _ in range(300):
            p = fake.company_prefix()
            if len(p) == 2 and not (set(p) & TRADENAME_BLACKLIST):
                tradenames.setdefault(p)
        self.tradenames = list(tradenames)
        self.surnames = [fake.last_name() for _ in range(3_000)]
        self.given = [fake.first_name() for _ in range(3_000)]
        cities = [
            c for c in AddressProvider.cities if len(c) == 2 and c not in ("台北", "香港", "澳门")
        ]
        roads = dict.fromkeys(
            cities[a] + ROAD_SUFFIXES[b]
            for a, b in zip(
                rng.integers(0, len(cities), 400).tolist(),
                rng.integers(0, len(ROAD_SUFFIXES), 400).tolist(),
                strict=True,
            )
        )
        for _ in range(200):
            roads.setdefault(fake.last_name() + "家" + ROAD_SUFFIXES[int(rng.integers(0, 3))])
        self.roads = list(roads)
        villages = dict.fromkeys(
            fake.last_name() + VILLAGE_SUFFIXES[int(rng.integers(0, len(VILLAGE_SUFFIXES)))]
            for _ in range(600)
        )
        self.villages = list(villages)


def _weighted_pick(rng, options: tuple[tuple[str, float], ...], size: int) -> list[str]:
    idx = _choice_index(rng, [w for _, w in options], size)
    return [options[i][0] for i in idx.tolist()]


def _entity_names(
    rng: np.random.Generator,
    parts: _NameParts,
    types: list[str],
    industries: list[str],
    town_names: list[str],
    old: list[bool],
) -> list[str]:
    n = len(types)
    trade = _pick(rng, parts.tradenames, n)
    person = [
        s + g
        for s, g in zip(_pick(rng, parts.surnames, n), _pick(rng, parts.given, n), strict=True)
    ]
    prefix = _weighted_pick(rng, ENTERPRISE_PREFIXES, n)
    form = _weighted_pick(rng, ENTERPRISE_FORMS, n)
    u = rng.random(n).tolist()
    k = rng.integers(0, 1_000, n).tolist()
    out = []
    for i in range(n):
        sec = industries[i]
        if types[i] == "E":
            words = ENTERPRISE_WORDS.get(sec) or ENTERPRISE_WORDS["L"]
            out.append(f"{prefix[i]}{trade[i]}{words[k[i] % len(words)]}{form[i]}")
        elif types[i] == "I":
            words = SHOP_WORDS.get(sec) or ["经营部"]
            place = "即墨市" if old[i] and u[i] < 0.3 else "即墨区"
            core = person[i] if u[i] > 0.6 else trade[i]
            if u[i] > 0.9:  # some carry their town: 即墨区蓝村街道XX超市
                place += town_names[i]
            out.append(f"{place}{core}{words[k[i] % len(words)]}")
        else:
            words = COOPERATIVE_WORDS.get(sec) or COOPERATIVE_WORDS["A"]
            place = "即墨市" if old[i] else "即墨区"
            if u[i] < 0.5:
                place += town_names[i]
            kind = "农民专业合作社" if u[i] < 0.7 else "专业合作社"
            out.append(f"{place}{trade[i]}{words[k[i] % len(words)]}{kind}")
    return out


def _unique_names(rng, parts, types, industries, town_names, old, rounds: int = 6) -> list[str]:
    """Names, re-drawn a few times where they repeat an earlier one (mostly unique)."""
    names = _entity_names(rng, parts, types, industries, town_names, old)
    for _ in range(rounds):
        seen: set[str] = set()
        dup = []
        for i, nm in enumerate(names):
            if nm in seen:
                dup.append(i)
            else:
                seen.add(nm)
        if not dup:
            break
        fresh = _entity_names(
            rng,
            parts,
            [types[i] for i in dup],
            [industries[i] for i in dup],
            [town_names[i] for i in dup],
            [old[i] for i in dup],
        )
        for i, nm in zip(dup, fresh, strict=True):
            names[i] = nm
    return names


def _usccs(rng: np.random.Generator, type_idx: np.ndarray, registered: np.ndarray) -> list[str]:
    n = len(type_idx)
    reform = CODE_REFORM.toordinal()
    legacy = registered < reform
    style = np.where(legacy, np.where(type_idx == 1, 1, 0), 2)  # 0 digits, 1 L, 2 MA3
    body = np.empty(n, dtype=object)
    sel = np.flatnonzero(style == 0)
    draws = rng.choice(90_000_000, size=len(sel), replace=False) + 10_000_000
    body[sel] = [f"{v:08d}" for v in draws.tolist()]
    sel = np.flatnonzero(style == 1)
    draws = rng.choice(31**7, size=len(sel), replace=False)
    body[sel] = ["L" + s for s in _base31(draws, 7)]
    sel = np.flatnonzero(style == 2)
    draws = rng.choice(31**5, size=len(sel), replace=False)
    body[sel] = ["MA3" + s for s in _base31(draws, 5)]
    district = DISTRICT_SINCE.toordinal()
    out = []
    for b, t, reg in zip(body.tolist(), type_idx.tolist(), registered.tolist(), strict=True):
        division = DIVISION_CODE_DISTRICT if reg >= district else DIVISION_CODE_CITY
        first17 = f"9{t + 1}{division}{b}{org_code_check_digit(b)}"
        out.append(first17 + uscc.calc_check_digit(first17))
    return out


def _entities(rng: np.random.Generator, ref: Reference, scale: float) -> _Entities:
    parts = _NameParts(_faker(rng), rng)
    today = DEMO_TODAY.toordinal()
    counts = planned_counts(scale, ref)["entities"]
    type_codes = list(ENTITY_COUNTS)  # E, I, C
    type_idx = np.concatenate(
        [np.full(counts[t], i, dtype=np.int64) for i, t in enumerate(type_codes)]
    )
    n = len(type_idx)
    town_codes = [t["code"] for t in ref.towns]
    town_names = [t["name_zh"] for t in ref.towns]

    industry = np.empty(n, dtype="<U1")
    town_idx = np.empty(n, dtype=np.int64)
    registered = np.empty(n, dtype=np.int64)
    mean_age = {"E": 7.0, "I": 5.0, "C": 6.0}
    for i, t in enumerate(type_codes):
        sel = np.flatnonzero(type_idx == i)
        weights = INDUSTRY_WEIGHTS[t]
        letters = list(weights)
        industry[sel] = np.array(letters)[_choice_index(rng, list(weights.values()), len(sel))]
        tw = [TOWN_WEIGHTS.get(c, DEFAULT_TOWN_WEIGHT) for c in town_codes]
        if t == "C":
            tw = [w * TOWN_RURAL.get(c, 1.0) for w, c in zip(tw, town_codes, strict=True)]
        town_idx[sel] = _choice_index(rng, tw, len(sel))
        oldest = COOPERATIVE_LAW.toordinal() if t == "C" else dt.date(1990, 1, 1).toordinal()
        span = today - 7 - oldest
        age = np.floor(rng.exponential(mean_age[t] * 365.25, len(sel))).astype(np.int64) % span
        registered[sel] = today - 7 - age

    status = np.full(n, "active", dtype="<U12")
    u = rng.random(n)
    d, r = STATUS_SHARES["deregistered"], STATUS_SHARES["revoked"]
    status[u < d + r] = "revoked"
    status[u < d] = "deregistered"
    classes = np.array(list(CREDIT_SHARES))
    credit_idx = _choice_index(rng, list(CREDIT_SHARES.values()), n)
    credit = classes[credit_idx]
    # Riskier classes are more often under key supervision and on the abnormal list.
    key_p = np.array([0.005, 0.01, 0.03, 0.08])[credit_idx]
    abnormal_p = np.array([0.01, 0.03, 0.06, 0.15])[credit_idx]
    key = rng.random(n) < key_p
    abnormal = rng.random(n) < abnormal_p

    types_l = [type_codes[i] for i in type_idx.tolist()]
    ind_l = industry.tolist()
    tn_l = [town_names[i] for i in town_idx.tolist()]
    old_l = (registered < DISTRICT_SINCE.toordinal()).tolist()
    names = _unique_names(rng, parts, types_l, ind_l, tn_l, old_l)

    # Addresses: street and number in subdistricts; village and number in rural towns.
    rural = np.isin(np.array(town_codes)[town_idx], RURAL_TOWNS) & (rng.random(n) < 0.7)
    road = _pick(rng, parts.roads, n)
    village = _pick(rng, parts.villages, n)
    number = rng.integers(1, 600, n).tolist()
    addresses = [
        f"青岛市即墨区{tn_l[i]}{village[i] + '村' if rural[i] else road[i]}{number[i]}号"
        for i in range(n)
    ]
    columns = {
        "uscc": _usccs(rng, type_idx, registered),
        "name": names,
        "type": types_l,
        "industry": ind_l,
        "town": [town_codes[i] for i in town_idx.tolist()],
        "address": addresses,
        "registered_on": _ordinal_dates(registered),
        "status": status.tolist(),
        "credit_class": credit.tolist(),
        "key_supervision": key.tolist(),
        "abnormal": abnormal.tolist(),
    }
    return _Entities(columns, type_idx, industry, town_idx, registered, status == "active")


# --------------------------------------------------------------------------- conflicts, leave


def _conflicts(rng: np.random.Generator, off: _Officers, ent: _Entities) -> dict[str, list]:
    today = DEMO_TODAY.toordinal()
    n_towns = int(max(off.town_idx.max(), ent.town_idx.max())) + 1
    by_town = [np.flatnonzero(ent.town_idx == t) for t in range(n_towns)]
    n_ent = len(ent.town_idx)
    kinds = [k for k, _ in CONFLICT_KINDS]
    officer_i, entity_i = [], []
    per_officer = rng.poisson(CONFLICTS_PER_OFFICER, len(off.town_idx))
    for o, k in enumerate(per_officer.tolist()):
        if k == 0:
            continue
        home = by_town[int(off.town_idx[o])]
        k_home = min(int(rng.binomial(k, OWN_TOWN_CONFLICT_SHARE)), len(home))
        chosen = home[rng.choice(len(home), size=k_home, replace=False)].tolist()
        taken = set(chosen)
        for e in rng.integers(0, n_ent, 3 * (k - k_home)).tolist():
            if len(chosen) >= k:
                break
            if e not in taken:
                taken.add(e)
                chosen.append(e)
        officer_i.extend([o] * len(chosen))
        entity_i.extend(chosen)
    m = len(officer_i)
    kind = _choice_index(rng, [w for _, w in CONFLICT_KINDS], m).tolist()
    oi = np.array(officer_i, dtype=np.int64)
    ei = np.array(entity_i, dtype=np.int64)
    # Declared after both the certificate's issue and the entity's registration.
    earliest = np.maximum(np.maximum(off.valid_from[oi], ent.registered[ei]), today - 3 * 365)
    earliest = np.minimum(earliest, today - 1)
    declared = earliest + np.floor(rng.random(m) * (today - earliest)).astype(np.int64)
    note_pick = rng.integers(0, 100, m).tolist()
    cert = off.columns["cert_no"]
    codes = ent.columns["uscc"]
    notes = [
        CONFLICT_NOTES[kinds[k]][j % len(CONFLICT_NOTES[kinds[k]])]
        for k, j in zip(kind, note_pick, strict=True)
    ]
    return {
        "officer": [cert[o] for o in officer_i],
        "entity": [codes[e] for e in entity_i],
        "kind": [kinds[k] for k in kind],
        "declared_on": _ordinal_dates(declared),
        "note": notes,
    }


def _leave(rng: np.random.Generator, off: _Officers) -> dict[str, list]:
    today = DEMO_TODAY.toordinal()
    first, last = today - 120, LEAVE_UNTIL.toordinal()
    n = len(off.town_idx)
    on_leave = np.flatnonzero(rng.random(n) < LEAVE_SHARE)
    on_leave = on_leave[on_leave != off.demo_officer]
    cols: dict[str, list] = {"officer": [], "starts_on": [], "ends_on": [], "reason": []}
    starts, ends = [], []
    for o in on_leave.tolist():
        periods = 2 if rng.random() < 0.2 else 1
        start = int(rng.integers(first, last - 10))
        for _ in range(periods):
            if start > last:
                break
            k = int(_choice_index(rng, [s for _, s, _, _ in LEAVE_KINDS], 1)[0])
            reason, _, lo, hi = LEAVE_KINDS[k]
            length = int(rng.integers(lo, hi + 1))
            cols["officer"].append(off.columns["cert_no"][o])
            cols["reason"].append(reason)
            starts.append(start)
            ends.append(start + length - 1)
            start = start + length + int(rng.integers(20, 90))  # the next one, later
    cols["starts_on"] = _ordinal_dates(np.array(starts, dtype=np.int64))
    cols["ends_on"] = _ordinal_dates(np.array(ends, dtype=np.int64))
    return cols


# --------------------------------------------------------------------------- history


def _history(
    rng: np.random.Generator,
    ref: Reference,
    scale: float,
    off: _Officers,
    ent: _Entities,
    conflicts: dict[str, list],
) -> dict[str, list]:
    today = DEMO_TODAY.toordinal()
    window_start = today - HISTORY_WINDOW_DAYS
    total = planned_counts(scale, ref)["history"]
    body_codes = [b["code"] for b in ref.bodies]
    type_letters = np.array(list(ENTITY_COUNTS))[ent.type_idx]
    eligible_base = ent.active & (ent.registered < window_start)

    # Eligible entities per body: the union over the body's items (type and industry fit).
    pools: dict[str, list[np.ndarray]] = {}
    for it in ref.items:
        mask = eligible_base & np.isin(type_letters, list(it["entity_types"]))
        if it["industries"] != "*":
            mask &= np.isin(ent.industry, list(it["industries"]))
        idx = np.flatnonzero(mask)
        if len(idx):
            pools.setdefault(it["body"], []).append(idx)
    officers_of = {
        b: np.flatnonzero(off.body_idx == i) for i, b in enumerate(body_codes) if b in pools
    }
    bodies = [b for b in body_codes if b in pools and len(officers_of[b]) >= 2]
    if not bodies:
        return {c: [] for c in COLUMNS["history"]}
    weights = [len(officers_of[b]) * HISTORY_BODY_BOOST.get(b, 1.0) for b in bodies]
    pick_body = _choice_index(rng, weights, total).tolist()

    # Working days (Monday to Friday) of the year before DEMO_TODAY.
    days = np.arange(window_start, today)
    days = days[(days - 1) % 7 < 5]  # ordinal 1 (0001-01-01) is a Monday
    pick_day = np.sort(days[rng.integers(0, len(days), total)])

    cert = off.columns["cert_no"]
    entity_pos = {c: i for i, c in enumerate(ent.columns["uscc"])}
    officer_pos = {c: i for i, c in enumerate(cert)}
    conflicted = {
        (officer_pos[o], entity_pos[e])
        for o, e in zip(conflicts["officer"], conflicts["entity"], strict=True)
    }
    per_entity_body: dict[tuple[int, str], int] = {}
    last_team: dict[tuple[int, str], tuple[int, int]] = {}
    codes = ent.columns["uscc"]
    rows: dict[str, list] = {c: [] for c in COLUMNS["history"]}
    for b_i, day in zip(pick_body, pick_day.tolist(), strict=True):
        body = bodies[b_i]
        item_pools = pools[body]
        e = -1
        for _ in range(10):  # frequency: at most twice a year by the same body
            pool = item_pools[int(rng.integers(0, len(item_pools)))]
            cand = int(pool[int(rng.integers(0, len(pool)))])
            if per_entity_body.get((cand, body), 0) < 2:
                e = cand
                break
        if e < 0:
            continue
        staff = officers_of[body]
        ok = staff[(off.valid_from[staff] <= day) & (off.valid_to[staff] >= day)]
        previous = last_team.get((e, body), ())
        fit = [o for o in ok.tolist() if (o, e) not in conflicted and o not in previous]
        if len(fit) < 2:
            fit = [o for o in staff.tolist() if (o, e) not in conflicted] or staff.tolist()
        if len(fit) < 2:
            fit = staff.tolist()
        a, b = rng.choice(len(fit), size=2, replace=False).tolist()
        team = tuple(sorted((fit[a], fit[b])))
        per_entity_body[(e, body)] = per_entity_body.get((e, body), 0) + 1
        last_team[(e, body)] = team
        d = dt.date.fromordinal(day)
        rows["entity"].append(codes[e])
        rows["body"].append(body)
        rows["inspected_on"].append(d)
        rows["plan_code"].append(f"H-{body}-{d.year}{d.month:02d}")
        rows["officers"].append((cert[team[0]], cert[team[1]]))
    return rows


# --------------------------------------------------------------------------- the district


STAGES = ("officers", "entities", "conflicts", "leave_periods", "history")


def _stage_rngs(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(STAGES))
    return {name: np.random.default_rng(c) for name, c in zip(STAGES, children, strict=True)}


def generate(
    seed: int = 1,
    scale: float = 1.0,
    reference: Reference | None = None,
    progress: Callable[[str], None] | None = None,
) -> District:
    """The demo district for `seed` at `scale` (1.0: 2,304 officers, 217,000 entities).

    `progress`, if given, is called with the name of each stage once it is done.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    ref = reference or read_reference()
    rngs = _stage_rngs(seed)
    done = progress or (lambda stage: None)
    off = _officers(rngs["officers"], ref, scale)
    done("officers")
    ent = _entities(rngs["entities"], ref, scale)
    done("entities")
    conflicts = _conflicts(rngs["conflicts"], off, ent)
    done("conflicts")
    leave = _leave(rngs["leave_periods"], off)
    done("leave_periods")
    history = _history(rngs["history"], ref, scale, off, ent, conflicts)
    done("history")
    users = []
    for u in DEMO_USERS:
        user = dict(u)
        user["cert_no"] = (
            off.columns["cert_no"][off.demo_officer] if u["role"] == "officer" else None
        )
        users.append(user)
    return District(
        seed=seed,
        scale=scale,
        today=DEMO_TODAY,
        officers=off.columns,
        leave_periods=leave,
        entities=ent.columns,
        conflicts=conflicts,
        history=history,
        users=users,
    )
