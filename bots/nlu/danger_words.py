"""What the safety classifier looks for: signs of danger, grouped by what they say about a body or a house.

Each sign has a strength: 3 = enough alone (act at once), 2 = a real sign that earns the question and a
short wait, 1 = a weak sign (the question, the usual wait), 0 = only counts next to another sign
(dizziness alone is an everyday complaint; dizziness and "can't stand" is an emergency). A sign is a
list of phrases, matched on characters and by sound like the rest of the lexicon ("…" allows a short
gap, a leading "=" means characters only), and/or regular expressions over the folded text.

The words are written per class of situation, never copied from an evaluation batch: see docs/nlu.md.
"""
from __future__ import annotations

from dataclasses import dataclass

MEDICAL, FIRE, GAS, POLICE, UNKNOWN = "medical", "fire", "gas", "police", "unknown"


@dataclass(frozen=True)
class Sign:
    name: str
    strength: int
    hazard: str
    phrases: str = ""
    patterns: tuple[str, ...] = ()


# 应 as a hurried typist or a voice input writes it ("敲门没人硬"): only after 没人, where nothing else fits.
NOBODY_ANSWERS = r"没人(应|硬|映|影|英|营|迎|赢)"

# Figures of speech and questions asked before anything happened, removed before the signs are read:
# "讲到着火咁" (as if on fire), "一句话梗得我说不出话" (speechless with anger), "怎么吃才不噎着" (how to avoid it).
FIGURATIVE = (r"心疼死(我|人)?(了|啦)", r"火烧眉毛|火上浇油|引火烧身|趁火打劫|水深火热|如火如荼|火冒三丈|玩火自焚|飞蛾扑火|隔岸观火|心急火燎", r"(像|好像|跟|似|当|讲得?|说得?|搞得?)(是|个)?(着火|失火|起火|火灾)(了)?(一样|似的|咁|那样|一般|样)",
              r"(ddl|deadline|作业|工作|考试|房贷|压力|加班)?(压|逼|累|忙|烦|卷)得(我|人)?(都)?喘不过气(来)?",
              r"(压力|学习|读书|考试|作业|工作|房贷|加班)[^，。]{0,4}(大|重|多)?(到|得)(我|人|他|她)?(都|快)?(喘|透)不过气(来)?",
              r"(好似|好像|像|似)(是)?(被)?(鲠|噎|哽|卡)(住|着)(了)?(咁|一样|似的|那样)?",
              r"(讲起|说起|提起|想起)[^，。]{0,10}(说|讲)不出话(来)?",
              r"(没有|闻不到|闻不出|没闻到|没(什么|啥)|么得|没得|莫得|冇得)(什么|啥|啥子|一点)?(异|怪|臭)?(味道|气味|味儿|味)|(?<![煤燃])没(味道|味儿|味)",  # not 没气味 (煤气味)
              r"(电闸|总闸|开关|电源)(已经|都)?(熄|关|拉|断)(了|掉|咗)?",
              r"(一句话|几句话|这话|那话|话)(给|把)?(我|人)?(气|噎|梗|哽|怼|堵|呛|顶)得?(我|人|他|她)?(半天|当场|一时)?(都)?说不出话(来)?",
              r"(怎么|咋|如何|怎样)(样)?(吃|做|弄)?(才|能|才能)?(不|别|不会|防止|避免)(被)?(噎|卡|呛|摔|跌|滑|晕|中毒|着火|烫)(着|到|住|倒)?")
# How someone usually is ("平时老两口挺好的"): background, not a sign that it is over.
BACKGROUND = r"(平时|平常|平日|一向|往常|向来|本来|原来|素来|过去)[^，。,]{0,6}(挺好|很好|好好|不错|硬朗|健康|没事)(的)?"
# Everyday words that sound like a sign (留学 / 流血, 是只 / 失智, 谁 / 水 in 里谁 / 溺水, 字细 / 窒息, 梆子戏 / 窒息,
# 早七 / 沼气): never heard as one.
SOUND_SHIELD = r"(留学|是只|谁|字|戏|七点|食堂|吃堂|饭堂|活动)"
# The smell of a body that needs washing, not of gas.
BODY_ODOUR = r"(身上|衣服|被子|床上|屋里).{0,4}(有)?(味|臭|骚)|(汗|尿|屎|屁)(臭|味)"
# "Help" asked politely for a chore, in English: a request, not a cry ("can someone help my grandpa pay the bill").
ENGLISH_REQUEST = (r"(can|could|would|will) (someone|somebody|anyone|you|u|a volunteer|volunteers?) (please )?help"
                   r"|help \w+( \w+)? (to )?(pay|buy|fix|get|carry|check|bring|take|cook|clean|read|with|set)")
# A measurement asked for ("头昏 想找个人来帮我量下血压"): the care wanted for a dizzy spell, typed by sound too.
MEASURE_ASKED = (r"(帮|给|来|找人|请人|叫人|上门|陪)[^，。]{0,8}(量|两|测)(一)?(下|哈|个|一下|一次)?.{0,2}(血压|雪压|血呀|血鸭|血糖)"
                 r"|(血压|雪压|血呀|血鸭|血糖).{0,16}(帮|给|来)[^，。]{0,6}(量|测)")
# Learning what to do ("我想学习 老人摔倒了怎么办 给我讲一讲"): a lesson asked for, not a report.
LEARNING = (r"((想|要|先)学(习|学|一下)?|给我讲(一)?讲|教(教)?我|科普|普及一下"
            r"|first aid (class|course|training|lesson)|(class|course|training)e?s? (on|in|about|for) first aid)")
# Goods on sale in a live stream ("直播间上的是燃气灶 漏气自动断火那款") or a device to connect ("接口 … 跌倒检测"):
# the words describe products.
SALES = r"(直播间|链接在|下单|秒杀|优惠券|上架|包邮|那款|这款|同款|开放接口|接口文档|webhook|api|sdk|对接|接入|文档)"
# Asking what the service can do ("你们这个号是不是能帮老人叫救护车？要是半夜用得上吗？"), before any need.
SERVICE_QUESTION = r"(这个号|公众号|你们|这个平台|平台|小邻)(是不是)?(能|可以|会)(不能)?(帮)?.{0,6}(叫|打|喊)(救护车|120|119)"
# Cigarettes fill a room with smoke by design.
TOBACCO = r"(抽烟|烟抽|吸烟|戒烟|烟瘾|二手烟|香烟|烟鬼|一根接一根)"

# Blood on someone ("满手是血", "地上有血"), not a word that begins with blood (说是血压高, 有血糖仪).
BLOOD_ON = r"(是|有)血(?!压|糖|脂|型|管|常规|栓|小板|红|氧|检|液|象|色|清|沉|缘|亲|统|本|债|丝)"

# Gas running out of a pipe or a cylinder ("气还在往外跑").
GAS_ESCAPING = r"跑气|(气|煤气|燃气|天然气|液化气)(还|一直)?(在)?(往外)?(跑|冒|窜)"

