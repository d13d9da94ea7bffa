"""The invented world behind the sample data: sub-areas, institutions and resource providers.

Everything here is fictional. Names are made up or generic; any likeness to a real organisation
is accidental. `make_sample.py` draws projects from these tables and writes the providers as
listed, so the provider side is hand-curated (with deliberate near-misses) and the project side is
sampled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TRACKS = ("device", "drug", "ai", "tcm")
STAGES = ("concept", "prototype", "preclinical", "clinical", "registration", "market")
NEEDS = (
    "funding", "clinical", "registration", "manufacturing", "space",
    "ip", "rnd", "market", "talent", "policy",
)
REGIONS = ("beijing", "tianjin", "hebei", "other")
TRACK_COUNTS = {"device": 189, "drug": 60, "ai": 62, "tcm": 94}

# Therapeutic areas: how a project names the disease, how a provider names the field.
TA_DISEASES = {
    "cardio": ["冠心病", "急性心肌梗死", "慢性心力衰竭", "房颤", "外周动脉疾病", "高血压"],
    "onco": ["非小细胞肺癌", "乳腺癌", "胃癌", "肝细胞癌", "结直肠癌", "淋巴瘤", "实体瘤"],
    "ortho": ["腰椎退行性疾病", "膝骨关节炎", "骨质疏松性骨折", "脊柱侧弯", "股骨头坏死"],
    "neuro": ["缺血性脑卒中", "帕金森病", "阿尔茨海默病", "癫痫", "颅内动脉瘤"],
    "ophtho": ["白内障", "青光眼", "糖尿病视网膜病变", "青少年近视", "年龄相关性黄斑变性"],
    "metabolic": ["2型糖尿病", "肥胖症", "非酒精性脂肪性肝炎", "高脂血症", "痛风"],
    "respiratory": ["慢阻肺", "哮喘", "肺纤维化", "阻塞性睡眠呼吸暂停", "社区获得性肺炎"],
    "rehab": ["脑卒中后偏瘫", "脊髓损伤", "运动损伤", "术后功能障碍", "老年失能"],
    "women_children": ["早产儿", "多囊卵巢综合征", "儿童哮喘", "妊娠期糖尿病", "儿童生长发育迟缓"],
    "digestive": ["功能性消化不良", "溃疡性结肠炎", "慢性胃炎", "肠易激综合征"],
    "infection": ["呼吸道合胞病毒感染", "流感", "耐药菌感染", "带状疱疹", "乙肝"],
    "autoimmune": ["类风湿关节炎", "银屑病", "系统性红斑狼疮", "特应性皮炎"],
    "rare": ["脊髓性肌萎缩症", "血友病", "法布雷病", "杜氏肌营养不良"],
    "general": ["常见慢病", "基层常见病", "亚健康人群", "老年多病共存"],
}
TA_FIELDS = {
    "cardio": ["心血管", "心内科", "心脏介入"],
    "onco": ["肿瘤", "抗肿瘤", "肿瘤内科"],
    "ortho": ["骨科", "脊柱外科", "关节外科"],
    "neuro": ["神经内科", "神经外科", "脑血管病"],
    "ophtho": ["眼科", "眼视光", "眼底病"],
    "metabolic": ["代谢病", "内分泌", "糖尿病"],
    "respiratory": ["呼吸", "呼吸与危重症", "肺病"],
    "rehab": ["康复医学", "康复", "运动医学"],
    "women_children": ["妇产科", "儿科", "妇幼健康"],
    "digestive": ["消化", "脾胃病", "消化内科"],
    "infection": ["感染性疾病", "传染病防治", "抗感染"],
    "autoimmune": ["风湿免疫", "自身免疫病", "免疫炎症"],
    "rare": ["罕见病", "遗传病", "孤儿药"],
    "general": ["全科", "综合", "多病种"],
}


@dataclass(frozen=True)
class Modality:
    """A sub-area of a track: what the product is and which diseases it is for."""

    track: str
    label: str
    tas: tuple[str, ...]
    products: tuple[str, ...]
    tech: tuple[str, ...]
    alt_track: str = ""  # a neighbouring track whose providers can partly help


def _m(track: str, label: str, tas: str, products: str, tech: str, alt: str = "") -> Modality:
    return Modality(track, label, tuple(tas.split()), tuple(products.split("|")),
                    tuple(tech.split("|")), alt)


MODALITIES: dict[str, Modality] = {
    # device
    "coronary": _m("device", "冠脉/心血管介入", "cardio",
                   "药物洗脱冠脉支架|全降解冠脉支架|药物涂层球囊导管|冠脉血管内超声导管|经导管主动脉瓣膜系统",
                   "采用超薄钴铬合金平台|聚乳酸可降解材料，两年内完全吸收|雷帕霉素缓释涂层|"
                   "自研的超声换能器阵列|输送系统外径小于14F"),
    "ortho_implant": _m("device", "骨科植入", "ortho",
                        "3D打印多孔钛合金椎间融合器|可降解镁合金骨钉|个性化膝关节假体|脊柱内固定系统|"
                        "骨修复生物陶瓷支架",
                        "仿生骨小梁结构，利于骨长入|镁合金降解速率可控|基于CT数据的个性化设计|"
                        "羟基磷灰石涂层|力学性能接近皮质骨"),
    "surgical_robot": _m("device", "手术机器人", "ortho neuro general",
                         "骨科手术机器人@ortho|腔镜手术机器人@general|神经外科手术机器人@neuro|"
                         "经皮穿刺手术机器人@general|口腔种植机器人@general|脊柱手术机器人@ortho",
                         "亚毫米级定位精度|七自由度机械臂|力反馈主从控制|术中实时配准|"
                         "核心部件实现国产化"),
    "ivd": _m("device", "体外诊断IVD", "onco infection cardio metabolic",
              "化学发光检测试剂盒|微流控POCT芯片|肿瘤早筛甲基化检测试剂@onco|数字PCR检测系统|"
              "多重呼吸道病原体核酸检测试剂@infection|心肌标志物快速检测卡@cardio|"
              "糖化血红蛋白检测仪@metabolic",
              "单人份检测15分钟出结果|灵敏度和特异性均超过95%|全自动样本处理|"
              "多靶标联合检测|仪器+试剂封闭系统"),
    "ophthalmic": _m("device", "眼科器械", "ophtho",
                     "非球面人工晶状体|便携式眼底OCT|离焦型角膜塑形镜|青光眼微创引流器|"
                     "近视防控光学镜片",
                     "高折射率疏水丙烯酸材料|扫频光源，成像深度更大|多区正向离焦设计|"
                     "微型化光学模组|国产替代进口"),
    "rehab": _m("device", "康复器械", "rehab neuro",
                "下肢外骨骼康复机器人|脑机接口康复训练系统|上肢康复训练机器人|智能肌电假肢|"
                "居家康复评估设备",
                "基于表面肌电的意图识别|非侵入式脑电采集|自适应助力算法|轻量化碳纤维结构|"
                "可远程随访的康复数据平台"),
    "imaging": _m("device", "医学影像设备", "onco cardio neuro",
                  "便携式超声诊断仪|光子计数CT探测器|光声成像系统|专科磁共振成像系统|"
                  "术中荧光导航成像设备",
                  "自研探测器芯片|低剂量高分辨成像|整机重量不足3公斤|近红外二区荧光探针|"
                  "图像重建算法自主开发"),
    "wearable": _m("device", "可穿戴监测", "cardio metabolic respiratory",
                   "动态心电监测贴@cardio|无创连续血糖监测手表@metabolic|睡眠呼吸监测指环@respiratory|"
                   "可穿戴血压监测设备@cardio|智能心肺听诊背心@respiratory",
                   "柔性电子皮肤|连续佩戴14天|光电容积脉搏波算法|低功耗蓝牙传输|"
                   "数据直连医生端"),
    "neuro_intervention": _m("device", "神经介入", "neuro",
                             "颅内取栓支架|颅内动脉瘤血流导向装置|脑深部电刺激系统|"
                             "颅内球囊扩张导管|远端通路导管",
                             "镍钛合金激光切割工艺|高贴壁性网孔设计|闭环刺激算法|"
                             "超滑亲水涂层|可视化显影标记"),
    # drug
    "small_molecule": _m("drug", "小分子", "onco metabolic neuro respiratory autoimmune",
                         "KRAS G12D抑制剂@onco|高选择性JAK1抑制剂@autoimmune|口服GLP-1受体小分子激动剂@metabolic|"
                         "第四代EGFR-TKI@onco|NLRP3炎症小体抑制剂@neuro|吸入用PDE4抑制剂@respiratory|"
                         "新型抗癫痫小分子@neuro|URAT1抑制剂@metabolic",
                         "全新骨架，已获化合物专利|口服生物利用度良好|脑渗透性好|"
                         "对耐药突变有效|基于结构的理性设计"),
    "antibody": _m("drug", "单抗/双抗", "onco autoimmune",
                   "PD-1/VEGF双特异性抗体@onco|IL-17A单克隆抗体@autoimmune|Claudin18.2单抗@onco|"
                   "TSLP单抗@autoimmune|CD3/CD20双抗@onco",
                   "全人源抗体|半衰期延长设计|高表达CHO细胞株|Fc沉默改造|亲和力达pM级"),
    "adc": _m("drug", "ADC", "onco",
              "HER2 ADC|TROP2 ADC|B7-H3抗体偶联药物|Nectin-4 ADC|双表位ADC",
              "定点偶联，DAR值均一|新型拓扑异构酶抑制剂载荷|可裂解连接子|旁观者效应强|"
              "血浆稳定性好"),
    "cell_therapy": _m("drug", "细胞治疗", "onco autoimmune",
                       "CD19 CAR-T|实体瘤CAR-T@onco|通用型CAR-NK@onco|间充质干细胞注射液@autoimmune|TIL疗法@onco",
                       "自主知识产权的CAR结构|制备周期缩短至7天|装甲型设计克服肿瘤微环境|"
                       "异体通用，现货型|无血清培养工艺"),
    "gene_therapy": _m("drug", "基因治疗", "rare ophtho neuro",
                       "AAV基因替代疗法@rare|碱基编辑疗法@rare|眼科AAV基因治疗@ophtho|siRNA药物@rare neuro|"
                       "反义寡核苷酸药物@neuro rare",
                       "自主衣壳筛选平台|单次给药长期表达|肝靶向递送|低免疫原性|"
                       "脱靶率低于检测下限"),
    "mrna_vaccine": _m("drug", "mRNA疫苗", "infection onco",
                       "呼吸道合胞病毒mRNA疫苗@infection|带状疱疹mRNA疫苗@infection|肿瘤新抗原mRNA疫苗@onco|"
                       "流感mRNA疫苗@infection|个体化肿瘤mRNA疫苗@onco",
                       "自研LNP递送系统|冻干剂型可2-8℃保存|修饰核苷酸降低炎症|"
                       "抗原设计算法|快速迭代平台"),
    "peptide": _m("drug", "多肽", "metabolic onco",
                  "长效GLP-1/GIP双受体激动肽@metabolic|口服多肽降糖药@metabolic|环肽抗肿瘤药@onco|"
                  "多肽偶联药物@onco|减重多肽注射液@metabolic",
                  "每周一次给药|脂肪酸修饰延长半衰期|固相合成路线成熟|口服吸收增强技术|"
                  "靶向递送"),
    "rare_drug": _m("drug", "罕见病药物", "rare",
                    "法布雷病酶替代疗法|脊髓性肌萎缩症口服药|血友病长效凝血因子|"
                    "杜氏肌营养不良外显子跳跃药物",
                    "已获孤儿药资格认定|患者登记队列完整|剂量低、疗效明确|与患者组织合作紧密"),
    # ai
    "imaging_ai": _m("ai", "医学影像AI", "onco cardio neuro ophtho",
                     "肺结节CT智能筛查系统@onco|眼底照片AI筛查软件@ophtho|冠脉CTA智能分析@cardio|"
                     "脑卒中影像AI分诊@neuro|乳腺钼靶AI辅助阅片@onco",
                     "深度学习模型|多中心10万例标注数据训练|敏感度96%|可部署于基层|"
                     "与PACS无缝对接"),
    "cdss": _m("ai", "辅助诊断", "general onco neuro",
               "基层全科辅助诊断系统@general|病理切片AI辅助诊断@onco|心电图AI判读@general|"
               "皮肤病智能识别@general|癫痫脑电AI判读@neuro|肿瘤MDT智能决策系统@onco",
               "医学知识图谱+大模型|结构化电子病历|诊断符合率90%以上|可解释性强|"
               "支持私有化部署"),
    "chronic_mgmt": _m("ai", "慢病管理", "metabolic cardio respiratory",
                       "糖尿病数字疗法@metabolic|高血压智能管理平台@cardio|慢阻肺居家管理系统@respiratory|"
                       "心衰远程随访平台@cardio|肥胖症数字干预方案@metabolic",
                       "个性化干预算法|医患协同管理|依从性提升明显|可对接可穿戴设备|"
                       "随机对照研究验证"),
    "health_saas": _m("ai", "健康管理SaaS", "general",
                      "企业员工健康管理SaaS|互联网医院运营平台|体检报告智能解读|"
                      "社区居家养老健康平台|药店慢病服务SaaS",
                      "订阅制收费|多租户架构|已接入多家医疗机构|大模型健康问答|数据安全合规"),
    "ai_drug": _m("ai", "药物发现AI", "onco metabolic",
                  "AI分子生成平台|蛋白质结构预测与设计平台|AI靶点发现平台|虚拟筛选云平台",
                  "生成式模型设计分子|湿实验闭环验证|自建高质量数据集|算力成本低|"
                  "已对外授权管线", "drug"),
    "surgical_nav": _m("ai", "手术导航", "ortho neuro",
                       "AR骨科手术导航系统@ortho|神经外科术中导航软件@neuro|脊柱手术智能规划系统@ortho|"
                       "腔镜视频AI实时识别",
                       "三维重建与配准|术中实时追踪|亚毫米精度|手术视频大数据训练|"
                       "可集成至现有设备", "device"),
    # tcm
    "classic_formula": _m("tcm", "经典名方", "digestive respiratory metabolic women_children",
                          "经典名方复方制剂|古代经典名方颗粒剂|名老中医验方开发|经典方二次开发",
                          "源自《伤寒论》经典方|物质基准研究完成|关键质量属性明确|"
                          "按古籍记载工艺制备"),
    "tcm_new_drug": _m("tcm", "中药新药", "onco metabolic respiratory cardio",
                       "中药创新药|1.1类中药新药|中药有效部位新药|抗肿瘤中药复方@onco|"
                       "治疗心衰的中药新药@cardio|降糖中药复方@metabolic",
                       "药效物质基础清楚|作用机制研究深入|网络药理学验证|质量标准可控|"
                       "已完成药效学研究", "drug"),
    "granules": _m("tcm", "中药配方颗粒", "general digestive",
                   "中药配方颗粒|单味中药配方颗粒标准|配方颗粒智能调剂系统|中药饮片标准化",
                   "标准汤剂对比研究|特征图谱控制质量|全过程质量追溯|国家标准品种覆盖广"),
    "acupuncture_device": _m("tcm", "针灸器械", "rehab neuro general",
                             "智能电针治疗仪|可穿戴艾灸设备|经皮穴位电刺激仪|一次性无痛针灸针",
                             "穴位精准定位|参数可调|温控安全|临床有效性数据扎实", "device"),
    "tcm_diagnostic": _m("tcm", "中医诊疗设备", "general digestive",
                         "智能舌诊仪|脉诊仪|中医体质辨识系统|中医四诊信息采集设备",
                         "图像识别舌象|压力传感脉象采集|AI辨证模型|标准化四诊数据", "device"),
    "authentic_herbs": _m("tcm", "道地药材", "general",
                          "道地药材生态种植|中药材GAP基地建设|药材种苗繁育|药材产地初加工",
                          "拥有千亩种植基地|品种选育|全程可追溯|农残重金属控制"),
    "hospital_prep": _m("tcm", "院内制剂转化", "digestive respiratory women_children rehab",
                        "院内制剂转化|医院特色中药制剂|膏方制剂|外用中药制剂",
                        "院内使用二十余年|临床疗效确切|患者口碑好|已有医疗机构制剂批件"),
}

# Sub-area weights per track (how many projects of each kind a real call attracts).
MODALITY_WEIGHTS = {
    "device": {"coronary": 3, "ortho_implant": 3, "surgical_robot": 2, "ivd": 4, "ophthalmic": 2,
               "rehab": 2, "imaging": 2, "wearable": 3, "neuro_intervention": 2},
    "drug": {"small_molecule": 4, "antibody": 3, "adc": 2, "cell_therapy": 2, "gene_therapy": 1,
             "mrna_vaccine": 1, "peptide": 1, "rare_drug": 1},
    "ai": {"imaging_ai": 4, "cdss": 2, "chronic_mgmt": 3, "health_saas": 2, "ai_drug": 1,
           "surgical_nav": 1},
    "tcm": {"classic_formula": 3, "tcm_new_drug": 3, "granules": 2, "acupuncture_device": 2,
            "tcm_diagnostic": 1, "authentic_herbs": 2, "hospital_prep": 2},
}

STAGE_WEIGHTS = {
    "device": [5, 25, 20, 20, 15, 15],
    "drug": [6, 6, 38, 36, 7, 7],
    "ai": [5, 30, 10, 20, 10, 25],
    "tcm": [5, 15, 25, 20, 10, 25],
}

# Which needs are current at each stage (weights); the first drawn is the most pressing.
NEED_WEIGHTS = {
    "concept": {"rnd": 3, "funding": 3, "ip": 2, "space": 2, "talent": 1, "policy": 1},
    "prototype": {"funding": 3, "manufacturing": 2, "rnd": 2, "ip": 1, "space": 2,
                  "registration": 1, "clinical": 1},
    "preclinical": {"funding": 3, "clinical": 2, "manufacturing": 2, "registration": 1, "rnd": 2},
    "clinical": {"funding": 3, "clinical": 3, "registration": 2, "manufacturing": 1},
    "registration": {"registration": 3, "funding": 2, "manufacturing": 2, "market": 1},
    "market": {"market": 3, "funding": 2, "policy": 1, "manufacturing": 1, "talent": 1},
}


@dataclass(frozen=True)
class Institution:
    """Where a project comes from; `group` ties a university to its hospitals and science park."""

    name: str
    kind: str  # university, hospital, institute, company
    region: str
    group: str
    tracks: tuple[str, ...] = TRACKS


def _inst(name: str, kind: str, region: str, group: str, tracks: str = "") -> Institution:
    return Institution(name, kind, region, group, tuple(tracks.split()) or TRACKS)


INSTITUTIONS: list[Institution] = [
    _inst("京华医科大学", "university", "beijing", "jinghua"),
    _inst("京华医科大学附属心血管病医院", "hospital", "beijing", "jinghua", "device drug ai"),
    _inst("京华医科大学附属肿瘤医院", "hospital", "beijing", "jinghua", "drug device ai"),
    _inst("京华医科大学第三医院", "hospital", "beijing", "jinghua"),
    _inst("北方中医药大学", "university", "beijing", "beifang_tcm", "tcm ai"),
    _inst("北方中医药大学第一附属医院", "hospital", "beijing", "beifang_tcm", "tcm"),
    _inst("津沽理工大学", "university", "tianjin", "jingu_tech", "device ai"),
    _inst("燕赵医学院", "university", "hebei", "yanzhao"),
    _inst("华北智能医学研究院", "institute", "beijing", "huabei_ai", "ai device"),
    _inst("渤海药物研究院", "institute", "tianjin", "bohai_drug", "drug tcm"),
    _inst("北方材料科学研究院", "institute", "beijing", "beifang_mat", "device"),
    _inst("京西生物技术研究所", "institute", "beijing", "jingxi_bio", "drug"),
    _inst("冀中药科大学", "university", "hebei", "jizhong_pharm", "tcm drug"),
    _inst("津沽骨科医院", "hospital", "tianjin", "jingu_ortho", "device ai"),
    _inst("燕赵眼科医院", "hospital", "hebei", "yanzhao_eye", "device drug ai"),
    _inst("华北神经疾病中心医院", "hospital", "beijing", "huabei_neuro", "device drug ai"),
    _inst("渤海妇儿医院", "hospital", "tianjin", "bohai_wc", "drug tcm ai"),
    _inst("津沽中医医院", "hospital", "tianjin", "jingu_tcm", "tcm"),
    _inst("冀中人民医院", "hospital", "hebei", "jizhong_hosp"),
    _inst("海河大学", "university", "tianjin", "haihe_univ"),
    _inst("燕北理工学院", "university", "hebei", "yanbei_tech", "device ai"),
    _inst("北方第一人民医院", "hospital", "beijing", "beifang_first"),
    _inst("津门胸科医院", "hospital", "tianjin", "jinmen_chest", "device drug ai"),
    _inst("冀北中医院", "hospital", "hebei", "jibei_tcm", "tcm"),
    _inst("江淮医科大学", "university", "other", "jianghuai"),
    _inst("蜀中中医药研究院", "institute", "other", "shuzhong", "tcm"),
    _inst("东海生物医学工程研究所", "institute", "other", "donghai", "device ai drug"),
]

COMPANY_CITIES = {
    "beijing": ["北京"], "tianjin": ["天津"],
    "hebei": ["石家庄", "保定", "廊坊", "唐山", "沧州"], "other": ["苏州", "杭州", "深圳", "成都"],
}
COMPANY_NAMES = [
    "睿瞳", "启序", "澜舟", "禾穗", "峤宇", "棠溪", "柏渡", "闻溪", "霁川", "桉屿", "檀屿", "玖曜",
    "若谷", "泓源", "星衍", "铭岳", "芝兰", "云栖", "拾光", "昭衍", "恒准", "博观", "明湛", "邈云",
    "清越", "思齐", "景行", "锐知", "曜森", "骐骥", "松乔", "汀兰", "南枝", "知微", "素问", "临川",
    "安澜", "聿明", "沛然", "青穹", "朗月", "怀瑾", "鹿鸣", "观澜", "执中",
]
COMPANY_SUFFIX = {
    "device": ["医疗科技有限公司", "医疗器械有限公司", "智能医疗设备有限公司"],
    "drug": ["生物医药科技有限公司", "生物技术有限公司", "医药科技有限公司"],
    "ai": ["智能科技有限公司", "数字健康科技有限公司", "医疗信息技术有限公司"],
    "tcm": ["中药科技有限公司", "中医药科技有限公司", "本草生物科技有限公司"],
}


@dataclass(frozen=True)
class Provider:
    """A resource provider's latent profile. Empty tracks/stages mean it truly serves all."""

    name: str
    type: str
    region: str
    offers: tuple[str, ...]
    tracks: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    spec: tuple[str, ...] = ()  # modality or therapeutic-area tags it is specific to
    strict: bool = False  # True: useless outside its specialty (a platform, a specialty hospital)
    excl: tuple[tuple[str, str], ...] = ()  # exclusions stated in prose only
    regions: tuple[str, ...] = ()  # where it serves when region matters; default its own region
    group: str = ""  # institution group, for own-institution matches
    blurb: tuple[str, ...] = field(default=())  # extra sentences in its own voice


