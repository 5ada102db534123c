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

ZH.update(
    {
        # navigation, home
        "Plans": "抽查计划",
        "Entities": "市场主体",
        "Look up a market entity by name or unified social credit code": (
            "按名称或统一社会信用代码查询市场主体"
        ),
        "This year (%(year)s)": "本年度（%(year)s年）",
        "plans published": "个计划已公示",
        "inspections drawn": "户次被抽取检查",
        "Latest published plans": "最新公示的抽查计划",
        "published": "公示于",
        "All published plans": "全部已公示计划",
        "No plan has been published yet.": "尚无已公示的抽查计划。",
        "The district": "本区概况",
        # plan list
        "Published plans": "已公示的抽查计划",
        "Filter the plans": "筛选抽查计划",
        "Plan number or name": "计划编号或名称",
        "Year": "年度",
        "State": "状态",
        "Filter": "筛选",
        "All": "全部",
        "No published plan matches.": "没有符合条件的已公示计划。",
        # plan page
        "This plan was cancelled": "本计划已撤销",
        "Reason:": "撤销原因：",
        "Scope": "抽查范围",
        "Plan number": "计划编号",
        "Lead body": "牵头执法主体",
        "Participating bodies": "参与执法主体",
        "Inspection window": "检查时间",
        "Towns": "镇街",
        "All towns of the district": "全区所有镇街",
        "Drawn at random": "随机抽取",
        "Key supervision": "重点监管",
        "Published at": "公示时间",
        "Inspection items": "抽查事项",
        "The rules, in plain words": "抽查规则说明",
        "All eligible entities form one group; the draw takes the share below of them, "
        "rounded up.": "全部符合条件的市场主体为一组，按下列比例抽取（向上取整）。",
        "Eligible entities are grouped by their credit-risk class (A low to D high); the draw "
        "takes a larger share of the higher-risk groups, rounded up.": (
            "符合条件的市场主体按信用风险分类分组（A类风险最低，D类最高），"
            "风险越高抽取比例越高（向上取整）。"
        ),
        "Eligible entities are grouped by their credit-risk class and inspection item; the "
        "draw takes the share below of each group, rounded up.": (
            "符合条件的市场主体按信用风险分类和抽查事项分组，每组按下列比例抽取（向上取整）。"
        ),
        "Eligible entities are grouped as below; the draw takes the share below of each "
        "group, rounded up.": "符合条件的市场主体按下列方式分组，每组按下列比例抽取（向上取整）。",
        "Groups (strata) and how many are drawn": "分组（分层）及抽取数量",
        "Group": "分组",
        "Rule": "抽取规则",
        "All eligible entities": "全部符合条件的市场主体",
        "Credit-risk class %(c)s": "信用风险 %(c)s 类",
        "%(bp)s in 10,000": "万分之 %(bp)s",
        "a fixed number: %(n)s": "固定数量：%(n)s 户",
        "An entity already drawn or inspected %(n)s times this year by the lead body is not "
        "drawn again.": "本年度已被牵头执法主体抽取或检查 %(n)s 次的市场主体不再抽取。",
        "An entity the lead body inspected in the last %(m)s months is not drawn for a "
        "general item.": "近 %(m)s 个月内已被牵头执法主体检查过的市场主体，一般事项不再抽取。",
        "Deregistered and revoked entities are never drawn.": (
            "已注销、已吊销的市场主体不参加抽取。"
        ),
        "Entities under key supervision are inspected in addition to the random draw and are "
        "marked so.": "重点监管对象在随机抽取之外另行检查，并单独标明。",
        "Each inspection team has at least two certified officers of each body, matched at "
        "random among those eligible (certificate valid, no conflict of interest, within "
        "workload).": (
            "每个检查组由每个执法主体至少两名持证执法人员组成，"
            "在符合条件者（证件有效、无利害关系、未超工作量）中随机匹配。"
        ),
        "Officers never inspect entities in their own unit's town.": (
            "执法人员不检查本单位辖区内的市场主体（所所交叉）。"
        ),
        "Why this plan's groups are sealed": "本计划的分组为何密封",
        "Credit-risk classes are confidential. So that neither the published bundle nor a "
        "ticket anyone can compute reveals an entity's class, this plan's draw uses a secret "
        "strata key, fixed and committed (its SHA-256 commitment below) at the freeze, before "
        "the seed existed: it cannot have been chosen to steer the draw.": (
            "信用风险分类不予公开。为使公开的核验数据包和任何人可计算的抽取号都不泄露市场主体的"
            "分类，本计划的抽取使用一把保密的分层密钥；该密钥在名录冻结时、随机种子产生之前即已"
            "确定并公开其承诺值（见下方 SHA-256），因此不可能被用来操纵抽取结果。"
        ),
        "Anyone can check here that the population is the one committed at the freeze, that "
        "the group sizes add up and each number drawn follows from its size and share, and "
        "that every drawn entity belongs to the population. The drawn entities are listed in "
        "credit-code order. Checking the draw group by group needs the auditor bundle, which "
        "auditors, courts and discipline inspectors can obtain from the lead body.": (
            "任何人都可以在此核验：抽取名录与冻结时公开的一致，各组数量相加无误，每组抽取数量"
            "符合其规模和比例，所有被抽中的市场主体都在名录中。被抽中的市场主体按统一社会信用代码"
            "排序列出。逐组核验抽取过程需要审计数据包，审计、法院和纪检监察人员可向牵头执法主体调取。"
        ),
        "Commitment timeline": "公开承诺时间线",
        "Population keys digest (SHA-256)": "名录代码摘要（SHA-256）",
        "Strata key commitment (SHA-256)": "分层密钥承诺值（SHA-256）",
        "Verify this draw": "核验本次抽取",
        "Verifying the draw in the browser needs JavaScript. You can also download the bundle "
        "and verify.py and run the command below.": (
            "在浏览器中核验需要启用 JavaScript。也可以下载核验数据包和 verify.py，运行下面的命令。"
        ),
        "Download bundle.json": "下载核验数据包 bundle.json",
        "Download verify.py": "下载核验程序 verify.py",
        "Then, with Python 3 (nothing else to install):": (
            "然后用 Python 3 运行（无需安装其他软件）："
        ),
        "Drawn entities": "被抽取的市场主体",
        "Search the drawn entities": "查找被抽取的市场主体",
        "Entity name or credit code": "市场主体名称或统一社会信用代码",
        "No drawn entity matches.": "没有符合条件的被抽取市场主体。",
        "Market entity": "市场主体",
        "Unified social credit code": "统一社会信用代码",
        "Town": "镇街",
        "Why": "抽取方式",
        "Status": "状态",
        "Random draw": "随机抽取",
        "Not carried out (plan cancelled)": "未实施（计划已撤销）",
        "Result not yet disclosed": "结果尚未公示",
        "To be inspected": "待检查",
        "Inspections": "检查户数",
        "Window": "检查时间",
        "Name": "名称",
        # officers
        "Officer registry": "执法检查人员名录",
        "Every certified enforcement officer of the district: name, body, certificate number, "
        "certificate status and validity. Check the certificate of an officer at your door "
        "here.": (
            "全区持证执法人员：姓名、执法主体、执法证号、证件状态和有效期。"
            "上门检查的执法人员的证件可在此查验。"
        ),
        "Search the officer registry": "查询执法人员",
        "Name or certificate number": "姓名或执法证号",
        "No officer matches.": "没有符合条件的执法人员。",
        "Enforcement body": "执法主体",
        "Certificate number": "执法证号",
        "Certificate status": "证件状态",
        "Valid from": "生效日期",
        "Valid to": "有效期至",
        "Valid": "有效",
        "Expired": "已过期",
        "Suspended": "暂扣",
        "Revoked": "已注销",
        "Certificate %(no)s": "执法证 %(no)s",
        "Enforcement certificate check": "执法证查验",
        "Valid today": "今日有效",
        "this certificate is valid on %(day)s.": "该执法证在%(day)s有效。",
        "Not valid today": "今日无效",
        "this certificate does not allow inspections on %(day)s.": (
            "该执法证在%(day)s不能用于执法检查。"
        ),
        # entities
        "Look up a market entity": "查询市场主体",
        "Name or unified social credit code": "名称或统一社会信用代码",
        "Search": "查询",
        "No market entity matches.": "没有符合条件的市场主体。",
        "Market entities": "市场主体",
        "Type": "类型",
        "Industry (GB/T 4754 section)": "行业（国民经济行业分类门类）",
        "Address": "地址",
        "Registered on": "成立日期",
        "On the abnormal-operations list": "列入经营异常名录",
        "Enterprise": "企业",
        "Individual business": "个体工商户",
        "Farmer cooperative": "农民专业合作社",
        "Active": "存续",
        "Deregistered": "注销",
        "Licence revoked": "吊销",
        "Published plans that drew this entity": "抽中该市场主体的已公示计划",
        "Why: key supervision.": "抽取方式：重点监管。",
        "Entities under key supervision are inspected regardless of the draw.": (
            "重点监管对象不经随机抽取，直接列入检查。"
        ),
        "Why: random draw.": "抽取方式：随机抽取。",
        "This plan's groups are sealed (they follow the confidential credit-risk classes), so "
        "its tickets are not published; the plan page explains how the draw is verified.": (
            "本计划按不公开的信用风险分类密封分组，因此不公布抽取号；核验方法见计划页面。"
        ),
        "Its ticket ranked %(rank)s of %(size)s in its group %(stratum)s; the lowest tickets "
        "are drawn.": (
            "其抽取号在 %(stratum)s 组 %(size)s 户中排第 %(rank)s 位；抽取号最小者被抽中。"
        ),
        "Ticket: SHA-256(seed|plan|credit code)": "抽取号：SHA-256(种子|计划编号|统一社会信用代码)",
        "No published plan has drawn this entity.": "尚无已公示计划抽中该市场主体。",
        "When can it be drawn again?": "何时可能再次被抽取？",
        "The rule: an enforcement body draws the same entity at most %(n)s times a year, and a "
        "plan may leave out entities that the same body inspected in the last months (for "
        "general items). Entities under key supervision are inspected regardless.": (
            "规则：同一执法主体一年内对同一市场主体最多抽取 %(n)s 次；"
            "计划可对近几个月内已被同一执法主体检查过的市场主体不再抽取（一般事项）。"
            "重点监管对象不受此限。"
        ),
        "drawn %(count)s times in %(year)s.": "%(year)s年已抽取 %(count)s 次。",
        "It can next be drawn by this body from %(day)s.": "该执法主体自%(day)s起方可再次抽取。",
        "It can still be drawn by this body this year.": "本年度该执法主体仍可抽取。",
        "No published plan drew it this year: any body may draw it.": (
            "本年度尚无已公示计划抽中该市场主体，各执法主体均可抽取。"
        ),
    }
)