SIGNS: tuple[Sign, ...] = (
    Sign("fall", 3, MEDICAL,
         "摔倒 跌倒 滑倒 =跶倒 =绊倒 栽倒 摔了 摔着 =跌着了 =掼倒 摔伤 摔断 摔下 跌下 跌伤 摔…跤 =跌…跤 =滑…跤 =绊…跤 =闪…跤 =磕…跤 "
         "栽…跟头 摔…跟头 摔…地上 跌…地上 =倒在地 =倒地 滚下来 从…掉下来 =倒在 =倒下了 =躺在地 =躺地上 =坐地上 =坐在地 "
         "=坐地下 =坐在地下",
         (r"(摔|跌|滑|绊|闪|磕|栽|跶|扑|仆|掼)(了|倒|伤|下|了个|了一|个)?.{0,3}(跤|跟头|跟斗|交)", r"(fell|fall(en)?) down|i fell|have fallen|\bfell\b(?! asleep| in love| apart| behind| short| for)",
          r"(溜|滑|栽|瘫|出溜)(下去|下来|到地|在地)",
          r"(摔|跌|滑|栽)(了|倒)?(落地|在地|到地|下地|落|下去)", r"(躺|倒|趴)(在)?.{0,4}地(上|下)", r"(摔|跌)(坐|趴|躺)", r"(沟|田|路边|河边|地里|坡下|马路|墙角|门口).{0,4}(倒|躺|趴)(着|在)", r"(倒|躺|趴)着(个|一个|位)(老人|人|老)", r"(摔|跌|栽|滚)(到|进|下)了?.{0,3}(沟|坑|河|田|地|坡|崖|井)")),
    Sign("cant_get_up", 3, MEDICAL, "起不来 爬不起来 站不起来 起不了身 起不到身 动弹不得 动不了了 =动不了 =动不到",
         (r"(can ?n?[o'’]?t|unable to|couldn ?['’]?t) ?(stand|walk|get up|move)(?! (that |so |very |too )?far)", r"无法(站立|站|起身|行走|走路|动)", r"(他|她|人|半天|一直|到现在|还|都)没(能)?(起来|爬起来|站起来|起身)", r"爬不起", r"动不(了|来|到|得)了", r"撑(都|也)?撑不起", r"撑不起(来|身)", r"(拱|撑|爬)不起(来)?", r"(坐|躺)在地上.{0,4}(半夜|一夜|好久|半天|一晚|一宿)", r"(疼|痛)得(都|也)?不敢(动|挪)")),
    Sign("cant_stand", 2, MEDICAL,
         "下不了床 下不了炕 下不来床 起不了床 走不了路 走不动路 走不成路 站不住 站不稳 迈不开 =腿软 =脚软 =腿一软 "
         "=腿没劲 扶不住 =软下去 =瘫",
         (r"(一|刚)(起来|站起来|站|起身|起床|站起)就(要)?(往下)?(倒|摔|跌|跶|出溜|溜|软|栽)", r"站(起来|起)就(要)?(往下)?(倒|到|摔|跌|栽)", r"(走|站|动)不(动|了)了",
          r"(不能|没法|没办法|无法|不会)(走路|走道|站|站起来|起身|动弹)(了)?", r"(?<![腿脚])(不能|无法|难以)(行走|行|站立)", "步履维艰",
          # The order of a second language ("走路不能"): not a rule about walking ("走路不能太快").
          r"(走路|走道|站起来|起身|动弹)(都|也)?不能(了|啦|啊|呀)?(?!太|快|慢|多|久|超|去|用|让|穿|低|抬|喝|吃|带|光|赤|拄|扶|看|玩|乱|跑|走|急|猛)", r"(爬|挪)(都|也)?(爬|挪)?不(动|起)",
          r"(去|走|上)(厕所|茅房|茅厕)?都(去|走|上)不(成|了|动)", r"(又|就)倒(在)?床上", r"腿.{0,4}(软|没劲|不听使唤)", r"(站|扶)不(住|稳|牢|直)",
          r"(走|迈)不(了|动|来|成|开)(路|步)", r"(坐|站)(着)?(都|也)?要?倒", r"(疼|痛)得(动|走|站)不(了|成|起)", r"扶(着)?墙(都|也)?(走|站)不(了|动|住|稳)", r"路(都|也)?走不(了|动|来|成)", r"(脚|腿)(都|也)?动不(了|来|成)")),
    Sign("dizzy", 0, MEDICAL,
         "头晕 头昏 眩晕 发晕 发昏 =昏昏沉沉 =犯昏 =一阵一阵 好晕 很晕 头懵 迷糊 天旋地转 眼冒金星 头重脚轻 犯晕 晕乎 =晕得 =晕死",
         (r"(房|屋|间|厝|天|地|东西|眼前).{0,3}(在转|转圈|打转|旋转|转紧|转个不停|转来转去)", r"头(很|好|一直|老是|总是|直|都|在|特别|太|真)(转|旋转|打转)", r"床(上)?(也|都|一直|在)(转|晃)", r"转圈圈", r"天.地转", r"dizzy|spinning")),
    Sign("blackout", 2, MEDICAL, "眼前发黑 眼睛发黑 两眼发黑 眼发黑 =天旋地转 =晕过去 =晕倒 =要晕了 =快晕了",
         (r"(?<![a-z])(pass(ed)? out|fainted)(?![a-z])", r"血压(测|量)不(出|到)|血压(很|特别|极|太)低|(意识|神志)(淡漠|模糊|不清)", r"眼(睛|前)?(一|发|突然)?黑", r"(一阵阵?|一阵一阵(地|的)?|阵阵)(发)?黑")),
    Sign("vomit", 0, MEDICAL, "呕吐 想吐 恶心 =作呕 =吐了 =还吐 =想呕 =呕 =吐得 =一直吐 =直吐", (r"vomit|throw(ing)? up",)),
    Sign("choke", 2, MEDICAL, "吞不下 咽不下 骨头卡 =呼吸很难 =咳不出 =海姆立克 =异物 =呛咳 吞咽困难 =喘鸣 =误吞",
         (r"(吞|咽)(了|下|进)?(去|下去)?.{0,4}(假牙|义齿|牙套)", r"(骨头|鱼刺|肉|东西|食物|枣核)(卡)?在(喉咙|嗓子|气管)", r"(假牙|义齿|牙套).{0,6}(吞|咽|卡)", r"(噎|哽|鲠)", r"卡.{0,4}(喉|嗓|气管)", r"(粘|堵)(到|在|住)?.{0,2}(喉|嗓)", r"抠不出(来)?", r"(喉|嗓).{0,4}(卡|堵)", r"指.{0,4}(喉|嗓|脖子)", r"呛(住|着|到)",
          r"chok(e|ing)", r"(阻塞|堵塞|堵住|卡住)(了)?(气道|呼吸道|气管)", r"(食物|饭|东西|异物).{0,4}(阻塞|堵塞)", r"(吃|饭|肉|馍|骨头|枣|汤圆|年糕|粽子|鸡蛋|花生).{0,6}卡(住|着|在)(了)?(?!.{0,3}(机|屏|网|手机))",
          r"(抓|掐|捂|指)(着|住)?.{0,2}(脖子|颈|喉咙)")),
    Sign("stuck", 0, UNKNOWN, "", (r"(塞|堵|卡)(住|牢|着|到)",)),
    Sign("food", 0, UNKNOWN, "", (r"(吃|吞|糖|饭|馍|粽|花生|汤圆|肉|鱼|骨头|枣|年糕|糍粑|鸡蛋|馒头|面条|果冻|元宵|豆)",)),
    Sign("mute", 0, MEDICAL, "", (r"(说|讲)(不|没法)(出|到|了)", r"(无法|没法|不能)(发声|出声|发出声|说话|讲话)", r"不(说|讲|能说)话", r"(哭|喊|叫)(都)?(哭|喊|叫)?不出(声|来)",
                                  r"出不了声")),
    Sign("breath", 3, MEDICAL,
         "喘不上 喘不过 喘不…气 上不来气 透不过气 出不来气 气上不来 呼吸困难 不能呼吸 喘得厉害 憋得喘 透不到气 "
         "=出不赢 嘴唇发紫 脸发紫 嘴唇紫了 窒息 =憋死 =气都出不 =气都透不 =没气了 =没有气了 =没得气 没呼吸 没有呼吸 不喘气 =发紫 =脸紫 =嘴唇紫 =出气好弱 =出气弱",
         (r"气.{0,3}(透不|出不|喘不|上不)", r"(不能|没法|没办法)(喘气|呼吸)", r"喘不了气", r"不(出|喘|透|上)气", r"(呼吸|喘气|出气|透气)(都)?(不赢|不过来|不上来)", r"(出|喘|透|上)不(上|来|过|到|得)?气", r"(脸|嘴唇|嘴)(都|色|也)?(发)?(青|紫|乌|黑)",
          r"can ?n[o']?t breathe", r"胸口(都|也)?不(动|起伏)", r"(?<![a-z])(turning blue|lips (are |went )?blue|blue lips)(?![a-z])")),
    Sign("breath_soft", 2, MEDICAL, "喘不匀 =憋气 =憋得慌 =气短 =喘不动", (
         r"(血氧|指脉氧|氧饱和度|脉氧|spo2|sp02|sao2)(饱和度)?(只有|才|掉到|降到|测|是|为)?[:：]?([1-8][0-9])(?![0-9])",r"(一直|老是|不停)(在)?(地)?喘",
         r"(胸|心|心口|屋里|窖里|里面|喘|气).{0,3}闷得慌",
         r"(喉咙|嗓子|喉咙口|嗓子眼|喉咙眼)(发|都|也)?(紧|肿|堵)",)),
    Sign("gas", 0, GAS, "煤气 燃气 天然气 液化气 沼气 瓦斯 =气罐 =气瓶 =罐罐 =罐子 =阀门 =气管子", (r"(?<![a-z])(gas|tank|mq|rq|trq|yhq)(?![a-z])",)),
    Sign("leak", 0, GAS, "=漏气 =泄漏 =泄露 =气味 =臭味 =一股 =闻到 =冲鼻 =冲头 =嘶嘶 =呲呲 =关不住 =关不上 =臭鸡蛋",
         (r"漏", r"味", r"臭", r"呛", r"熏", r"嘶", r"爆炸", r"smell|leak", GAS_ESCAPING)),
    Sign("gas_errand", 0, UNKNOWN, "", (r"(换|买|送|订|包裹|签收|灌|充|拿|交|缴|扛|搬|安装|开通|通|接|安检|查|修|公司|上门|师傅|抄表|到了|用完|快没|费|涨价|多少钱|便宜|贵|灶.{0,2}(坏|修)|打不着|打不燃|点不着|电池|配件|快递|取|载|一罐|罐(子)?没气|叫.{0,4}(来|送))",)),
    # The smell gas is given so that people notice it: with a hiss or beside the stove or a pipe, a leak.
    Sign("gas_like", 1, GAS, "", (r"臭(鸡蛋|鸡子|蛋)(的)?(味|气)",)),
    Sign("gas_fixture", 0, GAS, "", (r"(嘶|呲|灶|管道|阀|炉|罐|煤气表)",)),
    Sign("carbon_monoxide", 3, GAS, "一氧化碳 煤气中毒 =中煤气 =煤气熏"),
    Sign("coal", 0, GAS, "煤炉 =炉子 烤火 炭火 =炭盆 =火盆 蜂窝煤 =煤球 =烧炭 生炉子 =烧煤"),
    Sign("sick", 0, MEDICAL, "头疼 头痛 =没力气 =没劲 =叫不醒 =迷迷瞪瞪"),
    Sign("drowsy", 0, MEDICAL, "=想睡 =犯困 =睁不开"),
    Sign("fire", 3, FIRE, "着火 失火 起火 火灾 烧起来 =着起来 =烧着了 救火 =火烧 =大火", (r"(?<![a-z])fire(?![a-z])",)),
    Sign("smoke_fill", 3, FIRE, "", (r"(一|满)(屋|屋子|房|房子|院子|厨房|楼道)(的|都是|全是)?烟",)),
    # A room full of smoke while cooking or smoking meat: most likely the cooking, so asked, not acted on.
    Sign("smoke_doubt", 1, FIRE),
    Sign("pot_dry", 3, FIRE, "", (r"(锅|壶|灶).{0,4}(烧红|烧干|干烧|烧穿)",)),
    Sign("smoke", 3, FIRE,
         "=冒烟 =冒黑烟 =烟很大 =全是烟 =满屋子烟 =好大的烟 =浓烟 =好多烟 =焦味 =糊味 =烧焦 =火花 =冒火 =火苗 =火光 =烟出来",
         (r"烟.{0,2}(好大|很大|太大|好多|很多|呛)", r"(?<![a-z])smoke (is )?(coming|pouring|everywhere)|(house|kitchen|room) (is )?(full of|filled with) smoke|(?<![a-z])on fire(?![a-z])")),
    Sign("chest", 2, MEDICAL, "心绞痛 心梗 心肌梗 心脏病犯 心脏病发 =胸闷 胸口疼 胸口痛 心口疼 心口痛 胸疼 胸痛",
         (r"(胸|心口|心窝|心脏).{0,8}(痛|疼|闷|压|堵|绞|揪|紧|憋|勒|箍|扎|不舒服|难受|不对)", r"捂(着|住)?(胸|心口)",
          r"(我的|我)心(很|好|太|特别|非常)(疼|痛)", r"心(这里|这儿|这块|这边|那里|那块|窝|里头|口窝|上|头|窝子)(好|很|有点|一阵)?.{0,2}(痛|疼|闷|绞)",
          r"chest pain|heart attack|chest.{0,12}(tight|pain|hurt|pressure|heavy)",
          r"(像|好像|跟)(有)?(块|个)?(东西|石头|大石|砖|秤砣)压(着|住|在)", r"压着(东西|石头|大石)")),
    Sign("warn", 0, MEDICAL,
         "=冷汗 =虚汗 =一头汗 =满头汗 =一身汗 =出汗 =冒汗 =胳膊 =手臂 =左手 =左臂 =左边 =肩膀 =后背 =下巴 发麻 =心慌 =救心丸 =硝酸甘油 =不管用 =不见好 "
         "=脸色 =煞白 =发白 =焦黄 =恶心 =想吐 =气短 =喘", (r"(?<![a-z])(left arm|numb|sweat(ing|y)?)(?![a-z])", r"心跳.{0,3}(快|乱|慌)", r"(脸|嘴|嘴唇|口唇)(都|变|发)?(成)?(紫|青紫|乌)", r"发绀", r"(要|快)晕", r"脸(色)?(都)?(白|青|灰|蜡黄)(的|得|了)", r"汗.{0,3}(很多|好多|直流|直冒|不停|湿透)", r"(出|流|冒)了?(一身|满头|满身)(的)?汗", r"汗(出|流|冒)了?(一身|满头|满身)")),
    Sign("stroke", 3, MEDICAL,
         "嘴歪 嘴巴歪 嘴…歪 口眼歪 说不出话 说不了话 讲不出话 说话不清 口齿不清 舌头发硬 半边身子 半身不遂 中风 "
         "脑梗 脑溢血 脑出血 口角歪斜 =言语不清 =言语含糊 =卒中 =偏瘫 =失语 肢体无力",
         (r"(?<![a-z])stroke(?![a-z])", r"((?<!机器)(他|她|妈|爸|娘|爹|爷|奶|婆|公|伴|老人|老头|老太|伯|叔|婶|姨|舅|人)(突然|忽然|一下子|都|也|就|有点|已经|咋|怎么)?|说话|讲话|突然|忽然|一下子)说不清(?!楚是|是)(?!.{0,10}(原文|通知|内容|意思|怎么回事|咋回事|是啥|是什么|政策|规定))",
          r"说不清(楚)?话",
          r"(嘴角|嘴巴|嘴|口角|半边脸|脸)(好像|似乎|有点|有些|有一点|也|都|往一边|向一边|一边)*(歪|斜|耷拉)(?!理|门|脖)")),  # 我也说不清: cannot explain
    Sign("stroke_soft", 2, MEDICAL,
         "=大舌头 =含糊 =耷拉 =重影 =双影 =拿不稳 =抬不起 =一边没劲 =手脚发麻 =流口水 =口水直流",
         (r"看(什么|啥|么斯|么子|东西)(都是|都)?(两个|重影|双)", r"(一边|半边|一侧).{0,4}(脸|身|手|腿|没劲|麻|不能动)", r"(说话|讲话|嘴|舌头).{0,3}(不利索|不利所|不清)",
          r"(左|右)(侧|边)?.{0,4}(无力|没劲|没力|发麻|不能动|动不了)")),
    Sign("unresponsive", 3, MEDICAL,
         "=叫不起来 =喊不起来 =叫不起 =喊不起 =脸朝下 =面朝下 =还有气 =只有一口气 =就剩一口气 =没得动静 =没有动静 =叫不醒 =喊不醒 =叫…不醒 =喊…不醒 =吐白沫 =冒白沫 不省人事 人事不省 =呼之不应 =呼叫不应 =唤之不应 昏迷 休克 晕厥 晕倒 昏倒 晕过去 昏过去 =晕…过去 =昏…过去 叫…没反应 喊…没反应 没意识 没知觉 =人没反应 "
         "=一动不动 =没动静 抽搐 抽风 口吐白沫 翻白眼 =眼睛翻白 =翻白了",
         (r"(叫|喊|拍|敲|叩|砸|问|推)(了|他|她|人|门|半天|好久|几声|也|都|醒)*.{0,6}"
          r"(不应|不说话|不吭气|不(晓得|知道|会|能)?答应|不出声|没反应|没有反应|不醒|不睁眼|没动静|没声音|没人应|没应|不理|答不清|答不上|不吭|"
          + NOBODY_ANSWERS + ")",
          r"(敲|拍|砸|叩)(了)?.{0,3}(门|窗).{0,6}没(人)?(搭理|理睬|理|答应|吭声|开)",
          r"(叫|喊|敲|拍)(了)?(她|他|门|人)?(也|都)?(没|没有|没得|无)(人)?回应",
          r"(躺|倒|趴).{0,6}(不动|没动|没声|叫不)", r"(眼|眼珠|眼睛)(子)?.{0,2}(翻|反)(白|上去)",
          r"(手脚|四肢|全身|浑身|身子|人)(一直|不停|直|乱|一阵阵)(地)?(抽|抖)(?!筋|烟|屉|空|奖|血|签|查|水|出|时间)", r"(只|就)(会|能)?哼", r"(身上|浑身|手脚)(都)?冰(凉|冷)", r"(叫|喊)(他|她|了)?不(太)?(醒|行了|应)", r"人(都|也)?(不动|没动|不动弹)了",
          r"not (moving|responding|breathing|waking)|unconscious|passed out|seizure|convuls|shaking all over|having a fit|collapsed|won'?t wake|lying (there|on the (floor|ground))")),
    # Gone quiet after a sign of trouble ("一直在喘 后面没声了"): with another real sign, act.
    Sign("silent", 0, MEDICAL, "=没声了 =没声音了 =没了声 =没动静了 =不出声了"),
    Sign("bleed", 3, MEDICAL, "流血 出血 吐血 血止不住 止不住血 大口子 =砍伤 割破 =割伤 =砍到 头破了 磕破 伤口很深 =一地血 =好多血",
         (r"bleed", BLOOD_ON, r"血.{0,4}(冒|喷|止不住|压不住|流个不停|一直流)", r"(血|血流).{0,4}(止|压|捂|按)不(住|牢|了|下)",
          r"血.{0,6}(湿透|浸透|染红)")),
    Sign("poison", 3, MEDICAL,
         "喝了农药 喝农药 吃了农药 农药中毒 敌敌畏 百草枯 老鼠药 中毒 吃错药 吃错了药 药吃多了 喝了药水",
         (r"(吃|喝|吞).{0,6}(一瓶|整瓶|半瓶|一把|全部|都).{0,3}(药|片)",
          r"(吞|咽|吃)(了|下|进)?(去|下去)?.{0,4}(纽扣电池|电池|磁铁|磁珠|硬币|钉子|针|刀片|玻璃|干燥剂)",
          r"(纽扣电池|电池|磁铁|磁珠|硬币|钉子|针|刀片|玻璃|干燥剂).{0,3}(吞|咽|吃)(了|下|进)", r"(药|片).{0,6}(全|都|一瓶|一把).{0,2}(吃|喝|吞)",
          r"农药.{0,6}(喝|吃)", r"喝(了)?.{0,3}(药水|打药|除草剂|杀虫剂|农药)", r"(把|将).{0,10}当.{0,6}(喝|吃|服)", r"(误|错)(将|把|吃|服|喝)",
          r"(菌子|蘑菇|野菜|野果|剩饭|河豚).{0,12}(吐|拉|晕|看见|幻觉|中毒)", r"(一家|全家|都)(人)?(都)?(吐|拉肚子|上吐下泻)",
          r"看(见|到)小人")),
    Sign("self_harm", 3, MEDICAL, "不想活 活不下去 =活够了 寻死 自杀 轻生 =跳河 =跳楼 =上吊 =割腕 =不活了 =说声对不起 "
         "=活着没意思 =一了百了", (r"活(着|下去)(也|都|还)?(没趣|没意思|没啥意思|有啥意思|有什么意思)", r"(攒|存|藏)(下|了|着)?.{0,3}药|药.{0,3}(攒|存|藏)", r"药.{0,3}(准备|备)(好|齐)")),
    Sign("intruder", 3, POLICE, "=撬门 =撬锁 =小偷 =有贼 =闯进 =抢劫 =坏人 =有人打我 =被人打 =被打了 =打人了 =持刀 =拿刀",
         (r"撬.{0,4}(门|锁|窗)", r"(拎|拿|提|持|握)(着|住)?(把|一把)?刀", r"police|robber|thief")),
    Sign("attack", 2, POLICE, "=家暴 =动手打 =砸东西 =摔东西", (r"(哭|喊|叫|求)(喊|着|叫|饶)?.{0,3}别打", r"(在家|又|动手|往死里|使劲|狠狠|喝多了|喝醉了)(了)?打(她|他|我妈|我爸|我奶|我爷|孩子)(?!.{0,3}(电话|手机|视频|座机|招呼))", r"打(人|老人|老娘|老子|老伴|俺|我(?!电话|手机|的电话))", r"(要|想)(杀|砍)")),
    Sign("weapon", 2, POLICE, "", (r"(拿|拎|举|抡|提|握|操)(着|起)?.{0,2}(棍|棒|刀|斧|锄|铁锹|砖|镰)",
                                   r"(拿|拎|举|抡|抄|操)(着|起)?.{0,3}(凳|椅|瓶|皮带|鞭|擀面杖|扫帚|石头|火钳|衣架).{0,2}(打|砸|抽|揍|扔)")),
    Sign("hiding", 0, POLICE, "", (r"躲(在|到|进|起来)", r"不敢(出声|回家|出来|进|回去)")),
    Sign("cold", 2, MEDICAL, "=冻僵 =冻死 =冻坏了 =冻得不行 =冻得受不了 =冻得要死 =冻得直抖 =冻得发抖 =失温"),
    Sign("locked_out", 0, MEDICAL, "=进不去 =进不了屋 =进不了门 =锁在外 =关在外 =钥匙在里 =门叫风 =门被风", (r"零下",)),
    # Moaning heard for hours behind a door: with "for a day" or "door shut" an emergency.
    Sign("moan", 0, MEDICAL, "=哼哼 =呻吟 =哎哟哎哟 =叫唤 =喊疼 =喊痛"),
    # Putting affairs in order: everything given away, "不用管我了" (a warning sign of suicide).
    Sign("farewell", 2, MEDICAL, "=不用管我了 =不用管他了 =不用管她了 =别管我了 =以后不用管",
         (r"(存款|钱|存折|东西|房子|地).{0,4}(全|都)(转|给|分|交)", r"(交代|安排)(好)?了?后事")),
    Sign("burn", 2, MEDICAL, "烫伤 =烧伤 =烫到 =烫着 =烫了 =烫起 =烫出 =烫红 =烫得", ()),
    Sign("burn_bad", 0, MEDICAL, "=起泡 =水泡 =大泡 =皮都 =掉皮 =一大片 =整条 =整只 =整个"),
    Sign("water", 3, MEDICAL,
         "掉水里 掉河里 掉井里 掉塘里 =掉进 掉…水里 掉…河里 掉…井里 掉…塘 掉…沟 掉…坑 落水 溺水 淹着了 =水越涨越高 =被冲走 =被困",
         (r"(大水|洪水|河水|水)(都)?.{0,3}(进屋|进家|漫|淹|灌进)", r"水.{0,3}(涨|漫|冲)(到|进)(了)?(家|屋|院|门)", r"淹(到|过|了)(膝盖|腰|大腿|胸|脖子)", r"(掉|摔|跌|落|栽)(下|进|到|在)?了?(水|河|井|池塘|塘|海|江|湖|水库|池)",
          r"(水|河|井|塘|海|江|湖|水库|池|渠)(里|边|中)?.{0,8}(掉|摔|跌|落|栽)(了)?(下去|进去|下水)",
          r"(水|河|井|塘|海|江|湖|水库|池|渠)(里|中).{0,8}(扑腾|挣扎|沉下去|往下沉)", r"(快|要)(沉|淹)下去")),
    Sign("trapped", 2, MEDICAL, "=出不去 =走不出去 =困住 =困在 =逃不出", (r"(上|出|下)不来(?!气|床|炕)", r"爬不(上|出)来")),
    Sign("injury", 3, MEDICAL,
         "被狗咬 被蛇咬 蛇咬 =狗咬 骨折 腿断了 胳膊断了 =触电 触电了 电着了 =被电 被车撞 车撞了 车祸 撞到头 =发青 =出冷汗 "
         "疼得受不了 痛得受不了 疼得打滚", (r"(?<![充停来])电(到|倒|击|晕)(了|他|她)?(?![家村户站费])",)),
    Sign("lost", 3, MEDICAL, "走丢 =走失 人不见了 =找不到人"),
    # Someone who cannot find their way (dementia, confusion) and cannot be found: lost.
    Sign("wanders", 0, MEDICAL, "痴呆 老年痴呆 =糊涂 =认不得路 =不认得路 =不记得路 =跑出去 =跑出门 =出去了 =出门 =走出去 =外出 =离家",
         (r"(?<![a-z])(walked|wandered|went) (out|off|away)(?![a-z])",)),
    # Someone with dementia seen going off alone towards water, a road or out of the village, or a plea to stop
    # them: told politely ("看见她一个人往河那边走了 … 帮忙拦一下"), still a person about to be lost.
    Sign("dementia", 0, MEDICAL, "痴呆 老年痴呆 失智 =认知障碍 阿尔茨海默 =老糊涂 =脑子糊涂 =脑子不清 =认不得路 =不认得路 =不记得路 =记不得路 =记不住路"),
    Sign("heading", 0, MEDICAL, "",
         (r"(往|朝|向)(着)?.{0,6}(河|江|湖|塘|水库|井|渠|海|沟|崖|山|坡|林子|铁路|公路|马路|大路|国道|高速|村外|村口|外面|外头|野地|坟)"
          r".{0,4}(走|去|跑|溜|晃|挪)",
          r"(一个人|独自|自己)(一个人)?(走|跑|溜|出)(出去|出门|远|掉|没影)", r"(帮忙|帮我|帮着|麻烦)?(拦|截|追|拉|劝)(住|下|一下|回来|回去)(她|他|人)?")),
    Sign("not_found", 0, MEDICAL, "=寻找 =帮忙找 =帮着找 =协助找 =一起找", (
         r"(?<![a-z])(not back|still not home|not come back|hasn'?t come back|is missing|went missing|can'?t find|cannot find)(?![a-z])", r"(找|寻)不(到|着)", r"没(找|寻)(到|着)", r"不见了",
                                  r"(至今|到现在|一直|还|整夜|一夜)(都)?(未|没|不)(归|回|见)",
                                  r"(外出|出门|出去|离家)(后)?(至今|一直|迟迟)?(未|没有|没)(归|回)", r"(寻找|找了|寻了|搜寻).{0,6}(未果|无果|没找到|未找到)")),
    Sign("cry", 3, UNKNOWN,
         "救命 快来人 来人啊 来人呀 来人呐 快来救 =救救 救救我 救救他 救救她 救救俺 叫救护车 救护车 快不行了 人不行了 "
         "要不行了 快死了 出人命 出大事了",
         (r"(?<!得)要死了", r"(叫|打|要|需要|请求|送|快)急救|急救(车|中心)", r"(?<![\d.])(?<!补贴)(?<!每户)(?<!每人)(?<![乘加减除×*+=])(120|119|110)(?![\d.块元斤号个米度克人岁分秒])(?!.{0,10}(一共多少|等于多少|合计|总共多少))")),
    Sign("help_word", 1, UNKNOWN, "", (r"(?<![a-z])help(?![a-z])", "盼援|求援")),
    Sign("sos", 2, UNKNOWN, "", (r"(?<![a-z])sos(?![a-z])", r"(please help|help me|help us|(?<!急)(?<!咋)(?<!怎么)(?<!怎样)(?<!如何)救我)",)),
    Sign("confused", 2, MEDICAL, "说胡话 讲胡话 胡言乱语 认不得人 认不出人 不认人 不认得人 认不得我 不认得我 认不出我 神志不清 意识模糊 答非所问 =恍惚"),
    Sign("heatstroke", 2, MEDICAL, "中暑 热射病", (r"晒了(一|半|大半)(上午|下午|天|晌)", r"晒(到|得)(晕|昏|发昏|头晕)")),
    Sign("fever", 0, MEDICAL, "高烧 发高烧 =烧得滚烫 =滚烫 =烫手 =烧糊涂", (r"(烧|体温|温度).{0,3}(39|40|41|四十|三十九)",)),
    Sign("hypo", 2, MEDICAL, "=心慌手抖 =迷迷糊糊 =人迷糊 =意识不清 =低血糖 =答不清 =反应慢 =反应迟钝",
         (r"血糖.{0,3}(测不出|很低|太低|低)",)),
    # Someone not seen, not answering, for a day or more (a neighbour's or a son's report).
    Sign("span", 0, MEDICAL, "",
         (r"(好|这|两|[一二三四五六七八九十几多]|\d+)(几)?(个|整)?(天|日|晚|宿)", r"(星期|礼拜|周)", r"(昨天|昨日|昨晚|前天|从昨|自昨|一整夜|一晚上|到现在|连日|数日|多日|一连|连着|连续)",
          r"since (yesterday|last)|(two|three|four|several|few|\d) days|all (day|night)|yesterday")),
    Sign("absent", 0, MEDICAL, "",
         (r"没(有)?(出门|出来|见|看见|看到|露面|人影|动静|开门|开过|拿|收|来|亮|开灯|回|出摊|开店|开张|下地|遛弯|出工)",
          r"未(见|露面|出门|开门|接|回)", r"(?<!听)不见(人|他|她)?",
          r"没人(接|听|回|应)", NOBODY_ANSWERS, r"没有(人)?接", r"(不接|没接|没人接|打不通|关机|不回|没回|不开门|没人开|没人应|不答应|不听电话|没听电话)",
          r"(联系|联络|找)不(上|到|着)(人|他|她)?(?!.{0,2}(工作人员|社工|志愿者|你们|客服))", r"门.{0,4}(关着|锁着|插着|没开|不开)",
          r"(关|锁|插)着门", r"(不见|没有|没)(炊烟|烟火)", r"can ?['’]?n?o?t reach|no (one )?answer|no (response|reply)|not (answering|picking up)",
          r"(hasn ?t|has not|haven ?t|have not|didn ?t|did not|isn ?t|is not|wasn ?t|never) (been )?(answer(ed|ing)?|pick(ed|ing)? up|respond(ed|ing)?|repl(ied|ying|y))",
          r"(窗帘|报纸|牛奶|奶|快递|衣服|衣裳|信件|信).{0,8}(没|堆|放|攒|积|摞|塞满|一大摞|好几)",
          r"灯.{0,4}(亮|开|点)(了|着)?(一宿|一夜|一晚|一整夜|整夜|整晚|通宵|一晚上)", r"(一宿|一夜|整夜|整晚|通宵).{0,4}灯.{0,3}(亮|开|没关|没熄)",
          r"灯.{0,6}(还|一直|仍|依然)(亮|开)着")),
    # Signs that someone is inside and cannot come out: the gate bolted from inside, the animals left unfed.
    Sign("shut_in", 0, MEDICAL, "",
         (r"(从|在)?里(头|面|边)?.{0,3}(插|锁|反锁|闩|拴)(着|上|住|死)",
          r"(鸡|鸭|鹅|狗|猫|猪|羊|牛|兔|鸟).{0,10}(没人喂|没喂|没人管|没人放|饿得)")),
    Sign("worry", 0, UNKNOWN, "=不对劲 =担心 =怕出事 =一个人 =独居 =平时 =平常 =从来 =从未 =必回 =苍蝇 =钥匙 =不舒服 =没得人 =没人在 =麻烦 =去看 =过去看 =帮忙看 =看一下 =看看 =不冒烟 =不测 =意外 =三长两短 =不对头",
         (r"(狗|猫).{0,4}(叫|嚎)", r"lives? alone|alone|worried|high blood pressure|高血压", r"(臭|怪味|异味)", r"灯.{0,4}(一直|亮)", r"出(啥|什么|了)?事",
          r"从里.{0,3}(插|锁|反锁|闩)")),
    # Someone who never misses a day: with "not seen" and "lives alone" a reason to go and look.
    Sign("habit", 0, UNKNOWN, "=从不 =从没 =每天都 =天天都 =一向 =向来 =雷打不动 =平时 =平常 =准时 =每月 =每个月 =每周 =每次"),
    Sign("many_calls", 0, UNKNOWN, "", (r"(打|拨)(了)?(二十|三十|十|几十|好多|很多|无数|n|\d+)(几)?(个|次|遍|通)",
                                       r"打了(一|半|整)?(个)?(下午|上午|晚上|天|早上)(的)?电话")),
    Sign("alone", 0, UNKNOWN, "=一个人住 =一个人在家 =独居 =一人住 =单独住 =孤寡", (r"lives? alone",)),
    # The safety net: any word of a body in trouble beside any word of distress earns the question, so a
    # phrasing no sign above anticipated is still asked about (tests/data/nlu/emergency_heldout).
    Sign("body", 0, MEDICAL, "",
         (r"(痛|疼|晕|昏|吐|呕|汗|血(?!压|糖|脂|型|常规|管|检)|喘|咳|噎|麻|抽筋|烫|摔|跌|跤|发黑|发紫|白沫|冰凉|没气|窒|憋|发作|难受|不舒服|"
          r"不对劲|胡话|糊涂|发烧|高烧|抖|肿|瘫|没力|没劲)",)),
    Sign("distress", 0, UNKNOWN, "",
         (r"(快来|快点|快去|快叫|快帮|快救|快过来|紧急|急死|着急|马上|立即|立刻|赶紧|救|帮帮|求求|怎么办|咋办|咋整|咋弄|"
          r"不行了|受不了|不应|没反应|不动了|起不|站不|走不|动不了|说不出|不醒|要命|不得了|吓人|吓死|派人|"
          r"过来看|来看看|来个人|(爬|挪|走|站|起)不(动|起|了)|不敢)",)),
    Sign("symptoms", 1, MEDICAL),  # three different complaints in one message (set by the classifier)
    Sign("model", 1, UNKNOWN),  # the statistical second opinion (danger_model.py); never combined with others
    Sign("allergy", 2, MEDICAL, "=过敏 =起疹子 =荨麻疹 =风疙瘩", (r"(嘴唇|嘴巴|舌头|脸|眼皮|喉咙)(都|也)?肿", r"(全身|浑身|满身|一身).{0,3}(疹|疙瘩|红)")),
    Sign("urgent", 0, UNKNOWN, "=速来 =破门 =立即 =立刻 =望速 =火速 =如何是好 =咋办 =怎么办 =咋整 =咋个整 =咋个办 =怎么搞 =快来 =快点 =赶紧 =快救 =谁能 =求求 =谁来 =来个人 =帮下忙 =来帮 =有人来 =喊人 =叫人来 "
         "=快去 =快过来 =快叫人 =送医院 =送县医院 =送去医院 =叫车", (r"报警(?!器|的?(手环|手表))",)),
    Sign("sudden", 0, UNKNOWN, "=突然 =突发 =一下子 =忽然 =猛地 =刚才"),
    Sign("intense", 0, UNKNOWN, "=加剧 =得要死 =得不行 =得厉害 =厉害 =受不了 =要命 =很 =好晕 =不行了 =好痛 =好疼 =很痛 =很疼 =痛死 =疼死 =刀割 =刀绞 =刀扎 =针扎 =撕裂"),
)

