"""English words glossed in Chinese, so that the intent reader, written and fitted for Chinese, reads English too.

Sons and daughters abroad write English with pinyin and a few characters ("can sb check my mum's xueya this wk?").
The cue words and the learnt model were written and fitted on tens of thousands of Chinese lines and a few hundred
English ones; English cue words for each intent (lexicon.ENGLISH_CUES) kept missing the next writer's words. A gloss
is a dictionary, not a rule per intent: each English word or set phrase gets the Chinese words a villager would have
typed, appended to the message, and everything downstream (cues, the learnt model, categories) reads those. The
safety classifier never reads the gloss: it reads English itself, and a gloss must not make an errand an alarm.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .matcher import Prepared, prepare

# English as prepare() leaves it (lower case; no apostrophes, hyphens or question marks: "whats", "moms", "preorder";
# `sb` and `pls` as typed) → the Chinese a villager would write for it. A task a volunteer could be asked to do is
# marked ⇒: a message names one, and the first named is the one asked for ("go with yeye to the clinic … he gets
# confused with the forms" asks for company to the clinic, not for forms filled in).
_GLOSS = """
hi there|hello|hey|hiya|good morning|good evening|ni hao|^hi|^hey → 你好
yes|yes pls|yes please|yep|yup|sure|sounds good|go ahead|confirmed|confirm|that works|works for|
    ok sure|okay|ok can|can lah|ok lah|ok la → 好的
no thx|no thanks|not needed|no need|dont need|nope → 不用了
thanks|thank you|thx|ty|tysm|appreciate it|much appreciated|cheers|mm goi sai|do je sai → 谢谢
cancel|call off|withdraw|quxiao|take (him|her|them|my \\w+|\\w+) off|scratch that|no longer need|
    take (his|her|their|my) names? (out|off)|changed (his|her|my) mind|dun want go|dont want to go → 取消
book (lunch|dinner|a meal|meals?)|order (lunch|dinner|a meal|meals?|food)|pre ?order|dinggou|
    reserve (a )?meal|book \\d+ (dinners?|lunch(es)?|meals?)|save (\\w+ )?(\\w+ )?(lunch|dinner)|\\d+ portions? → 订餐
canteen|shitang|dining hall → 食堂
lunch menu|dinner menu|menu today|todays menu → 食堂菜单
menu → 菜单
whats for (lunch|dinner)|what do they serve|what food|(lunch|dinner) got \\w+ or not|
    whats on the menu → 食堂菜单
nobody showed|no one showed|never showed|never came|didnt come|didnt show|no ?show|was cold|
    cold again|stone cold|a mess|messy|worse than|rude|impolite|seriously|not happy|unhappy with|
    complain|complaint|completely cold|too salty|too hard|broke (his|her|their|my) \\w+|just left|
    didnt even|really upset|not great|cannot eat at all|not ok|left (her|him|them) alone → 投诉
connect me to|put me through|speak to (a|the|someone)|talk to (a|the|someone)|real person|human|
    wanggeyuan|cun zhuren|village head|village chief|coordinator|cun ganbu|phone number of|
    call someone about → 找人工
time bank|timebank|shijian yinhang|how many (hours|hrs|points|credits)|(hours|hrs|points|credits?) (left|saved|earned)|
    jifen|balance|how much (volunteer )?credit|credit (have i|do i|left) → 时间银行积分
donate|donation|juankuan|juan (some |the )?(money|qian)|juanqian|juan qian|
    give (some )?money|send (some )?(money|coats|clothes|rice|oil)|winter coats|
    old clothes|give to the (program|fund)|sponsor|milk powder for|for the old folks send → 捐赠
link|bind|bangding|binding code|as family|family account|connect (my|our) (wechat|account) → 绑定
notice|notices|announcement|post(ed)? anything|any news|tongzhi|gonggao → 通知
whats happening|whats on|events?|activities|activity|huodong|chongyang|festival → 活动
sign (\\w+ ){1,2}up|sign up|signup|register|add (him|her|them|\\w+) to|put (his|her|
    their) name → 报名
volunteer with|be a volunteer|become a volunteer|join as (a )?volunteer|zhiyuanzhe|
    help out on weekends|want to volunteer|volunteer remotely|how do i join|help as → 当志愿者
haircut|cut (his|her) hair|trim (his|her) hair|barber ⇒ 理发
bathe|bath|xizao|xi zao|(help|helps) (\\w+ )?(to )?shower|take a shower|bedsheets?|sheets|wash the|wash (his|her) hair|
    dasao|clean the house|cleaning|clean (the|their|his|her|my)|
    laundry|toenails ⇒ 打扫洗澡
harvest|shou daozi|rice field|paddy|field|fertili[sz]er|huafei|chickens|pigs?|ducks|seedlings|
    weeding|planting|corn|crops|bring in the|vegetable patch|farm work ⇒ 农活地里
