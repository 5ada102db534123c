"""Chinese for the portal's message ids (gathered by web/translations/fill_zh.py)."""

ZH = {
    "Random selection of inspected market entities, random matching of certified officers, "
    "and public disclosure of the results.": (
        "随机抽取检查对象，随机选派执法检查人员，抽查情况及查处结果及时向社会公开。"
    ),
    "enforcement bodies": "个行政执法主体",
    "certified officers": "名持证执法人员",
    "market entities in the directory": "户市场主体在检查对象名录库中",
}