# Signs of something that happened and can be over ("摔了一跤", "噎了一下"); the others are states that last
# ("起不来", "叫不醒"): "没事了" cancels the first kind, never the second.
EVENTS = frozenset({"fall", "choke", "burn", "smoke", "smoke_fill", "smoke_doubt", "pot_dry", "fire", "sos", "help_word", "cry", "bleed", "injury", "hypo",
                    "blackout"})

# Words for writing pinyin back in characters (dialect.py) beyond the signs' own phrases: the places and
# smells the signs' patterns name (水塘, not 水烫; 煤气味, not 煤气为), and the words that make a sign harmless
# ("shuai le ge wan" is 摔了个碗, not 摔了割腕; "xiao si wo le" is 笑死我了): things that break, animals that
# fall, laughter, figures of speech, the words of a lesson, a drama or a check-up.
_THINGS = "碗 杯子 盘子 碟子 瓶子 手机 眼镜 遥控器 锅 茶杯 水杯 暖壶 暖水瓶 花瓶 镜子 灯泡"
_ANIMALS = "狗 猫 鸡 鸭 鹅 羊 牛 猪 驴 小狗 小猫 母鸡"
PINYIN_WORDS = " ".join([
    "水塘 池塘 鱼塘 河里 河边 井里 水库 水缸 厨房 厕所 卫生间 煤气味 燃气味 天然气味 液化气味 臭鸡蛋味 煤气费 燃气费 交费 缴费 换罐 送气 不会 电费",
    *(verb + link + thing for verb in ("摔", "打", "掉", "跌") for link in ("", "了", "了个", "了一个", "个", "碎了", "坏了", "破了", "碎", "坏", "破")
      for thing in _THINGS.split()),
    *(thing + verb + end for thing in _THINGS.split() for verb in ("摔", "打", "掉", "跌") for end in ("了", "碎了", "坏了", "破了")),
    *(animal + verb for animal in _ANIMALS.split() for verb in ("摔了", "摔下去", "掉下去", "掉进", "掉到", "跌倒")),
    "笑死 笑死我了 笑死人 哈哈 哈哈哈 开玩笑 逗你玩 热死 累死 气死 饿死 烦死 困死 忙死 渴死 没事 没事了 没事的 好了 早好了 "
    "没意思 有意思 下棋 电视剧 看剧 追剧 演戏 电影 急救课 讲座 培训 演练 学会了 兽医 检查 巡查 正常 没发现",
    # the words of the signs' patterns, so that toneless pinyin reaches them ("mei ren jie" is 没人接, not 没人姐)
    "没人接 不接 没接 接电话 打电话 没人应 肿了 都肿了 喉咙 嗓子 喘气 喘不上气 嘴巴 嘴唇 眼皮 脸 红块 红疙瘩 疹子 "
    "一个人住 独居 着急 很着急 去看看 不见了 找不到 没找到 没看见 好几天 三天 两天 几天 痴呆 糊涂 "
    "喝了 喝了药 吃了药 脸都肿了 脸肿了 喉咙紧",
])

