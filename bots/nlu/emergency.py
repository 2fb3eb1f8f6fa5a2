"""The safety classifier: does a message carry a sign of danger, how sure is it, and what kind?

It runs before every other reading of a message and is tuned for recall: a doubtful sign earns the
question "您是遇到紧急情况了吗？" rather than another intent. Signs are combined the way a person reads
them (dizziness alone is a complaint, dizziness and "can't stand" an emergency), on text folded from
dialect and traditional characters and heard by sound for speech-recognition errors.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import danger_learner, danger_model
from . import danger_words as w
from .dialect import fold
from .first_chars import first_chars
from .matcher import CHARS_ONLY, PhraseMatcher, Prepared, prepare

CERTAIN, STRONG, WEAK = "certain", "strong", "weak"
_LEVELS = {3: CERTAIN, 2: STRONG, 1: WEAK}


@dataclass(frozen=True)
class Danger:
    """A sign of danger in one message."""

    level: str  # certain: act at once; strong: ask and wait briefly; weak: ask and wait as usual
    hazards: frozenset[str]  # medical, fire, gas, police; unknown when only a cry for help
    signs: tuple[str, ...]  # names of the signs found, for logs and tests
    about_other: bool = False  # reported about someone else (a neighbour, a parent)
    not_seen: bool = False  # someone not seen or not answering for a day or more

    @property
    def certain(self) -> bool:
        return self.level == CERTAIN


@lru_cache(maxsize=1)
def _matcher() -> PhraseMatcher[tuple[str, ...]]:
    # One phrase may belong to several signs (恶心 is nausea, and a warning sign beside chest pain).
    # The same words in two signs are one phrase: heard by sound if either sign allows it.
    owners: dict[str, list[str]] = {}
    by_sound: set[str] = set()
    for sign in w.SIGNS:
        for phrase in sign.phrases.split():
            words = phrase.removeprefix(CHARS_ONLY)
            owners.setdefault(words, []).append(sign.name)
            if not phrase.startswith(CHARS_ONLY):
                by_sound.add(words)
    return PhraseMatcher(((words if words in by_sound else CHARS_ONLY + words, tuple(names))
                          for words, names in owners.items()), shield=re.compile(w.SOUND_SHIELD))


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern[str], frozenset[str] | None], ...]:
    # Each pattern with the characters its match can begin with: most messages contain none of them, and the
    # search is skipped (a third of the time the classifier spent on an everyday message).
    compiled = [(sign.name, re.compile(p)) for sign in w.SIGNS for p in sign.patterns]
    return tuple((name, pattern, first_chars(pattern)) for name, pattern in compiled)


_BY_NAME = {sign.name: sign for sign in w.SIGNS}
_ANY = lambda words: re.compile("|".join(words))  # noqa: E731  (a one-line shorthand used only below)
_FICTION, _TEACHING, _COOKING = _ANY(w.FICTION), _ANY(w.TEACHING), _ANY(w.COOKING_SMOKE)
_NOT_A_PERSON, _RESOLVED, _EXPLAINED = _ANY(w.NOT_A_PERSON_FALLING), _ANY(w.RESOLVED), _ANY(w.EXPLAINED)
_DENIED, _CALM, _TRAVEL_SICK = re.compile(w.DENIED_SYMPTOMS), re.compile(w.CALM), re.compile(w.TRAVEL_SICK)
_ANIMAL, _JOKING, _NEAR_MISS = _ANY(w.ANIMAL_FALLING), re.compile(w.JOKING), re.compile(w.NEAR_MISS)
_NOT_JOKING, _MEMORY, _CHRONIC = re.compile(w.NOT_JOKING), re.compile(w.MEMORY), re.compile(w.CHRONIC)
_NEGATED, _OTHER, _PAST, _BUTCHERING = (re.compile(w.NEGATED), _ANY(w.OTHER_PERSON), re.compile(w.PAST),
                                        re.compile(w.BUTCHERING))
_REAL_FIRE = re.compile(w.REAL_FIRE)
_WHAT_IF, _TAKEN, _APP_TROUBLE = re.compile(w.WHAT_IF), re.compile(w.TAKEN), re.compile(w.APP_TROUBLE)
_INVITATION, _HEARTACHE = re.compile(w.INVITATION), re.compile(w.HEARTACHE)
_PRICE_WORRY = re.compile(w.PRICE_WORRY)
# The pain itself described (how long, what it is like): the heart, whatever the market did.
_PAIN_TOLD = re.compile(r"一上午|一下午|一整天|半天|一晚上|一夜|小时|钟头|分钟|像(压|被|有|针|刀)|压着|闷得|喘"
                        r"|(痛|疼)得|(好|很|太|真|特别)(痛|疼)|厉害|受不了")
_RECOVERED_NOW, _ESCORTED = re.compile(w.RECOVERED_NOW), re.compile(w.ESCORTED)
_NOTHING_FOUND, _INSPECTION = re.compile(w.NOTHING_FOUND), re.compile(w.INSPECTION)
_ASKING_AFTER = re.compile(w.ASKING_AFTER)
_NUMBER_EXPLAINED, _NUMBER_NOTED = re.compile(w.NUMBER_EXPLAINED), re.compile(w.NUMBER_NOTED)
# What insurance pays for a fall someday ("如果以后摔倒住院能报多少", "意外险 跌倒了能不能报"): a question about cover.
_INSURANCE = re.compile(r"医保|保险|意外险|医疗券|理赔|新农合|报销|bao ?xian|claim")
_SOMEDAY = re.compile(r"如果|假如|要是|万一|以后|将来|到时候|下次|提前(问|了解)"
                      r"|(想|要|打算)(给[^，。]{0,4})?买(个|份)?(意外险|保险)"
                      r"|(好几个|好些|大家|有人|他们)(人)?(都)?(在)?问")
_COVER_ASKED = re.compile(r"(能|可以|可唔可以|可不可以)(不能)?报|报(多少|几多|几成|不报|唔报)|赔(不赔|唔赔|多少|几多)"
                          r"|(怎么|怎样|如何|咋)(个)?(赔|报|理赔)|算不算|(赔|报)(得到|得了)|去哪(里|儿)?(办|报|赔)"
                          r"|(用|使)(唔|不)(用|使)得|能不能用|管不管|包不包|要不要(另外)?(给|帮|同)?[^，。]{0,4}买")
_NOBODY_HURT = re.compile(w.NOBODY_HURT)
_PAST_FIRE = re.compile(w.PAST_FIRE)
_OTHER_SMELL = re.compile(w.OTHER_SMELL)
# Something happening just now, beside a memory ("上回送的面粉收到了 … 刚才镰刀把我腿上割了个大口子"): the memory is
# not what the message is about.
# ... or it happened again today ("去年的事了 今天又摔了"), which a memory does not explain.
# "Again", but not the routine back again ("今天又来接孙子了"), which is no trouble.
_AGAIN = r"又(?!(出)?来(接|送|上|遛|散|玩|串|帮|看|赶)|照常|照样)"
_JUST_NOW = re.compile(r"(刚才|刚刚|方才|这会儿|眼下|正在)|(?<!如)(今天|今早|今儿|今晚|今日|今朝)[^，。]{0,3}" + _AGAIN)
_FIRE_ASKED_ABOUT = re.compile(r"(问|以为|当|寻思|当成|想成)(我|额|俺|我们|咱)?(家)?(是不是|是)?着火")
_RULED_OUT, _CHECKED_NORMAL = re.compile(w.RULED_OUT), re.compile(w.CHECKED_NORMAL)
_ADVICE, _NO_SHOW, _DOUBTED_GUESS = re.compile(w.ADVICE), re.compile(w.NO_SHOW), re.compile(w.DOUBTED_GUESS)
_TRIED_TO_REACH = re.compile(w.TRIED_TO_REACH)
_REACHED = re.compile(w.REACHED)
_JOY = re.compile(w.JOY)
_ALARM_GOING, _ALARM_TEST, _DRILL = re.compile(w.ALARM_GOING), re.compile(w.ALARM_TEST), re.compile(w.DRILL)
_GAS_DENIED, _STROKE_HISTORY = re.compile(w.GAS_DENIED), re.compile(w.STROKE_HISTORY)
_PRICE = re.compile(w.PRICE)
_CHORE_ASKED = re.compile(w.CHORE_ASKED)
_SELF_CARE_LIMIT = re.compile(w.SELF_CARE_LIMIT)
_BORED = re.compile(w.BORED)
_HEALING, _TOO_FAR = re.compile(w.HEALING), re.compile(w.TOO_FAR)
_CLINIC_RIDE, _SCRIPTURE, _FRUIT_FELL = re.compile(w.CLINIC_RIDE), re.compile(w.SCRIPTURE), re.compile(w.FRUIT_FELL)
_SWEAT = re.compile(r"冷汗|虚汗|大汗|出汗|脸色(煞白|发白|苍白|发青)")
# Members of a congregation, and a collapse while scripture was read: people of the village, not the story's.
_CONGREGATION = re.compile(r"弟兄|姊妹|姐妹|长老|执事|坐前排|前排|(读|念|讲)[^，。]{0,8}(的时候|时候|时|到一半)|下课|"
                           r"一下子|一头")
# Lunch sent home because a limb is hurt or an illness lasts ("脚馒头扭伤了 … 中饭好送到屋里来伐", "这几天都病倒了 …
# 把饭送上门"): the reason for the chore.
_LIMB_HURT = re.compile(r"扭伤|扭了|扭到|崴|摔伤|碰伤|石膏|夹板|腿脚不便|不方便|走不远|走不到|行唔到"
                        r"|病倒|生病|病了|瘫痪|瘫咗|瘫了(好|几|多|两|三)|脚肿")
# Something lost in the cold ("降温了 钥匙找不到了"): a thing, nobody missing.
_THING_LOST = re.compile(r"(钥匙|被子|手套|东西|帽子|围巾|钱包|眼镜|老花镜|花镜|衣服|鞋|袜子|棉袄|证件|卡|存折|遥控|药"
                         r"|拐杖|假牙)[^，。]{0,6}(找不到|找不着|寻不到|没找到|不见了|找了[^，。]{0,6}(都|也|还)?(没有|冇))|(找不到|找不着|没找到)[^，。]{0,6}(钥匙|被子|手套|帽子|围巾|钱包|眼镜|衣服)")
_ONSET_TODAY = re.compile(r"早上起来|起来就|今早|突然|刚才")
_MEAL_SENT = re.compile(r"(中饭|午饭|晚饭|饭|餐)[^，。]{0,6}送(到|来|过来|上门)|送饭上门"
                        r"|deliver (lunch|dinner|meals?|food)")
_HYPOTHETICAL, _JUST_ASKING = re.compile(w.HYPOTHETICAL), re.compile(w.JUST_ASKING)
_MACHINE_SILENT = re.compile(w.MACHINE_SILENT)
_IN_WATER, _WATER_FIXTURE = re.compile(w.IN_WATER), re.compile(w.WATER_FIXTURE)
_HURT = re.compile(r"(摔|跌|倒|掉|滚|伤|血|疼|痛|晕|起不|动不|站不|栽)")  # a person's own fall after an animal's
_WRONG_ADDRESS, _ONGOING_CARE = re.compile(w.WRONG_ADDRESS), re.compile(w.ONGOING_CARE)
_COMPANY, _THING_GONE, _FITTING_UNLIT = re.compile(w.COMPANY), re.compile(w.THING_GONE), re.compile(w.FITTING_UNLIT)
_TASTE, _BEDRIDDEN, _CARE_TASK = re.compile(w.TASTE), re.compile(w.BEDRIDDEN), re.compile(w.CARE_TASK)
_FIGURE, _WORSHIP, _BLAZE = re.compile(w.FIGURE_OF_SPEECH), re.compile(w.WORSHIP), re.compile(w.BLAZE)
_LEARNT_WORDS, _LESSON = re.compile(w.LEARNT_WORDS), re.compile(w.LESSON)
_EXERTION, _EXERTION_WARNING = re.compile(w.EXERTION), re.compile(w.EXERTION_WARNING)
_ASLEEP, _CANNOT_WAKE = re.compile(w.ASLEEP), re.compile(w.CANNOT_WAKE)
_GAS_STOPPED, _GAS_GOES_ON, _RESCUED = re.compile(w.GAS_STOPPED), re.compile(w.GAS_GOES_ON), re.compile(w.RESCUED)
# Lighting the stove (点着了) sounds like an electric shock (电着了); "被点着了" is the shock misheard.
_LIGHTING = re.compile(r"(?<!被)点(不|没)?着")
# The turn to what was found out ("我还担心半天 原来…"): the writer's own clause ends there.
_FOUND_OUT = re.compile(r"原来|结果是|一问才知道|后来才知道|才晓得")
# The screen names what is happening ("电视上说这就是漏气了 这回是真的"), it does not tell a story.
_SCREEN_CITED = re.compile(r"(跟|和|像)[^，。]{0,8}(电视|节目|新闻)(上|里)?[^，。]{0,12}(一样|一模一样|那样|似的)"
                           r"|(这回|这次)(是)?真(的)?(?![不吗么嘛])|是真(疼|痛)|不是(在)?看电视|不好笑"
                           r"|(按|照|学)(着)?(电视|节目)(上|里)?(教|讲|说)的"
                           r"|(就是|是不是|应该是)(电视|节目)(上|里)(讲|说)的|(电视|节目)(上|里)(说|讲)(这|那)(就)?是")
# How a family's own news travels (a video in the family group), not a show.
_RELAYED = re.compile(r"的视频|群里(发|转|的)|(发|转)(的|了)?(视频|照片|语音)")
_ASKED_A_QUESTION = re.compile(r"问(我|俺|他|她)[^，。]{0,4}(我|俺|他|她)?答不(上|出)(来)?")
# A visit planned for later ("下礼拜要去县医院复查"): sore legs are why company is asked, not an emergency now.
_PLANNED_VISIT = re.compile(r"(下礼拜|下周|下星期|明天|后天|过两天|下个月)[^，。]{0,6}(要)?(去)?[^，。]{0,6}"
                            r"(复查|复诊|看病|检查|拿药|拆线)"
                            r"|(复查|复诊|check ?up|follow ?up|appointment)[^，。]{0,8}"
                            r"(next (week|month|mon|tue|wed|thu|fri|sat|sun)|tomorrow"
                            r"|on (mon|tue|wed|thu|fri|sat|sun))")
# A visit booked, and something worse today ("下周要去复查，今天头晕得厉害"): the booking does not cover today.
_TODAY_WORSE = re.compile(r"今天|今早|今儿|刚才|现在|这会|突然")
_MISSING_A_SHOW = re.compile(r"(看|听|刷|玩)不(了|成|到|上|着)[^，。]{0,8}(难受|急|憋|闷)(死|坏)(了|人|我了)?")
_SCREEN_JOB = re.compile(r"我是放(电影|片子)的|放映员|放映队|电影队|来放(电影|片子)|(放|看)完(了)?(电影|片子|戏)")
# The family's own person down ("我爸刚才在沙发上倒了"), not a viewer who cried at the screen ("我妈看哭了").
_OWN_DOWN = re.compile("(" + w.OWN_PEOPLE + r")[^，。]{0,8}"
                       r"(倒|晕|摔|跌|叫不|喊不|起不|胸|喘|吐|抽|歪|说不|不醒|不动|噎|卡|紫|血|烫)")
# A fire burning now beside one remembered ("九八年那场大火 … 这回又烧起来了").
_FIRE_NOW = re.compile(r"又(烧|起火|着火|着了|失火)|(这回|现在|今天|刚)[^。]{0,10}(烧起|起火|着火|着了|失火|火光)"
                       r"|烧到|烧过来|往[^，。]{0,4}烧")
_WAITED = re.compile(r"等(了|到|咗|成)")
_HAZARD_TOLD = re.compile(r"着火|起火|失火|烧起来|冒烟|浓烟|煤气味|漏气")
_DAYS_AGO = re.compile(r"前(两|几)(天|日)")
_DOWN_IN_THE_ROOM = re.compile(r"(倒|晕|躺|歪|瘫)(在)?(沙发|地上|床上|椅子|炕上|凳子)")
_SUDDENLY_DOWN = re.compile(r"突然[^，。]{0,6}(倒|晕|昏|抽|叫不|喊不|不醒)")
# A smell of gas told as nothing much ("没啥大事…就是…好像有股煤气味儿"): played down, not over.
_PLAYED_DOWN = re.compile(r"没(啥|什么|多)大事|应该没(啥)?事|不知道要不要紧|好像有(股|点)")
_WHO_SAYS = re.compile(r"谁(说|讲)(我|俺)(起不来|爬不起来|起不了|摔了|倒了|晕了|不行了|病了)")
_FIRE_SHOW = re.compile(r"fire ?(show|dance|works?|pit|place)|火舞|火把节|篝火晚会|打铁花")
_FUEL_USED_UP = re.compile(r"(柴火|柴|煤|炭|木柴|蜂窝煤)(都)?(烧|用)(没|完|光)(了)?")
_SCHOOL_SUM = re.compile(r"[0-9]+(乘以?|加|减|除以?|[x×*+÷/-])[0-9]+|(数学|家庭|暑假|寒假)?作业")
_BLEEDING_STOPPED = re.compile(r"(血)?(止住|不流|没流|止了|包好|包扎好)")
_HOW_TO_TOPIC = re.compile(r"(讲|教|说)(那个|了|着)?([^，。]{0,10}?)(咋个整|咋办|怎么办|咋整|怎么处理)")
_PRICED = re.compile(r"(一|每|单)(罐|瓶|斤|个|份|袋|箱|桶|件|只|盒)(要|是|卖)?[0-9]+(块|元)?")
_POTS = re.compile(r"(盆盆|坛坛|瓶瓶|碗碗)罐罐")
# A fall only believed, and taken back ("我仲以为佢跌亲").
_MISTAKEN = re.compile(r"(还|仲|都)(以为|以為|当是|当他|当她)")
_EARLY_RISING = re.compile(r"起不(来|了)(那么|这么|恁|太|很)?早|早(上|晨)?起不(来|了)(床)?(?![了啦咯])"
                           r"|(睡|睏|困)(了)?(个)?懒觉|赖床|睡过头|[0-9一二三四五六七八九十几]点(钟)?才起")
_SMALL_FLAME = re.compile(r"火(苗|头)(子|儿)?(小|弱|细|不旺|不大|太小|变小|蓝)")
_BOLTED_INSIDE = re.compile(r"(从|在)?里(面|头|边)(反)?(锁|插|闩|拴|顶)|反锁|(locked|bolted) from (the )?inside")
# Signs of something happening now, which a lasting state asked for as care does not explain away.
_ACUTE = frozenset({"fall", "unresponsive", "bleed", "breath", "chest", "warn", "choke", "stroke", "cry", "sos",
                    "fire"})
_IN_TROUBLE_NOW = frozenset({"cant_get_up", "unresponsive", "bleed", "breath", "choke", "chest", "stroke",
                             "trapped", "water"})
# The writer rules a fire out ("非火情", "不是着火"), not asks whether it is one ("是不是着火", "没着火吧").
_FIRE_DENIED = re.compile(r"(?<!是)(?<!说)(?<!讲)(非|不是|并非|并不是)(谁家|哪家|屋里)?"
                          r"(火情|火灾|着火|失火|火烧|起火)(?!是什么)"
                          r"|(别|不要|莫|唔好)(当|以为|当成)(是|做)?(着火|失火|火灾)"
                          r"|(没|没有)(着火|失火|火情)(?![了吧吗呢啊]|没)"
                          # asked by someone and answered no ("有人问是不是着火 没有没有")
                          r"|(是不是|是否)(着火|失火|火灾)(了)?(没有|不是|冇)(的)?(没有)?(?=$|是)")
# ... unless the denial corrects which fire it is ("不是屋里着火 是柴房着火了"), or what was thought harmless is a fire
_FIRE_CORRECTED = re.compile(r"(不是|以为)[^。]{0,12}(一看|结果|原来|是)[^，。]{0,10}(着火|烧起来|起火|失火|着了)"
                             r"|不是(烧荒|烧秸秆|烧草|烧纸|烧火|做饭)[^。]{0,3}(是真火|真(的)?着(火)?了)")
# A missing person found ("已找到", "平安寻回"): the search is over, whatever else is told of them stays.
_FOUND = re.compile(r"(已|已经|都)(经)?(平安)?(找到|寻回|找回)|(已|已经)于[^，。没冇未不]{0,4}(找到|寻回|找回)"
                    r"|平安(找到|寻回|找回|回家|到家)|(?<![没冇未不])(找到|寻回|找回)了")
# A turn against what was said before ("可能没事吧 但是…", "好是好了，可是…").
# 透不过, 喘不过, 打不过: a verb's complement, not "but".
_CONTRAST = re.compile(r"但是|可是|(?<![透喘打比受吃说跑斗拗忍熬挨讲争走玩拼骗瞒躲逃闯起气])不过(?!来|去|气)"
                       r"|(?<![a-z])but(?![a-z])")
# An animal or a boat back without its keeper ("牛自己跑回来了"): the alarm, not the person's return.
_BACK_ALONE = re.compile(r"(牛|羊|狗|马|驴|鸭|鸭子|自行车|摩托|三轮|船|鞋|拐杖).{0,4}"
                         r"自己(跑|走|漂)?(回|返)(来|家)?(了)?|" + w.HERD_BACK_NOT_MAN)
# A machine that answers (a robot, the account itself): its answers miss the point, nobody is confused.
_MACHINE = re.compile(r"机械人|机器人|机器|客服|公众号|小程序|(?<![a-z])(bot|app)(?![a-z])")
_MENU_ASKED = re.compile(r"功能|菜单|目录|做啲咩|可以做|能做什么|能干啥|怎么用|(?<![a-z])menu(?![a-z])")
# Whether it will rain ("会落水冇", Hakka): 落水 is the rain, not someone in the water.
_RAIN_ASKED = re.compile(r"(会|要|会不会|落不落)落(水|雨)(没|冇|吗|不|啵|么)")
# Kept for later: written into a duty roster, saved "以备不时之需".
# Noted for another day, after being told or asking ("开会讲…要先打120 我记到了", "咋个办 问一下 以后好晓得").
_NOTED = re.compile(r"(记住|记到了|记下了|记下来了|记得了|记牢了|记在本|记落本"
                    r"|以后好晓得|以后好知道|以后就晓得|以后就知道|学到了)"
                    r"[^，。]{0,4}$")
_TOLD_OR_ASKED = re.compile(r"讲座|来讲|讲了|讲的|讲课|(里|上)(讲|说)|(医生|大夫|老师|专家)(说|讲)|开会|课|宣传|传单"
                            r"|问(一下|问|下)|问了一下|征兆|症状|培训|教")
# What is noted to act on now ("地址我记下了"), not a lesson kept for later.
_NOTED_TO_ACT = re.compile(r"地址|号码|电话|门牌|位置|车牌")
# Told not to call ("邻居莫打119哈 是我在熏肉"): what looks like a fire or a leak is explained as nothing.
_DONT_CALL = re.compile(r"(?<!要)(?<!说)(?<!讲)(莫|别|不要|不用|甭|不必)(去)?(打|叫|报|拨|喊)(个)?"
                        r"(119|120|110|火警|消防|救护车|救火)")
_THOUGHT_A_FIRE = re.compile(r"(以为|当是|当成)[^，。]{0,3}(失火|着火|起火|火灾|火烧)")
# A harmless cause found by asking ("一问是吃多了胀肚"): the complaint explained by the one who had it.
_HARMLESS_CAUSE = re.compile(r"(一问|问了|问过|原来|结果)(才知道|才晓得)?(他|她)?(是|系)[^，。]{0,4}"
                             r"(吃多|吃撑|吃胀|胀肚|胀气|岔气|饿|累|没睡好|着凉|受凉|消化不良|烧心|反酸|食滞|积食|胃胀)"
                             # ... or told with the pain itself ("心口痛是昨天吃多了辣椒", "胸口疼是叫娃撞了一下")
                             r"|(疼|痛)(是|系)(昨天|前天|刚才)?[^，。]{0,3}(吃多了|吃撑了|辣椒|撞了|碰了|磕了|岔气|胀气)"
                             r"(?![^，。]{0,2}(吧|吗))")
# Help already there for someone else ("有个老爷爷晕倒 救急车来了"): the emergency is in others' hands.
_AMBULANCE_CAME = re.compile(r"(救护车|救急车|急救车|120)[^，。]{0,3}"
                             r"(来了|到了|拉走|接走|送走|把他|把她)(?!吗|没|么|又)")
# Someone still down beside them ("大娘也倒在地上", "还躺着"): the ambulance took one and left another.
_STILL_DOWN = re.compile(r"(也|还)(倒|躺|趴|在地上)")
# The person dreamt of or feared for is well and busy ("她说正在喝茶呢"): the dream or the fright is over.
_FINE_NOW = re.compile(r"(她|他)(说)?(正在|在)"
                       r"(喝茶|喝酒|跳|吃饭|睡觉|打牌|看电视|干活|做饭|种|晒|散步|遛弯|唱|聊天|赶集)"
                       r"|好好的$|啥事没有|什么事都没有"
                       # the writer checked their own stove after the show: "瞅我家炉子没事 封得好好的"
                       r"|(我家|俺家|家里)的?(炉子|煤气|灶|火)[^，。]{0,3}没事")
_PIT_CLEANED = re.compile(w.PIT_CLEANED)
_THEIR_REASSURANCE = re.compile(r"((他|她)(讲|说)|(she|he)('?s| is)? (said|says|saying))[^，。]{0,2}"
                                r"(没事|不要紧|没得事|莫事)")
# A question someone asked the writer, with the writer's answer ("有人问胸口疼吃啥药 俺说去卫生院看看").
_ASKED_AND_ANSWERED = re.compile(r"(有人|人家|储户|顾客|客人|邻居)问[^。]{0,20}"
                                 r"(我|俺)(说|讲|让|叫|告诉)(他|她|人家)?(要)?(去|找|问|别|不要|莫)"
                                 # a deaf mother's question about a show, answered ("比划问我 … 我跟她说有你们")
                                 r"|(剧|电视|新闻|视频)[^。]{0,20}问(我|俺)[^。]{0,20}(吗|么|不)(我|俺)(跟|和|同)?(她|他)?(说|讲)(有|会|能)"
                                 # "阿婆打来问…是不是着火了 我说是今晚放烟花": a scare asked about and explained
                                 r"|问[^。]{0,20}是不是[^。]{0,12}(我|俺)(跟她|跟他|告诉她|告诉他)?(说|讲)(是|那是|系)(?!真)")
# Trouble told after an answer or a reassurance ("我跟她说会 可她刚吃了一瓶安眠药", "她现在喘不上气").
_TROUBLE_AFTER = re.compile(r"可(?!以|能)|但|结果|刚吃|(现在|刚才|这会|今天|早上)[^。]{0,8}"
                            r"(倒|摔|跌|晕|昏|叫不|喊不|起不|站不|胸|喘|透不|动不|痛|疼|吐|抽|吃了)")
# Gone out for a reason and overdue ("出去打牌到现在没回来 手机关机"): the reason explains the going, not the silence.
_OVERDUE = re.compile(r"(到现在|至今|一夜|一宿|一晚上|整夜|到天黑|一天|一整天)(都|还)?(没|未|冇)(回|见|归)")
# A reason given and then belied ("说在看戏 可村里这两天根本没唱戏"): no reason at all.
_BELIED = re.compile(r"(可|但|但是|可是)[^。]{0,10}(根本|压根|并)(就)?(没|不|冇)")
# ... unless the writer says after it why that is fine ("一夜没回 明天回来", "到现在没回 刚打电话说快散场了").
_OVERDUE_EXPLAINED = re.compile(r"(很|挺|蛮|也)正常"
                                r"|(明天|明早|后天|过两天|过几天|晚点|等会|一会儿?)(就|才|再)?回(来|家)"
                                r"|(电话|视频|微信)[^，。]{0,6}(说|讲)(?!话)(?![^，。]{0,3}(关机|不通|没人接|停机|无法接通))"
                                r"|发(来|了)(视频|照片|语音)|(估计|可能|应该)(是)?(住下|住那|在那住|歇那)"
                                r"|才(放学|下班|散场|结束|回来)|(不用|莫|别)(担心|着急|急)")
_STOVE_OUT = re.compile(r"(搬|挪|拿|端)(到|出)(了)?(院|外|屋外|门外|外头|外面|去)"
                        r"|不(烧|生|用)(煤|炭|炉)(了)?(?![^。]{0,3}(改|换))|(炉|炭|火)[^，。]{0,3}(灭|熄)了")
_NEVER_FELL = re.compile(r"(没|未|冇|从没|从来没|再没|再也没)(有)?(再)?(摔|跌)(过)(跤)?")
# ... and a fall told besides ("从来没摔过 结果从房顶上摔下来了"): the fall that did happen
_FALL_TOLD = re.compile(r"摔|跌|倒(?!是|挺|也|还|真|蛮|很|不|好)|栽|滑下|掉下")
_DRILL_NOTICE = re.compile(r"^(?!.*(不是演|演习取消|演练取消))(.*模拟(电话|来电|呼救)"
                           r"|.*(演练|演习)[^。]{0,24}(请勿惊慌|请不惊慌|勿惊慌|不要惊慌|别惊慌))")
_MOVING_A_THING = re.compile(r"把[^，。]{0,6}(柜|桌|床|箱|沙发|家具|缸|石|柴|粮|米|面|谷|麦)"
                             r"[^，。]{0,6}(挪|搬|抬|扛|拉)")
_WORKING_AWAY = re.compile(r"外出(务工|打工)|出去(务工|打工)")
_ANIMAL_POISONED = re.compile(r"(牛|羊|猪|狗|猫|鸡|鸭|鹅|驴|马)[^，。]{0,4}(吃了|误食)[^。]{0,12}中毒")
# An accident told as just now ("我爸刚从房顶摔下来", "刚才突然嘴歪了"), not a stay in hospital just ended.
_ACCIDENT_JUST_NOW = re.compile(r"(刚才|刚刚|刚)[^，。]{0,4}(摔|跌|倒|烫|割|砍|被|突然|嘴歪|晕)")
# Down again in English ("all healed, this afternoon he's lying on the floor", "fell again").
_DOWN_AGAIN_EN = (r"(fell|fallen|collapsed|fainted) again|again (fell|fallen|collapsed)"
                  r"|(today|now|this (morning|afternoon|evening)|tonight|just now|right now)(?![a-z])"
                  r"[^.]{0,40}(fell|fallen|collapsed|fainted|floor|ground|lying"
                  r"|not (responding|breathing|waking)|wont wake|unconscious"
                  r"|cant (get up|talk|breathe|move)|drooping|shaking|bleeding|choking)")
# Gone out this morning and not back ("今晨出门放牛 至今未归"): after a recovery, the matter now.
_GONE_SINCE_MORNING = r"(今晨|今早|今天|今日|早上|上午|下午)[^。]{0,10}(未归|没回来|没回家|不见人|找不到人)"
# The person in trouble after what was told as over ("早就好利索了 刚才摔了一跤", "前几天还自己走到村部 这会人倒在
# 屋里").
_IN_TROUBLE_AGAIN = re.compile(r"(这会|这会儿|现在|眼下)[^，。不没]{0,4}"
                               r"(倒|摔|跌|晕|叫不|喊不|起不|不省|抽|说不|站不|胸|喘|透不|动不)"
                               r"|(刚才|刚刚)[^，。不没]{0,6}(倒|摔|跌|叫不|喊不|起不|不省|抽)"
                               # classical and written onsets ("今日午后昏倒于田间", "今晨呕吐不止", "昨夜突然口眼歪斜")
                               r"|(今晨|今早|今日|今天|午后|夜里|半夜)[^，。]{0,6}"
                               r"(突然|昏|倒(?!茶|水|酒|垃圾|腾)|摔|跌|晕|叫不|喊不|起不|不省|抽|呕|吐|口眼歪|嘴歪|说不|神志|未归|没回"
                               r"|胸|心口|痛|疼)"
                               r"|(昨夜|昨晚|昨天)[^，。]{0,2}突然[^，。]{0,6}(倒|摔|跌|晕|昏|歪|说不|叫不|不省|抽|吐|胸|疼|痛)"
                               r"|又(发作|犯病|犯了)|" + _GONE_SINCE_MORNING + "|" + _DOWN_AGAIN_EN)
# A new event after an old one ("前年中风过 现在很好 今天突然说不出话"): the recovery told explains nothing now.
# Only the person down now counts: "刚才我妈说头晕 结果是饿的" is the past event, explained.
_NEW_EVENT = re.compile(r"突然|这回|这次|又(摔|跌|倒|犯|晕|疼|痛|中风)"
                        r"|(?<!如)(今天|今早|今儿|今日|今朝)[^，。]{0,4}"
                        r"(突然|" + _AGAIN + "|摔|跌|倒|晕|疼|痛|说不|叫不|起不|胸|心口)"
                        r"|(这会|这会儿|现在|眼下)(人)?(又|又是)?(倒|摔|跌|晕倒|昏倒|叫不|喊不|起不|不省|抽)"
                        r"|" + _GONE_SINCE_MORNING + r"|"
                        + _DOWN_AGAIN_EN)
# Someone who went down into water or a pit and has not come up: a swimming lesson or a pit's cleaning gone wrong.
_GONE_UNDER = re.compile(r"(人|他|她|老汉|老人)(下|掉)去|没上来|沉|没浮|不见|没出来")
# A class or a talk announced: what it teaches is no cry.
_CLASS_NOTICE = re.compile(r"培训|讲座|课")
# An animal just after the verb of eating, or a dish's name ("食糯米鸡", "吃烧鸡"): the meal, not an animal that fell;
# not feed (喂食) or the game (打吃鸡).
_EATEN = re.compile(r"(?<![喂完打玩])(吃|食|啃|嚼)(了|着|过|紧)?(一)?(只|块|口|个|碗|盘|份)?"
                    r"(烧|炸|白切|糯米|口水|叫花|文昌|盐焗|卤|炖|烤|手撕)?$")
# A message that is only a state, one or two words ("晕咧", "卡住"), or food stuck told in as few ("卡住了 馍", not a
# jammed machine): too short for any combination, worth the question.
_TERSE = 6
_MACHINE = re.compile(r"机|屏|网|游戏")
_BARE_STATE = re.compile(r"^(我|俺|人|头)?(又|好|已经)?(晕|卡住|卡着|堵住|塞住|喘不上|喘不过)"
                         r"(了|啦|咯|哩|嘞|啊|呀|气)*$")
# A device told as the one that fell ("手机跌了一跤 … 黑屏 谁会修"): a repair, not a person on the floor.
_DEVICE_FELL = re.compile(r"(手机|电视|电脑|平板|收音机|遥控器|老年机)[^，。]{0,2}(跌|摔|掉)")
_PERSON_HURT = re.compile(r"(我|俺|他|她|爸|妈|爷|奶|婆|公|老人|老伴|老头|人)(?!的)[^，。]{0,8}(摔|跌|倒|掉)"
                          r"|砸|压(到|住|着)")
_DEVICE_BROKEN = re.compile(r"黑屏|开不了机|开不开机|屏(幕)?(碎|裂|坏)|(谁|哪个|哪位)(会|能)修|修(一下|好|得好)")
# A notice to everyone with a complaint ("有头晕胸闷的老人请到村部登记"): an invitation, not a report.
_ADDRESSED_TO_ALL = re.compile(r"(?<![个位])(有|凡是|凡|患有)(?!个|一个|位|一位)[^，。]{1,16}"
                               r"的(老人|老年人|村民|居民|乡亲)"
                               r"[^，。]{0,4}(请|可以|可|都可以|欢迎)(到|来|去|参加|报名|登记)")
_NOTICE_WORDS = re.compile(_CLASS_NOTICE.pattern + r"|义诊|体检|登记|报名|免费|通知|筛查")
# A service asked for that nobody came to do ("requested help … nobody showed up"): a complaint, not an absence.
_SERVICE_NOT_COME = re.compile(r"(requested|asked for|booked|ordered|signed up for)[^。]{0,40}"
                               r"(nobody|no one|never|didnt) (showed|came|turned|come|show)")
_STILL_MISSING = re.compile(r"now|hasnt|not (been )?seen|not answer|no answer|since")
_LEAK_CHECK = re.compile(r"查漏(气)?|检漏|测漏")
_AFTER_THE_CHECK = re.compile(r"但|可是|又|刚才|现在|今天|今早|一开门|还是")
_SWIM_LESSON = re.compile(r"学(会)?(游水|游泳|凫水)")
_ALARM_WORD = re.compile(r"报警器|探测器|警报器")
_ALARM_GIVEN = re.compile(r"(发|领|装|安装|送|配|买)[^，。]{0,8}(报警器|探测器|警报器)")
_UNWELL = frozenset({"dizzy", "vomit", "sick", "unresponsive", "drowsy", "blackout"})
_FOR_LATER = re.compile(r"以备不时之需|以备|备用|以防万一|以后(?=如果|要是|万一|有人)|将来"
                        r"|(写进|写入|纳入|定进).{0,6}(制度|预案|流程|规定|本子)"
                        r"|记下来|存(在|到)?手机")
_HEDGED = re.compile(r"(应该|可能|也许|大概|估计)?(是)?(不要紧|没事|没什么事|没啥事|没大事|没什么大事|没啥大事)"
                     r"(吧|吗|啵|哦|么)")
# What takes a reassurance back: the thing getting worse ("越来越冲"), hurt again after healing ("石膏拆了 今天又摔了"),
# or a guess the writer doubts at once ("还以为是邻居做饭 我听着不对").
_TAKEN_BACK = re.compile(r"越来越(冲|浓|重|大|厉害|难受|疼|痛|晕|喘|响)|越(烧|冒|漏)越(大|多|旺|浓|凶)"
                         r"|反而更|更(冲|浓|重|厉害|难受)了"
                         r"|又(摔|跌|割|砍|晕|倒|犯|烫|噎|出血)"
                         r"|(听着|看着|闻着|想想|感觉|觉得)(又)?(不对|不对劲|不像)")
# The writer turns to another matter: what was said before the turn does not colour what follows.
_TOPIC_SWITCH = re.compile(r"另外|顺便(?:说|讲|问|提)|还有一?(?:个|件)事|话说回来|(?:跟|和)?(?:你|您)?(?:说|讲)个事"
                           r"|(?<![a-z])(?:btw|by the way)(?![a-z])")
# People in the same room or square as the screen ("电影放一半 前排一个老太太…卡住了"): what happens to them is real.
_PRESENT = re.compile(r"前排|后排|旁边|身边|现场|广场|我们村|院子里")
_PETITION = re.compile(w.PETITION)
# Faults of the service reported ("反映几个情况：…送餐车两回晚了…电话打过去没人接"): the silence is the service's.
_FAULTS_REPORTED = re.compile(r"反映(几个|一个|个|一下)?情况|投诉")
# A tremor the family already knows ("婆婆手抖拿不稳锅铲 … 找个人这几天给她做饭"): why the cooking is asked for.
_TREMOR_OLD = re.compile(r"手(一直|老是|总是|常)?(抖|发抖)")
_ARM_ACHE = re.compile(r"(手杆|手臂|胳膊|胳臂|手腕|手|膀子|肩膀)(子)?(都|也|一直)?(痛|疼|酸|没劲|无力|抖|发抖)")
# The household named by kin words alone ("爷爷在看抗战剧 看着看着歪倒了"): the one in front of the screen.
_HOUSEHOLD = re.compile(r"爷爷|奶奶|外婆|外公|姥姥|姥爷|老头子|老婆子|老太婆|阿公|阿婆|阿嫲|阿爷|俺娘|俺爹|老伴")
# A fire or gas in the room itself ("看电视 屋里着火了"): the screen is only what the writer was doing.
_HAZARD_HERE = re.compile(r"(屋里|屋头|家里|厨房|灶屋|房里|房间|楼上|楼下|隔壁)(的)?[^，。]{0,4}"
                          r"(着火|起火|失火|冒烟|烧起来|漏气|煤气味|燃气味)")
# Gas, fire or smoke in the house: "奶奶还在屋里看电视不肯出来" watches the screen beside the leak.
_HOUSE_HAZARD = frozenset({"gas", "leak", "fire", "smoke", "smoke_fill", "sealed"})
_ABSENT = tuple(re.compile(p) for p in _BY_NAME["absent"].patterns)
_HYPERBOLE, _SYMPTOM, _DEVICE_STUCK = re.compile(w.HYPERBOLE), re.compile(w.SYMPTOM), re.compile(w.DEVICE_STUCK)
_BACKGROUND, _GAS_ESCAPING = re.compile(w.BACKGROUND), re.compile(w.GAS_ESCAPING)
_ENGLISH_REQUEST, _MEASURE_ASKED = re.compile(w.ENGLISH_REQUEST), re.compile(w.MEASURE_ASKED)
_CRY_FOR_HELP = re.compile(w.CRY_FOR_HELP)
_SERVICE_QUESTION = re.compile(w.SERVICE_QUESTION)
# Any hurry in the message; 急 inside 急救 (first aid, the topic) is none.
_HURRY = re.compile(r"(快|赶紧|马上|立刻|立即|急(?!救|车))")  # 救急车: an ambulance, in Japanese
# Urgency said to the reader ("急死", "快来"), not advice quoted ("胸痛要立即就医", "喊着火了快逃").
_CALLING_OUT = re.compile(r"(急死|急急|救命|快来|快回|快点|快帮|快救)")
_HOW_TO_HANDLE = re.compile(r"(了|时|的时候)?(该|要|应该)?"
                            r"(怎么办|咋办|咋个办|要么办|怎么处理|如何处理|(怎么|咋个|如何)(急救|扶))")
_METHOD_ASKED = re.compile(r"(说说|讲讲|教教|说一下|讲一下|教一下)(那个|这个)?"
                           r"[^，。]{0,12}(法儿|办法|方法|招儿|手法|步骤)")
_SCHOOLWORK = re.compile(r"(学校|学堂|老师)(里)?(要|让)?(考试|考|作业|写|问)|作业要写|要考试"
                         r"|(学校|老师|课上|班上)(里)?(教|讲)(了|过)|回家要考|学校(的|里)[^，。]{0,6}(讲习|课|培训)"
                         r"|(班上|课上|课堂上)(的)?(学生|同学|孩子|娃)(们)?问(我)?[^，。]{0,12}(怎么办|咋办|要么办)")
_LEGS_LIMIT = re.compile(r"(腿|脚|腰|脚杆|膝盖|腿脚)(子)?.{0,3}(痛|疼|不好|不灵|不便|不中|不行|走不)")
_GUIDE = re.compile(r"整理(了)?(的)?(步骤|方法|流程)|(步骤|方法|流程)[^，。]{0,8}转给|转给大家")  # a how-to passed on
_STICKER_HABIT = re.compile(r"(每天|天天|平时|平常|往常|每早|每日)[^，。]{0,8}发[^，。]{0,8}表情(包)?")
# A gas leak denied ("不漏气", "呒漏"), not a water pipe ("水管不漏水 但是煤气味很重").
_NO_LEAK = re.compile(r"(?<!漏)(?<!知道)(?<!晓得)(不|没有|没)(在)?漏(?!水|油|雨|电|吗|么|吧|没|不)"
                      r"|(一点|一丝|半点)(儿)?(味|味儿|味道|气味)(儿)?(都|也)?没(有|得)(?![^，。]{0,3}(了|吗|么))"
                      r"(?![^。]*(煤气味|燃气味|气味|味道|臭鸡蛋|冲鼻|好呛|很呛|呛人|熏人))")
_CO_CALLER = re.compile(r"我(?:和|跟|同|与)我(妈|爸|姐|哥|弟|妹|老婆|老公|媳妇|爱人|女儿|儿子|闺女)")
# Someone still inside ("阿妈还在里面"): whatever the smoke is from, it is no cooking or worship smoke then.
_STILL_INSIDE = re.compile(r"还在(里面|里头|屋里)(?!看电视|睡觉|吃饭)|told (her|him) (to )?(go|get) (out|outside)")
_FLAME_OUT = re.compile(r"(火|火苗|灶火|炉火)[^，。]{0,8}(灭|熄)(了|掉)")
# Pulled out of the water and not breathing: the rescue is no recovery.
_RESCUED_LIFELESS = re.compile(r"(捞|拉|救|拖|抬)(上来|出来)(了|哒)?.{0,6}"
                               r"(没气|没得气|没有气|不动|没呼吸|不呼吸|不喘气|不会喘气|不会透气|不透气|叫不醒|没反应)")
_PREVENTION = re.compile(r"(有|有没有|有冇|有乜)(什么|乜|啥)?(方法|办法)(好|可以|能)?(防|预防)|(怎么|咋|如何)(预)?防")
_GAME_NOISE, _LEARNING, _SALES = re.compile(w.GAME_NOISE), re.compile(w.LEARNING), re.compile(w.SALES)
# A knock or a call nobody answered: narrower than _TRIED_TO_REACH, which also takes a shout over the wall
# ("喊也没人应") that a reason for being away does not explain.
_UNANSWERED = re.compile(r"(敲门|敲了门|叫门|喊门|拍门|电话|打电话).{0,4}"
                         r"(没(得|有)?人(答)?应|没人开|不应|没应|没人接|不接|没接)")
# Someone left at home alone, told after where another went ("婆婆回娘家了 他一个人在家"): the going away is why
# this one is alone, not why this one is silent.
# A report passed on about someone else ("妹子在西安打工 说她妈电话打不通"): the reason told before it is the
# reporter's, not the silent one's.
_RELAYED_ABOUT = re.compile(r"(说|讲|话)(她|他|我)?(妈|爸|娘|爹|奶奶|爷爷|外婆|外公|婆婆|公公|老人)")
_ALONE_ONE = (r"(他|她|老人|老人家|公公|婆婆|爷爷|奶奶|外公|外婆|我爸|我妈|老伴|岳父|岳母|丈人|老丈人|丈母娘|"
              r"老爷子|老太太)")
_LEFT_ALONE = re.compile(_ALONE_ONE + r"?(就|只)?(一个人|独自|自己)(一个)?(在家|在屋|在屋里|在家里|在老屋|在老家)"
                         r"|(家里|屋里|屋头)(就|只)(剩)?(下)?" + _ALONE_ONE + r"?(一个|一人|自己)")
# "能来个人帮我搓搓澡不": someone asked for politely, a question rather than a cry for someone to come.
_POLITE_REQUEST = re.compile(r"(能|能不能|可不可以|可以|有没有)(来|派)(个|一个)人(来)?"
                             r"(?=(帮|给|陪)[^，。]{0,12}(不|吗|么|嘛|没)$)")
_TAKEN_TO_HOSPITAL = re.compile(r"(?<![快紧上速])送(去|到|进)?(县|镇)?医院")
_OWN_ABSENCE = re.compile(r"(是|因为|那是|那会|当时)(我|俺|本人)"
                          r"(不在家|没在家|出门|出去|去了|赶场|赶集|在地里|在田里|在山上|下地)")
_HARMED_BY_BLADE = re.compile(r"砍(人|伤|死|到(了)?(人|他|她|我|腿|脚|手))|打人|杀人|行凶")
_FIREWOOD = re.compile(r"(劈|砍|剁|锯)(点|些|一些|几捆)?(柴|木头)|柴火")
# Harmless readings of words that sound like trouble, each replaced by a plain wording before the signs are read;
# in this order.
# What "没冒烟" is reread as, and what _judge looks for afterwards: a smell of burning told without smoke.
_NO_SMOKE = "无烟"
_REREAD: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), reading) for pattern, reading in (
    # "老倌病倒了 … 请个人来帮我煮点稀饭": fallen ill, not fallen down
    (r"病倒(了)?(?![在地田路])", "生病了"),
    # "偏瘫卧床 夜间需翻身": paralysed for long, the care of the bedridden, not a stroke now
    (r"(长期|多年)?偏瘫(?=卧床|在床|在炕|多年|好几年|几年|好些年)", "瘫痪"),
    # "天天emo 说话都没人接": nobody to talk with, not a phone unanswered
    (r"说话(都|也)?没(有)?人(接|理|搭理|搭)(话|茬)?", "没人聊天"),
    # "谢谢你们昨天那么快来人": thanks for how soon help came, no cry
    (r"(那么|这么|那样|很|好|真|挺)快(就)?(来了|来)(人|帮忙)", "到得及时"),
    # "防中暑的宣传单": heatstroke prevented, not suffered
    (r"(防|预防|防止|避免|谨防)(中暑|热射病)", "防暑"),
    # "突然想起来问一下": a question remembered, nothing sudden happened
    (r"(突然|忽然)(想起|记起|想到)", "想起"),
    # "火已经过了防火道": the firebreak cut through the hill, no fire-safety lesson
    (r"防火(道|带|线|隔离带|林带|沟)", "隔火带"),
    # "乒乓球台腿断了": a table's leg, nobody's
    (r"(台|桌|椅|凳|床|柜)(子)?(的)?腿(都|也)?断", "家具坏"),
    # "吃鱼要当心骨头卡牢": a care taken, not a bone stuck
    (r"(当心|小心|留心|防着)([^，。]{0,6}?)(卡住|噎着|噎住|噎到|卡到|呛到|呛着)", r"\1\2吃"),
    # "下礼拜有人来讲怎么救被噎着的人": a speaker coming to teach, nobody called for
    (r"(?<!没)(?<!谁)有人来(讲|上课|培训)(?!一下)", r"有老师\1"),
    # "诸位在我村老人跌倒、生病、煤气安全等事上费心": the topics of a year's work listed, nobody's trouble now
    (r"(跌倒|摔倒|摔跤|生病|看病|煤气|燃气|用电|用气|防火|着火|失火|溺水|防骗|安全|急救){2,}"
     r"等(事|事情|方面|工作|事务|知识|常识)(上|中|里)?", "各方面"),
    # "她说胸口不闷了": the chest that no longer aches
    (r"(胸口|心口|胸)(也|都)?(不|没)(再)?(闷|痛|疼|难受)(了)", "胸口舒服了"),
    # "烟气袅袅，非是失火": classical Chinese saying it is no fire (莫非是着火了 asks whether it is one)
    (r"(?<![莫无岂])(非是|并非)(?=失火|着火|起火|火灾|漏气)", "不是"),
    # "手机上那个火灾预警的APP": the warning service, not a fire
    (r"火灾(预警|保险|险(?!情)|隐患|知识)", "火险"),
    # "听说前庄有人中毒了": hearsay from another village, the reason for a precaution asked about
    (r"听说[^，。]{0,8}(前庄|后庄|邻村|隔壁村|外村|别的村|别处)[^，。]{0,6}(有人|有个人)?(中毒|着火|失火|摔|出事)(了)?"
     r"(?=[^。]*(不着急|不急|提前|以防|预防|想问|问个事))",
     "听说外村出过事"),
    # "烟筒不冒烟": no smoke from the chimney is someone not cooking, not a fire
    (r"(烟囱|烟筒|烟洞|灶|炉|屋|家|户)([^，。]{0,4}?)(不|没|没有|没见)冒烟", r"\1\2没炊烟"),
    (r"(不|没|没有|没见|还没)冒烟", _NO_SMOKE),
    # "不是中毒", "不是人走丢": the trouble named is ruled out
    (r"(?<!是)(不是|并非)(人)?(中毒|走丢|走失|出事)", "没事"),
    # "以后不用闻那个沼气味了": a smell that is gone for good
    (r"(不用|不会|再也不用)(再)?闻(那个|这个)?(沼气|煤气|燃气)?(的)?味", "没有味"),
    # "有漏气隐患的登记一下": a risk to be checked, not a leak
    (r"(漏气|着火|火灾|跌倒|摔倒)(的)?隐患", "安全隐患"),
    # "真的不是段子": the show is denied, not told
    (r"(真的|真|确实|绝对)?(不是|没|没有|并非)(在)?(段子|演戏|拍戏|摆拍|剧本|演的)", "不是开玩笑"),
    # "煤气灶点不燃了 是不是没得气了": the cylinder is empty, nobody has stopped breathing
    # ... unless something is still coming out ("火灭了 没气 阀门开着 哧哧往外冒": the flame is starved, the gas is not)
    (r"(灶|罐|瓶|煤气|液化气|燃气|天然气)(?:(?![我他她人妈爸爷奶倒晕摔躺])[^，。]){0,8}?没(得|有)?气(了)?"
     r"(?![^。]{0,12}(哧哧|嗤嗤|呲呲|嘶嘶|咝咝|往外(冒|喷|跑|漏)|还在(冒|漏|跑|出|放)))",
     "燃气用完了"),
    # "农药怎么兑水 百草枯现在不让卖了": spraying the crops, asked about; nothing was swallowed
    (r"(农药|百草枯|敌敌畏|除草剂|杀虫剂|打药)[^，。]{0,6}(怎么|咋|如何|怎样)(兑|配|稀释|打|喷|用)"
     r"|(百草枯|敌敌畏)[^，。]{0,4}(不让卖|禁售|禁用|买不到|停售)", "问打药"),
    # "老念叨没人说话 … 陪她聊聊天": lonely, nobody gone silent; "隔两天去一趟": how often, not how long
    # (only beside loneliness: "打电话过去没人说话" is a silent line, and "隔两天没见她" is how long)
    (r"(念叨|一个人|天天|整天|成天|平时|孤单|寂寞)[^，。]{0,6}没(有)?人(陪|跟她|跟他|和她|和他|跟我|和我)?"
     r"(说话|聊天|说说话|唠嗑|拉呱|讲话|摆龙门阵|谈心)", "孤单"),
    (r"(隔|每隔)(一|两|三|几|二|个把)(天|日)(?=[^，。]{0,4}(去|来|陪|看|帮|送|一次|一趟|一回))", "定期"),
    # "黑天一个人怪闷得慌": bored and lonely of an evening; a chest or heart that feels tight is not this
    (r"(一个人|独自|天天|成天|一天到晚|黑天|晚上|没人|搁家|在家)[^，。]{0,8}(?<![胸心口气窖井洞坑])(怪|好|可|真|太)?闷得(慌|很|发慌)"
     r"(?![^，。]{0,3}(胸|心|气|喘))", "无聊"),
    # "额也想当志愿者 帮帮人": helping others offered, nobody asks for help
    (r"(想|也想|愿意|要)([^，。]{0,8})帮帮(忙|人|别人|大家|乡亲|老人|村里)", r"\1\2帮助别人"),
    # "她也说不清 什么时候截止": she cannot say when, her speech is fine
    (r"说不清(楚)?(?=[^，。]{0,4}(什么|啥|sm|哪|几|多少|怎么|为啥|时候))", "不知道"),
    # "送饭个后生仔放低就走 叫佢都唔应": the volunteer left without answering, nobody is unconscious
    (r"(放低|放下|扔下|丢下)(就)?走([^。]{0,4})(叫|喊)(佢|他|她)?(都|也)?(唔应|不应|没应)", "走了没理人"),
    # "一键呼叫的手环": the name of a device, no call for help
    (r"(一键呼叫|一键求救|紧急呼叫|呼叫)(的)?(手环|手表|按钮|器|电话机)", r"老人\3"),
    (r"(手环|手表|按钮|平安钟)([^，。]{0,8})(会|能|就会|就能)(自动)?(报警|响|叫)", r"\1\2会提醒"),
    # "现在到镇上邮局了": arrived, and 在到 only sounds like 栽倒; "谈谈三海经": a chat, no 烫伤 by sound
    (r"现在到", "现在来到"), (r"谈谈", "聊聊"),
    # "报了名 … 到现在没动静": the application, not a person, has gone quiet
    (r"(报了名|报名了|申请了|报上去|交上去|打了报告|登记了)([^。]{0,12})(到现在|至今|一直|还)?(都)?没(有)?(动静|消息|回音|下文)",
     r"\1\2没消息"),
    # "叫人来通了通炉子烟筒 … 现在火烧得可旺 家里暖和了": someone asked in to clear the flue, and the stove burns well
    (r"叫人来(通|修|掏|扫|看|换|装)", r"请人\1"),
    (r"火(烧|着|生)得(可|老|很|挺|贼|真|正)?旺(?![^。]{0,8}(房|屋|墙|梁|顶|柴堆|草堆|烧到|着了|蔓延|救|灭不|扑不))",
     "炉火旺"),
    # "摘芒果摘到天黑": worked until dark, and 摘到 only sounds like 摔倒
    (r"(摘|采|割|挖|掰|砍|锄|挑|干|做|忙)到(天黑|天亮|中午|晚上|下午|半夜|傍晚|夜里|黑)(?![^，。]{0,3}(没|未|不见|冇))",
     r"\1至\2"),
    # "开关一按就冒火星子 … 来帮我看一哈": a switch that sparks, for the electrician, while nothing smokes or burns
    (r"(开关|插座|插头|灯泡|电灯|灯头|拉线)[^，。]{0,6}(冒|打|闪|起|跳)(火星子|火星|火花)"
     r"(?![^。]{0,12}(烟|焦|着火|着了|烧着|烧化|烧黑|烧起|起火|糊|电着|触电|麻|化了|噼里啪啦|啪啪|火苗|燃起))",
     "开关坏了"),
    # Sounds heard across a word's edge: "没法到场" is not 滑倒, "早起" is not 沼气
    (r"(没|无|设|想|办)法到", r"\1法去"),
    (r"早起(?!池|味|管|罐|灶|漏|泄|臭|的味)", "早上起"),  # 早起池 is 沼气池 typed by sound
    # "轮胎没气了": the tyre, not a breath
    (r"(轮胎|车胎|胎|气球|皮球|篮球|气垫)(又|都|也)?(有点)?(没气|漏气|没得气)(了)?", "胎瘪了"),
    # "熬中药呢 味大 不是没气": the smell explained, the gas denied
    (r"(?<!是)不是没(得)?气(?!了)", "不是那个"),
    # "笑得/辣得喘不上气": laughter or chilli, not a failing chest (a neutral wording, not a joke, so the laugh never
    # hides chest pain told beside it)
    (r"(笑|辣|乐|麻)得(我们|我|人|俺)?(气)?(都|快)?(喘不上气|喘不过气|喘不过来|上气不接下气|岔气)", "笑了半天"),
    # "灶坑火烧得老旺": the stove burns well, nothing is on fire
    (r"(灶坑|灶膛|灶里|灶眼|炉子|炉膛|炉子里|炕洞|火塘|火盆|壁炉)(的|里的|里)?(火)?"
     r"((烧得|生得|着得)?(老|很|挺|可|贼|真|正)?(旺|好(?!好|的|着)|红)|(烧|生|点)(起来|着|好)(了)?)", "灶火旺"),
    # "插头烧焦了 要换一只新的": a burnt-out appliance to be replaced, not burning now
    (r"(烧焦|烧坏|烧糊|烧毁|烧掉)(了)?(?=[^，。]{0,6}换(一|个)?(只|个|台|把)?新)", "坏了"),
    # "锅子烧红了再下叶子": a hot pan, the step of a recipe
    (r"(锅|锅子|铁锅)(要)?烧(红|热)(了)?(再|才|就)(下|放|倒|炒)", "锅热了再下"),
    # "打火机冇气哒": the lighter is empty
    (r"(打火机|火机)(又|都|也)?(没气|没得气|没油)(了)?", "打火机空了"),
    # "手机突然没声音了 估计按到静音了": a device gone quiet, not a person
    (r"(手机|电话|电视|收音机|喇叭|音箱)[^，。]{0,3}(突然|一下子)?(没|冇|没有)(了)?(声音|声|响)", "设备静音"),
    # "血糖仪咋用 扎手指头出血少": a drop of blood for the meter, not a wound
    (r"(血糖|采血|测血)([^。]{0,16})(扎|戳|采|刺)(完|了|一下)?(手指头|手指|指头|指尖)[^，。]{0,3}出血", r"\1\2测试"),
    # "老倌瘫在床上 想请个人每日来帮渠擦擦身子": bedridden for long, and the care asked for
    (r"瘫(痪)?(在|了|勒)床(上)?(?=[^。]{0,16}(擦|洗|汏|喂|翻身|换|护理|照顾|陪))", "卧床"),
    # "看救火的电视": a programme about a fire, watched
    (r"看([^，。]{0,6})(救火|着火|火灾|失火)([^，。]{0,3})的电视", "看电视节目"),
    # "割禾伤了手 拿不稳锅铲": a hand hurt, the reason it cannot hold things, no stroke
    (r"(伤了手|手(割|烫|扭|摔)?伤了|(割|烫)(伤|破)(了)?手)([^。]{0,6})拿不稳", r"\1\5手不方便"),
    # "腌咸菜坛子口冒白沫": a pickle jar fermenting
    (r"(坛子|坛|缸|罐子|罐|桶|瓶子)(口|里|里面)?(冒|起|泛)白沫", "坛子起泡"),
    # "用电磁炉了 烟少好多": less smoke than before
    (r"烟(少|小)(了)?(好多|很多|多了|一半)?", "烟少"),
    # "嗓子喊冒烟了": hoarse, nothing smokes
    (r"(嗓子|喉咙|嗓门)(都)?(喊|唱|说|讲|叫|吼)?(得)?(都)?冒烟(了)?", "嗓子哑了"),
    # "她忧心触电": a worry about what may happen, not a report
    (r"(忧心|生怕|就怕|怕他|怕她|担心他会|担心她会|担心会|怕会)(触电|摔|着火|中毒|噎)(?!了|倒了|着了)", "担心"),
    # "机器讲不清爽": the bot is unclear, nobody slurs
    (r"(机器|机器人|电脑|手机|喇叭|广播|录音)(人)?(讲|说|念)(得)?不(清爽|清楚|清|明白)", "机器说不明白"),
    # "有人来讲防煤气中毒": a talk's topic, not a poisoning
    (r"讲(防|预防|怎么防|如何预防)(煤气|燃气|一氧化碳|火灾|溺水|摔倒|跌倒)(中毒)?", "讲安全"),
    # "附近的单反而没人接": no volunteer took the order
    (r"(单|订单|派单)[^，。]{0,5}(没|没有|无)人接", "单没人要"),
    # "去年走丢那个老汉": who the person is, not a loss now
    (r"(去年|前年|上次|上回|以前|那年|早年|前些年|上个月|那回)(走丢|走失|丢)(过)?(的)?", r"\1"),
    # "送一份到碾米房": a portion sent somewhere, which sounds like 昏倒
    (r"份(饭|餐|菜)?到", r"份\1送到"),
    # "手环能喊人不", "手环 摔倒了能自动报警吗": what a device does, asked before anyone needs it
    (r"(手环|手表|呼叫器|一键呼叫|腕表)[^，。]{0,6}(能|会|可以)(不能)?(自动)?"
     r"(喊人|报警|呼叫|通知|打电话|求救)(不|吗|么|没)", "设备功能"),
    (r"(手环|手表|呼叫器|一键呼叫|报警器|设备|腕表)[^，。]{0,12}(摔倒|跌倒|摔跤|着火|漏气)(了)?(能|会|可以)(不能)?(自动)?"
     r"(报警|呼叫|通知|打电话|求救)", "设备功能"),
))
_NEWS, _TENDING_FIRE = _ANY(w.NEWS), re.compile(r"(看|守|盯)(着|住)火")
_FIGURATIVE, _TOBACCO, _BODY_ODOUR = _ANY(w.FIGURATIVE), re.compile(w.TOBACCO), re.compile(w.BODY_ODOUR)
_OWN_PEOPLE, _WATCHING = re.compile(w.OWN_PEOPLE), re.compile(w.WATCHING)
_OWN_TROUBLE = re.compile(r"(?:" + w.OWN_PEOPLE + r")(突然|又|刚才|刚)?"
                          r"(胸口|心口|胸|头晕|晕|摔|跌|喘|吐血|抽|说不出|起不来|站不)")
_ROLE_PLAY = re.compile(r"扮演|假装|模拟|演示|当病人|装病人|从来不|从没")
_SELF = re.compile(r"(我|本人)(?!妈|爸|娘|爹|母亲|父亲|爷|奶|外婆|外公|姥|老伴|家老|们|儿|女|孙|邻|隔)")


def danger_in(message: Prepared) -> Danger | None:
    """Assess an already prepared message."""
    folded = _FIGURE.sub("低价", fold(message.chars))  # 跳楼价 is a price, not a jump
    folded = _LIGHTING.sub(lambda m: "点" + (m.group(1) or "") + "燃", folded)
    folded = folded.replace("电话到", "电话去")  # 话到 sounds like 滑倒
    folded = _POTS.sub("锅碗瓢盆", folded)  # 盆盆罐罐: the pots set out under a leaking roof, not a gas cylinder
    folded = _PRICED.sub("价钱", folded)  # "一罐120": a price, not the ambulance
    folded = _FIGURATIVE.sub("", folded)
    folded = _TENDING_FIRE.sub(lambda m: m.group(1) + "守火", folded)  # 看着火: minding a fire, not 着火
    for harmless, reading in _REREAD:
        folded = harmless.sub(reading, folded)
    if _LESSON.search(folded):
        folded = _LEARNT_WORDS.sub("学了生词", folded)  # "学了'救命' '着火'": vocabulary, not a cry
    if _DENIED.search(folded) and _CALM.search(folded):
        folded = _DENIED.sub("", folded)
    if _INSPECTION.search(folded):
        folded = _NOTHING_FOUND.sub("没问题", folded)  # "检查完毕 未发现泄漏": what was not found is no sign
        if "没问题" in folded and not _AFTER_THE_CHECK.search(folded):
            folded = _LEAK_CHECK.sub("检查", folded)  # "来查漏 说没问题": the word for the check is no leak
    if _TEACHING.search(folded):
        folded = _ADVICE.sub("", folded)  # "讲座上医生说胸痛要立即就医": the rule taught, not a cry now
        folded = _HOW_TO_TOPIC.sub(r"\1\3", folded)  # "讲胸口疼咋办的健康课": the lesson's title, not a cry
    if not _TAKEN.search(folded):
        folded = _WHAT_IF.sub("", folded)  # "炒熟了会不会中毒": a question before anything was swallowed
    prepared = message if folded == message.chars else prepare(folded)
    typed, heard, repeated = _signs(prepared)
    if len(set(_SYMPTOM.findall(folded))) >= 3:
        typed.add("symptoms")  # "心 疼 汗 喘": three complaints at once, however terse
    # _judge narrows the sets it is given; the second opinion below needs every sign that was found.
    danger = _judge(folded, set(typed), set(heard), repeated)
    # A sign of trouble, not only of context (an errand, food, a time span): the model is asked about trouble.
    trouble = {s for s in typed | heard if _BY_NAME[s].strength or _BY_NAME[s].hazard != w.UNKNOWN
               or s == "distress"} - {"span", "lost_way"}
    if not _gas_leak(folded, typed | heard):
        trouble.discard("leak")  # 漏水, a dripping tap: no trouble to ask the model about
        if _WATER_FIXTURE.search(folded) and "gas" not in typed | heard:
            trouble.discard("gas_fixture")  # "水管子冻裂了": the pipe carries water
    if _TOO_FAR.search(folded):
        trouble -= {"cant_stand", "distress", "wanders"}  # too far to walk: the reason for a home visit
    if _PLANNED_VISIT.search(folded) and not trouble & typed & (_ACUTE | {"sudden", "urgent"}) \
            and not _TODAY_WORSE.search(folded):
        trouble.clear()  # a check-up booked for next week, company asked for: nothing to ask the model about
    if _ENGLISH_REQUEST.search(folded):
        trouble -= {"help_word", "sos", "dementia"}  # "can someone help my grandpa pay": asked for a chore
    if not _CRY_FOR_HELP.search(folded):
        trouble.discard("help_word")  # "help" in English as a verb is no trouble to ask the model about
    if (_SELF_CARE_LIMIT.search(folded) or _BEDRIDDEN.search(folded) and not _NEW_EVENT.search(folded)) \
            and _CARE_TASK.search(folded):
        trouble -= {"body", "urgent", "cant_stand", "cant_get_up", "distress", "worry"}  # care, asked for
    if _CHORE_ASKED.search(folded) and _LEGS_LIMIT.search(folded):
        trouble -= {"body", "distress", "cant_stand"}  # the sore legs are why someone should run the errand
    if _laid_up_meals(folded) and not trouble & (_ACUTE | {"sudden"}):
        trouble -= {"body", "distress", "cant_stand", "cant_get_up"}  # sick for days, and meals asked to be sent
    if _NO_SHOW.search(folded) and _WAITED.search(folded):
        trouble -= {"absent", "span"}  # the helper the writer waited for, not a person gone silent
    if _WORKING_AWAY.search(folded):
        trouble.discard("wanders")  # "家属外出务工": the family works away; nobody wandered off
    if danger is None and trouble and not _over_or_story(folded, typed | heard) \
            and danger_model.emergency_probability(prepared) >= danger_model.THRESHOLD:
        # Some sign of trouble that the rules found too weak (or harmless), in a message that reads like the
        # emergencies people write: asked, never acted on alone.
        return Danger(WEAK, frozenset({w.UNKNOWN}), ("model", *sorted(typed | heard)), _about_other(folded))
    if danger is None and (_BARE_STATE.search(folded) or len(folded) <= _TERSE and {"stuck", "food"} <= typed | heard
                           and not _MACHINE.search(folded)):
        # "晕咧", "卡住了 馍": a state in a word or two, too short for any combination to form
        return Danger(WEAK, frozenset({w.MEDICAL}), tuple(sorted({"body"} | typed | heard)), False)
    real_signs = {s for s in typed | heard if _BY_NAME[s].strength}
    if danger is None and danger_learner.emergency_probability(prepared) >= danger_learner.THRESHOLD \
            and not _toy_noise(folded, real_signs) \
            and not _scripture_story(folded, typed | heard):
        # Nothing the rules know, or only what they read as harmless, in a message the model fitted on every scored
        # batch takes for an emergency: a phrasing no sign anticipated. Asked, never acted on alone.
        return Danger(WEAK, frozenset({w.UNKNOWN}), ("model", *sorted(typed | heard)), _about_other(folded))
    return danger


def assess_danger(text: str) -> Danger | None:
    """Assess a raw message (chat text, a transcript, a form answer)."""
    return danger_in(prepare(text or ""))


def is_emergency(text: str) -> bool:
    """True when a message carries any sign of danger (the question is asked at least)."""
    return assess_danger(text) is not None


def _signs(message: Prepared) -> tuple[set[str], set[str], set[str]]:
    """Signs written out, signs only heard by sound (就命 for 救命), and signs seen in two places."""
    matcher = _matcher()
    found = matcher.find(message)
    typed_phrases = matcher.find_typed(message)
    typed = {name for p in typed_phrases if p in found for name in found[p]}
    present = set(message.chars)
    by_pattern = [name for name, pattern, first in _patterns()
                  if (first is None or not first.isdisjoint(present)) and pattern.search(message.chars)]
    typed |= set(by_pattern)
    heard_phrases = [p for p in found if p not in typed_phrases]
    heard = {name for p in heard_phrases for name in found[p]} - typed
    names = [name for p in _outermost(found) for name in found[p]] + by_pattern
    repeated = {name for name in names if names.count(name) > 1}
    # Two different real signs, each only heard (跌到了 起步来), agree with each other: as good as typed.
    if len({n for n in heard if _BY_NAME[n].strength >= 2}) > 1:
        typed |= heard
    return typed, heard, repeated


def _outermost(found: dict[str, tuple[str, ...]]) -> list[str]:
    # 站不稳 inside 站不稳当 is one sign, not two.
    return [p for p in found if not any(p != q and p in q for q in found)]


def _judge(chars: str, typed: set[str], heard: set[str], repeated: set[str]) -> Danger | None:
    signs = typed | heard
    _drop_harmless(chars, signs, typed)
    typed &= signs
    # Two signs heard by sound agreed only while both stood: when one was harmless (灶火 heard as 着火), the other
    # is again heard only, and one level less sure (那水 heard as 落水 beside the kitchen).
    if len({n for n in heard & signs if _BY_NAME[n].strength >= 2}) < 2:
        typed -= heard
    if not signs:
        return None
    strength = _strength(signs, repeated & signs)
    # A sign only heard by sound is one level less sure (就命 for 救命 earns the question).
    # (a heard sign the rest of the sentence showed harmless, 灶火 heard as 着火, no longer counts)
    if any(_BY_NAME[s].strength for s in heard & signs - typed):
        strength = max(_strength(typed, repeated & typed), strength - 1)
    if strength == 3 and "urgent" in signs and _POLITE_REQUEST.search(chars) \
            and _strength(signs - {"urgent"}, repeated & signs) < 3 and not _urged_besides(chars, _POLITE_REQUEST):
        strength = 2  # asked, and soon: the polite request is not itself the cry that makes a weak sign certain
    if _leak_goes_on(chars, signs):
        strength = max(strength, 2)  # a fitting still hissing, a valve that will not close: gas escaping now
    real = {s for s in signs if _BY_NAME[s].strength}
    # Only a cry, with no real sign beside it (a combination of weak signs is not "only a cry").
    if strength == 3 and real and real <= {"cry", "sos", "help_word"} \
            and (_APP_TROUBLE.search(chars) or _HYPERBOLE.search(chars) or _INVITATION.search(chars)
                 or _PRICE.search(chars) or _JOY.search(chars)):
        strength = 2  # still asked: "救命" beside the font size is most likely about the font size
    if "help_word" in signs and not _CRY_FOR_HELP.search(chars) \
            and not _strength(signs - {"help_word"}, repeated & signs):
        strength = 0  # "help" in English, with nothing wrong named: a chore asked for ("pls help link my account")
    if real and real <= {"chest"} and _PRICE_WORRY.search(chars) \
            and not signs & {"warn", "urgent", "span", "sudden"} and not _PAIN_TOLD.search(chars):
        strength = min(strength, 1)  # the ache of a market ("心口痛啊 米粉又起价"), unless the pain itself is told
    if real and real <= {"chest"} and _HEARTACHE.search(chars) \
            and not signs & {"warn", "urgent"}:
        strength = min(strength, 1)  # grief or worry felt in the chest: asked, in case it is the heart
    # The warning words are limbs as well as sweat: an arm is a warning beside the chest, an injury after a fall.
    warned = "warn" in signs and bool(signs & {"chest", "breath", "breath_soft"})
    hurried = "urgent" in signs and _HURRY.search(chars) or _ACCIDENT_JUST_NOW.search(chars)
    if _ONGOING_CARE.search(chars) and not warned and not hurried \
            and not signs & {"bleed", "breath", "choke", "unresponsive", "water", "trapped", "cant_get_up", "dizzy",
                             "blackout", "burn_bad"}:
        # Care wanted from now on, told calmly: after an event (a fall that left an injury) that is the care
        # wanted; beside a state that lasts, asked in case it is worse. Asking someone to come is no hurry; a
        # dizziness beside a fall may be the head, and is never explained away by the care asked for.
        strength = min(strength, 1) if _lasting(signs) else 0
    if _HEALING.search(chars) and not signs & {"unresponsive", "cant_get_up", "cry", "sos"} \
            and not ("warn" in signs and (real - {"fall", "warn", "injury"} or _NEW_EVENT.search(chars)
                                          or _JUST_NOW.search(chars) or _SWEAT.search(chars))) \
            and not _TAKEN_BACK.search(chars):
        strength = min(strength, 1)  # help until it heals (an arm in a cast is a limb, not a warning): asked at most
    if _CLINIC_RIDE.search(chars) and len(real) <= 1 and real <= {"cant_stand", "dizzy", "injury"} \
            and not signs & {"sudden", "vomit", "cry", "sos"} and not _HURRY.search(chars):
        strength = min(strength, 1)  # a ride to the clinic asked for, calmly: the visit is the help, asked at most
    if _DEVICE_FELL.search(chars) and _DEVICE_BROKEN.search(chars) and not _PERSON_HURT.search(chars) \
            and real <= {"fall", "cant_get_up", "injury"} and not signs & {"urgent", "cry", "sos", "help_word"}:
        strength = 0  # the phone is what fell and will not start: a repair
    if _ADDRESSED_TO_ALL.search(chars) and _NOTICE_WORDS.search(chars) \
            and not signs & {"urgent", "cry", "sos", "help_word"} \
            and not _HURRY.search(chars):
        strength = 0  # a notice to everyone with a complaint, not one person's trouble
    if _NEGATED.search(chars) and strength == 3:
        strength = 2
    if _PAST.search(chars) and (_MEMORY.search(chars) or _RECOVERED_NOW.search(chars) and not warned) \
            and not (_JUST_NOW.search(chars) and signs & _IN_TROUBLE_NOW) and not _NEW_EVENT.search(chars):
        strength = 0  # a memory told, or a recovery told by what the person does again now
    if _asking_after(chars, signs):
        strength = 0
    # A hurry inside what was taught ("大夫来讲 胸口疼要赶紧打120 我都记下了") is the lesson's, not the writer's.
    if _NOTED.search(chars) and _TOLD_OR_ASKED.search(chars) and not _NOTED_TO_ACT.search(chars) \
            and not signs & {"sos", "help_word"} and not _HURRY.search(_TOLD_OR_ASKED.split(chars)[0]):
        strength = 0  # a lesson noted down, or a question asked for another day
    if _DONT_CALL.search(chars) and not _TAKEN_BACK.search(chars) \
            and real <= {"fire", "smoke", "smoke_fill", "smoke_doubt", "cry", "leak"} \
            and not signs & {"urgent", "sos", "help_word"} and not _HURRY.search(chars):
        strength = 0  # the smoke explained by the writer, and the alarm called off
    if _cause_found_harmless(chars, signs):
        strength = 0
    if _NO_SMOKE in chars and real <= {"smoke"}:
        strength = min(strength, 2)  # "电热毯有股焦味 还没冒烟": a burning smell, asked about, not yet a fire
    if (answered := _ASKED_AND_ANSWERED.search(chars)) and not _HURRY.search(chars) \
            and not signs & {"sos", "help_word"} and not _TROUBLE_AFTER.search(chars, answered.end()):
        strength = 0  # a question passed on and answered by the writer
    if _AMBULANCE_CAME.search(chars) and _about_other(chars) and not _STILL_DOWN.search(chars) \
            and not signs & _HOUSE_HAZARD and (not _OWN_PEOPLE.search(chars) or _FINE_NOW.search(chars)) \
            and not _HURRY.search(chars):
        strength = min(strength, 1)  # asked at most
    if _toy_noise(chars, real):
        strength = 0  # "玩救护车玩具 嘀嘟嘀嘟叫": a toy's siren
    if _SCHOOL_SUM.search(chars) and real <= {"cry", "help_word"}:
        strength = 0  # "37乘24等于多少 数学作业救命": homework, not a cry
    if (_NUMBER_EXPLAINED.search(chars) or _SCHOOLWORK.search(chars)) and real <= {"cry", "help_word"}:
        strength = 0  # the number itself is the topic: what 120 is, taught to a child or asked for a test
    if (_number_noted_only(chars) or _HYPOTHETICAL.search(chars) and _FOR_LATER.search(chars)) \
            and not signs & {"urgent", "sos"} and not _HURRY.search(chars):
        strength = 0  # which number to call, or what to do if it ever happens, asked to keep for a day it may be needed
    if _INSURANCE.search(chars) and _COVER_ASKED.search(chars) and real <= {"fall"} and _SOMEDAY.search(chars) \
            and not signs & {"urgent", "cry", "sos"} and not _HURRY.search(re.sub("(不|唔|莫|别)(着)?急", "", chars)) \
            and not _JUST_NOW.search(chars) and "刚" not in chars:
        strength = 0  # what the insurance pays if a fall ever sends her to hospital: asked for a day it may come
    if _PAST.search(chars) and _INSURANCE.search(chars) and _COVER_ASKED.search(chars) and real <= {"fall", "injury"} \
            and not signs & {"urgent", "cry", "sos"} and not _JUST_NOW.search(chars) and not _NEW_EVENT.search(chars):
        strength = 0  # "去年跌倒断手嘅保险 而今还赔得到冇": a claim for an old fall
    if _scripture_story(chars, signs):
        strength = 0
    if _NEVER_FELL.search(chars) and real <= {"fall"} and not _NEW_EVENT.search(chars) \
            and not _FALL_TOLD.search(_NEVER_FELL.sub("", chars)) \
            and not _JUST_NOW.search(chars) and not signs & {"urgent", "cry", "sos"}:
        strength = 0  # "今年冬天我冇跌过跤 多谢…装的扶手": a fall that did not happen, told as thanks
    if _MISTAKEN.search(chars) and real and real <= {"fall", "injury"} and not signs & {"urgent", "cry", "sos"} \
            and not _leak_goes_on(chars, signs):
        strength = 0  # "我仲以为佢跌亲": a fall only believed, and taken back
    if _NOBODY_HURT.search(chars) and "injury" in signs and real <= {"injury", "cry"}:
        strength = 0
    if _PAST_FIRE.search(chars) and signs <= {"fire", "smoke", "cry", "span", "body", "distress"} \
            and not _FIRE_NOW.search(chars):
        strength = 0
    if _MEASURE_ASKED.search(chars) and not any(_BY_NAME[s].strength >= 2 for s in signs) \
            and "sudden" not in signs and not _HURRY.search(chars):
        strength = 0  # dizzy, and a blood-pressure check asked for: the care named, with no sign beyond it
    if _RULED_OUT.search(chars) and not signs & {"warn", "urgent", "intense"} and _resolved(chars):
        strength = 0  # a doctor found something harmless and it has eased: a clarification, not an alarm
    if _CHECKED_NORMAL.search(chars) and (_RULED_OUT.search(chars) or _PAST.search(chars)) \
            and not signs & {"warn", "urgent", "intense", "sudden"}:
        strength = 0  # checked and found normal, with a harmless cause named or long ago: nothing left to ask
    # A history of heart trouble beside days of absence explains nothing away: the absence is the matter.
    if _CHRONIC.search(chars) and not signs & {"warn", "urgent", "intense"} and not {"span", "absent"} <= signs:
        strength = 0 if _PAST.search(chars) else max(strength - 1, 0)
    if _resolved(chars) and not ({"stroke", "stroke_soft"} <= signs and not _PAST.search(chars)) \
            and not (signs & _HOUSE_HAZARD and not _RESOLVED.search(chars)) \
            and not _RESCUED_LIFELESS.search(chars) and not _still_bleeding(chars, signs) \
            and not ({"gas", "leak"} <= signs and _PLAYED_DOWN.search(chars) and not _GAS_STOPPED.search(chars)) \
            and not _leak_goes_on(chars, signs) and not _swallowed_harm(chars, signs):
        # A drooping mouth and a weak hand told with "不急" is a stroke played down, not one that is over.
        # Over and done with: a fall or a scare, not a state that lasts (起不来, 叫不醒).
        # A warning sign beside it (sweat, the left arm) means the writer plays it down: one level less only.
        over = (_PAST.search(chars) or not _lasting(signs)) and "warn" not in signs
        strength = 0 if over else max(strength - 1, 0)
    joking = _JOKING.search(chars) and not _NOT_JOKING.search(chars)
    fiction = _story(chars, signs)
    # A cry of urgency keeps a story real ("看电视时我爸倒了 快来人"), unless the writer laughs at the story.
    news = fiction and _NEWS.search(chars)
    # ... nor a story from the news, a what-if asked of a show ("剧里…现实里碰到要怎么办"), a game's noise.
    # ... nor a show someone asked about and was taught what to do ("电视剧里有人噎住了 问我咋办 我教了他").
    # ... nor a show's own plot: "电视里演人跌倒送医院" took someone to hospital on the screen, not in the room.
    urged = "urgent" in signs and not (fiction and _only_plot_urgency(chars))
    if (fiction or joking) and (not urged or _FINE_NOW.search(chars) or fiction and (
            joking or news or _HYPOTHETICAL.search(chars) or _GAME_NOISE.search(chars) or _PREVENTION.search(chars)
            or _TEACHING.search(chars))):
        strength = 0
    if strength == 0:
        return None
    hazards = frozenset(_BY_NAME[s].hazard for s in signs) - {w.UNKNOWN} or frozenset({w.UNKNOWN})
    not_seen = "span" in signs and "absent" in signs
    return Danger(_LEVELS[strength], hazards, tuple(sorted(signs)), _about_other(chars), not_seen)


def _resolved(chars: str) -> bool:
    """Told as over or harmless; asleep counts only when no one tried and failed to wake the person."""
    chars = _BACKGROUND.sub("", chars)
    # "可能没什么事吧 但是…一直晕": a reassurance the writer takes back counts for nothing, nor one only guessed
    # ("应该不要紧吧 … 血一直往外冒"), nor praise before the writer turns to another matter ("扫地可好了 … 跟你说个事").
    told_last = _HEDGED.sub("", _where_told(_CONTRAST.split(chars)[-1]))
    if _STILL_INSIDE.search(chars):
        # "老倌子还在里面烧饭 喊他出来他讲冇事": the word of the one still inside is why someone must go
        told_last = _THEIR_REASSURANCE.sub("", told_last)
    if _TAKEN_BACK.search(told_last):
        return False  # "还以为是垃圾没倒 现在越来越冲": what was thought harmless is getting worse
    last = max(_RESOLVED.finditer(told_last), key=lambda match: match.end(), default=None)
    if last and _IN_TROUBLE_AGAIN.search(told_last, last.end()):
        return False  # "all healed, this afternoon he's lying on the floor": over then, happening again now
    return bool(last or _ASLEEP.search(chars) and not _CANNOT_WAKE.search(chars))


def _laid_up_meals(chars: str) -> bool:
    """Meals asked to be sent to someone laid up by a sprain or an illness that lasts, not by something this morning
    ("脚馒头扭伤了 … 中饭好送到屋里来伐"; not "早上起来就瘫在椅子上起不来 … 晚饭送过来")."""
    return bool(_MEAL_SENT.search(chars) and _LIMB_HURT.search(chars) and not _ONSET_TODAY.search(chars))


def _overdue_unexplained(told: str, start: int) -> bool:
    """Overdue after the reason for going out, with nothing said after it that makes the lateness fine."""
    overdue = _OVERDUE.search(told, start)
    return bool(overdue and not _OVERDUE_EXPLAINED.search(told, overdue.end()))


def _number_noted_only(chars: str) -> bool:
    """Which number to call, noted down, with no fire or gas told after it (not "火警电话是几号 … 厨房着火了")."""
    noted = _NUMBER_NOTED.search(chars)
    return bool(noted and not _HAZARD_TOLD.search(chars, noted.end()))


def _toy_noise(chars: str, real: set[str]) -> bool:
    """A toy's siren or a game's cries ("孙子玩消防车玩具 喊着火了"), with nothing swallowed or set alight."""
    toy_cries = real <= {"cry", "help_word", "sos"} \
        or real <= {"cry", "help_word", "sos", "fire"} and re.search("(喊|叫)着火", chars)
    return bool("玩具" in chars and toy_cries and not re.search("吞|吃|咽|卡|噎|点着|烧着", chars))


def _scripture_story(chars: str, signs: set[str]) -> bool:
    """A scripture story preached or read ("讲道 讲扫罗在路上跌下马"), or a prayer's petition for whoever falls
    ("愿主扶起跌倒的人"): nobody of the village in trouble in it, nothing now."""
    nothing_now = not _OWN_PEOPLE.search(chars) and not _NEW_EVENT.search(chars) and not _JUST_NOW.search(chars) \
        and not signs & {"urgent", "cry", "sos"}
    if _PETITION.search(chars) and nothing_now and signs <= {"fall", "body", "distress", "worry"} \
            and not _FALL_TOLD.search(_PETITION.sub("", chars)):
        return True
    return bool(_SCRIPTURE.search(chars) and not _OTHER.search(_SCRIPTURE.sub("", chars))
                and not _CONGREGATION.search(chars) and nothing_now)


def _swallowed_harm(chars: str, signs: set[str]) -> bool:
    """"吞下去了" ends a choking, not a poisoning: a battery, pills or a denture swallowed are the trouble itself."""
    harmful = "poison" in signs or re.search(r"(假牙|义齿|牙套)", chars)
    return bool(harmful and re.search(r"(咽|吞|吃)(了)?下去(了)?", chars))


def _leak_goes_on(chars: str, signs: set[str]) -> bool:
    """Gas still leaking: the valve will not close, or what was told as over is the person (got out, asleep) or
    the flame (灶上的火灭了: the gas runs on unlit) while nobody shut the gas off."""
    if "leak" not in signs:
        return False
    goes_on = _GAS_GOES_ON.search(chars)
    # A pipe hissing under the stove is gas even when no gas is named ("那根管子在呲呲响 味道冲得眼泪都出来了").
    if "gas" not in signs:
        return bool("gas_fixture" in signs and goes_on and _gas_leak(chars, signs))
    told_over = _RESCUED.search(chars) or _ASLEEP.search(chars) or _FLAME_OUT.search(chars)
    # Shut off after it was told running ("天然气开着没关 我赶紧关了"): no longer going on.
    stopped = _GAS_STOPPED.search(chars, goes_on.end()) if goes_on else _GAS_STOPPED.search(chars)
    return bool((goes_on or told_over) and not stopped)


def _still_bleeding(chars: str, signs: set[str]) -> bool:
    """Pulled out of the machine, and the blood has not stopped: the rescue does not end it."""
    return "bleed" in signs and bool(_RESCUED.search(chars)) and not _BLEEDING_STOPPED.search(chars)


def _lasting(signs: set[str]) -> set[str]:
    """The signs of a state that lasts (起不来, 叫不醒), not of an event that can be over (a fall, a cough)."""
    # A burn's blisters and lost skin stay, whatever the writer says of the scald ("起了大泡 皮掉了一大块 不要紧").
    return {s for s in signs if _BY_NAME[s].strength} - w.EVENTS | signs & {"burn_bad"}


def _over_or_story(chars: str, signs: set[str]) -> bool:
    """Told as over ("自己爬起来了 没事") or as a story, a joke or a memory: the second opinion stays quiet."""
    over = _resolved(chars) and (_PAST.search(chars) or not _lasting(signs)) and "warn" not in signs \
        and not _leak_goes_on(chars, signs)
    joking = _JOKING.search(chars) and not _NOT_JOKING.search(chars)
    # Not seen, with a harmless reason the rules accepted ("三天没见你来食堂 … 忙啥呢"): asked of the person themself.
    explained = not any(_BY_NAME[s].strength for s in signs) and {"span", "absent"} <= signs \
        and _explained(chars)
    # The person answered on the phone or asked for the parcel at the door: the silence is explained too.
    reached = _REACHED.search(chars) and not signs & _ACUTE - {"unresponsive"}
    real = {s for s in signs if _BY_NAME[s].strength}
    return bool(over or explained or reached or _story(chars, signs) or joking or _asking_after(chars, signs)
                or _toy_noise(chars, real) or _scripture_story(chars, signs)
                or _cause_found_harmless(chars, signs)
                or _PAST.search(chars) and (_MEMORY.search(chars) or _RECOVERED_NOW.search(chars))
                and not _NEW_EVENT.search(chars))


def _cause_found_harmless(chars: str, signs: set[str]) -> bool:
    """The complaint explained by asking ("一问是吃撑了"), with no warning sign beside it."""
    # Only the complaint asked about is explained: a person who cannot be woken or cannot get up is not.
    return bool(_HARMLESS_CAUSE.search(chars)) and not signs & {"warn", "urgent", "intense", "sudden"} \
        and not _TAKEN_BACK.search(chars) \
        and not signs & (_IN_TROUBLE_NOW | _ACUTE) - {"chest"}


def _story(chars: str, signs: set[str]) -> bool:
    """Told from a show, the news or a dream, unless the writer or their own family is in trouble beside the
    set: "看电视呢 我妈摔倒了起不来" happened in the room, "电视里一个老人摔倒了" on the screen."""
    if not _FICTION.search(chars):
        return False
    if (_OWN_DOWN.search(chars) or _OWN_PEOPLE.search(chars) and _SUDDENLY_DOWN.search(chars)
            and _DOWN_IN_THE_ROOM.search(chars)) \
            and signs & _IN_TROUBLE_NOW and (_JUST_NOW.search(chars) or re.search("突然|刚看完", chars)):
        return False  # "看了部电视剧 我爸刚才在沙发上倒了 叫不醒": the family's own, just now, in the room
    if _SCREEN_CITED.search(chars) and signs & (_IN_TROUBLE_NOW | _HOUSE_HAZARD):
        return False  # "电视上说这就是漏气了 这回是真的": the screen names what is happening, it does not tell it
    if not _FICTION.search(_SCREEN_JOB.sub("", chars)):
        return False  # "我是放电影的": the projectionist's job, not a film told
    if not _FICTION.search(_STICKER_HABIT.sub("", chars)):
        return False  # "平时每天都发早上好的表情包": the habit that stopped, not a sticker told
    if not _FICTION.search(_RELAYED.sub("", chars)) and _OWN_PEOPLE.search(chars) \
            and signs & (_IN_TROUBLE_NOW | _HOUSE_HAZARD | {"cry"}):
        return False  # a video of one's own family's fire, passed on in the family group, is the news of it
    # Only the screen in the room, and nothing told from it (剧, 新闻里, 梦见): what happens is in the room.
    watching_only = not _FICTION.search(_WATCHING.sub("", chars))
    in_trouble = signs & (_IN_TROUBLE_NOW | _HOUSE_HAZARD | {"fall", "unresponsive"}) \
        or _strength(signs, set()) >= 2  # "看电视看到半夜 我妈说头好晕 吐了两次": together, trouble
    return not (watching_only and in_trouble
                and (_OWN_PEOPLE.search(chars) or _HOUSEHOLD.search(chars) or _PRESENT.search(chars) or "habit" in signs
                     or signs & _HOUSE_HAZARD and _HAZARD_HERE.search(chars)))


def _only_plot_urgency(chars: str) -> bool:
    """The one urgent word is someone taken to hospital, which a story tells as often as a cry does."""
    if _OWN_PEOPLE.search(chars):
        return False  # "电视里演人摔倒了 我妈也摔了 要送医院": the family's own trouble beside the show
    return bool(_TAKEN_TO_HOSPITAL.search(chars)) and not _urged_besides(chars, _TAKEN_TO_HOSPITAL)


def _urged_besides(chars: str, words: re.Pattern[str]) -> bool:
    """A word of urgency is left once these words are taken out."""
    typed, heard, _ = _signs(prepare(words.sub("请", chars)))  # a neutral word, so the words either side do not join
    return "urgent" in typed | heard


def _asking_after(chars: str, signs: set[str]) -> bool:
    """How is he now, after a fall that is past ("上次摔跤的老爷子后来咋样了"): a question, not a report. Never
    of a state that lasts (起不来), nor beside a warning sign or a cry of urgency."""
    return bool(_PAST.search(chars) and _ASKING_AFTER.search(chars) and not _lasting(signs)
                and not signs & {"warn", "urgent"})


def _drop_harmless(chars: str, signs: set[str], typed: set[str]) -> None:
    """Remove signs that the rest of the sentence shows to be harmless."""
    if _NO_LEAK.search(chars) and not _GAS_GOES_ON.search(chars):
        signs.discard("leak")  # "沼气灶打不着火 不漏气": the leak is denied
    if _NOT_A_PERSON.search(chars):
        signs -= {"fall", "water"}  # the phone fell into the water
    if _FRUIT_FELL.search(chars) and not re.search("踩空|摔倒|摔了|跌倒|跌了|栽", chars):
        signs.discard("fall")  # the apples fell from the tree, nobody else did
    if "fall" in signs and _NEAR_MISS.search(chars):
        signs.discard("fall")
    if _animal_fell(chars) or "兽医" in chars and not _OTHER.search(chars):
        # the dog fell into the pond, the sheep is down, the hen choked
        signs -= {"fall", "water", "cant_get_up", "cant_stand", "choke", "stuck", "injury", "bleed", "burn"}
    if _ESCORTED.search(chars):
        signs.discard("heading")  # walked to the river with someone beside her
    if _WRONG_ADDRESS.search(chars):
        signs -= {"lost", "lost_way", "not_found"}
    if _COMPANY.search(chars) and not signs & {"chest", "breath", "warn"}:
        signs.discard("breath_soft")
    if _COMPANY.search(chars) and _BORED.search(chars) and not signs & {"chest", "warn"}:
        signs -= {"breath", "breath_soft"}  # "憋死了 … 想找个人陪她出去转转": bored, not breathless
    if "water" in signs and _WATER_FIXTURE.search(chars) and not _IN_WATER.search(chars):
        signs.discard("water")  # a pipe or a tap that leaks: heard as 落水 at most, nobody is in the water
    if _THING_GONE.search(chars):
        signs -= {"body", "fire", "smoke", "injury", "burn"}  # a bulb gone flat or burnt out, with its spark
    if _EARLY_RISING.search(chars):
        signs -= {"cant_get_up", "cant_stand"}  # "明儿个起不来那么早": too early to get up, not a fall
    if _SMALL_FLAME.search(chars):
        signs.discard("smoke")  # "火苗子小了": the gas running low, not a fire
    if _ASKED_A_QUESTION.search(chars):
        signs.discard("unresponsive")  # "有人问我我答不上来": a question the writer could not answer
    if _PLANNED_VISIT.search(chars) and not signs & _ACUTE and not _TODAY_WORSE.search(chars):
        signs -= {"cant_stand", "cant_get_up", "distress"}  # "下礼拜要去县医院复查 … 寻个人陪": the legs are why
    if _WHO_SAYS.search(chars):
        signs -= {"cant_get_up", "cant_stand", "fall", "dizzy", "distress"}  # "谁说我起不来？": denied, with scorn
    if _FIRE_SHOW.search(chars):
        signs.discard("fire")  # a fire show, a fire dance: fire to watch
    if _FUEL_USED_UP.search(chars):
        signs.discard("fire")  # "柴火烧没了": the firewood is used up
    if _FITTING_UNLIT.search(chars) and not signs & _ACUTE:
        signs.discard("absent")  # the kitchen light is out: nobody is missing
    if _FIREWOOD.search(chars) and not _HARMED_BY_BLADE.search(chars):
        signs -= {"weapon", "attack"}  # "劈柴火 … 抡不动斧子", "砍点柴火": the axe is for the wood
    if _TASTE.search(chars) and not signs & {"cry", "sos", "breath", "warn"}:
        signs -= {"choke", "intense"}
    # "救救孩子" beside a request for night care is the family's exhaustion, not a cry about the patient.
    acute = signs & _ACUTE - ({"cry"} if _HYPERBOLE.search(chars) else set())
    if _BEDRIDDEN.search(chars) and _CARE_TASK.search(chars) and not acute and not _NEW_EVENT.search(chars):
        signs -= {"cant_stand", "cant_get_up", "urgent", "worry", "body", "distress"}
    if (_OTHER_SMELL.search(chars) or _PIT_CLEANED.search(chars)
            and not _GONE_UNDER.search(chars) and not re.search("晕|倒|叫不", chars)) \
            and not signs & _ACUTE:
        signs -= {"gas", "leak"}
    if "gas" not in signs and _BODY_ODOUR.search(chars):
        signs.discard("leak")
    if (_CHORE_ASKED.search(chars) or _laid_up_meals(chars)) and not signs & (_ACUTE | {"sudden"}) and (
            signs & {"cant_stand", "cant_get_up"} or _LEGS_LIMIT.search(chars)):
        signs -= {"cant_stand", "cant_get_up", "distress", "body"}  # the legs are why someone should fetch it
    if _CHORE_ASKED.search(chars) and _ARM_ACHE.search(chars) and not signs & (_ACUTE - {"warn"} | {"sudden"}) \
            and not _HURRY.search(chars):
        # "手杆痛 锅铲都拿不稳 … 来帮我砍点柴": the sore arm (or the tremor she has) is why the chore is asked
        signs -= {"warn", "urgent", "stroke_soft"} if _TREMOR_OLD.search(chars) else {"warn", "urgent"}
    if (_PAST.search(chars) or _DAYS_AGO.search(chars)) and _CHORE_ASKED.search(chars) \
            and not signs & (_ACUTE - {"fall"} | {"cant_get_up"}):
        signs -= {"fall", "injury"}  # "前天手又摔了 … 帮我弄两餐饭": the fall is why the chore is asked
    if _TOO_FAR.search(chars) and not signs & _ACUTE:
        signs -= {"cant_stand", "urgent"}  # "街上我是走不动了": the walk is too far, the visit is the help
        if _CHORE_ASKED.search(chars):
            signs -= {"distress", "body"}  # the sore legs are why someone else should go
    if _ENGLISH_REQUEST.search(chars):
        signs -= {"help_word", "sos"}
    if (missed := _SERVICE_NOT_COME.search(chars)) and not _STILL_MISSING.search(chars, missed.end()):
        signs -= {"help_word", "absent", "span"}
    if _SELF_CARE_LIMIT.search(chars) and _CARE_TASK.search(chars) and not signs & (_ACUTE - {"warn"} | {"sudden"}):
        signs -= {"stroke_soft", "cant_stand", "cant_get_up", "urgent", "warn"}  # the reason care is wanted
    if _ALARM_WORD.search(chars) and _ALARM_TEST.search(chars) and not signs & (_ACUTE | _UNWELL) \
            and not _alarm_going(chars) and not re.search("味|臭|一直|还在", chars):
        signs -= {"carbon_monoxide", "gas", "leak"}  # "一氧化碳报警器隔一会滴一下 是不是没电了": a battery
    if _ALARM_GIVEN.search(chars) and not signs & (_ACUTE | _UNWELL) and not _alarm_going(chars) \
            and not re.search("味|臭|响|叫|漏|泄", chars):
        signs -= {"carbon_monoxide", "gas", "leak"}  # "村委会发一氧化碳报警器 每户一个": the device handed out
    if _ANIMAL_POISONED.search(chars) and not _OTHER.search(chars):
        signs.discard("poison")  # "耕牛吃了打过药的草会不会中毒": the ox
    if _SWIM_LESSON.search(chars) and re.search("不怕|会游|学会|教练|班", chars) \
            and not signs & {"cry", "sos", "urgent", "unresponsive"} \
            and not _GONE_UNDER.search(chars):
        signs.discard("water")  # "学游水 掉水里也不怕了": learning to swim
    if _THOUGHT_A_FIRE.search(chars) and (_COOKING.search(chars) or _resolved(chars)) \
            and not _FIRE_CORRECTED.search(chars) and not _STILL_INSIDE.search(chars):
        signs.discard("fire")  # "隔壁以为失火哒 冇事": the neighbours were wrong
    if _MOVING_A_THING.search(chars) and not signs & _ACUTE:
        signs -= {"cant_stand", "distress"}  # "把柜子挪到那屋去 一个人挪不动": the cupboard does not move
    if _MISSING_A_SHOW.search(chars) and not signs & (_ACUTE | {"sudden"}):
        signs -= {"body", "distress"}  # "看不了豫剧难受死了 谁会修": the TV is broken, the show is what she misses
    if _DEVICE_STUCK.search(chars):
        signs -= {"cant_get_up", "cant_stand", "stuck"}
        if not _OTHER.search(chars):
            signs -= {"poison", "choke", "body"}  # "彩票机卡住了 … 一张票都吐不出": the machine is stuck
            if "many_calls" not in signs and not re.search("(几|两|三|好几|多)(天|日)", chars):
                signs -= {"absent", "unresponsive"}  # "手机死机了 半天没动静": the phone does not respond
    hurry = _HURRY.search(chars)
    # "想学学 老人噎着了怎么办": what to do when it happens, asked as a lesson about no one in particular; or
    # relayed for schoolwork ("孙女问 老人摔倒了应该怎么扶 学校作业要写").
    # A method asked for by name ("给说说那个抱着肚子往上顶的法儿") is a lesson too, whoever passed the question on.
    how_to = _HOW_TO_HANDLE.search(chars) and (_LEARNING.search(chars) and not _OWN_PEOPLE.search(chars)
                                                or _SCHOOLWORK.search(chars) or _METHOD_ASKED.search(chars)
                                                or _GUIDE.search(chars)
                                                or _TEACHING.search(chars) and _CLASS_NOTICE.search(chars)
                                                and not _OWN_PEOPLE.search(chars) and not _alarm_going(chars))
    ahead = _SERVICE_QUESTION.search(chars) and re.search(r"(要是|万一|如果|平时|以后|将来|登记|提前)", chars)
    own_trouble = signs & _IN_TROUBLE_NOW and _OWN_PEOPLE.search(chars)
    if (_LEARNING.search(chars) or _SALES.search(chars) or ahead or how_to) and not hurry \
            and (how_to or not signs & _IN_TROUBLE_NOW and not own_trouble):
        signs.clear()  # a lesson asked for, or goods described in a live stream
        return
    if _TOBACCO.search(chars) and "fire" not in signs:
        signs -= {"smoke", "smoke_fill", "smoke_doubt"} | (set() if "gas" in signs else {"leak"})
    if (_COOKING.search(chars) or _WORSHIP.search(chars)) and not _STILL_INSIDE.search(chars):
        signs -= {"smoke", "smoke_doubt"}
        # Incense at a temple or a shrine (香火烧到旺旺) burns and fills the room by design: only a blaze named
        # outright is a fire.
        worship = _WORSHIP.search(chars) and not _BLAZE.search(chars)
        if "smoke_fill" in signs:
            signs.discard("smoke_fill")
            if not worship and not _INVITATION.search(chars):
                signs.add("smoke_doubt")  # ... unless the cook invites people to the meal
        # "邻居问是不是着火哒 我讲是烧草木灰": the fire asked about is the one being tended.
        real_fire = not worship and _REAL_FIRE.search(chars) and not _FIRE_ASKED_ABOUT.search(chars) \
            or _FIRE_CORRECTED.search(chars)  # "还以为是烧秸秆 结果是奶奶屋里着火了"
        if "fire" not in typed or not (real_fire or signs & {"urgent", "distress", "cry", "sos"}):
            signs.discard("fire")  # 灶火 sounds like 着火; "火烧起来了 饭快好了" is the stove lit
    if _EXERTION.search(chars) and not _EXERTION_WARNING.search(chars) and not signs & {
            "chest", "blackout", "dizzy", "unresponsive", "cry", "sos", "urgent", "fall", "choke", "stroke"}:
        signs -= {"breath", "breath_soft", "warn"}  # out of breath after a ball game, with nothing else wrong
    if _HYPERBOLE.search(chars):
        signs.discard("cold")  # "冻死个人": a figure of speech about the weather
    if _TRAVEL_SICK.search(chars):
        signs -= {"dizzy", "blackout"}  # a bus ride, a mountain climbed, or standing up too fast
        if not signs & _ACUTE and not _HURRY.search(chars) and "不是晕" not in chars:
            signs -= {"cant_stand", "distress", "body"}  # legs gone soft on the way up, told calmly
    if "bleed" in signs and _BUTCHERING.search(chars):
        signs.discard("bleed")
    if "leak" in signs and not _gas_leak(chars, signs):
        signs.discard("leak")  # 漏水, 漏雨: water, not gas
    if _alarm_going(chars):
        # A named gas, or a smell in the room: the alarm has smelt what the person smells. An alarm that goes on while
        # someone is sent for in a hurry needs no smell ("报警器一直嘀嘀叫 她闻不出味道 快派人去": old noses miss it).
        named = re.search("(燃气|煤气|天然气|液化气|瓦斯|味|臭)", chars)
        hurried = _HURRY.search(chars) and not re.search("烟雾|烟感|手机|车|防盗|门铃|闹钟|app", chars)
        signs |= {"gas", "leak"} if named or hurried else set()
    # A drill, a lesson or a what-if never explains away a state someone is in now ("摔倒了起不来 … 先问一下").
    if _DRILL_NOTICE.search(chars):
        signs.clear()  # "通知：…120调度系统演练 如接到“胸痛”模拟电话请勿惊慌": the words are the drill's script
        return
    if _DRILL.search(chars) and not _alarm_going(chars) and not signs & _IN_TROUBLE_NOW:
        signs.clear()  # the cry is part of a drill or a show
        return
    if _GAS_DENIED.search(chars):
        signs -= {"gas", "leak", "gas_like"}  # "不是煤气，是锅在响"
    if _FIRE_DENIED.search(chars) and not _FIRE_CORRECTED.search(chars):
        signs -= {"fire", "smoke", "smoke_doubt", "smoke_fill"}  # "冒烟系烧饭，非火情"
    if _FOUND.search(chars):
        # "走失老人已找到": the search is over
        signs -= {"lost", "lost_way", "wanders", "not_found", "heading", "absent", "span"}
    if _STROKE_HISTORY.search(chars) and not signs & {"stroke_soft", "sudden"}:
        signs.discard("stroke")  # what a stroke years ago left, not a stroke now
    if _HYPOTHETICAL.search(chars) and _JUST_ASKING.search(chars) and not signs & (_IN_TROUBLE_NOW | {"cry", "sos"}):
        signs.clear()  # what to do if it happened, asked in passing
        return
    # First aid asked for in the moment ("海什么克急救法我不会啊 谁教教我 急死") is no lesson.
    now_at_home = signs & _IN_TROUBLE_NOW and _OWN_PEOPLE.search(chars) and _CALLING_OUT.search(chars)
    # "紧急：…卡喉，呼吸困难 … 请提前准备": a relayed alert asks for preparation; it is no notice about a lesson.
    relayed_alert = signs & _IN_TROUBLE_NOW and "紧急" in chars \
        and not _CLASS_NOTICE.search(chars) and "通知" not in chars
    # "我爸胸口痛 出冷汗 … 就是医生讲了心梗的症状那样": the lesson names what the writer's own person has now.
    own_in_trouble = signs & _IN_TROUBLE_NOW and _OWN_TROUBLE.search(chars) and not _ROLE_PLAY.search(chars)
    if _TEACHING.search(chars) and not signs & {"urgent", "cry", "sos"} and not _alarm_going(chars) \
            and not now_at_home and not own_in_trouble and not relayed_alert and _lesson_is_the_matter(chars):
        signs.clear()
        return
    if "fire" in signs and re.search(r"(打|点)(不|没)?(着|起)火|火(都|也)?(生|点|烧|打)不(起来|着|燃)", chars):
        signs.discard("fire")
    if "coal" in signs and _STOVE_OUT.search(chars):
        signs -= {"coal", "sealed"}  # "煤炉子搬到院子里了", "不烧煤炉子了": nothing burns in the shut room
    if "gas" in signs and "gas_errand" in signs and not _gas_leak(chars, signs):
        signs -= {"gas", "breath"}  # 煤气罐没气了: the cylinder is empty, nobody is short of breath
    if _NO_SHOW.search(chars) or _FAULTS_REPORTED.search(chars) and not signs & _ACUTE:
        signs -= {"span", "absent"}  # a helper who promised to come and did not: a complaint about the visit
    if "water" in signs and _RAIN_ASKED.search(chars):
        signs.discard("water")  # "天光日会落水冇": will it rain tomorrow
    if signs <= {"help_word", "sos", "cry", "distress"} and _MENU_ASKED.search(chars) \
            and re.search(r"(?<![a-z])help(?![a-z])", chars):
        signs.clear()  # "help 怎么看功能列表": the account's menu asked for
        return
    if "confused" in signs and _MACHINE.search(chars) and not signs & _ACUTE:
        signs.discard("confused")  # "个机械人答非所问": the robot misses the point, nobody is confused
    if "unresponsive" in signs and _MACHINE_SILENT.search(chars):
        typed_rest, heard_rest, _ = _signs(prepare(_MACHINE_SILENT.sub("", chars)))
        if "unresponsive" not in typed_rest | heard_rest:
            signs.discard("unresponsive")  # "我问的它答不上": the robot has no answer, nobody collapsed
    if _REACHED.search(chars) and not signs & _ACUTE - {"unresponsive"}:
        signs -= {"unresponsive", "absent", "span"}  # the knock went unanswered, the phone call did not
    if "absent" in signs and (_explained(chars) or _OWN_ABSENCE.search(chars)) and _UNANSWERED.search(chars) \
            and not signs & _ACUTE - {"unresponsive"}:
        signs -= {"unresponsive", "absent"}  # nobody answered the door because the person was away, and told so
    if "not_found" in signs and "night_cold" not in signs and _THING_LOST.search(chars) \
            and not signs & {"absent", "span"} and not re.search("出去|出门|没回|未归|走丢|走失|人不见", chars):
        signs.discard("not_found")  # "老花镜找了两个钟头都没有": the glasses are what is missing
    if "night_cold" in signs and _THING_LOST.search(chars) and not _OTHER.search(chars):
        signs -= {"not_found", "absent"}  # the gloves, not a person, cannot be found as it turns cold
    if {"not_found", "night_cold"} <= signs and _explained(chars) and not signs & {"dementia", "wanders", "confused"}:
        signs.discard("not_found")  # "天黑了 他人没回来 打电话说在镇上吃酒": not back at dark, and told why
    if "span" not in signs and "absent" in signs and _explained(chars):
        signs.discard("absent")  # "门锁着 电话不接 … 去儿子家了": away, and told so
    if "span" in signs and "absent" in signs and (_explained(chars) or not (
            _OTHER.search(chars) or signs & {"worry", "urgent"} or _absences(chars) > 1)):
        # Away, busy, or nobody named: "好几天没来了" is about a visit. Two kinds of silence
        # ("三天没出门 电话不接") name no one only because the writer knows who.
        signs -= {"span", "absent"}


def _told_parts(chars: str) -> list[str]:
    """The parts of a message that turns to other matters ("跟你说个事", "另外顺便说一下") in which a sign is told;
    the whole message when it does not turn."""
    parts = _TOPIC_SWITCH.split(chars)
    if len(parts) == 1:
        return parts
    return [part for part in parts if any(_BY_NAME[n].strength for n in set().union(*_signs(prepare(part))[:2]))]


def _where_told(chars: str) -> str:
    """The last part of the message in which a sign is told."""
    told = _told_parts(chars)
    return told[-1] if told else chars


def _lesson_is_the_matter(chars: str) -> bool:
    """A training or a drill named in a message that turns to another matter ("培训还办不办 另外顺便说一下 楼下阿姨家
    咚的一声 … 没动静了") is no lesson for the signs told after the turn."""
    return all(_TEACHING.search(part) for part in _told_parts(chars))


def _explained(chars: str) -> bool:
    """A harmless reason for someone's absence, other than the writer's own, and not one the writer doubts."""
    if _BOLTED_INSIDE.search(chars):
        return False  # whoever went away, the one behind a door bolted from inside is at home
    # The cow came back by itself: what came back is the alarm, not the person.
    chars = _BACK_ALONE.sub("", chars)
    # Whoever called with the writer is on the writer's side: "我和我妈打了一天电话 … 我妈在城里上班" tells why
    # neither can go, not where the one who does not answer is.
    for caller in _CO_CALLER.finditer(chars):
        chars = chars.replace("我" + caller.group(1), "我")
    told = _not_the_writer(_DOUBTED_GUESS.sub("", chars))
    belied = _BELIED.search(told)
    return not belied and any(not _LEFT_ALONE.search(told, reason.end())
                              and not _RELAYED_ABOUT.search(told, reason.end())
                              and not _overdue_unexplained(told, reason.end())
               for reason in _EXPLAINED.finditer(told))


def _animal_fell(chars: str) -> bool:
    """An animal is the subject of the fall: no one between the animal and the verb, and no one named after
    it who is hurt too. Who tells it ("奶奶说那只羊摔下去了") or asks for the vet changes nothing."""
    for fell in _ANIMAL.finditer(chars):
        if _EATEN.search(chars, max(0, fell.start() - 8), fell.start()):
            continue  # "食糯米鸡 塞住": the chicken was the meal, and the one who ate it chokes
        owned = re.sub(r"(我|俺|他|她|你|别人)家(的)?", "", fell.group(0))  # "我家的鸡" is the hen, not me
        if _OTHER.search(owned) or _SELF.search(owned):
            continue
        after = _OTHER.search(chars, fell.end())
        if after is None or not _HURT.search(chars, after.end()):
            return True
    return False


def _absences(chars: str) -> int:
    """How many different kinds of absence the text reports (not out, phone not answered, door shut)."""
    return sum(1 for pattern in _ABSENT if pattern.search(chars))


def _not_the_writer(chars: str) -> str:
    """The text without the writer's own clauses: "我在外地打工" explains the writer's absence, not the elder's."""
    return _split_writer(chars)[1]


def _split_writer(chars: str) -> tuple[str, str]:
    """(the writer's own clauses, the rest). Punctuation is gone by now, so a clause about the writer runs
    from 我 to the next person named."""
    own_parts: list[str] = []
    for own in reversed(list(_SELF.finditer(chars))):
        # The writer's clause ends where another person is named, or where it turns to what was found out
        # ("我还担心半天 原来上城里闺女家住去了": the stay in town is his, not the writer's).
        ends = [m.start() for m in (_OTHER.search(chars, own.end()), _FOUND_OUT.search(chars, own.end())) if m]
        end = min(ends, default=len(chars))
        own_parts.insert(0, chars[own.start():end])
        chars = chars[:own.start()] + chars[end:]
    return "".join(own_parts), chars


def _alarm_going(chars: str) -> bool:
    """A gas or smoke alarm going off, not one its owner is trying out."""
    return bool(_ALARM_GOING.search(chars)) and not _ALARM_TEST.search(chars)


def _gas_leak(chars: str, signs: set[str]) -> bool:
    # A tap that will not shut off ("水龙头 … 关不住") is water, unless a gas is named.
    water = "gas" not in signs and _WATER_FIXTURE.search(chars)
    escaping = re.search(r"(漏(?!水|雨|油|电)|泄|味|臭|呛|熏|嘶|呲|嗤|嗞|哧|咝|关不)", chars)
    return "leak" in signs and not water and bool(escaping or _GAS_ESCAPING.search(chars) or _alarm_going(chars)
                                                  or _GAS_GOES_ON.search(chars))


def _strength(signs: set[str], repeated: set[str]) -> int:
    """The strongest single sign, raised by the combinations a person would read as an emergency."""
    base = max((_BY_NAME[s].strength for s in signs), default=0)
    return max(base, _combined(signs, repeated))


def _combined(signs: set[str], repeated: set[str]) -> int:
    def has(*names: str) -> bool:
        return any(n in signs for n in names)

    level = 0
    if has("dizzy", "blackout") and has("cant_stand", "cant_get_up", "fall", "vomit", "blackout", "sick"):
        # Dizzy and sick is an emergency once it lasts, comes suddenly, or the person is alone or asks for help.
        certain = has("cant_stand", "cant_get_up", "fall", "blackout") or has("vomit") and has(
            "urgent", "sudden", "worry", "warn", "intense", "help_word", "sos")
        level = 3 if certain else 2
    elif has("dizzy") and has("sudden", "intense", "urgent"):
        level = 2 if has("urgent") or has("intense") and has("sudden") else 1
    if has("gas") and has("leak"):
        level = 3
    elif has("gas") and not has("gas_errand"):
        level = max(level, 1)
    if has("coal") and has("dizzy", "vomit", "sick", "unresponsive"):
        level = 3
    elif has("coal") and has("sealed"):
        level = max(level, 3 if has("asleep", "drowsy") else 2)  # "烧炭取暖 门窗关死了 两个老人睡着了"
    if has("stuck") and has("food") and has("breath", "breath_soft", "mute", "warn", "blue"):
        level = 3
    elif has("stuck") and has("food") and has("urgent", "help_word", "sos"):
        level = max(level, 2)  # "果冻 卡住 快快": stuck and a hurry, with no word for the throat
    if has("choke") and has("breath", "breath_soft", "warn", "urgent", "help_word", "sos", "unresponsive", "mute",
                             "blue"):
        level = 3
    if has("chest") and has("warn", "intense", "sudden", "urgent", "breath", "breath_soft", "vomit"):
        level = 3
    if has("stroke_soft") and has("stroke", "dizzy", "sudden", "urgent", "warn"):
        level = 3
    if has("burn") and has("burn_bad", "urgent"):
        level = 3
    if has("wanders", "dementia") and has("not_found") or has("dementia", "confused") and has("heading"):
        level = 3
    if has("lost_way") and has("night_cold", "dementia"):
        level = 3  # lost with night or cold coming on, or lost with dementia: someone must go and look
    if has("not_found") and has("night_cold") and has("absent"):
        # Not back at dark, or the sheep came home alone and the shepherd did not: someone must go and look.
        level = max(level, 3 if "absent" in repeated or has("alone", "worry", "urgent") else 2)
    if has("span") and has("absent"):
        level = max(level, 3 if has("worry", "urgent") or "absent" in repeated else 2)
    if has("shut_in") and (has("absent") or "shut_in" in repeated) and has("worry", "urgent"):
        # The gate bolted from inside and the hens unfed (or nobody answering), and a worry: the person is
        # inside and not coming out, however soon after it is told.
        level = 3
    if has("help_word", "sos") and any(_BY_NAME[s].strength for s in signs - {"help_word", "sos"}):
        level = 3
    if has("body") and has("distress"):
        level = max(level, 1)
    if has("silent") and any(_BY_NAME[s].strength >= 2 for s in signs):
        level = 3
    if has("silent") and has("span"):
        level = max(level, 3 if has("habit", "worry", "alone") else 2)  # days without a sound from next door
    if has("cold") and has("locked_out", "urgent", "intense"):
        level = 3
    if has("absent") and has("alone") and (has("many_calls", "span") or "absent" in repeated):
        level = 3  # living alone, and missing twice over (not come for the pills, the phone not answered)
    if has("absent") and has("many_calls") and has("worry", "urgent"):
        level = max(level, 2)  # called all morning, unanswered, and the family worried: asked, and soon
    if has("many_calls") and has("span") and has("worry", "urgent"):
        level = max(level, 2)  # a dozen calls over three days, and someone asked to look: they went unanswered
    if "absent" in repeated and has("distress", "urgent", "worry"):
        # not back and not reachable, and the family frightened; the light on all along and nobody opening the
        # door: asked, and soon
        level = max(level, 2)
    if has("farewell") and has("absent", "urgent", "worry"):
        level = 3
    if has("absent") and has("habit"):
        level = max(level, 3 if has("alone", "many_calls", "urgent") else 2)
    if has("gas_like") and (has("gas_fixture") or "gas_like" in repeated):
        level = 3  # the smell beside a fitting, or twice over (a pipe that leaks gas, a rotten-egg smell)
    if has("fever") and has("sick", "confused", "hypo", "heatstroke", "drowsy"):
        level = 3
    if has("moan") and has("span", "absent"):
        level = 3
    if has("attack", "weapon") and has("hiding", "urgent"):
        level = 3
    if has("trapped") and has("fire", "smoke", "smoke_fill", "water", "gas"):
        level = 3
    # Two different real signs, or one seen twice, or one with a cry of urgency: a person would act.
    strong = [s for s in signs if _BY_NAME[s].strength == 2]
    if strong and (len(strong) > 1 or set(strong) & repeated
                   or has("urgent", "intense", "sudden", "warn", "vomit", "fever")):
        level = 3
    return level


def _about_other(chars: str) -> bool:
    other = _OTHER.search(chars)
    if not other:
        return False
    own = _SELF.search(chars)
    # "我妈摔倒了" is about the mother; "我摔倒了，我妈不在家" about the writer.
    if own is None or other.start() < own.start():
        return True
    # "我在外地打工 公公一个人在家…": the writer's own clauses carry no sign of danger, the rest does.
    typed, heard, _ = _signs(prepare(_TRIED_TO_REACH.sub("", _split_writer(chars)[0])))
    return not any(_BY_NAME[s].strength for s in typed | heard)