ZH.update(
    {
        "Month %(m)s": "%(m)s月",
        "Inspections disclosed": "公示检查户数",
        "Problems found": "发现问题户数",
        "Inspections and findings per month, %(year)s": "%(year)s年每月检查及发现问题情况",
        "Month": "月份",
        "Plan": "抽查计划",
        "Inspecting body": "检查机关",
        "Date completed": "检查完成日期",
        "Result": "检查结果",
        "Remark": "备注",
        "Enter a date as YYYY-MM-DD, e.g. 2027-03-01.": (
            "请按 YYYY-MM-DD 格式填写日期，例如 2027-03-01。"
        ),
        "Completed from": "完成日期自",
        "Completed until": "完成日期至",
        "Inspection check": "检查核验",
        "Is this inspection genuine?": "这次检查是真的吗？",
        "This inspection was cancelled.": "该检查任务已取消。",
        "Nobody should come to inspect under this notice.": "不应有人凭此通知书上门检查。",
        "Genuine inspection": "真实的检查任务",
        "this notice belongs to a published random-inspection plan.": (
            "该通知书属于已公示的双随机抽查计划。"
        ),
        "Inspected market entity": "被检查市场主体",
        "Inspection date": "检查日期",
        "Check that the market entity above is yours and that the officers at your door are "
        "those listed here, with their enforcement certificates.": (
            "请核对上面的市场主体是否为贵单位，上门的执法人员是否为下列人员并持有执法证。"
        ),
        "Officers of this inspection": "本次检查的执法人员",
        "certificate": "执法证号",
        "Certificate valid": "执法证有效",
        "Certificate NOT valid": "执法证无效",
        "Any doubt? Call the inspecting body, or check a certificate number in the officer "
        "registry.": "如有疑问，请致电检查机关，或在执法检查人员名录中查验执法证号。",
        "Disclosed inspection results": "抽查结果公示",
        "corrected": "已更正",
        "No inspection result of this entity has been disclosed.": "该市场主体尚无公示的检查结果。",
        "Search the inspection results by entity name or unified social credit code": (
            "按市场主体名称或统一社会信用代码查询抽查结果"
        ),
        "inspections carried out": "户次已完成检查",
        "of disclosed results found a problem": "已公示结果发现问题",
        "results overdue for disclosure": "项结果逾期未公示",
        "Disclosed results of published plans, by the month of the inspection.": (
            "已公示计划的公示结果，按检查月份统计。"
        ),
        "Results": "结果公示",
        "Inspection results": "抽查结果",
        "The results of random inspections, as disclosed within 20 working days of each "
        "inspection: plan, inspecting body, type, date completed, result categories and a "
        "short remark.": (
            "随机抽查结果在检查完成后20个工作日内公示：抽查计划、检查机关、抽查类型、"
            "检查完成日期、检查结果和备注。"
        ),
        "Search the results": "查询抽查结果",
        "Item category": "事项类别",
        "No disclosed result matches.": "没有符合条件的公示结果。",
    }
)