# Words that change what the signs mean.
# The writer or their own family in trouble now ("我妈摔倒了", "我突然头晕"): real beside a show or the news.
OWN_PEOPLE = (r"(我|俺|咱)(家)?(的)?(爸|妈|爷|奶|老伴|老头|老婆|老公|老太|娘|爹|公公|婆婆|外婆|外公|姥|孙)"
              r"|(?<![个位])老伴|我(突然|刚才|刚|一下|忽然|自己)?(就)?(头晕|晕|摔|跌|倒|滑|起不|站不|喘不|胸|心口)")
# News told: never made real by the urgency in the story ("三天才叫人发现").
NEWS = (r"新闻.{0,3}(里|上|讲|说|报|播|话)", r"(看|听|刷)(了|到)?(那|这)?(个|条|则)?新闻", "报道",
        r"朋友圈(里)?(话|说|讲|看到|转)", r"网上(说|讲|看到)", r"抖音(里|上)?(说|讲)",
        r"(外地|外省|国外|别的地方|南方|北方|城里|邻县|隔壁县|外村)有(人|个|一)")
# A game's cries heard in the room and complained of ("打游戏一直喊 快救我 … 吵的俺头疼 这游戏咋关").
GAME_NOISE = r"(游戏|打机).{0,30}(吵|烦|咋关|怎么关|关掉|声音(太)?大)|(吵|烦)(得|的)?.{0,6}(游戏|打机)"
# The TV or the news on in the room, with nothing told from it.
WATCHING = r"(在|正|正在)?看(着)?(电视|新闻)(呢|着|的时候|时)?(?!剧|里|上|说|讲|播|报)"
FICTION = ("电视剧", "电视里", r"看电视(?!.{0,2}(结果|回来|回家|出门|后来|然后))", r"(看|追|刷)(剧|连续剧|大戏|粤剧|港剧|韩剧)", "剧情", "剧集", "电影", "短视频", "新闻里", "新闻上", "故事", "梦见", "梦到", "小说", "剧里",
           "演的", "戏里", "抖音", r"(刷|看|在|上|发)快手|快手(上|里|视频)", "小品", "相声", "笑话", "段子", r"电视(上|里|播|放|说)", "表情包", "的表情", r"的视频|群里(发|转|的)", r"(看|听|刷)(了|到)?(那|这)?(个|条|则)?新闻(?!.{0,2}(时|的时候|呢|回来|后来|结果|然后))", "游戏", "打机", "打游戏", "唱戏", "演到", r"(写|让写|要写)(一篇)?作文(?!的时候|时)", "作文题目", "题目叫", *NEWS)