read (the )?(newspaper|news|letters?|a book) to|read to|go for a (short )?walk|walk with|keep (him|
    her) company|chat with|lonely|company|walks with|go for walks|read the paper|stories|
    play (chess|cards|mahjong|xiangqi)|play with (him|her)|peiliao|pei liao|liaotian|liao tian ⇒ 陪伴聊天
xueya|blood pressure|bp|flu shot|vaccine|check ?up|weishengyuan|clinic|hospital|hospitol|hospitel|hopital|
    doctor|follow ?up|
    diabetes review|blood sugar ⇒ 卫生院看病量血压
cook|zuo fan|make ?(some ?)?(dumplings|jiaozi|饺子|porridge|soup|food)|meal|meals|soft food|lunch for|
    dinner for|porridge|noodles|soup|dumplings|tangyuan|congee ⇒ 做饭
deliver (lunch|dinner|meals?|food)|send (lunch|meals?) ⇒ 送饭上门
pick up|buy|collect|fetch|kuaidi|parcel|post office|pay (the|his|her|their)? ?(bill|dianfei|shuifei)|
    dianfei|groceries|pills|medicine|prescription|top ?up|topped up|phone bill|recharge ⇒ 跑腿代买
fix|repair|broken(?! (arm|leg|hip|wrist|ankle|bone|rib|foot|hand))|
    leak|leaking|not working|light bulb|bulb|wiring|stopped working|no signal|remote|
    water heater|door wont|spoil ⇒ 修理
set up|wechat video|video call|new phone|smartphone|teach (him|her|them) (to use|how) ⇒ 微信视频不会弄
write a letter|letter for|write (it|a card) for|write the letter|write to ⇒ 代写信
paperwork|forms?|fill in|fill out|fill the|yanglaojin|pension|application|id card|renew ⇒ 帮忙填表格
move (the |a |their |his |her )?(furniture|bed|wardrobe|cabinet|sofa|table)|moving|wardrobe|shift|
    bed moved|carry it ⇒ 搬家具
silent mode|ringtone|font size|phone settings|the settings|set up (her|his|the) phone|
    wechat video|video call ⇒ 手机调大点字太小
what kind of help|can do what|what (can|do) you (guys )?(do|offer)|what services|
    what (exactly )?(can|does) (it|this|this account) do → 有什么服务
which date|what date|what day is → 几月几号
can sb|can someone|could someone|can anyone|need sb|need someone|find sb|find someone|send sb|
    send someone|ask sb|arrange (a|for a) volunteer|(can|could) (a|an) (\\w+ )?volunteer|can volunteer|
    any volunteer|got volunteer|a volunteer to|
    pls help|please help|can help → 找个人帮忙
"""


def _entries() -> list[tuple[re.Pattern[str], str, bool]]:
    entries = []
    # An indented line goes on the line above (the English alternatives of one gloss, wrapped).
    for line in _GLOSS.strip().replace("|\n    ", "|").splitlines():
        english, chinese = (part.strip() for part in re.split("[→⇒]", line))
        entries.append((re.compile(r"(?<![a-z])(" + english + r")(?![a-z])"), chinese, "⇒" in line))
    return entries


_ENTRIES = _entries()
_WORD = re.compile(r"[a-z]{2,}")
# Pinyin initials typed for whole words by grandchildren typing for an elder ("最近有啥hd不 nn想出去转转", "下礼拜义诊hd
# 给额bm", "bdm是哪个"): read even alone, since one initialism is often the only Latin in the message.
_INITIALS = dict(pair.split(":") for pair in
                 "hd:活动 bm:报名 bdm:绑定码 zyz:志愿者 nn:奶奶 yy:爷爷 wp:外婆 wg:外公 st:食堂 bx:不行".split())
_INITIALISM = re.compile(r"(?<![a-z])(" + "|".join(_INITIALS) + r")(?![a-z])")


@lru_cache(maxsize=1024)
def glossed(chars: str) -> str:
    """The message with the Chinese for its English words appended; unchanged when it holds fewer than two words."""
    initials = "".join(_INITIALS[match.group(1)] for match in _INITIALISM.finditer(chars))
    if len(_WORD.findall(chars)) < 2:
        return chars + initials
    found = [(match.start(), chinese, task) for pattern, chinese, task in _ENTRIES if (match := pattern.search(chars))]
    added = [chinese for _, chinese, task in found if not task]
    added += [chinese for _, chinese, _ in sorted(entry for entry in found if entry[2])[:1]]
    return chars + "".join(added) + initials


def read_in_chinese(message: Prepared) -> Prepared:
    """The message as the intent reader takes it: with the Chinese gloss of its English words, if it has any."""
    chars = glossed(message.chars)
    return message if chars == message.chars else prepare(chars)
