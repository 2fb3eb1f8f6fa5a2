"""Fold traditional characters and dialect words to plain Mandarin before looking for danger.

Only the safety classifier reads the folded text: 唔该 ("thank you" in Cantonese) must not become 不该
for the intent matchers, but 起唔到身 must read as 起不到身 when someone may be lying on the floor.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import zhconv
from pypinyin import lazy_pinyin


# Dialect words → Mandarin, longest first within each line; applied in order.
_WORDS = """
唔该:谢谢 系唔系:是不是 唔系:不是 唔好:不好 唔到:不到 唔郁:不动 唔应:不应 唔得:不行 唔识:不会 唔:不 冇:没 咗:了 佢哋:他们 佢:他
喺:在 嘢:东西 郁:动 企:站 跌低:跌倒 跌亲:摔伤 仆亲:摔伤 撞亲:撞伤 整亲:弄伤 攰:累 食:吃 屋企:家 冲凉房:浴室 冲凉:洗澡
点算:怎么办 琴日:昨天 寻日:昨天 睇:看 搵:找 哋:们 而家:现在 好似:好像 俾:被 畀:给 隔篱:隔壁 阿婆:奶奶 阿伯:大爷
阮:我 厝:家 跋倒:摔倒 跋落:摔下 头眩:头晕 袂:不 目睭:眼睛 乌去:黑了 佇:在 土脚:地上 攏:都 无:没 伊:他 翁:老伴
勿:不 勒:在 地浪:地上 浪:上 阿拉:我 毛看到:没看到 毛看见:没看见 毛应:没应 毛接:没接 毛人:没人 渠:他 关倒:关着 没要紧:不要紧 擦损:擦伤 少少:一点 膝头:膝盖 漏紧:漏了 转紧:在转 唔识:不会 犀利:厉害 晕埋:晕了 哪能办:怎么办 塞牢:卡住 扶牢:扶住 差眼:差点 揩:擦 没事体:没事 唞:喘 面:脸 晒:了
脑壳:头 脑瓜子:头 脑瓜:头 脑袋:头 站不牢:站不稳 脚杆子:腿 脚杆:腿 手杆:胳膊 动不得:动不了 走不得:走不了 起不得:起不来 恰饭:吃饭 恰:吃
屋头:家里 克:去 哒:了 得很:很 搁:在 吱声:出声 吭声:出声 不中:不行 俺:我 咱:我 贼拉:很 咧:了 老汉:老伴
头壳:头 眩晕:头晕 眩:晕 徛:站 暗去:黑了 厝顶:屋顶 咧转:在转 险险:差点 少年时:年轻时 讲古:讲故事
冒人:没人 冒有:没有 冒得:没得 冒反应:没反应 冒用:没用 冒吃:没吃 冒应:没应 冒接:没接 冒看:没看 冒见:没见 冒动:没动 冒醒:没醒 冒声:没声 老倌:老伴
好返:好了 石油气:液化气 心肝头:心口 毋:不 弗:不 煞了:很 呒啥:没啥 呒:没 事体:事 熄哉:熄了 哉:了 自家:自己 唔使:不用 𠊎:我 昨晡:昨天 食酒:喝酒
"""
_PAIRS = [pair.split(":", 1) for pair in _WORDS.split()]
_FOLD = re.compile("|".join(re.escape(src) for src, _ in sorted(_PAIRS, key=lambda p: -len(p[0]))))
_TARGET = dict(_PAIRS)


def fold(chars: str) -> str:
    """Normalised text with traditional characters and dialect words in their Mandarin form."""
    return _FOLD.sub(lambda m: _TARGET[m.group(0)], _from_pinyin(zhconv.convert(chars, "zh-cn")))


# Two or more words of Latin letters in a row: "xin kou teng" typed by someone without a Chinese keyboard.
_LATIN_RUN = re.compile(r"(?<![a-z])[a-z]+(?: [a-z]+)+(?![a-z])")


def _from_pinyin(chars: str) -> str:
    """Pinyin typed for want of characters, written back in characters (only when every word is a syllable)."""
    if not _LATIN_RUN.search(chars):
        return chars

    def characters(match: re.Match[str]) -> str:
        table = _syllable_chars()
        words = match.group(0).split()
        return "".join(table[w] for w in words) if all(w in table for w in words) else match.group(0)

    return _LATIN_RUN.sub(characters, chars)


@lru_cache(maxsize=1)
def _syllable_chars() -> dict[str, str]:
    """One character per toneless syllable, preferring those the danger signs are written with."""
    from pypinyin.pinyin_dict import pinyin_dict

    from .danger_words import SIGNS  # the signs' own characters first: 心口疼, not 新扣腾

    table: dict[str, str] = {}
    for char in "".join(sign.phrases for sign in SIGNS):
        if "\u4e00" <= char <= "\u9fa5":
            table.setdefault(lazy_pinyin(char)[0], char)
    for point in range(0x4E00, 0x9FA6):
        readings = pinyin_dict.get(point)
        if readings:
            plain = unicodedata.normalize("NFKD", readings.split(",")[0]).replace("u\u0308", "v")
            table.setdefault(plain.encode("ascii", "ignore").decode(), chr(point))
    return table