TEACHING = ("讲座", "培训", "演练", "演习", "温馨提醒", "温馨提示", "安全提示", "提醒大家", "请家属转告", "上课", "课上", "知识", "宣传", r"消防(演习|演练|知识|宣传|检查|培训|课|安全)", "冒充", "诈骗", "防骗", "骗局", "安全检查", "安检", r"(买|换|装|配|检查|过期|发)(个|了)?.{0,3}灭火器|灭火器.{0,4}(多少钱|哪里买|过期|怎么用|检查)", "逃生", "怎么预防",
            "注意安全", "防火", "防范", "教了", "教给", "急救法", r"防.{0,6}(跌|摔|溺|煤气|中毒|诈|滑|火|电)", r"提醒(大家|各位|你们)", "请大家", r"请(提前|准备|携带|带上)", "学学", "学习", r"教.{0,3}急救", r"学会(了)?.{0,8}(怎么|咋|如何)", r"学(了|过|会)?.{0,2}急救", "报名",
            r"(急救|救护|安全|健康|消防|防溺水|养生|护理|卫生)(课|班)", r"(讲|上|听|开)(了)?.{0,4}课", r"(我|大家|都)(也|都)?学会(了)?",
            r"教(我们|大家|你们|俺们|咱们|过我|了我)", r"注意(通风|防|别|安全)", r"(话|讲|说)给大家听", "讲一讲", "讲讲", "请教", "提前学", "以防万一",
            r"(如果|假如|要是|万一).{0,12}(应该|怎么|咋|如何)", r"(报警器|探测器|检测器|手环|手表|平安钟|呼叫器).{0,6}(装|买|送|安|多少钱|啥时候|什么时候|充电|怎么用|没电|申请|领|办)", r"(装|买|送|安|申请|领|办)(了|个)?.{0,8}(报警器|探测器|手环|手表|平安钟|呼叫器)", r"老师(今天|说|讲|教)", "免费", "欢迎", r"讲.{0,8}(预防|防治|保健)", r"(请|欢迎).{0,12}参加", r"(^|【)通知|通知(大家|各位|如下)", "排查", "各户", r"^(各位|村民们|大家好)(?!好?我)|各位(村民|老人|家属|乡亲|老乡)", "村民们", "老人可以", "可以来")
COOKING_SMOKE = ("烟囱", "炊", "蒸", "做饭", r"炒(菜|辣椒|饭|肉|鸡蛋|花椒)", "油烟", "炖", "煮", "烧火", "生火", "火锅", "上火", "火车", "抽烟", "烟抽", "吸烟", "戒烟", "烟瘾", "二手烟", "烟花", "火柴", "灶火",
                 "火小", "火大", "蜡烛", "生日", "香烟", "烟酒", "烟叶", "熏肉", "腊肉", "烧烤", "点火", "打火", "火腿", "鞭炮", "放炮",
                 "火太", "火候", "火气", "发火", "冒火花了吗", "柴油机", "发动机", "拖拉机", "排气管", "修车", "修船", "机器", "马达", "秸秆", "麦秸", "火灶", "灶膛", "炒茶", "烘茶", "制茶", "灶头", "吃饭", "饭快好", "柴灶", "湿柴", "柴是湿", "柴湿", "柴火湿", "稻草", "烧荒", "烧纸", "烧垃圾", "烧叶子", r"烧(落|树|枯)叶", r"烧(稻|麦)?(草|秆)")
# Fire words that mean a fire even in a kitchen (not "火烧起来了", the stove lit).
REAL_FIRE = r"(着火|失火|起火|火灾|救火|油锅|烧到|烧着了|fire|火(苗|舌|头)(子)?(窜|蹿|冒)(得)?(老|好|很|多)?高|(挨|燎|烧)着房)"
# Things, animals and prices that "fall" without anyone hurt.
# An animal that fell: harmless unless a person is named too.
ANIMAL_FALLING = (r"(猫|狗|鸡|鸭|鹅|猪|羊|牛|鸟|(?<!电)驴|骡|兔)(子|儿|咪|崽|羔)?(?!蛋|肉|骨|汤|车|毛|癫|角|圈|棚|粪|奶|油|排|翅|爪|血).{0,12}(摔|跌|掉|滚|倒|帅|甩|落|噎|卡|呛|哽)",
                  r"(猫|狗|鸡|鸭|鹅|猪|羊|牛|驴|骡|兔)(子|儿)?咬(了|伤|死)?((我|俺|他|她|你|别人)家)?(的)?(几只|一只|只|头|条)?(猫|狗|鸡|鸭|鹅|猪|羊|牛|驴|骡|兔)")
