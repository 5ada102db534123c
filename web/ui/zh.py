"""Chinese for every message of the UI kit (base.html, macros.html, web/ui/*.py).

`web/translations/fill_zh.py` gathers every `web/**/zh.py`; message ids are English.
"""

ZH = {
    # states (states.py): the same wording everywhere
    "Draft": "草稿",
    "Frozen": "已冻结",
    "Drawn": "已抽取",
    "Matched": "已匹配",
    "Scheduled": "已排期",
    "Published": "已公示",
    "Closed": "已结束",
    "Cancelled": "已撤销",
    "Not entered": "未录入",
    "Submitted": "待审核",
    "Returned": "已退回",
    "Approved": "已通过",
    "Disclosed": "已公开",
    # dates and values (filters.py, tables.py)
    "China Standard Time (UTC+8)": "北京时间",
    "Yes": "是",
    "No": "否",
    # layout (base.html)
    "Skip to main content": "跳到正文",
    "Main menu": "主菜单",
    "Host organisation: %(name)s": "主办单位：%(name)s",
    "Site identification code: %(code)s": "网站标识码：%(code)s",
    # tables, pagination, downloads (macros.html)
    "%(total)s rows": "共 %(total)s 条",
    "%(total)s rows, showing %(first)s–%(last)s": "共 %(total)s 条，显示第 %(first)s–%(last)s 条",
    "Download the rows shown:": "下载本页所示数据：",
    "Sort by:": "排序：",
    "(ascending)": "（升序）",
    "(descending)": "（降序）",
    "Nothing to show.": "暂无数据。",
    "Pages": "分页",
    "First": "首页",
    "Previous": "上一页",
    "Next": "下一页",
    "Last": "末页",
    "Page %(page)s of %(pages)s": "第 %(page)s/%(pages)s 页",
    # commitment timeline and digests (macros.html, __init__.py)
    "Population frozen": "名录冻结",
    "Seed set": "随机种子已设定",
    "Entities drawn": "已抽取检查对象",
    "Plan published": "计划已公示",
    "Not yet": "尚未进行",
    "Digest (SHA-256)": "摘要（SHA-256）",
    "Population digest (SHA-256)": "名录摘要（SHA-256）",
    "Seed": "随机种子",
    "Copy": "复制",
    "Copied": "已复制",
    "Select the text and copy it": "请选中文字后复制",
    # charts (charts.py, macros.html)
    "The numbers": "图表数据",
    "Category": "类别",
    "Value": "数值",
    "Count": "数量",
    "Range": "区间",
    "No data": "暂无数据",
    "%(n)s values; highest: %(label)s, %(value)s.": "共 %(n)s 项；最高：%(label)s，%(value)s。",
    "%(series)s series over %(points)s points: %(names)s.": (
        "%(series)s 条折线，%(points)s 个数据点：%(names)s。"
    ),
    "%(n)s values in %(bins)s bins; the fullest bin: %(label)s, %(count)s.": (
        "共 %(n)s 个数值，分为 %(bins)s 组；最多的一组：%(label)s，%(count)s 个。"
    ),
    # forms (macros.html)
    "Please correct the following:": "请更正以下内容：",
    "%(label)s: %(message)s": "%(label)s：%(message)s",
    "(required)": "（必填）",
    "Error:": "错误：",
    # printing and QR codes (macros.html)
    "Print": "打印",
    "No.": "编号",
    "Scan to check": "扫码核验",
}