def _stages(spec: str) -> tuple[str, ...]:
    """'preclinical-registration' -> the stages in between, inclusive; '' -> all."""
    if not spec:
        return ()
    lo, _, hi = spec.partition("-")
    i, j = STAGES.index(lo), STAGES.index(hi or lo)
    return STAGES[i:j + 1]


def _p(name: str, type_: str, region: str, offers: str, tracks: str = "", stages: str = "",
       spec: str = "", strict: bool = False, excl: str = "", regions: str = "", group: str = "",
       blurb: str = "") -> Provider:
    pairs = tuple(tuple(e.split(":")) for e in excl.split())
    return Provider(name, type_, region, tuple(offers.split()), tuple(tracks.split()),
                    _stages(stages), tuple(spec.split()), strict,
                    pairs,  # type: ignore[arg-type]
                    tuple(regions.split()), group, tuple(b for b in blurb.split("|") if b))


# Exclusion kinds: mod:<modality>, track:<track>, below:<stage> (earlier stages excluded),
# above:<stage> (later stages excluded), outside:<region> (projects from other regions excluded).
PROVIDERS: list[Provider] = [
    # banks: region matters; most lend only once there is revenue or a product near approval
    _p("京信银行中关村科技支行", "bank", "beijing", "funding", stages="preclinical-market",
       blurb="知识产权质押贷款|投贷联动，与多家创投机构合作"),
    _p("津汇银行滨海科技支行", "bank", "tianjin", "funding", excl="below:registration",
       blurb="科技型企业信用贷最高1000万元|审批流程快"),
    _p("冀融银行石家庄分行", "bank", "hebei", "funding", stages="market",
       blurb="流动资金贷款|厂房按揭与设备融资租赁"),
    _p("华衡银行北京分行", "bank", "beijing", "funding policy", stages="prototype-market",
       regions="beijing tianjin hebei", excl="below:preclinical",
       blurb="京津冀协同科创贷|专精特新企业专属额度"),
    _p("北方联合银行天津分行", "bank", "tianjin", "funding", stages="clinical-market",
       blurb="供应链金融|医院应收账款融资"),
    _p("燕都农商银行", "bank", "hebei", "funding", tracks="tcm device", stages="market",
       spec="authentic_herbs granules", blurb="药材种植户与合作社贷款|助农金融"),
    _p("京畿银行科创金融部", "bank", "beijing", "funding", stages="preclinical-market",
       excl="track:tcm", blurb="认股权贷款|研发贷，看重核心团队与知识产权"),
    _p("海河银行生物医药金融中心", "bank", "tianjin", "funding",
       stages="preclinical-market", spec="small_molecule antibody ivd",
       blurb="生物医药专营团队|可配合临床里程碑分期放款"),
    _p("恒远银行雄安分行", "bank", "hebei", "funding", stages="registration-market",
       regions="hebei beijing", blurb="疏解落地企业专项贷款|厂房建设贷款"),
    # investors: region barely matters
    _p("北辰医疗产业基金", "investor", "beijing", "funding", stages="preclinical-market",
       blurb="管理规模逾80亿元，覆盖医疗健康全领域|可协同被投企业资源", excl="mod:health_saas"),
    _p("启衡创投", "investor", "beijing", "funding talent", stages="concept-preclinical",
       excl="track:tcm", blurb="天使轮与Pre-A轮|创始团队陪跑"),
    _p("澄源资本", "investor", "beijing", "funding", tracks="drug device ai", stages="preclinical-clinical",
       spec="onco", excl="mod:cell_therapy", blurb="专注肿瘤领域早中期投资"),
    _p("栖梧生物基金", "investor", "tianjin", "funding", tracks="drug",
       stages="preclinical-clinical", spec="adc antibody", excl="mod:small_molecule",
       blurb="大分子药物投资经验丰富"),
    _p("知衡器械基金", "investor", "beijing", "funding", tracks="device ai",
       stages="prototype-registration", spec="coronary neuro_intervention cardio",
       blurb="心脑血管介入器械专项基金"),
    _p("砺芯资本", "investor", "other", "funding", tracks="device ai",
       stages="prototype-registration", spec="surgical_robot imaging imaging_ai surgical_nav",
       blurb="硬科技投资，关注手术机器人与高端影像", excl="below:prototype"),
    _p("洛禾成长基金", "investor", "beijing", "funding", tracks="device", stages="market",
       excl="below:market", blurb="Pre-IPO轮|并购整合"),
    _p("沐川健康基金", "investor", "other", "funding market", tracks="ai", spec="chronic_mgmt health_saas", excl="mod:wearable",
       blurb="数字健康与健康管理服务"),
    _p("本草致远基金", "investor", "beijing", "funding", tracks="tcm",
       stages="prototype-market", spec="tcm_new_drug classic_formula granules hospital_prep",
       blurb="中医药产业专项基金", excl="mod:authentic_herbs"),
    _p("屿光天使基金", "investor", "tianjin", "funding talent", stages="concept-preclinical",
       blurb="种子轮与天使轮|单笔50–300万元", excl="above:preclinical"),
    _p("青霁资本", "investor", "beijing", "funding", tracks="drug", stages="preclinical-registration",
       spec="cell_therapy gene_therapy rare_drug rare", blurb="细胞与基因治疗、罕见病", excl="mod:mrna_vaccine"),
    _p("熠脉创投", "investor", "beijing", "funding", tracks="device ai",
       stages="prototype-registration", spec="ivd wearable chronic_mgmt",
       excl="mod:ortho_implant mod:coronary", blurb="IVD与可穿戴"),
    _p("珩越资本", "investor", "other", "funding", tracks="drug ai", stages="clinical-market",
       spec="metabolic peptide", excl="below:clinical", blurb="代谢性疾病赛道"),
    _p("岚汀医疗并购基金", "investor", "beijing", "funding market", stages="registration-market",
       excl="below:registration", blurb="控股型并购|产业整合"),
    _p("京津冀协同创新基金", "investor", "hebei", "funding policy", stages="prototype-registration",
       blurb="协同区域产业落地|政府引导+市场化运作"),
    _p("弈康资本", "investor", "tianjin", "funding", tracks="device drug",
       stages="prototype-registration", spec="ophtho ophthalmic", blurb="眼科专科投资", excl="mod:gene_therapy"),
    _p("楠溪创投", "investor", "beijing", "funding", tracks="device drug ai",
       stages="prototype-registration", spec="neuro rehab neuro_intervention",
       excl="track:tcm", blurb="神经科学与脑机接口"),
    # pharma
    _p("朔方药业", "pharma", "beijing", "market rnd", tracks="drug",
       stages="preclinical-clinical", spec="onco small_molecule adc", excl="mod:cell_therapy",
       blurb="License-in合作|联合开发"),
    _p("青禾生物制药", "pharma", "tianjin", "rnd manufacturing market", tracks="drug",
       stages="preclinical-registration", spec="antibody autoimmune",
       blurb="抗体药物商业化团队"),
    _p("岐黄堂中药集团", "pharma", "beijing", "market manufacturing registration", tracks="tcm",
       spec="classic_formula tcm_new_drug hospital_prep", blurb="中药品种收购|院内制剂合作开发"),
    _p("津沽康泰制药", "pharma", "tianjin", "market manufacturing", tracks="drug tcm",
       stages="clinical-market", spec="respiratory", blurb="呼吸科销售网络覆盖全国"),
    _p("冀康中药饮片", "pharma", "hebei", "market manufacturing", tracks="tcm",
       stages="registration-market", spec="granules authentic_herbs", blurb="饮片与配方颗粒"),
    _p("芮诺疫苗", "pharma", "beijing", "manufacturing", tracks="drug",
       stages="preclinical-clinical", spec="mrna_vaccine infection", strict=True,
       blurb="疫苗产业化"),
    _p("安岚医药", "pharma", "other", "market", tracks="drug",
       stages="clinical-registration", spec="rare rare_drug gene_therapy", blurb="罕见病商业化"),
    _p("博衍医药商业", "pharma", "hebei", "market", stages="market", excl="below:market",
       blurb="医院与药店渠道|分销配送"),
    # device makers
    _p("安脉医疗器械集团", "device_maker", "beijing", "market manufacturing", tracks="device", spec="coronary cardio", blurb="心血管介入器械龙头", excl="below:prototype"),
    _p("骨森医疗", "device_maker", "tianjin", "manufacturing market", tracks="device",
       stages="preclinical-market", spec="ortho_implant ortho", strict=True,
       blurb="骨科植入物生产"),
    _p("睿影医学影像", "device_maker", "beijing", "market", tracks="device ai",
       stages="clinical-market", spec="imaging imaging_ai", blurb="影像设备整机厂商"),
    _p("康途康复科技", "device_maker", "hebei", "market manufacturing", tracks="device ai tcm", spec="rehab", blurb="康复器械制造与渠道", excl="below:prototype"),
    _p("明眸眼科器械", "device_maker", "hebei", "market registration", tracks="device",
       stages="clinical-market", spec="ophthalmic ophtho", strict=True, blurb="眼科耗材与设备"),
    _p("智诊生物", "device_maker", "tianjin", "market manufacturing registration",
       tracks="device", stages="prototype-market", spec="ivd", strict=True, blurb="IVD产业化"),
    _p("衡微精密制造", "device_maker", "hebei", "manufacturing rnd", tracks="device ai tcm",
       stages="prototype-registration", excl="mod:ivd", blurb="精密加工|洁净车间"),
    _p("芯联可穿戴", "device_maker", "other", "market manufacturing", tracks="device ai", spec="wearable chronic_mgmt", blurb="消费电子级供应链"),
    _p("九针医疗器械", "device_maker", "hebei", "manufacturing market",
       tracks="tcm device", spec="acupuncture_device tcm_diagnostic rehab",
       blurb="针灸与中医诊疗设备"),
    # parks: region matters
    _p("京华医科大学科技园", "park", "beijing", "space rnd", group="jinghua", blurb="概念验证资金|技术经理人"),
    _p("北方中医药大学科技园", "park", "beijing", "space rnd", tracks="tcm",
       group="beifang_tcm", blurb="中医药成果转化|名医工作室资源"),
    _p("京北生命科学园", "park", "beijing", "space", excl="outside:beijing", blurb="GMP标准厂房|公共仪器平台"),
    _p("滨海医疗器械产业园", "park", "tianjin", "space manufacturing", tracks="device ai", blurb="万级洁净厂房|检测中心", excl="mod:ivd"),
    _p("津南生物医药孵化器", "park", "tianjin", "space rnd",
       stages="concept-preclinical", blurb="共享实验室|拎包入驻", excl="above:clinical"),
    _p("燕赵生物医药产业基地", "park", "hebei", "space manufacturing",
       stages="preclinical-market", regions="hebei beijing tianjin", blurb="承接京津产业转移"),
    _p("安国中药产业园", "park", "hebei", "space manufacturing", tracks="tcm",
       spec="authentic_herbs granules", regions="hebei beijing tianjin",
       blurb="药材集散市场|饮片加工区"),
    _p("京西数字健康创新中心", "park", "beijing", "space rnd", tracks="ai", blurb="算力资源|医院场景对接"),
    _p("雄安医疗创新港", "park", "hebei", "space talent",
       regions="hebei beijing tianjin", blurb="人才公寓|落地奖励"),
    _p("京南综合孵化器", "park", "beijing", "space talent",
       stages="concept-clinical", blurb="创业辅导|种子基金"),
    _p("廊坊医疗器械加速器", "park", "hebei", "space manufacturing", tracks="device ai",
       stages="registration-market", excl="below:prototype", regions="hebei beijing",
       blurb="规模化生产厂房"),
    # hospitals: clinical resources, specialties matter
    _p("京华医科大学附属心血管病医院", "hospital", "beijing", "clinical",
       tracks="device drug ai", stages="preclinical-registration", spec="cardio coronary",
       strict=True, group="jinghua", blurb="国家级心血管临床研究平台"),
    _p("京华医科大学附属肿瘤医院", "hospital", "beijing", "clinical", tracks="drug device ai",
       stages="preclinical-registration", spec="onco", strict=True, group="jinghua",
       blurb="I期临床研究病房", excl="mod:ivd"),
    _p("北方中医药大学第一附属医院", "hospital", "beijing", "clinical rnd", tracks="tcm",
       spec="classic_formula hospital_prep tcm_new_drug acupuncture_device tcm_diagnostic",
       group="beifang_tcm", blurb="中医临床研究基地"),
    _p("津沽骨科医院", "hospital", "tianjin", "clinical", tracks="device ai",
       stages="preclinical-registration", spec="ortho ortho_implant surgical_robot surgical_nav",
       strict=True, group="jingu_ortho", blurb="骨科专科医院"),
    _p("燕赵眼科医院", "hospital", "hebei", "clinical", tracks="device drug ai",
       stages="preclinical-registration", spec="ophtho ophthalmic", strict=True,
       group="yanzhao_eye", blurb="眼科专科医院"),
    _p("华北神经疾病中心医院", "hospital", "beijing", "clinical", tracks="device drug ai",
       stages="preclinical-registration", spec="neuro neuro_intervention", strict=True,
       group="huabei_neuro", blurb="卒中中心"),
    _p("渤海妇儿医院", "hospital", "tianjin", "clinical", stages="preclinical-registration",
       spec="women_children", strict=True, group="bohai_wc", blurb="妇儿专科"),
    _p("京北康复医院", "hospital", "beijing", "clinical", tracks="device ai tcm",
       stages="prototype-market", spec="rehab acupuncture_device", strict=True,
       blurb="康复专科医院", excl="below:prototype"),
    _p("冀中人民医院", "hospital", "hebei", "clinical", stages="preclinical-market",
       group="jizhong_hosp", blurb="综合性三甲医院|GCP机构", excl="track:tcm"),
    _p("津沽中医医院", "hospital", "tianjin", "clinical", tracks="tcm", group="jingu_tcm", blurb="中医医院"),
    _p("京华医科大学第三医院", "hospital", "beijing", "clinical", spec="imaging_ai cdss", group="jinghua",
       blurb="综合性医院|医疗大数据中心"),
    _p("首善呼吸病医院", "hospital", "beijing", "clinical", tracks="drug device ai",
       stages="preclinical-registration", spec="respiratory infection", strict=False,
       blurb="呼吸专科"),
    _p("燕赵代谢病医院", "hospital", "hebei", "clinical", tracks="drug device ai",
       stages="preclinical-registration", spec="metabolic", strict=False, blurb="内分泌代谢专科"),
    # universities and institutes
    _p("京华医科大学技术转移中心", "university", "beijing", "rnd ip", group="jinghua",
       blurb="技术经理人团队|成果成熟度评价"),
    _p("北方中医药大学中药研究院", "university", "beijing", "rnd", tracks="tcm",
       spec="classic_formula tcm_new_drug granules", group="beifang_tcm",
       blurb="中药药效物质基础研究"),
    _p("津沽理工大学生物医学工程学院", "university", "tianjin", "rnd talent",
       tracks="device ai", spec="imaging rehab surgical_robot wearable", group="jingu_tech",
       blurb="工程样机开发"),
    _p("华北智能医学研究院", "university", "beijing", "rnd", tracks="ai", spec="imaging_ai cdss", group="huabei_ai",
       blurb="AI影像数据标注|医学大模型"),
    _p("渤海药物研究院", "university", "tianjin", "rnd", tracks="drug tcm", spec="small_molecule peptide", group="bohai_drug",
       blurb="药物化学与药效评价"),
    _p("燕赵医学院", "university", "hebei", "rnd talent", group="yanzhao",
       blurb="动物实验中心|研究生联合培养"),
    _p("北方材料科学研究院", "university", "beijing", "rnd", tracks="device", spec="ortho_implant coronary ophthalmic",
       group="beifang_mat", blurb="生物材料表征与评价"),
    _p("京西生物技术研究所", "university", "beijing", "rnd", tracks="drug", spec="antibody cell_therapy mrna_vaccine",
       group="jingxi_bio", blurb="大分子药物工艺开发"),
    _p("冀中药科大学", "university", "hebei", "rnd", tracks="tcm",
       spec="authentic_herbs granules classic_formula", group="jizhong_pharm",
       blurb="中药资源与炮制"),
    # CROs: region barely matters
    _p("衡道临床研究", "cro", "beijing", "clinical registration", tracks="drug device tcm",
       stages="preclinical-market", spec="onco", blurb="全流程CRO", excl="mod:cell_therapy"),
    _p("佑安器械临床", "cro", "tianjin", "clinical registration", tracks="device ai",
       stages="preclinical-market", excl="track:drug", blurb="器械临床试验"),
    _p("朗晰药物安全评价中心", "cro", "beijing", "rnd", tracks="drug tcm device",
       stages="concept-clinical", blurb="GLP毒理|药代动力学"),
    _p("智研医疗数据", "cro", "beijing", "clinical", tracks="ai", spec="imaging_ai cdss", blurb="AI临床验证"),
    _p("本草临床研究", "cro", "hebei", "clinical registration", tracks="tcm",
       stages="preclinical-registration", spec="tcm_new_drug classic_formula hospital_prep",
       blurb="中药临床试验", excl="mod:acupuncture_device"),
    _p("赛澜细胞临床", "cro", "other", "clinical registration", tracks="drug",
       stages="preclinical-clinical", spec="cell_therapy gene_therapy", strict=True,
       blurb="细胞治疗临床"),
    _p("北辰药物发现", "cro", "tianjin", "rnd", tracks="drug ai",
       stages="concept-preclinical", spec="small_molecule ai_drug",
       excl="mod:antibody mod:adc mod:cell_therapy mod:gene_therapy mod:mrna_vaccine",
       blurb="药物化学外包"),
    _p("康泽临床SMO", "cro", "beijing", "clinical", stages="preclinical-registration", blurb="临床机构协调员", excl="track:ai"),
    # CDMOs: platform-specific
    _p("栖霞偶联生物", "cdmo", "other", "manufacturing rnd", tracks="drug",
       stages="preclinical-registration", spec="adc", strict=True, blurb="ADC CDMO"),
    _p("澄江生物制造", "cdmo", "tianjin", "manufacturing rnd", tracks="drug",
       stages="preclinical-market", spec="antibody", strict=True, blurb="抗体CDMO"),
    _p("启元细胞基因", "cdmo", "beijing", "manufacturing", tracks="drug",
       stages="preclinical-clinical", spec="cell_therapy gene_therapy", strict=True,
       blurb="CGT CDMO"),
    _p("芮恩核酸", "cdmo", "other", "manufacturing rnd", tracks="drug",
       stages="preclinical-clinical", spec="mrna_vaccine gene_therapy", strict=True,
       blurb="mRNA CDMO"),
    _p("海河化学原料药", "cdmo", "tianjin", "manufacturing", tracks="drug",
       stages="preclinical-market", spec="small_molecule rare_drug", strict=True,
       excl="mod:antibody mod:adc mod:cell_therapy mod:gene_therapy mod:mrna_vaccine",
       blurb="原料药CDMO"),
    _p("润肽生物", "cdmo", "hebei", "manufacturing", tracks="drug",
       stages="preclinical-market", spec="peptide", strict=True, blurb="多肽CDMO"),
    _p("神农提取", "cdmo", "hebei", "manufacturing", tracks="tcm",
       stages="preclinical-market",
       spec="granules classic_formula tcm_new_drug hospital_prep", strict=True,
       excl="mod:acupuncture_device mod:tcm_diagnostic", blurb="中药提取与颗粒"),
    _p("精工医疗器械代工", "cdmo", "tianjin", "manufacturing", tracks="device ai",
       stages="prototype-market", excl="mod:ivd", blurb="器械CMO"),
    _p("诊源生物", "cdmo", "beijing", "manufacturing", tracks="device",
       stages="prototype-market", spec="ivd", strict=True, blurb="IVD试剂OEM", excl="track:drug"),
    _p("智造电子医疗", "cdmo", "other", "manufacturing", tracks="device ai",
       stages="prototype-market", spec="wearable rehab imaging tcm_diagnostic", strict=True,
       blurb="电子类器械EMS"),
    _p("增材智造", "cdmo", "beijing", "manufacturing rnd", tracks="device",
       stages="prototype-market", spec="ortho_implant", strict=True, blurb="3D打印植入物", excl="below:preclinical"),
    # IP services
    _p("知衡知识产权", "ip_service", "beijing", "ip", blurb="专利代理|商标"),
    _p("明德医药专利事务所", "ip_service", "beijing", "ip",
       spec="small_molecule antibody adc", blurb="医药专利"),
    _p("精诚专利代理", "ip_service", "tianjin", "ip", tracks="device ai", excl="track:drug",
       blurb="器械与软件专利"),
    _p("京华技术经理人事务所", "ip_service", "beijing", "ip market", blurb="技术交易|作价入股", excl="above:clinical"),
    _p("岐黄知识产权", "ip_service", "hebei", "ip", tracks="tcm",
       spec="classic_formula tcm_new_drug granules hospital_prep", blurb="中药知识产权"),
    _p("数安合规知识产权", "ip_service", "beijing", "ip", tracks="ai",
       blurb="软件著作权|数据合规"),
    # regulatory consultants
    _p("华审器械注册", "regulatory", "beijing", "registration", tracks="device ai",
       excl="track:drug", blurb="器械注册"),
    _p("药事通注册咨询", "regulatory", "beijing", "registration", tracks="drug tcm", blurb="IND/NDA"),
    _p("本源中药注册", "regulatory", "hebei", "registration", tracks="tcm",
       spec="classic_formula tcm_new_drug", blurb="中药注册"),
    _p("数医合规", "regulatory", "beijing", "registration", tracks="ai", spec="imaging_ai cdss surgical_nav",
       blurb="AI软件注册"),
    _p("海跃国际注册", "regulatory", "other", "registration",
       stages="preclinical-market", blurb="FDA/CE"),
    _p("衡信质量体系咨询", "regulatory", "tianjin", "registration", blurb="GMP/ISO 13485"),
    _p("启程生物制品注册", "regulatory", "beijing", "registration", tracks="drug",
       spec="cell_therapy gene_therapy antibody mrna_vaccine adc", strict=True,
       blurb="生物制品注册"),
    _p("诊通注册", "regulatory", "tianjin", "registration", tracks="device", spec="ivd", strict=True, blurb="IVD注册"),
    # government programmes: region matters
    _p("京城生物医药产业专项", "government", "beijing", "policy funding", blurb="研发投入补助", tracks="drug device", excl="outside:beijing"),
    _p("津门科技成果转化引导基金", "government", "tianjin", "funding policy", blurb="成果转化", stages="prototype-clinical"),
    _p("燕赵中医药产业发展专项", "government", "hebei", "policy funding", tracks="tcm",
       blurb="中医药强省"),
    _p("京津冀协同创新科技项目", "government", "beijing", "policy",
       regions="beijing tianjin hebei", stages="prototype-clinical", blurb="协同创新"),
    _p("海河英才服务站", "government", "tianjin", "talent policy", blurb="人才落户"),
    _p("京华创新医疗器械服务站", "government", "beijing", "registration policy",
       tracks="device ai", blurb="创新器械特别审查辅导"),
    _p("雄安新区产业引导基金", "government", "hebei", "funding",
       stages="clinical-market", regions="hebei beijing", blurb="产业落地", excl="track:ai"),
    _p("京城AI医疗应用示范项目", "government", "beijing", "policy", tracks="ai", blurb="示范应用"),
    # equity exchanges: listing needs an operating company; region barely matters
    _p("京畿股权交易中心", "exchange", "beijing", "funding", stages="registration-market",
       blurb="挂牌融资"),
    _p("津门股权交易所", "exchange", "tianjin", "funding", stages="market",
       excl="below:prototype", blurb="专精特新板"),
    _p("燕赵股权交易中心", "exchange", "hebei", "funding", stages="registration-market",
       blurb="科创专板"),
    _p("北方技术产权交易所", "exchange", "beijing", "ip market",
       regions="beijing tianjin hebei other", blurb="技术产权交易"),
]

# Provider types for which a project from elsewhere is only a weak match.
REGION_MATTERS = ("bank", "park", "government")