NOT_A_PERSON_FALLING = (r"(杯|碗|盘|电话|手机|瓶|碟|眼镜|遥控|锅)(子)?.{0,2}(摔|跌|掉)(?!倒|跤)",
                        r"(摔|跌|掉|打)(了|碎|坏)?.{0,3}(杯|碗|盘|手机|瓶|碟|东西|眼镜|遥控|锅)",
                        r"(杯|碗|盘|手机|瓶|碟|东西|眼镜|遥控|锅)(子)?.{0,6}(摔|打|跌|掉)(了|碎|坏)",
                        r"(跌|掉|降)(价|了价|钱)", r"(价|股|行情|价格|菜价|猪肉|鸡蛋).{0,4}(跌|掉|摔)",
                        r"(树|墙|篱笆|棚|杆|架子|柜子|牌子|庄稼|玉米|麦子|叶子)(也)?.{0,4}(倒|掉|跌)")
# A gas leak is a state, not an event: getting someone out of the room does not end it, shutting the gas off
# or airing the room does; a valve that will not close keeps it going whatever else is told as over.
GAS_STOPPED = r"(关|拧|闭)(好|掉|紧|上|死)了?|关了.{0,2}(阀|气|总闸)|修好|(通|透|散)(了)?风|味(道)?(散|没)了|没味了"
GAS_GOES_ON = (r"(拧|关|堵|闭)不(紧|上|住|严|死|掉|了)|还在(漏|冒|嘶|响)|一直(在)?(漏|冒|嘶)|漏个不停"
               # The flame went out and the gas runs on: the classic leak, not a fire put out.
               r"|" + GAS_ESCAPING + r"|(不(会|晓得|知道)|晓不得)(怎么|咋)?关")
RESCUED = r"(拉|救|拖|抬|背|扶|抱)(了)?(她|他|人|老人)?(出来|出去|出门|到外)"
# It happened but is over: the person is up again, the food came out, the fire is out.
RESOLVED = (r"(自己|又|已经|都)?(爬起来了|站起来了|扶起来了|缓过来|好多了|吐出来了|咽下去了|灭了|扑灭|关好了|关掉了|修好了)",
            r"(已经|早就|现在|今天|就|病|伤|都)好了", r"(复查|长好了|长得很好|恢复得|恢复好了|恢复良好|康复|出院|好起来|拆线|拆石膏|好利索)",
            r"人没(事|啥事)", r"好着(呢|哩|嘞)", r"早(就)?好了", r"(幸好|(?<![才刚前来])还好(?!好)|(?<!刚)好在)(?!.{0,2}(带|揣|拿|有|在身|手机))", r"(已|已经)(基本|大部分|明显|逐渐)?(缓解|消退)", r"(?<![未没不])缓解了", r"(愈合|痊愈|拆除石膏|(?<!不能)(?<!无法)生活自理|(?<!不)可自理)",
            r"(一点|一点儿|半点|啥|什么|屁)(事|伤)(儿)?(都|也)?没(有|得)", r"好透(了)?|长牢(了)?|没事没事", r"没(有)?(着|烧)起来|没起火", r"(骨头|骨)(没|没有)(断|事|问题)|没骨折", r"(平复|平静下来|缓和)(了|哒|下来)", r"(行|走)得(走|行|动)得", r"(医生|大夫)(话|说|讲)(冇|没)事", r"已经拔(了|掉)|拔掉了", r"(瞎讲|乱讲|瞎说|胡说|乱说)的|谣言|造谣", r"我(好好的|好着呢)", r"(行|走)路(都|也)?没(啥|什么)?问题", r"(腿|脚|腰|手|胳膊|伤口|伤|骨头|身体|身子)(早|也|都|已经)?(就)?(好(了|啦|利索)|长好)", r"(?<![未没不])好转",
            r"好(咯|嘞|啦)", r"(挺好的|都挺好|一切都好|别心疼)", r"(一下|一跤|一回)没事",
            r"(不消|不用|别|莫)(挂念|担心|惦记)", r"(fully |all )?(healed|recovered)|(fine|ok|okay) now",
            r"(别|莫|不要|不用)(慌|怕|担心|着急|紧张|以为|当成|误会)", r"(?<!不)放心", r"(咽|吞|顺|就)下去了", r"没事(了|啦|的)?$", r"(擦破|破点皮|擦伤|蹭破|碘伏|创可贴|胶布|包好了|ok啦|ok了|okay)",
            r"(自己|又|就)(就)?(爬|站)起来(了)?(?!又倒)", r"自己起来了", r"爬起来(又|就|接着)(跑|玩|走|去|干|跳)",
            r"没(摔|伤|烫|碰|磕)(着|到|坏|伤)", r"没受伤", r"(?<!要)不要紧", r"没事(?![\u4e00-\u9fa5])", "괜찮", r"没(啥|什么|得|有)?事(了|啦|的|哩|咯|嘞|喽|啰|个|，|,|$)", r"没(啥|什么)(大)?事", r"不用(来人|派人|过来看)", r"(烟|味|味道|气味)(已经|都|也|早)?(散|消|没)(了|掉了|干净)", r"拔(掉|了)(插头|电)",
            r"人(好好的|好着呢)", r"(神志清楚|无不适|已恢复|今儿好了|今天好了|(状态|情况|身体)(良好|正常|平稳|稳定))", r"(?<!要)(?<!用)(不用|别|莫|不要)报警", r"(喝|冲|咽|吞|顺|就)(了)?(口|点)?(水)?下去了",
            r"(我|人)(正)?在(买菜|干活|做饭|吃饭|打牌|散步|逛)", r"(其实|原来)(是|就是)", r"(?<![不没])(?<!不太)(会|能)(走路|走|下地|行路|吃饭|干活|跳舞|出门)(干活)?了", r"(上个月|上次|上回|上礼拜|上星期|那次|嗰次|那回).{0,12}(多谢|谢谢|感谢)", r"(行|走)(路)?得(好好|挺好|很好)",
            r"起来(了)?(又|就|接着)(要|去|喝|吃|走|跑|玩|干|跳|下地)(?!倒|到|道|摔|跌|晕|吐|栽)", r"(我|还)(当|以为)(是|成)", r"不(着)?急(咯|的|了|哈|$)", r"(这会儿?|现在|眼下|如今)(已经)?(腿|脚|腰|手|胳膊|头|伤口?|身体|身子|人)?(也|都)?(已经)?(好(了|啦|咯|嘞|些|多了|利索|着呢)|没事)", r"(?<!扶不)坐起来(了)?(?!又)", r"(应该|看来|估计)没(啥)?事",
            r"(熄|灭)(了|掉)", r"(烟|味)(也|就|都)?(散了|散掉了|散开了|没了)", r"开窗(就|后)?(散|好)", r"(爬|拉|捞|救|拖|抬)(上来|出来)(了)?", r"(又|就|马上|立马|自己)(爬|站)?起来(跑|玩|走|跳|蹦)",
            r"(宝宝|孩子|小孩|娃|小家伙|小朋友|宝贝|小孙).{0,12}(没(有)?哭|不哭|哭都没哭)", r"(接走|扶回家|送回家|领回家|接回家)了", r"没(有)?关系",
            r"(不用|别|莫)(过)?来(了)?(?!人)")
# A phone, a TV or a zip that is stuck: a thing, not a person who cannot move.
DEVICE_STUCK = r"(手机|电视|电脑|屏幕|机器|遥控|门锁|拉链|抽屉|车)(又|都|也)?(卡|死机|卡住|卡死|动不了|不动了)"
# A harmless reason for not being seen: away, busy, or the writer answers it themself.
# Prices ("救命啊 菜好贵 一斤五蚊"): a cry about the cost of things is a figure of speech, asked about at most.
PRICE = r"(好贵|太贵|真贵|贵死|贵得|涨价|[0-9一二三四五六七八九十几两]+(块|元|蚊|毛)(钱)?|一斤|多少钱)"
# A tap, a pipe or a cistern: what leaks there is water ("水管子漏了 … 谁会修"), and nobody is in it unless it says so.
WATER_FIXTURE = r"(水龙头|龙头|滴水|漏水|水管|自来水|水阀|水箱|马桶|水池)"
IN_WATER = r"(淹|掉进|掉到|落水|溺|冲走|涨水|漫)"
# An alarm going off ("燃气报警器 … 在报警"): a gas leak the device has smelt, however the message began.
# The owner trying the alarm out ("装了个报警器 试了一下 嘀嘀响"): it works, nothing leaks.
ALARM_TEST = r"(试了|试试|试一下|测试|自检|演示|试响|按了一下)"
ALARM_GOING = (r"(吱吱|嘀嘀|滴滴|哔哔|嗡嗡|呜呜)(的|地)?(叫|响)|(app|手机)(上)?(一直|在|老)?(弹|响|报警|提醒)|浓度超标|(煤气|燃气|天然气|液化气)(的)?报警.{0,4}(报警了|响了|在响)"
               r"|(报警器|探测器|警报器|报警的|推送).{0,12}(在报警|报警了|在响|响了|一直响|叫了|在叫|叫唤|一直叫|叫个不停|响个不停|乱叫|嘀嘀|滴滴|推送)"
               r"|(报警器|探测器|警报器).{0,4}(推送|发)(到|给|了)")
# A drill or a show ("喊'快来人'是在练习 别当真"), or how to prevent it ("讲煤气中毒咋防"): part of a lesson.
DRILL = r"((?<!不是)(消防|防火|火灾|应急|疏散|逃生|地震|防汛)(演习|演练)|在练习|是演练|是练习|在演示|演示一下|别当真|不要当真|莫当真|(?<!不)是假的(?![吧吗啊])|(咋|怎么|如何)(样)?(防|预防))"
# The writer rules the gas out ("不是煤气，是锅在响").
# Not a self-correction of a misheard word ("梅琪 不是 煤气 那个报警器响了").
GAS_DENIED = r"((?<!是)不是|并非|没有|没)(煤气|燃气|天然气|液化气|漏气)(?!(那个|这个|的)?(报警|味|阀|在漏|漏了))"
# A stroke in the past ("中风后行动不便"): what is left of it, not a stroke now.
STROKE_HISTORY = r"(中风|脑梗|脑溢血|脑出血|偏瘫)(过)?(以)?后|(中风|脑梗)过"
# Joy beside a cry ("要死了 … 考了九十多分 我高兴"): someone quoted in jest.
JOY = r"(高兴|开心|乐坏|乐死|笑死|哈哈|考了|考得)"
# A machine that does not answer (the chat robot, an app, the phone itself): no person is unresponsive.
MACHINE_SILENT = (r"(它|机器人|机器|客服|系统|电脑|小程序|公众号|app|手机|电视|收音机)(也|都|就|还|老是|总是)?.{0,3}"
                  r"(答不上|答不出|不回|没回|没反应|没有反应|不应|不理|不说话|没声音|不出声)")
