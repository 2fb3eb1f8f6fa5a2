"""Fold traditional characters and dialect words to plain Mandarin before looking for danger.

Only the safety classifier reads the folded text: 唔该 ("thank you" in Cantonese) must not become 不该
for the intent matchers, but 起唔到身 must read as 起不到身 when someone may be lying on the floor.
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from pypinyin import lazy_pinyin

from .text import simplified

# Dialect words, the sound-alike characters a hurried typist picks (喜澡, 拌倒) and the look-alike ones handwriting
# input picks (皿流 for 血流, 冒姻 for 冒烟), → Mandarin.
_WORDS = """
唔该:谢谢 喜澡:洗澡 洗早:洗澡 旧年:去年 血花点:雪花点 力气活:体力活 儿子媳妇:儿媳妇 没意思:没趣 么事活动:什么活动 么时候:什么时候 嘅:的 点样:怎样 嗰:那 问吓:问下 行唔郁:走不动 行唔到:走不到 行唔稳:走不稳 水浸:水淹 系唔系:是不是 唔系:不是 唔好:不好 唔到:不到 唔郁:不动 唔应:不应 唔得:不行 唔识:不会 唔:不 冇:没 咗:了 佢哋:他们 佢:他
喺:在 嘢:东西 郁:动 企:站 跌低:跌倒 跌亲:摔伤 仆亲:摔伤 撞亲:撞伤 整亲:弄伤 攰:累 食:吃 屋企:家 冲凉房:浴室 冲凉:洗澡
点算:怎么办 琴日:昨天 寻日:昨天 睇:看 搵:找 哋:们 而家:现在 好似:好像 俾:被 畀:给 隔篱:隔壁 阿婆:奶奶 阿伯:大爷
阮:我 厝:家 目珠:眼珠 涂脚:地上 倒落:倒在 跋倒:摔倒 跋落:摔下 头眩:头晕 袂:不 目睭:眼睛 乌去:黑了 佇:在 土脚:地上 攏:都 无:没 伊:他 翁:老伴
木人:没人 木有:没有 跣亲:滑倒 跣低:滑倒 跣倒:滑倒 郁唔倒:动不了 郁唔到:动不了 瞓喺地:躺在地 瞓在地:躺在地 立否牢:站不住 立勿牢:站不住 立不牢:站不住 透否:透不 爬否起:爬不起 起否来:起不来 站否起:站不起 走否动:走不动 动否了:动不了 敲否开:敲不开 也否接:也不接 否接电话:不接电话 日否见:日不见 天否见:天不见 喊否应:喊不应 叫否应:叫不应 灯否亮:灯不亮 否牢:不住 梗牢:卡住 鲠牢:卡住 勿:不 勒:在 地浪:地上 浪:上 阿拉:我 毛看到:没看到 毛看见:没看见 毛应:没应 毛接:没接 毛人:没人 渠:他 瞓:躺 头县:头晕 企无稳:站不稳 企袂稳:站不稳 内底:里 卡主了:卡住了 不了其:不了气 倒落去:倒下去 跳落去:跳下去 巴倒:摔倒 起未来:起不来 爬未起:爬不起 依家:现在 水渠:水沟 沟渠:水沟 河渠:水沟 渠道:途径 关倒:关着 没要紧:不要紧 擦损:擦伤 少少:一点 膝头:膝盖 漏紧:漏了 转紧:在转 唔识:不会 犀利:厉害 晕埋:晕了 哪能办:怎么办 塞牢:卡住 扶牢:扶住 差眼:差点 揩:擦 没事体:没事 唞:喘 面色:脸色 面乌:脸乌 面黑:脸黑 面紫:脸紫 面灰:脸灰 前面黑:眼前黑 面青:脸青 面白:脸白 面红:脸红 面黄:脸黄 面都:脸都 块面:块脸 个面:个脸 佢面:他脸 面肿:脸肿 面歪:脸歪 半边面:半边脸 面部:脸部 张面:张脸 面发:脸发 晒:了
脑壳:头 脑瓜子:头 脑瓜:头 脑袋:头 站不牢:站不稳 脚杆子:腿 脚杆:腿 手杆:胳膊 动不得:动不了 走不得:走不了 起不得:起不来 恰饭:吃饭 恰:吃
屋头:家里 克:去 哒:了 得很:很 搁:在 吱声:出声 吭声:出声 不中:不行 俺:我 咱:我 贼拉:很 咧:了 老汉:老伴
头壳:头 眩晕:头晕 眩:晕 袂徛:站不起 徛:站 暗去:黑了 厝顶:屋顶 咧转:在转 险险:差点 少年时:年轻时 讲古:讲故事
冒人:没人 冒有:没有 冒得:没得 冒反应:没反应 冒用:没用 冒吃:没吃 冒应:没应 冒接:没接 冒看:没看 冒见:没见 冒动:没动 冒醒:没醒 冒声:没声 老倌:老伴
会行路:会走路 讲嘢:讲话 老豆:老爸 老窦:老爸 好哩:好了 涯:我 伓会行:走不了 袂行:走不了 倒落去:倒下去 伓:不 好返:好了 石油气:液化气 心肝头:心口 毋:不 弗:不 煞了:很 呒啥:没啥 呒:没 事体:事 熄哉:熄了 哉:了 自家:自己 唔使:不用 𠊎:我 昨晡:昨天 食酒:喝酒 入面:里面 里便:里面 睇紧:在看
拔倒:摔倒 企未起:站不起 企未来:站不起来 企袂起:站不起 头楞:头晕 恁紧来:你们快来 紧来帮:快来帮 紧来救:快来救 冒得反应:没反应 没得反应:没反应 么得反应:没反应 么得人应:没人应 没得人应:没人应 冒得人应:没人应 不曾开门:没开门 露气:漏气 古仔:故事 拍无通:打不通 拍袂通:打不通 拍没通:打不通 拍电话:打电话 今暗:今晚 未转来:没回来 未返:没回来 电视底:电视里 今朝:今天 好走路:能走路 已经好走:已经能走 又好走:又能走
跋下:摔下 蹛:住 两工:两天 三工:三天 几工:几天 灯火无着:灯没亮 日日:天天 饮茶:喝茶 沉落去:沉下去 莫得人:没得人 燃汽:燃气 煤汽:煤气 液化汽:液化气 天然汽:天然气 报经器:报警器 报惊器:报警器 报井器:报警器 电视咧搬:电视在演 电视底搬:电视里演 跋伤:摔伤 里向:里 冇得反应:没反应 冇得人应:没人应 今下:现在 行路好好:走路好好 头考悬悬:头晕 头壳悬悬:头晕 头悬悬:头晕 头眩眩:头晕 卖稳:不稳 卖行:走不了 食烟:抽烟
自个儿:自己 半拉身子:半边身子 半拉身:半边身 半拉脸:半边脸 欲食:要吃 欲啉:要喝 帮阮揣:帮我找 帮我揣:帮我找 揾:找 瞓低:躺下 田基:田埂 学压:血压 雪压:血压 找不见:找不到 寻不见:找不到 寻不着:找不到 昨儿黑夜:昨晚 昨个黑夜:昨晚 昨天黑夜:昨晚 拄好:刚好 袂爬起:爬不起 倒佇眠床:躺在床 眠床:床 睏在:躺在 睏到:躺到 自个:自己 没麻达:没事 冇麻达:没事 着伙:着火 就火:救火 而今:现在 使唔使:要不要 使不使:要不要 电亲:触电了 晕到吐:晕得吐 晕到想吐:晕得想吐 今好了:现在好了 好似:好像 仲有:还有 仲系:还是 闩个掣:关个开关 闩掣:关开关 啲:点 娭毑:奶奶 演席:演习 演系:演习 拌了一:绊了一 拌倒:绊倒 趟在:躺在 不能东:不能动 这马拢:现在都 这马好:现在好 唔系:不是 毋是:不是 唔使:不用 免烦恼:不用担心 记咗:记下了 讲系:说是 血呼啦:血淋淋 血糊啦:血淋淋 血乎乎:血淋淋 血呼呼:血淋淋 血糊糊:血淋淋 晒谷:晒谷 晒坪:晒坪 晒场:晒场 晒被:晒被 晒衣:晒衣 晒太阳:晒太阳 漏器:漏气 喙歪:嘴歪 喙:嘴 一爿:一边 大舌:口齿不清 举袂起来:举不起来 这马行:现在走 行路:走路 喙歪:嘴歪 喙:嘴 一爿:一边 大舌:口齿不清 举袂起来:举不起来 这马行:现在走 行路:走路 毋是:不是 打不同了:打不通了 没敢行:不敢走 冇敢行:不敢走 爻:了 卡牢:卡住 面孔:脸 否哭:不哭 否是:不是 报警七:报警器 报警起:报警器 河泡子:河塘
揸住:抓住 荡失路:迷路 行唔返:走不回 行不返:走不回 返唔到:回不到 寻不到屋:找不到家 寻不到:找不到 拔落去:摔下去 拔落:摔下 田岸:田埂 无想欲活啊:不想活了 无想欲活了:不想活了 无想欲活矣:不想活了 想欲:想要 囝孙:子孙 梦着:梦到 昨暝:昨晚 额心口:我心口 额胸口:我胸口 额心里:我心里 额肚子:我肚子
못일어나:起不来 일어나지못:起不来 못일어서:站不起 가스냄새:煤气味 불이났어:着火了
телефон:手机 неможетвстать:起不来 немогувстать:起不来 неможетподняться:起不来 болитвгруди:胸口痛 больвгруди:胸口痛 давитвгруди:胸口闷 задыхается:喘不上气 кружитсяголова:头晕 головакружится:头晕 пахнетгазом:煤气味 запахгаза:煤气味 подавился:噎住了 подавилась:噎住了 помогите:求援
目まい:头晕 めまい:头晕 で立てない:站不起来 転んだ:摔倒了 息ができない:喘不上气 ガス臭い:煤气味
목에걸렸:卡在喉咙 목구멍에걸렸:卡在喉咙 嗓子에걸렸:嗓子卡住了 喉咙에걸렸:喉咙卡住了 숨못쉬어:喘不上气 숨을못쉬:喘不上气 숨못쉬:喘不上气 웃겨서숨못쉬:笑死 숨못쉬게바빠:忙死 드라마:电视剧
卡跟头:栽跟头 皿流:血流 流皿:流血 出皿:出血 冒姻:冒烟 假冒姻亲:假冒亲戚 耒:来 插坐:插座 还莫:还没 己经:已经 白己:自己 人么回:人没回 还么回:还没回 人么见:人没见 水喉头:水龙头 水喉:水管 熄咗总掣:关了总闸 熄了总掣:关了总闸 熄总掣:关总闸 熄咗掣:关了开关 冚唔熄:盖不灭 冚:盖 成屋烟:满屋烟 莫得事:没得事 份糜:份粥 送糜:送粥 食糜:吃粥 煮糜:煮粥 碗糜:碗粥 糜到:粥到 腰不行:腰不好 腰杆不行:腰不好 至今末归:至今未归 末归:未归 时侯:时候 无锡:无锡 无为:无为 无棣:无棣 无极:无极 无聊:无聊 无论:无论 无所谓:无所谓 无数:无数 晕浪:晕船 晕到七彩:晕得厉害 晕到七荤八素:晕得厉害
"""
# fold() reads simplified text, so a word written here in traditional characters (Minnan 攏) is looked up simplified.
_PAIRS = [(simplified(source), target) for source, target in (pair.split(":", 1) for pair in _WORDS.split())]
_FOLD = re.compile("|".join(re.escape(src) for src, _ in sorted(_PAIRS, key=lambda p: -len(p[0]))))
_TARGET = dict(_PAIRS)


def fold(chars: str) -> str:
    """Normalised text with traditional characters and dialect words in their Mandarin form."""
    text = from_pinyin(_INITIALISM.sub(_spelled_out, _toneless(simplified(chars))))
    return _FOLD.sub(lambda m: _TARGET[m.group(0)], _within_characters(text))


# Latin letters with a diacritic: pinyin tone marks (ǎ, é, ǜ) and the odd accented letter of a foreign word.
_TONED = re.compile(r"[\u00c0-\u024f\u1e00-\u1eff]")


def _toneless(chars: str) -> str:
    """Pinyin with its tone marks taken off ("tóu téng" → "tou teng"), ü written v as pypinyin does: the
    pinyin reader knows toneless syllables only. Normalisation has already joined toned syllables that stood
    apart ("chúfáng"), which the syllable splitter takes apart again."""
    return _TONED.sub(lambda m: _plain_letter(m.group(0)), chars)


def _plain_letter(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    if decomposed.startswith("u\u0308"):
        return "v"
    return decomposed[0] if decomposed[0].isascii() else char


# Initials typed for whole words by people who type pinyin ("lb 叫不醒", "dh不接"): the ones that name a
# person, a phone that goes unanswered, a state of the body or a gas.
_INITIALS = dict(pair.split(":") for pair in """
dh:电话 lb:老伴 nn:奶奶 zbz:站不住 zbw:站不稳 zbq:站不起 qbl:起不来 pbq:爬不起 pbql:爬不起来 jbx:叫不醒 hbx:喊不醒
cbsq:喘不上气 cbgq:喘不过气 bnsh:不能说话 sbc:说不出 sbql:说不清了 bnd:不能动 ddbd:动都不动 xkt:心口疼 mqw:煤气味 rqw:燃气味
dds:倒地上 bhd:不回答 yzl:噎着了 sdl:摔倒了 wsdl:我摔倒了 tt:头疼 tyl:头晕了 yb:一边 mqxl:煤气泄漏 rqxl:燃气泄漏 mqlq:煤气漏气 tnb:糖尿病 xzb:心脏病 gxy:高血压 xk:心口 xt:胸痛 mq:煤气 trq:天然气 yhq:液化气 zq:沼气 yhc:救护车 bj:报警 mrj:没人接 wrj:没人接 qk:去看 wm:我妈 wb:我爸 wnn:我奶奶 wyy:我爷爷
""".split())
_ONE_INITIALISM = re.compile("|".join(sorted(_INITIALS, key=len, reverse=True)))  # longest first
_INITIALISM = re.compile(r"(?<![a-z])(?:" + _ONE_INITIALISM.pattern + r")+(?![a-z])")


def _spelled_out(match: re.Match[str]) -> str:
    # A run of initialisms written as one token ("lbyzl": 老伴 噎着了), read longest first.
    return "".join(_INITIALS[part] for part in _ONE_INITIALISM.findall(match.group(0)))


_HAN = re.compile(r"[\u4e00-\u9fa5]")
_SEGMENT = re.compile(r"[\u4e00-\u9fa5]|[a-z]+|[^a-z\u4e00-\u9fa5]+")


def _among_english(pieces: list[str], split: list[list[str] | None], at: int) -> bool:
    """A word between English words on both sides ("since yesterday he always picks up"): English too, however
    pinyin it looks."""
    def neighbour(step: int) -> bool:
        i = at + step
        while 0 <= i < len(pieces) and not pieces[i].strip():
            i += step
        return 0 <= i < len(pieces) and bool(_LATIN_WORD.fullmatch(pieces[i])) and split[i] is None

    return neighbour(-1) and neighbour(1)


def _within_characters(chars: str) -> str:
    """Pinyin words inside a sentence of characters ("lb吃rou卡hou了 chuan不上qi"), written back with the
    characters around them: a danger sign's phrase where the syllables of both fit (喘不上气), else the
    character a danger sign uses for that sound (汗, not 含), else a common one."""
    if not _HAN.search(chars) or not _LATIN_WORD.search(chars):
        return chars
    table, signs = _syllable_chars(), _sign_chars()
    units: list[tuple[str | None, str, bool]] = []  # (syllable, text, typed in letters)
    pieces = _SEGMENT.findall(chars)
    split = [_syllables(piece, table) if _LATIN_WORD.fullmatch(piece) else None for piece in pieces]
    # Beside English words ("看到 notice 说有 outing 帮我报个名 please"), an English gerund that splits into syllables
    # and spells no danger sign is English too: "outing" is no 呕停 (while "xinkou" beside "come quickly" is 心口).
    english = any(_LATIN_WORD.fullmatch(piece) and syllables is None and len(piece) >= 3
                  for piece, syllables in zip(pieces, split, strict=True))
    for at, piece in enumerate(pieces):
        syllables = split[at]
        if _HAN.fullmatch(piece):
            units.append((lazy_pinyin(piece)[0], piece, False))
        elif syllables and english and len(syllables) >= 2 and piece.endswith("ing") \
                and tuple(syllables) not in _sign_words():
            units.append((None, piece, False))
        elif syllables and not _among_english(pieces, split, at):
            units.extend((syllable, "", True) for syllable in syllables)
        else:
            units.append((None, piece, False))
    words, out, i = _sign_words(), [], 0
    while i < len(units):
        for size in range(min(5, len(units) - i), 1, -1):
            span = units[i:i + size]
            word = words.get(tuple(u[0] or "" for u in span)) if all(u[0] for u in span) else None
            # Letters are written as the word's characters; a character typed as such must already be the word's.
            if word is not None and any(u[2] for u in span) \
                    and all(u[2] or u[1] == char for u, char in zip(span, word, strict=False)):
                out.append(word)
                i += size
                break
        else:
            syllable, text, typed = units[i]
            out.append(signs.get(syllable, table.get(syllable, "")) if typed and syllable else text)
            i += 1
    return "".join(out)


# Words of Latin letters: pinyin typed for want of characters ("xin kou teng", "nainai shuo tou yun").
_LATIN_WORD = re.compile(r"[a-z]+")


def from_pinyin(chars: str) -> str:
    """Pinyin written back in characters, for every run of two or more words that all split into syllables
    (an English word such as "help" or "lol" does not, and stays as it is)."""
    words = list(_LATIN_WORD.finditer(chars))
    if not words:
        return chars
    table = _syllable_chars()
    out: list[str] = []
    end = 0
    run: list[tuple[re.Match[str], list[str]]] = []
    for word in [*words, None]:
        syllables = _syllables(word.group(0), table) if word is not None else None
        joined = word is not None and bool(run) and chars[run[-1][0].end():word.start()].strip() == ""
        if word is not None and syllables is not None and (not run or joined):
            run.append((word, syllables))
            continue
        syllables_of_run = [s for _, sy in run for s in sy]
        # A short run counts only when it spells a danger sign's word ("smells of tianranqi", "zhong shu??"):
        # an English writer's one Chinese word for the trouble.
        if len(run) >= 2 and len(syllables_of_run) >= 3 \
                or len(syllables_of_run) >= 2 and tuple(syllables_of_run) in _sign_words():
            out.append(chars[end:run[0][0].start()] + _write(syllables_of_run, table))
            end = run[-1][0].end()
        run = [(word, syllables)] if word is not None and syllables is not None else []
    return "".join(out) + chars[end:]


def _write(syllables: list[str], table: dict[str, str]) -> str:
    """Characters for a run of syllables, cut into words so that as few syllables as possible stand alone: the
    danger signs' own words where their sound fits ("dao xia" → 倒下, not 到下), then the words the village's
    messages use most ("mei tian" → 每天, not 没天; "neng bu neng you ren ti xing" → 能不能 有人 提醒, not 能不能有
    人替 行), one common character per syllable elsewhere."""
    signs, common = _sign_words(), _corpus_words()
    # best[i]: the cheapest writing of syllables[:i] (a sign word costs 1, a common word 2, a lone syllable 4).
    nothing: list[str] = []
    best: list[tuple[int, list[str]]] = [(0, nothing)] + [(1 << 30, nothing)] * len(syllables)
    for end in range(1, len(syllables) + 1):
        for size in range(1, min(5, end) + 1):
            start = end - size
            key = syllables[start:end]
            if size == 1:
                cost, word = 4, table[key[0]]
            elif (sign := signs.get(tuple(key))) is not None:
                cost, word = 1, sign
            elif size <= 4 and (found := common.get(" ".join(key))) is not None:
                cost, word = 2, found
            else:
                continue
            total = best[start][0] + cost
            if total < best[end][0]:
                best[end] = (total, [*best[start][1], word])
    return "".join(best[-1][1])


PINYIN_WORDS_PATH = Path(__file__).with_name("data") / "pinyin_words.json"


@lru_cache(maxsize=1)
def _corpus_words() -> dict[str, str]:
    """Toneless reading → word, built from the training texts by `python -m bots.nlu.train`."""
    if not PINYIN_WORDS_PATH.is_file():
        return {}
    words: dict[str, str] = json.loads(PINYIN_WORDS_PATH.read_text(encoding="utf-8"))
    return words


@lru_cache(maxsize=1)
def _sign_words() -> dict[tuple[str, ...], str]:
    """The danger signs' phrases by their toneless syllables, then the places, smells and harmless words
    their patterns and readings need (摔了个碗 must not be written 摔了割腕, nor 笑死 小四)."""
    from .danger_words import PINYIN_WORDS, SIGNS

    words: dict[tuple[str, ...], str] = {}
    for phrase in " ".join([*(sign.phrases for sign in SIGNS), PINYIN_WORDS]).replace("…", " ").split():
        phrase = phrase.removeprefix("=")
        if len(phrase) > 1 and all("\u4e00" <= c <= "\u9fa5" for c in phrase):
            words.setdefault(tuple(lazy_pinyin(phrase)), phrase)
    return words


# English words family abroad write that happen to split into pinyin ("Canada" is ca na da, 擦拿打).
_ENGLISH = frozenset("canada china panda banana like she an sure can canteen menu today make name game".split())


def _syllables(word: str, table: dict[str, str]) -> list[str] | None:
    """Split a word into pinyin syllables ("nainai" → nai nai), longest first with backtracking; None if it
    is not pinyin."""
    if not word:
        return []
    if word in _ENGLISH:
        return None
    for size in range(min(6, len(word)), 0, -1):
        head = word[:size]
        if head in table:
            rest = _syllables(word[size:], table)
            if rest is not None:
                return [head, *rest]
    return None


_LOOKAROUND = re.compile(r"\(\?<?[!=][^()]*(\([^()]*\)[^()]*)*\)")


@lru_cache(maxsize=1)
def _sign_chars() -> dict[str, str]:
    """The character the danger signs use most for each toneless syllable (接 for jie, 喉 for hou)."""
    from collections import Counter

    from .danger_words import SIGNS

    # What a pattern looks around for ("(?<![没未不])") is what the sign is not: not counted.
    written = "".join(_LOOKAROUND.sub("", pattern) for sign in SIGNS for pattern in sign.patterns)
    # A tie goes to the character of a phrase: phrases are the words signs are written in, patterns their frames.
    phrases = "".join(sign.phrases for sign in SIGNS)
    used = Counter(char for char in phrases + phrases + written if "\u4e00" <= char <= "\u9fa5")
    chars: dict[str, str] = {}
    for char, _ in used.most_common():
        chars.setdefault(lazy_pinyin(char)[0], char)
    return chars


# Who and where, typed in pinyin more than anything else ("nainai", "yeye", "wo", "ta zai jia").
_PEOPLE = "我你他奶爷妈爸婆公伯叔姨哥姐弟儿女孙家里在人的了没回"
# The most common characters of written Chinese, most common first (the head of a published frequency list).
_COMMON = ("的一是不了人我在有他这中大来上个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后"
           "小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长"
           "知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最"
           "间新什打便位因重被走电四第门相次东海口使教西再平真听世气信北少关并内加化由却代先山五太水万市眼体别处"
           "总才场师书比住员九笑性通目报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或利受光王"
           "果亲界及今京务制解各任至清物台象记边共风干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科"
           "怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言往展该领传近留红治决周保达办运武半候七必城父"
           "强步完深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱倒未持取设始版双历越史商千"
           "片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜"
           "离虽坏兴妈古")
# Interjections spelled with one letter make half of English look like pinyin ("me a", "si n ce").
_NOT_SYLLABLES = {"a", "e", "o", "n", "m", "ng", "hm", "hng"}


@lru_cache(maxsize=1)
def _syllable_chars() -> dict[str, str]:
    """One character per toneless syllable: people first, then the most common characters of written Chinese,
    then the danger signs' own (心口疼), then whatever pypinyin's phrase dictionary uses most."""
    from collections import Counter

    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    from .danger_words import SIGNS

    table: dict[str, str] = {}
    for char in _PEOPLE + _COMMON + "".join(sign.phrases for sign in SIGNS):
        if "\u4e00" <= char <= "\u9fa5":
            table.setdefault(lazy_pinyin(char)[0], char)
    used = Counter(char for phrase in phrases_dict for char in phrase)
    for char, _ in used.most_common():
        readings = pinyin_dict.get(ord(char))
        if readings:
            plain = unicodedata.normalize("NFKD", readings.split(",")[0]).replace("u\u0308", "v")
            table.setdefault(plain.encode("ascii", "ignore").decode(), char)
    for syllable in _NOT_SYLLABLES:
        table.pop(syllable, None)
    return table
