"""Vocabularies for slots: relatives (English keys) and place words."""
from __future__ import annotations

import re

_RELATION_WORDS = {
    "mother": "我妈 俺妈 咱妈 我娘 俺娘 咱娘 老娘 我母亲 母亲 妈妈 老妈 我老妈 阿妈",
    "father": "我爸 俺爸 咱爸 我爹 俺爹 咱爹 老爹 老爸 我父亲 父亲 爸爸 老爷子 阿爸",
    "spouse": "老伴 老头子 老婆子 爱人 老婆 老公 那口子 当家的 孩他爸 孩他妈 我家老头 俺家老头 我家老太婆 老太婆",
    "grandmother": "奶奶 姥姥 外婆 阿婆",
    "grandfather": "爷爷 姥爷 外公 阿公",
    "parent_in_law": "婆婆 公公 岳父 岳母 丈母娘 老丈人",
    "son": "儿子 俺儿 我儿",
    "daughter": "闺女 女儿 姑娘",
    "grandchild": "孙子 孙女 外孙",
    "sibling": "哥哥 姐姐 弟弟 妹妹 我哥 我姐 我弟 我妹 俺哥 俺姐",
    "neighbor": "邻居 隔壁 邻家",
    "relative": "亲戚 舅舅 姑姑 叔叔 婶婶 大伯",
    "other": "大娘 大爷 老人家 别人 五保户",
}
# Longest words first so 我老妈 is read before 老妈.
RELATIONS: list[tuple[str, str]] = sorted(
    ((word, key) for key, words in _RELATION_WORDS.items() for word in words.split()),
    key=lambda pair: -len(pair[0]))
SELF_WORDS = ("我", "俺", "咱", "自己", "本人")

_PLACE_NAMES = ("医院 卫生院 卫生室 诊所 药店 药房 镇上 镇里 乡里 县城 县里 城里 市里 村口 村委会 村委 大队部 "
                "村部 家里 俺家 我家 咱家 屋里 地里 田里 菜地 菜园 集上 集市 超市 银行 信用社 邮局 车站 学校 "
                "食堂 院子 敬老院 养老院 祠堂 广场 河边 山上 果园 大棚 活动室 老年活动中心").split()
_PLACE_PREFIX = "(?:县人民|县中医|市人民|镇中心|乡中心|村里的|镇上的|县里的|镇|县|乡|市|村)?"
PLACE_RE = re.compile(_PLACE_PREFIX + "(?:" + "|".join(sorted(_PLACE_NAMES, key=len, reverse=True)) + ")")