# The person answered another way (on the phone said where they are, "放门口"): an unanswered knock is no sign then.
REACHED = r"(电话|微信|视频).{0,6}(说|讲)(他|她|人|自己)?(在|去|出)|(让|叫)(我|他|你)(放|搁|留|挂)(在)?(门口|门外|门边|院|窗台|门卫)"
EXPLAINED = (r"没(见|看见|看到|来)(过)?(你|志愿者|社工|工作人员|村医|医生|送餐)", r"(你们|志愿者|社工).{0,4}没来",
             r"(去了|走亲戚|去城里|进城|儿子家|女儿家|闺女家|住院|旅游|赶集|打工|在地里|在田里|下地了|在忙|太忙|估计在|可能在|"
             r"应该是|去跳舞|在跳舞|去打牌|在打牌|串门|回来了|出远门|回娘家|回老家|住几天|过几天|带孙|看孙|原来|县城|镇上|城里|"
             r"说过|去医院|忙(啥|什么|些啥))", r"(?<!也许)(?<!可能)(?<!估计)(?<!怕是)(?<!是不是)(手机|电话)(又|也)?(坏了|丢了|摔坏了|掉水里了|进水了|停机了|送修|拿去修|在修)")
# A rule quoted from a lesson ("医生说胸痛要立即就医"): what to do if it ever happens, not a cry now.
ADVICE = r"(要|需要|应该|应当|得|必须)(立即|立刻|马上|及时|尽快|赶紧)(就医|就诊|送医|去医院|拨打|打120|叫救护车)"
# A helper who promised to come and did not ("说好礼拜三来帮我 … 人影都没见"): a complaint about a visit.
NO_SHOW = r"(讲好|说好|约好|答应|定好|讲定|说定|讲了)(了|过)?.{0,10}(来|去|过来|上门)(帮|给|陪|送|接|量|看)"
# The writer tried to reach someone ("我去敲门没人应", "我打电话联系不上"): the silence is the other person's.
TRIED_TO_REACH = (r"(敲|叫|喊|拍|打)(了)?.{0,8}(" + NOBODY_ANSWERS + r"|没人(接|理|搭理|开|答应)|不(接|应|开)|没(反应|回))"
                  r"|(联系|联络)不(上|到|着)")
# A guess at a harmless reason the writer then doubts ("或许是去儿子家了，但他出门一向会打招呼"): no reason.
DOUBTED_GUESS = r"(或许|也许|可能|估计|兴许|说不定|大概)(是)?.{0,12}?(但是?|可是|不过)"
# Symptoms listed as absent ("无头痛胸闷", "没有发烧") with a calm plan: a report, not an alarm.
DENIED_SYMPTOMS = r"(没|没有|无|未|未见)(明显)?((头痛|头疼|胸闷|胸痛|心口痛|头晕|恶心|呕吐|发烧|气短|出汗)[、，,和及或]?)+"
CALM = r"(继续观察|先观察|再测|正常|平稳|稳定|稍高|稍低|偏高|偏低|按时吃药)"
# A question about what could happen ("会不会中毒", "怕着火"), unless something was already swallowed or used.
# A question about what would happen or what one should do if it happened, asked in passing ("要是碰上了该咋整？就问问"): no one is in
# trouble now, however urgent the question's own words sound.
HYPOTHETICAL = r"(如果|假如|要是|万一|假若|倘若|现实(里|中)(碰到|遇到)|真(的)?(遇上|遇到|碰上|碰到))"
JUST_ASKING = r"(就|只是|随便|顺便|先)(是)?问(问|一下|一问)|问问(而已|看)|打听一下|好奇问"
WHAT_IF = r"(会不会|能不能|会|不怕|怕|以免|防止|避免|免得|容易)(引起|导致|造成)?.{0,3}(噎(着|住)?吗|中毒|中煤气|着火|起火|失火|漏气|触电)"
TAKEN = r"(吃|喝|吞|误食|用|闻)了"
# A check-up or an inspection that found nothing ("燃气灶具检查完毕 … 未发现泄漏", "查了 无异常"): a report.
NOTHING_FOUND = (r"(未|没|没有|无|并未|均未)(发现|见|查出|检出|闻到|查到)(明显|任何|有)?(的)?.{0,4}"
                 r"(泄漏|泄露|漏气|漏点|漏|异常|隐患|问题|异味|气味|烟|火情|险情)|(无|没有|未见)(异常|隐患)|(一切|均|全部|都)正常")
INSPECTION = r"(巡查|巡检|检查|排查|安检|抽查|检测|走访|回访|入户)"
# A known, long-standing complaint a doctor has seen: a report, not an alarm.
# A diagnosis that rules the danger out ("确诊为肋间神经痛，与心脏无关", "排除了心梗").
RULED_OUT = r"(确认|确诊|诊断|查明|查出)(为|是).{0,12}(无关|没关|不相关)|(与|和|跟)(心脏|心|脑|心梗)(无关|没关)|排除(了)?.{0,3}(心梗|心脏|中风|脑梗|骨折|脑出血)"
CHRONIC = r"((医生|大夫)(查了|看了)(以后)?说(是|没|不)|(老是|总是|经常|每次)(都)?.{0,6}(咽不下|卡|噎|头晕|疼|痛)|治.{1,6}的药|(医院|卫生院|诊所)(里)?(看|查)(了|过)|查了?(说)?(都|也)?(没事|正常|没问题)|药(吃完|没了|快没了|快吃完)|既往史|病史|病历|(医生|大夫)说(是|没|不)|去(医院|卫生院|诊所|县医院)看(了|过)|老毛病|拍(了)?(个)?片(子)?|做了(个)?(ct|检查)|(医生|大夫)(都)?看过|看过(医生|大夫)了|查过了|检查过了|一变天|天一变|变天就|(阴|下雨|阴雨)天(就|还|也|都)?(疼|痛|酸)|(落|留)下(了)?(病根|毛病)|" + RULED_OUT + ")"
# "救命 字太小": a cry about the phone or the account itself, with nothing wrong with anyone.
APP_TROUBLE = r"(拼多多|砍价|抖音|淘宝|遥控|空调|电扇|风扇|wifi|路由器|电视|网络|信号|视频|字|公众号|手机|屏幕|放大|缩小|按钮|怎么(弄|用|设置|操作)|咋(弄|用|设置)|看不清|声音太小|网|密码|流量)"
# Everyday complaints, counted when three different ones come together.
SYMPTOM = r"(痛|疼|晕|吐|汗|血(?!压|糖|脂|型|常规|管|检)|喘|咳|麻|抖|肿|烧|冷|慌|闷|黑)"
# "快来人啊 西瓜吃不完 都来拿": an invitation, which makes a bare cry one too (asked, not acted on).
INVITATION = r"((都|大家|你们)来(拿|吃|玩|看|尝|坐|喝)|吃不完|来我家(吃|玩|坐))"
# "热死了", "气死我了": a figure of speech, which makes a bare "要死了" or "救命" one too (asked, not acted on).
HYPERBOLE = (r"(冻|热|冷|累|忙|烦|气|饿|困|笑|吵|闷|晒|渴|无聊)死(了|我了|老子|人|个人|啦|哦)"
             r"|(这|今)天(气)?(太|好|真|咋|怎么)?(这么)?(热|冷|闷|晒)(的|得|死)")
# Laughing about it, or it almost happened: no danger now.
JOKING = r"((?<![吧吗啊呀嘛])不是真的(?![吧吗啊呀嘛])|(?<![a-z])lol(?![a-z])|大佬|哈哈|嘿嘿|呵呵|笑死|笑到|笑得肚|假装|pretend|开玩笑|逗(你|我|人|大家|他|她|着玩|乐)|笑话|段子|hh)"
# "不是开玩笑", "可不是笑话": the writer insists it is real.
NOT_JOKING = r"(不是|没|没有|可不是|并非|别当|不要当)(在|跟你)?(开玩笑|笑话|闹着玩|逗你)"
NEAR_MISS = r"((差点|差一点|险些|差点儿)(就)?|(怕|惊|担心|防|以防|免得|防止|小心|省得|以免)(再)?.{0,6})(摔|跌|跶|掼|滑|绊|栽|倒|跤)|(跌倒|摔倒|摔跤|滑倒)(的)?(隐患|风险|危险)"
# A heart that aches from worry or grief ("孙子没考好 我心口疼"): asked about, not acted on.
HEARTACHE = r"(没考好|考砸|落榜|气得|气的|被.{0,6}气|愁得|愁的|操心|担心|伤心|难过|想(他|她|孙|儿|女|老伴)|舍不得|闹心|窝心|憋屈|委屈)"
# Someone with dementia who goes somewhere with company ("我陪她往河边走走"): not wandering off.
ESCORTED = r"(陪|跟着|扶着|牵着|带着|领着|搀着|送她|送他|一起)"
# A visitor who cannot find the house ("地址错的 导航到河边了 找不到人"): nobody is lost.
WRONG_ADDRESS = r"(地址|门牌|定位).{0,4}(错|不对|有误)|导航(到|错|把)|走错(路|地方|门)"
# Care wanted every day from now on ("腿摔伤了 需要人每天上门帮忙洗漱"): asked about, not acted on.
ONGOING_CARE = (r"(需要|要|想|请|找|安排|麻烦)(个)?(人|有人)?.{0,8}(每天|每日|天天|定期|长期|每周|以后).{0,6}(上门|来|去|帮|照顾|陪|洗|送|做|煮|管)"
                r"|(这|接下来|往后|之后|以后)(一|两|几|三)?(个)?(周|星期|礼拜|月).{0,4}(需要|要|想|请|找|安排|麻烦)(个)?(人|有人)")
# The help wanted until an injury heals ("两三天手好就不用"): care, not an emergency, however it began.
HEALING = r"(手|脚|腿|腰|胳膊|伤|伤口|身子|身体|病|烫伤|皮)(养)?(好|好了|好之前|好以前|好利索|长好)(了)?(就|才)?不(用|需要|必)(了|麻烦)?"
# Too far to walk to the street or the town: a reason for a home visit, not someone who cannot stand now.
TOO_FAR = (r"(街上|镇上|集上|城里|县城|那么远|远路|出门|下楼|上楼|爬楼|医院|卫生院|店里|理发店)(我)?(是|也|都|就|实在|已经)?"
           r"(走不动|走不了|去不了|走不远|下不去|上不去)|走不(了|动|得)远(路)?")
# Wanting company ("闷得慌 有没得人来陪我扯哈子白话"): the stuffiness is loneliness, not a short breath.
# Bored indoors ("关一天嫌闷", "憋在家里"): with company wanted, "憋死了" is boredom, not a short breath.
BORED = r"(嫌闷|闷得慌|闷死|无聊|没意思|没劲|关(在)?(屋|家)里|憋在(屋|家)|关.{0,2}一天)"
COMPANY = r"(陪|找|跟|和|同).{0,6}(出去转|出去走|转转|走走|散步|遛弯|逛逛|说说话|说话|聊天|聊聊|扯|唠|谝|摆龙门阵|拉家常|喧|白话|解闷|下棋|打牌)"
# "菜咸得要命 咽不下去": food that tastes wrong, not food stuck in the throat.
TASTE = r"(咸|淡|凉|冷|硬|辣|馊|酸|苦|难吃|没味)(得|的)?(要命|很|死|不行|受不了|没法)"
# Bed-bound for long and asking for washing or turning: a lasting state asked for as care, not a fall now.
BEDRIDDEN = r"((起|下)不(来|了)(炕|床)|瘫痪|瘫在(床|炕)|瘫(床|炕)|瘫了(好|几|多)|卧(床|炕)|躺了(好|几|多)(年|个月)|(床|炕)上.{0,2}(大半|好几|一|两|几|多|半)(年|个月))"
# An errand or a chore asked for, with the body's limit as the reason ("脚骨痛走不动路 侬帮我叫个人去小店里买一买").
CHORE_ASKED = (r"(帮我|帮俺|给我|给俺|帮她|帮他|给她|给他|叫个人|找个人|来个人|派个人|安排人|叫人帮|找人帮|请人帮).{0,10}"
               r"(买|捎|带|取|拿|饭|洗|扫|拖|修|换|剪|理发|交|缴|办|寄|充)")
# Care one cannot do oneself any more ("自己洗不了澡了 胳膊抬不起来"): a limitation that lasts, told as the reason.
SELF_CARE_LIMIT = r"自己(洗|擦|剪|梳|穿|弄|做|够)(不|不了)(了|动|成|着|到)?|(洗澡|洗头|擦身|上厕所)(不|唔)方便"
CARE_TASK = r"(洗洗|洗头|擦擦|洗澡|洗个澡|擦身|擦洗|翻身|喂饭|换尿|换床单|理发|剃头|剪头|剪指甲|搭把手)"
# A bulb or a tyre that "憋了": a thing gone flat or dead, not a body straining.
THING_GONE = r"(灯泡|灯管|电灯|灯|轮胎|车胎|气球|保险丝)(又|都|也)?(憋|瘪|烧|爆)"
# Dizzy from a bus or a boat ride: travel sickness.
TRAVEL_SICK = r"(晕(车|船|机)|爬.{0,4}山|登山|恐高|高原反应|喝多|喝醉|醉了|酒喝|喝酒|吃酒|起猛|起得太猛|起太快|站起来太快|蹲久了|蹲太久)"
# Told beside a past marker: what the person does again now ("前年中风 如今天天能走到清真寺").
RECOVERED_NOW = (r"(这会儿?|现在|眼下|如今|now)(天天|每天|照常|照样|又|还)?(能|会|在|去)?(自己)?(跳舞|跳广场舞|跳操|下地|干活|出门|打牌|下棋|种地|种菜|遛|散步|上街|赶集|走|来)"
                 r"|(这会儿?|现在|眼下|如今)(天天|每天|照常|照样|又|还|也|都)*((还)?能|会)(自己)?(送|接|上学|做饭|买菜|干活|爬山|骑车|挑水)"
                 r"|(这会儿?|现在|眼下|如今)(天天|每天)(都|还)?(去|能)?(送|接|喝|做饭|买菜|骑车|爬山|挑水)"
                 r"|(走|行)路比.{0,4}(还)?(快|稳|利索)")
# Long ago: a fall last year is history, unless it is happening again now.
PAST = (r"((晕倒|昏倒|摔|跌|中风|犯病|噎)过(?![来去头])|昔年|昔日|往昔|早年|上月|此前|前几日|前些(日子|天)|前天|上周|上礼拜|上星期|后来|去年|前阵子|前段时间|前一阵|前年|上个月|上回|以前|那年|小时候|年轻时|上次|几年前|前几天|随访|老毛病"
        r"|[0-9一二两三四五六七八九十几多好]+(年|个月)(前|以前|之前)|last (year|month|week)|(years?|yrs?|months?|mos?|weeks?) ago|long ago)")
# Asking how someone is now ("后来咋样了 好了没"): beside a past marker, after an event that is over, a question.
ASKING_AFTER = (r"(后来|现在|如今|这会儿?|最近|这几天|眼下)(咋样|怎么样|怎样|如何|好(了|些|点)?(没|吗|么|不))|好(了|些|点)(了)?没(有)?(?!好)"
                r"|恢复得(咋样|怎么样|如何|好不好)|(咋样|怎么样|怎样)(了|啦)(吗|么)?$|(咋样|怎么样)了(没|吗|好)")
# Remembering, not reporting: "想起来还后怕".
MEMORY = r"(忆之|回忆|追忆|感慨|怀念|想起来|后怕|那会儿|那时候|那些年|忌日|周年|(还|都|一直)(记得|记到|记着)|忘不了|多亏(了)?你们|救回来)"
# What an emergency number is, asked or explained ("孙子问120系么个电话 我话系救护车"): a lesson, not a call.
NUMBER_EXPLAINED = (r"(120|119|110|急救电话|救护车|消防车)[^，。]{0,3}(是|系|係)(什么|啥|么个|乜|乜嘢|咩|哪个|几多|做什么|干什么|干啥)"
                    r"|(120|119|110|救护车)[^，。]{0,4}(是不是|要不要|收不收|收|要)(免费|收费|钱|花钱)"
                    r"|(问|教|告诉|讲|话|说)[^，。]{0,8}(120|119|110)[^，。]{0,4}(是|系|係)")
# Nobody hurt, told of an accident ("出车祸了 没人受伤"): news of the road, not a call for help.
NOBODY_HURT = r"(没(有)?人|无人|都没|人都没|人没)(受伤|伤着|伤到|伤亡|出事|事)"
# A fire of a past season ("去年那场山火烧了三十亩"): told, not burning.
PAST_FIRE = r"(去年|前年|上个?月|上半年|那年|几年前|以前|早年)(那|的)?(场|次|回)?.{0,2}(山火|大火|火灾|着火|失火|起火)"
# The smell is something else, said outright ("说我豆腐有煤气味 明明是卤水味"): no gas.
OTHER_SMELL = r"(明明|其实|分明|原来|只不过|就)是(?!煤|燃|天然|液化|沼|瓦斯|气)[^，。]{1,5}(的)?(味|味道|气味)"
# Blood from butchering, not from a person.
BUTCHERING = r"(杀|宰|剖|收拾)(了)?(鸡|鸭|鱼|猪|羊|鹅|兔)"
# (Not 喘: "没喘气" is someone not breathing.)
NEGATED = r"(没|没有|(?<!是)不是|莫得|并没)(有)?.{0,2}(摔|倒|晕|流血|着火|疼|痛|噎|漏)"
# Who it happened to: a third person (a neighbour, a relative, "an old man by the road").
OTHER_PERSON = (r"((?<![a-z])(?:nainai|yeye|laolao|grandma|grandpa|granny|mom|dad|mum|my (?:mother|father)|neighbou?r)(?![a-z])|他|她|老人|老头|老太|大爷|大娘|大妈|大伯|大叔|奶奶|爷爷|婶|叔|伯|阿婆|阿伯|姨|隔壁|邻居|老伴|"
                r"我妈|我爸|我娘|我爹|阿爸|阿妈|阿爷|阿奶|我母亲|我父亲|外婆|外公|姥姥|姥爷|老张|老王|老李|老刘|老陈|老赵|有个人|有个老|"
                r"路边|路上有|公公|婆婆|岳父|岳母|孩子|小孩|孙子|孙女)",)
# A price or a sale that "jumps off a building" or "bleeds" (跳楼价, 吐血大甩卖): a figure of speech, read as a low price.
FIGURE_OF_SPEECH = r"(跳楼|吐血|大出血|放血)(价|大甩卖|甩卖|大减价|大清仓|清仓|大促|处理|大放送)"
# Worship: incense and offerings burn and smoke by design (香火, 烧香, 拜神) unless a blaze is named.
WORSHIP = r"(香火|烧香|上香|敬香|进香|插香|香烛|香炉|拜神|拜佛|拜菩萨|拜老爷|拜祖|祭祖|拜拜|庙会|神明|做醮|供奉)"
BLAZE = r"(着火|失火|起火|火灾|救火|烧着了|烧起来|fire)"
# Words learnt in a language lesson ("学了'救命' '着火'"): vocabulary, not a cry. Only beside a lesson.
LEARNT_WORDS = (r"(学|教|认|记)(了|会了|会|过|住)?(几个|两个|个|这些|些)?(词|字|单词|生词|词语|句子|说)?"
                r"((救命|着火|救火|失火|起火|报警|快来人|来人|help|sos)(和|跟|还有|与)?){1,4}")
LESSON = r"(中文|汉语|普通话|英语|外语|单词|生词|认字|识字|老师|课|词语)"
# Breathless after sport or a climb (打完球 … 喘不上气): harmless unless a warning sign comes with it.
EXERTION = (r"(打完|跑完|锻炼完|练完|爬完|踢完|跳完|游完|骑完|打了|跑了|踢了|爬了|跳了)(了)?.{0,3}(球|步|操|拳|山|楼梯|舞|泳|绳|圈|公里)"
            r"|(跑步|爬山|爬楼梯|打球|踢球|跳绳|广场舞|锻炼|健身|骑车)(回来|完|后|之后|以后)")
EXERTION_WARNING = r"(胸|心口|心慌|左|胳膊|手臂|晕|黑|紫|青|倒|一直|还没|还是|半天|好久|越来越|不停|停不下|缓不过)"
# Asleep is why someone did not answer ("原来在睡午觉"), unless they cannot be woken ("在睡觉 叫不起来").
ASLEEP = r"(睡着了|打呼噜|打鼾|睡午觉|在睡觉)"
CANNOT_WAKE = r"(叫|喊|推|拍|摇)(了)?(他|她|人|半天|好久)?(都|也)?(叫|喊|推|拍|摇)?不(醒|起来|起)"
