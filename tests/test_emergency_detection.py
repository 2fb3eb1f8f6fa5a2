"""The safety classifier: recall on held-out batches, false alarms on everyday chat, and how signs combine."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bots.nlu import assess_danger
from bots.nlu.dialect import fold
from bots.nlu.names import kin_named, person_named, relationship_fits

DATA = Path(__file__).parent / "data" / "nlu"
BATCHES = sorted((DATA / "emergency_heldout").glob("*.jsonl"))


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def level(text: str) -> str | None:
    danger = assess_danger(text)
    return danger.level if danger else None


@pytest.mark.parametrize("path", BATCHES, ids=lambda p: p.name)
def test_every_held_out_emergency_is_recognised_and_no_lure_raises_an_alarm(path):
    batch = rows(path)
    missed = [r["text"] for r in batch if r["label"] == "emergency" and level(r["text"]) is None]
    alarmed = [r["text"] for r in batch if r["label"] != "emergency" and level(r["text"]) == "certain"]
    assert missed == [] and alarmed == []


def test_a_thousand_everyday_messages_raise_almost_no_alarm_and_few_questions():
    texts = [r["text"] for r in rows(DATA / "everyday.jsonl")]
    assert len(texts) >= 1000
    levels = [level(t) for t in texts]
    assert sum(lv == "certain" for lv in levels) <= len(texts) // 200  # at most 0.5% alarms
    assert sum(lv is not None for lv in levels) <= len(texts) // 100  # at most 1% cost even a question


@pytest.mark.parametrize("text", [
    "我头晕得站都站不住",                    # dizziness + unable to stand
    "一起来就天旋地转 眼前发黑",
    "老伴吃年糕噎住了 脸都紫了",              # choking with a warning sign
    "屋里煤气味好重",                         # gas + smell
    "心口疼 出了一身冷汗",                    # chest pain + warning sign
    "隔壁大爷倒在门口 喊他不应",              # someone else, unresponsive
    "我跌亲咗 起唔到身",                      # Cantonese fall
    "昨晚烧了炭盆 今早头疼恶心想吐",          # charcoal and carbon-monoxide symptoms
    "现在好晕 站不起来",                      # 现在好… is not 现在好了 (it is over)
    "儿子气得我心口疼 一身冷汗 左胳膊发麻",  # grief beside warning signs is still the heart
    "lb吃rou卡hou了 chuan不上qi",            # pinyin inside characters, written back with its neighbours
    "yun zbz",                                # initials for whole words (站不住)
    "隔壁三tian没chu门 dh不jie",              # both at once, about someone else
    "老头子三天没出门 电话也打不通",          # two kinds of silence, with no name given
    "婆婆吃馍卡住了 嘴唇发紫",                # food stuck and purple lips
    "my dad got 电到 and is lying there not moving",  # an electric shock, told in English
    "塘里有人掉下去了 在扑腾",                # the water named before the fall
    "家父进食时食物阻塞气道，现无法发声",     # choking in clinical words
    "河里有个老人在扑腾 快沉下去了",          # drowning seen from the bank
    "隔壁老人哭喊别打了 还有砸东西的声音",    # violence heard through the wall
    "隔壁王奶奶家敲门没人硬 灯也没开",        # a homophone for 应: nobody answers the door
    "wǒ tóu yūn, zhàn bù qǐ lái",             # pinyin with tone marks
    "jiù mìng, wǒ bà dǎo zài dì shàng le",
    "公公老年痴呆 刚才一个人朝水库那边去了 麻烦大家帮忙拦住他",  # dementia, heading for water, told politely
    "狗从台阶上摔下去了 爷爷去抱也摔倒了",    # the animal fell, and then the man
    "后院刘婶家灯开了一整夜 天亮了还开着 拍门也没人答应",  # a light left on all night, a knock unanswered
    "张伯一个人住 门口的牛奶堆了三天没拿 电话也不接",     # milk piling up at the door, phone unanswered
    "老伴刚才说话有点含糊 右边嘴巴有些歪 她说没事不用管",  # a stroke played down by the person
    "隔壁男的又喝醉了 拿板凳砸他老婆 她躲起来了",        # violence at home, told by a neighbour
    "我弟又在家打我妈 快报警",                          # violence told as 打她 with a plea to call the police
    "寻人：本村失智老人王某昨晚离家未归，家属寻找半日未果，请各位协助",  # a missing-person notice
])
def test_clear_emergencies_are_acted_on_at_once(text):
    assert level(text) == "certain"


@pytest.mark.parametrize("text, expected", [
    ("就命", "strong"),                 # a cry heard only by sound: asked, and acted on after a minute
    ("头晕得厉害", "weak"),             # dizziness alone with no other sign: asked
    ("胸口有点闷", "strong"),           # chest discomfort alone: asked, short wait
    ("家里煤气", "weak"),               # a gas word with nothing else
    ("没摔倒，就是想问问", "strong"),   # a negation still costs a question, on purpose
    # The safety net: no sign above, but a body in trouble beside distress is asked about.
    ("老伴肚子肿得老大 你们赶紧派人", "weak"),
    ("手抖个不停 吓人得很", "weak"),
    ("孙子没考好 我这心口疼了一晚上", "weak"),  # worry felt in the chest: asked, in case it is the heart
    ("奶奶摔了 头晕 以后要每天有人来看", "certain"),  # care wanted, beside a dizziness that lasts
    ("救命 今天的猪肉二十块一斤", "strong"),  # a cry about prices: asked, never acted on
    ("救命 这个拼多多砍价谁帮我点一下", "strong"),  # a cry beside an app
    ("前天在院里摔了一跤 没啥事 就胳膊青了一块 不用来人", "strong"),  # told as nothing, with an injured arm
    ("孙子说考试要死了 结果考了九十多分 我高兴", "strong"),  # a cry quoted in joy: asked at most
    ("前天手摔了 做不了饭 能不能喊个人来帮我弄两餐饭", None),  # the fall is why the meals are asked
    ("老伴瘫床上好几年了 我一个人给他喜澡弄不动 能来个人帮把手不", None),  # bed-bound care (喜澡 for 洗澡): not asked
])
def test_doubtful_signs_cost_a_question_not_an_alarm(text, expected):
    assert level(text) == expected


@pytest.mark.parametrize("text", [
    "头有点晕 想买点降压药",
    "帮我换罐煤气",
    "灶火太小了",
    "摔了个碗",
    "猪肉又跌价了",
    "去年摔那一跤早好了",
    "差点滑倒 还好扶住了",
    "防跌倒讲座我报名",
    "吃火锅辣得心口都烧起来了哈哈",
    "今天杀鸡流了一地血",
    "一个人太闷了想有人陪我说说话",   # 闷 is boredom: the net's words are a body in trouble only
    "腿有点肿 明天赶集帮我带瓶药",     # a symptom without distress
    "油锅着火 锅盖一盖就灭了 没啥事",  # put out, and said to be over
    "怕煤烟中毒 想请你们来讲一讲",      # a question about what could happen, and a talk
    "前年摔了一跤 现在腰好了 天天下地干活",  # a recovery told by what the person does now
    "她以前晕倒过 如今照样赶集",          # the experiential 过 marks the past
    "前年中风住了院 如今天天能走到镇上",  # a recovery by what the person does again now
    "去年掉河里被人救上来 现在还怕水",    # rescued, long ago
    "村里教急救，我学会噎住了怎么拍背",  # a first-aid class (急救 + 我 is not 救我)
    "手机充电到一半就停了",
    "那个公告讲啥的 老人问我我也说不清",  # cannot explain, not cannot speak
    "锅烧干冒了点烟 开窗就散了",          # the smoke has cleared
    "五组刘秀英独居 腿摔伤了 需要人每天上门帮忙洗漱",  # care wanted from now on after a fall
    "一个人在屋里闷得慌 有没得人来陪我扯哈子白话",    # stuffy means lonely beside wanting company
    "电灯泡憋了 黑黢黢的 麻烦来个人帮我换个灯泡",      # a bulb gone, not a body straining
    "我们村学了急救 怎么救噎住的人",      # a first-aid class
    "母亲上月因胸痛住院，现已治愈出院",    # last month, discharged
    "我家的狗从台阶上摔下去了 爷爷问哪有兽医",  # the animal fell; the man only asks for the vet
    "入户检查煤气管道完毕 均未发现漏气",      # an inspection that found nothing
    "上个月摔跤的张大爷现在怎么样了 好些没",  # asking after a fall that is past
    "参加了村里的急救课 噎住了咋救 我学会了",  # a first-aid class (咋救，我 is not 救我)
    "我外公手机坏了 这两天联系不上",          # the phone is broken: why nobody answers
    "经卫生院复查，之前说的胸闷确诊为胃食管反流，与心脏无关，现已明显缓解",  # a diagnosis rules it out, eased
    "下楼梯踩空了摔了一下 屁股疼了会儿 一点事都没有",      # a slip, and nothing came of it
    "前些日子我舅从梯子上摔下来 现在腿早好了 又能下地",    # an old fall, healed
    "随访记录：李某上月摔伤，伤口已愈合，生活可自理，无异常",  # a case note: healed, nothing abnormal
    "培训班上老师说中风的人要马上送医院 大家都记住了",      # advice heard at a lesson
    "说好今天来帮我劈柴的 等了一上午 鬼影都没见着",        # a helper who did not come
    "我妈胳膊摔伤了 接下来两个星期要人每天上门帮她做饭",    # care wanted over the coming weeks
    "回访情况：张某前日电话未接，系手机送修，现状态良好",   # the silence explained, all well
    "这饭硬得要命 我咽不下去 能换个软和点的吗",              # food that tastes wrong, not stuck
    "奶奶说不清楚那张通知是啥意思 能念给她听吗",            # cannot explain a notice, not slurred speech
    "每人补贴120 五个人一共多少",                          # 120 in a sum, not the number to call
    "白菜跳楼大甩卖 三毛钱一斤 快去买",                    # a price, not a jump
    "初一去庙里烧香拜菩萨 香火烧得旺 满院子烟 热闹得很",      # incense smoke at a temple
    "孙女教我学英语 今天学了救命和报警怎么说",              # words learnt in a lesson
    "老王上礼拜摔了一跤 今朝已经好走了",                    # a recovery told in Wu
    "灶台点着了 火苗蓝蓝的 锅里炖着汤",                      # the stove lit (点着 sounds like 电着, a shock)
    "下礼拜三在祠堂讲糖尿病防治 头晕胸闷的老人欢迎来听",      # a health talk announced
    "今早炊了两笼包子 火烧得旺 给隔壁送了一袋",              # steaming buns on a strong fire
    "客服说不清楚 我要找人工",                                # "说不清" about an explanation, not speech
    "厨房水龙头一直滴水 关不住 谁会修",                       # a tap, not gas
    "小程序我点了半天它也没反应 是不是坏了",                    # a machine that does not answer
    "做饭时锅烧干了 满屋子烟 开窗烟都散了 没事个",              # smoke that has cleared
    "村里发的防摔倒报警手表怎么申请",                           # asking about a fall-alarm watch
    "要是看见有人倒在路边该怎么办？就是问问",                    # what one should do, asked in passing
    "女儿在Canada 让我问问这个月的活动",                        # English that splits into pinyin (擦拿打)
    "我腿脚不好 出门就走不动 想请人上门帮我剃个头",             # too far to walk: a home visit wanted
    "老头子在炕上躺了大半年 我一个人抱不动 想找人帮他洗个澡",    # bed-bound for months, care wanted
    "下个月村里搞什么事活动",                                    # 事活 is not 失火
    "我妈天天说憋死了 在家关一天嫌闷 想找人陪她出去走走",          # bored indoors, company wanted
    "前年我在院里摔了 多亏你们的人来扶 到现在都记得 过年送点年货",  # a grateful memory
    "我爸最近老说一个人没意思 想找人陪他下下棋",                    # 没意思 is not 没意识
    "儿子媳妇都出去打工了 想请两个人帮忙收稻子",                    # 子媳 is not 窒息
    "灶屋里的火都生不起来 柴是湿的 谁家有干柴",                     # a fire that will not light
    "打电话到食堂问了 明天有饺子",                                  # 话到 is not 滑倒
    "要是我哪天在地里摔了 你们找得到我不 先问问",                   # what if, asked first
    "灯泡烧了 啪的一下冒了个火花 谁会换",                           # a bulb burnt out
    "灶房那水管子漏了一晚上 拿盆接着 谁会修",                       # a leaking pipe, not 落水
    "今天课上演示老人摔倒怎么办 孩子喊快来人是在练习 别当真",         # a drill
    "高压锅嘶嘶响 不是煤气 是锅在放气",                               # the gas ruled out
    "去年老伴心口痛走的 今天是他忌日 想找人说说话",                    # a memory
    "老伴中风后行动不便 想请人每周来帮他擦洗身子",                     # what a stroke years ago left
    "电视只有血花点 哪个来帮我看看",                                   # 血花 is the TV's snow
    "下礼拜有人来讲煤气中毒咋防 几点开始",                             # how to prevent it: a talk
    "看新闻话有个阿伯跌亲冇人知 我哋村有冇平安钟可以申请",             # news, and a device to apply for
    "今天晚上红烧肉给我留一份 我七点过去拿",                         # 份…过去 is not 昏…过去
    "我会接电线 力气活也能干 想报名当志愿者",                        # 力气活 is not 起火
    "父亲手骨折了 想请人每日上门做两顿饭",                           # care wanted every day after an injury
    "医生说是血压有点高 让我每天量一量",                               # 是血压 is no blood
    "新闻上讲外省有个老人煤气中毒 我们村能装报警器吗",                  # news with 上讲, told of elsewhere
    "听了条新闻 城里有个大爷摔倒没人扶 怪吓人的",                      # the news heard, not the room
    "外公五年前摔断过腿 现在天天还能骑车去赶集",                        # long ago, and active now
    "grandpa broke his hip two years ago, fully healed, can he join the walking group",
    "爸前年中风过 现在每天都去挑水 硬朗着呢",
    "我家老汉一根接一根抽烟 屋里全是烟 呛死人了 有没有戒烟的讲座",    # cigarettes fill the room
    "她当时急得像着火了一样 其实就是钥匙找不到",                        # a simile
    "那句话给我噎得半天说不出话来",                                    # speechless with anger
    "给老人做元宵 怎么才能不噎着",                                      # how to avoid it
    "新装的燃气报警器我按了一下测试 嘀嘀响 挺灵的",                     # the owner tries the alarm
    "孙女在国外留学 想给奶奶订个餐",                                    # 留学 is not 流血
    "你们谁会修水管 能不能来一趟",                                      # 谁 is not 水
    "村里消防演席定在周五 喊着火的时候大家往操场跑",                    # a drill typed by sound
    "我奶奶上回扭了脚 现在好透了 骨头也长牢了",                          # healed, in other words
    "稻草堆是我爸在烧 他一直看着火的 烟大 呛得慌",                       # minding a fire, not 着火
    "下周三全村地震演习 老人集合的地方在哪",                              # a drill of another kind
    "电视剧里有个老人晕倒了 现实里碰到这种事该怎么办",                    # a what-if asked of a show
    "看了个报道 外省有老人煤气中毒 快教教我们怎么防",                     # the news, however urgently told
    "期末考试压得我喘不过气 救命（不是真的）",                            # pressed by work, "not for real"
    "can someone help my mum set up her new phone",                         # "help" asked for a chore
    "我头晕了两天 想找个人来给我量量血压",                                # a measurement asked for
    "孙子打机一直喊 救命救命 我要死了 烦死人 游戏声音太大了",             # a game's cries, complained of
    "我怕下雨天路滑又摔跤 有没有人陪我去买菜",                             # afraid of falling (惊/怕)
    "我妈起不来床好几年了 想请人每周来给她洗个澡",                         # bed-bound, care asked
    "想请人帮我去镇上买化肥 我腿脚不灵便",                                 # the legs are why the errand is asked
    "下午三点半有空 早七点也行",                                           # 早七 is not 沼气
    "想学学 老人噎着了怎么办 给我讲讲",                                     # a lesson asked for
    "直播间今晚上架 漏气自动断火的燃气灶 包邮",                             # goods in a live stream
    "朋友圈说胸口痛喝醋能好 是真的吗",                                      # hearsay on social media
    "提起我老伴我就说不出话来 他走了三年了",                                # choked up with grief
    "煤气灶打不着火 没有味道 是不是电池没电了",                             # no smell at all
    "she wears a sweater; about the number, call me",                      # English words inside longer ones
    "can you remind me of grandma's appointment next week",
    "燃气费又涨了 我天天都闻过 么得味道",                                    # 么得: no smell, in Sichuanese
    "温馨提示：闻到燃气味要先关阀开窗 请转告老人",                          # a reminder to everyone
    "有人说我摔倒在集上了 那是瞎讲的 我好好的",                              # a rumour denied by the person
    "你们这个号是不是能帮忙叫救护车 要是以后用得上 要先登记吗",              # what the service can do, asked ahead
    "孙子说作业多到喘不过气来 有没有人辅导一下",                              # pressed breathless by homework
    "这道物理题把我卡住了 憋得要窒息 求大佬",                                # homework, in internet slang
    "想把家里的燃气报警器接入你们的平台 有接口文档吗",                        # a device to connect
    "我妈在炒菜 厨房全是油烟 呛得咳了两声",                                  # cooking fumes
    "孙女要写作文 题目叫一场大火 我给她讲了当年着火的事",                    # a school essay
    "给祖宗烧香 香灰掉了一地",                                               # 祖宗 is not 卒中
    "孙子问 老人噎着了应该怎么急救 老师让写作业 帮他问一下",                  # relayed for schoolwork
    "邻居问我是不是着火了 我说是在烧稻草肥田",                                # the fire asked about is tended
    "上个月我爸跶倒 去医院拍了片 骨头没断 现在好了",                          # checked and healed
    "看唱戏 演到老太太晕倒 我都哭了",                                          # a show
    "你娃吃饭太快 会噎吗 怎么教他慢点吃",                                      # a what-if before anything happened
])
def test_everyday_uses_of_alarming_words_are_not_emergencies(text):
    assert level(text) is None


@pytest.mark.parametrize("text", [
    "狗掉进池塘自己爬上来了",          # an animal in the water
    "胸口疼是老毛病 医生看过了 一变天就疼",  # a known complaint a doctor has seen
    "系统给的地址错的 导航到河边了 找不到人",  # the visitor cannot find the house
    "我妈老年痴呆 我每天陪她往河边走走",      # walked to the river with company
    "nai nai shuai le ge bei zi",             # a cup broken, in pinyin (摔了个杯子)
    "我公公卧床三年了 想找个人来帮他擦身翻身",  # a lasting state asked for as care
    "我妈瘫痪在床好多年 我一个人搬不动她 想请人来帮着擦洗",
    "刚跑完步 喘不上气 歇会儿去吃早饭",                     # out of breath after a run
    "她自己洗不了澡了 手抬不起来 想请人上门帮她洗洗头",      # care one cannot do oneself any more
    "我妈腿疼走不动路 帮她叫个人去小卖部买点盐",             # the legs are why the errand is asked
    "家母独居 厨房灯泡坏了几天 有跌倒隐患 请派人来换",       # a risk of falling, not a fall
    "我爸腿不行了 叫人帮他去邮局寄个包裹 他走不动路",          # the legs are why the errand is asked
    "我婆婆瘫炕上三年了 身上有味了 想请人来给她擦身",           # bed-bound: the smell is the body's
    "我们带孙子爬山 他说头晕腿软 歇一歇就好",                  # a mountain climbed
    "隔壁家的狗咬了我家的鸡 流了好多血",                       # an animal bitten
    "路修平了 再也不怕跶倒了",                                 # afraid of falling, 跶
    "约好了今天来给我奶奶量血压 等到现在也没人来 你们怎么搞的",  # a visit that did not come: a complaint
    "前几年摔过一跤 下雨天还疼 有啥膏药推荐",                  # an old injury that aches in the rain
    # Read as harmless by the rules; the learnt opinion (danger_learner.py) asks about these.
    "三天没见你来食堂 电话也不接 忙啥呢",  # asked of the absent person themself
    "睇紧剧 入面有个阿婆心口痛到晕低咗",      # a drama, in Cantonese
    "小孩子滑了一跤 哭都没哭 又起来蹦了",                    # a small child up again
])
def test_harmless_frames_never_alarm_though_the_second_opinion_may_ask(text):
    # The rules read these as harmless; the statistical second opinion may still ask (danger_model.py).
    assert level(text) in (None, "weak")


@pytest.mark.parametrize("text", [
    "wo shuai dao le qi bu lai",        # pinyin typed for want of characters
    "mq味好大 头昏",                    # pinyin initials for 煤气
    "我在外地打工 公公一个人在家 两天电话都没人接",  # the writer's own absence explains nothing about the elder
    "胸口疼是老毛病 但是一直出冷汗",    # a known complaint with a warning sign
    "我婆婆卧床好几年了 刚才从床上摔下来 起不来了",  # bed-bound, and a fall now
    "她突然说不清楚话了 嘴角也歪了",    # slurred speech and a drooping mouth
    "饭卡在喉咙里咽不下去 脸都紫了",    # food stuck, whatever it tasted like
    "我妈在睡觉 怎么叫都叫不起来",      # asleep, and cannot be woken
    "王婶家大门从里面闩着 猪饿得直叫 怕是出事了",  # bolted from inside, animals unfed
    "打完球喘不上气 胸口疼得厉害",      # breathless after sport with a warning sign
    "楼下液化气罐漏气 味道好大 我把老爷子扶出来了 阀门坏了关不上",  # a person got out, the leak goes on
    "灶台那边煤气漏了 一股味 我妈在屋里睡着 我喊她半天才答应",      # asleep beside a leak
    "独居的老李连续五天没出门 电话也不接",                         # any number of days
    "村东头水浸到大腿了 阿爷行唔郁",                                # Cantonese: flood, cannot walk
    "他一下倒在地上 手脚不停地抖 眼珠往上翻白",                      # a fit
    "楼道里一股煤气味 呛得人难受 要不要报警啊",                       # "要不要报警" asks, it does not call off
    "wo gei wo ma da dianhua liang tian mei ren jie, ta yi ge ren zhu",  # toneless pinyin: not answering
    "lao ren he le yao hou lian dou zhong le, houlong hen jin",         # toneless pinyin: an allergy
    "有点痴呆的李奶奶 早上让她在家看电视 结果回来人不见了 到现在没找到",  # watching TV is what she was doing
    "孙子把一颗纽扣电池吞下去了 说肚子疼",                                # a foreign body swallowed
    "头晕得很 屋子在转 我不能走路了 家里没人",                            # dizzy and cannot walk
    "燃气报警器的推送一直在报警 我妈电话不接",                             # an alarm going off
    "路边倒卧一名老人 呼之不应",                                           # a clinical report
    "他倒在地上不动了 叫也不应 不是真的吧",                               # disbelief is not a drill
    "我爸摔倒了起不来 要是你们没人 先问一下怎么办",                       # a state now, however politely asked
    "我在看电视 我妈突然倒下去了 喊她没反应",                             # the TV on in the room, the fall real
    "我家老头子早上出去放鸭子 到现在没家来 船在河边上 人不在",           # gone out, not back, the boat left
    "喺沖涼房跣親 成個人瞓喺地下 郁唔倒",                                 # Cantonese: slipped in the shower
    "我爸说他买了农药 要了结自己 我在外地打工 拜托赶紧去看",             # a threat of self-harm
    "mqxl 3组李家",                                                        # pinyin initials for 煤气泄漏
    "谢谢你们上回送的面粉 刚才割麦子镰刀把我腿上割了个大口子 血一直冒",  # a memory beside harm now
    "看着新闻呢 老伴说胸口疼得厉害 一头冷汗",
    "他吞了假牙 现在喘不上气",                                            # a swallowed denture
    "家里报警器一直叫个不停 屋里一股怪味 我奶奶说头晕",                   # an alarm and a smell, no gas named
    "灶上火被风吹灭了 煤气还在往外冒 我不知道怎么关",                     # the flame out, the gas runs on
    "是meiqi 不是 煤气那个报警器在响 一屋子味",                           # a misheard word corrected
    "平时身体挺好的 刚才吃鱼卡住喉咙 脸都憋紫了",                         # background, not over
    "我从梯子上掉下来了 躺在院子里 撑都撑不起来",                         # cannot push oneself up
    "我头一直转 站起来不能 一个人在家",                                    # a second language's word order
    "阿公头壳悬悬 企卖稳",                                                 # Hakka/Minnan: dizzy, cannot stand
    "昨天在田埂上拌了一交 腿不能东 趟在地上",                              # sound-alike characters
    "老人意识模糊 血压测不出 请派车",                                      # a clinical report
    "血氧只有85 嘴唇发紫 喘得厉害",
    "隔壁阿婆三天没见人 门锁着 叫她也没有回应",                          # no response, in other words
    "☎️❌ 王大爷 三天了 🚪🔒",                                            # emoji that stand for words
    "燃燃气报警 报警了 我妈妈电话不接",                                    # a stutter in dictation
    "报警器滴滴地响 屋里有股臭味",                                          # an alarm chirping beside a smell
    "是不是煤气漏了 屋里好大味 我头晕",                                    # 是不是 asks, it does not deny
    "煤气味好重 关了火还有 我不会关那个阀",                                # the flame off, the gas on
    "看电视呢 我爷突然倒地抽搐 快来人",                                    # the TV on, the fit real
    "help me please, my dad fell in the yard",
    "院子里柴堆着伙了 火苗窜得好高 快挨着房子了",                           # a blaze typed by sound
    "屋里没气味好重 头疼",                                                   # 没气 is 煤气 by sound, not "no smell"
    "天然七管子呲呲响 一股味",                                               # 七 for 气 by sound
    "my grandpa is having a seizure, shaking all over",                       # English, whole words
    "smoke is coming out of grandma's kitchen, she is not answering",
    "he choked on a bone and his lips are blue",
    "头昏得很 站起来就要到 屋里没人",                                        # 到 for 倒 by sound
    "灶屋头罐罐气漏了 好大一股味 我晓不得关哪里",                             # 罐罐, 晓不得
    "我妈吃鱼 鱼刺卡住了 咳不出来 那个急救法我不会 谁教教我 急死了",         # first aid asked for in the moment
    "楼道都系煤气味 阿婆唔应门 使唔使报警",                                  # 使唔使: whether to call, not "no need"
    "摔了一跤 撑不起来 手机好在带在身上 快来",                              # 好在 about the phone, not the fall
    "我跶了一跤 腿扭了 爬不起来",                                            # 跶: to fall, in Hubei and Hunan
    "头晕 看东西都是两个 心里作呕 一个人在家",                              # double vision, 作呕
    "燃气报警器连着我手机 app一直弹 说浓度超标 我妈电话不接",                  # an app alarm, no smell said
    "阿爷电亲 跌喺度唔郁 电闸熄咗",                                            # a shock; the power off is no recovery
    "老伴在塘边滑下去了 捞上来没得气了 胸口不动",                              # pulled out, not breathing
    "夜里起来在床边跶倒了 拱不起来 在地上坐了半夜",                            # 跶倒, 拱不起来
])
def test_unusual_spellings_and_frames_still_act_at_once(text):
    assert level(text) == "certain"


def test_wu_fou_is_read_as_bu_only_after_a_verb():
    # Wu 否 for 不 ("爬否起", "立否牢") must not turn Mandarin 是否 / 能否 into 不 (是不出门: wandering off).
    assert level("是否出门了") is None
    assert level("我盘倒了 爬否起 脚骨痛") == "certain"


def test_an_english_report_of_someone_not_answering_is_asked_about_at_once():
    # "he" between English words stays English (it had been written back as the pinyin 喝).
    text = "grandpa in 东郊镇 hasn't answered since yesterday, he always picks up. pls check"
    assert level(text) in ("strong", "certain")


def test_hazards_pick_the_number_to_call():
    assert assess_danger("厨房着火了").hazards == {"fire"}
    assert assess_danger("闻到好大的煤气味").hazards == {"gas"}
    assert assess_danger("我妈摔倒了起不来").hazards == {"medical"}
    assert assess_danger("救命").hazards == {"unknown"}
    assert assess_danger("有人撬门 我躲在屋里").hazards == {"police"}


def test_who_the_emergency_is_about():
    assert assess_danger("隔壁王奶奶倒在院子里").about_other
    assert assess_danger("我妈摔倒了起不来").about_other
    assert not assess_danger("我摔倒了 我妈不在家").about_other
    assert not assess_danger("救命 起不来了").about_other
    # The writer's own clause first, with no danger in it: the report is about the elder named after it.
    assert assess_danger("我在外地打工 公公一个人在家 两天电话都没人接").about_other
    assert not assess_danger("我摔倒了，我妈不在家").about_other
    # The writer knocked and called; the silence is the neighbour's.
    assert assess_danger("我们村西头老赵 他闺女说联系不上 我去敲门也没人应").about_other
    seen = assess_danger("李大爷好几天没出门了 门一直关着")
    assert seen.not_seen and seen.about_other


def test_dialect_and_traditional_text_is_folded_for_danger_only():
    assert fold("我喺沖涼房跌親 起唔到身") == "我在浴室摔伤 起不到身"
    assert fold("脑壳晕得很 走不得路") == "头晕很 走不了路"


def test_names_and_relatives_in_a_report():
    people = [(1, ["王秀英", "王奶奶"]), (2, ["李德福", ""]), (3, ["赵桂兰", ""])]
    assert person_named("王秀英摔倒了", people) == 1
    assert person_named("隔壁李大爷倒了", people) == 2
    assert person_named("老赵家好几天没开门", people) == 3
    assert person_named("路边有个老人倒了", people) is None
    assert person_named("王秀英和李德福都不见了", people) is None  # two named: ask nobody in particular
    assert kin_named("我妈摔倒了") == "mother" and kin_named("隔壁大爷倒了") is None
    assert relationship_fits("儿子", "mother") and not relationship_fits("儿子", "spouse")


def test_every_emergency_the_second_opinion_learnt_from_is_recognised_by_the_classifier():
    # Its corpus was written by people who never saw the lexicon; until the eighth session the rules missed 50
    # of its 896 emergencies (suicide farewells, seizures, overdoses, landslides, English reports), so a model
    # trained on them never got to speak: it is only asked beside a sign the rules found.
    from bots.nlu import danger_model
    missed = [text for text, label in danger_model.corpus()
              if label == danger_model.EMERGENCY and assess_danger(text) is None]
    assert not missed


def test_the_shipped_second_opinion_is_built_from_its_own_corpus_only():
    from bots.nlu import danger_model

    pairs = danger_model.corpus()
    shipped = json.loads(danger_model.MODEL_PATH.read_text(encoding="utf-8"))
    assert shipped == danger_model.build(pairs), "run python -m bots.nlu.danger_model"
    # Never trained on what it is judged by: no held-out or everyday line is in its corpus.
    judged = {row["text"] for path in [*BATCHES, DATA / "everyday.jsonl"] for row in rows(path)}
    assert not judged & {text for text, _ in pairs}


def test_the_second_opinion_asks_about_trouble_no_sign_anticipated_and_never_acts_alone():
    # A swollen belly and a cry of pain beside a sign too weak on its own: the model earns the question.
    danger = assess_danger("老汉肚子胀得像鼓一样 一按就叫唤 脸都黄了")
    assert danger is not None and danger.level == "weak"
    # Ordinary chat with no sign at all is never sent to the model.
    assert assess_danger("我在路上，十分钟到") is None


def test_the_learnt_opinion_is_fitted_on_scored_batches_only_and_ships_fresh():
    from bots.nlu import danger_learner

    pairs = danger_learner.corpus()
    shipped = json.loads(danger_learner.PATH.read_text(encoding="utf-8"))
    assert shipped["corpus"] == danger_learner.digest(pairs), "run python -m bots.nlu.danger_learner"
    texts = {text for text, _ in pairs}
    # The scored batches teach it; the everyday set (what false alarms are measured on) and the batches waiting
    # to be scored at first sight never do.
    assert {row["text"] for path in BATCHES for row in rows(path)} <= texts | {
        row["text"] for row in rows(DATA / "everyday.jsonl")}
    assert not texts & {row["text"] for row in rows(DATA / "everyday.jsonl")}


def test_the_learnt_opinion_never_reads_a_batch_waiting_to_be_scored(monkeypatch):
    # A common line ("要得", "yes") may recur in a new batch; what matters is that no waiting file is read.
    from bots.nlu import danger_learner

    read = []
    real = danger_learner.read_rows
    monkeypatch.setattr(danger_learner, "read_rows", lambda path: read.append(path) or real(path))
    danger_learner.corpus()
    assert read and not [path for path in read if "untuned" in str(path)]
    assert any("emergency_heldout" in str(path) for path in read)


@pytest.mark.parametrize("text", [
    "老倌子坐起来就讲天旋地转 眼珠子乱晃 一直在呕",  # the rules' signs, all read as harmless
])
def test_the_learnt_opinion_asks_about_what_the_rules_pass_over_and_never_acts_alone(text):
    from bots.nlu import danger_learner

    danger = assess_danger(text)
    assert danger is not None and danger.level == "weak" and "model" in danger.signs
    # Without the learnt opinion the rules alone let it through (fourteenth session, first round's misses).
    threshold, danger_learner.THRESHOLD = danger_learner.THRESHOLD, 2.0
    try:
        assert assess_danger(text) is None
    finally:
        danger_learner.THRESHOLD = threshold


@pytest.mark.parametrize("text", ["不", "在", "好", "嗯嗯"])
def test_the_learnt_opinion_says_nothing_about_a_word_or_two(text):
    assert assess_danger(text) is None


# The sixth session's classes (batches 82-101), with sentences written for the tests, not taken from a batch.
SIXTH_SESSION_EMERGENCIES = [
    # batches 82-89
    "my aunt was hoeing all afternoon, now suddenly confused and her skin is very hot and dry",  # English heat stroke
    "grandpa smells of meiqi in his kitchen and feels sick, please send someone",  # one pinyin word among English
    "外公 汤圆 卡卡住 快快",  # food stuck and a stutter of hurry, no word for the throat
    "燃起管道好像漏了 一股怪味 我爸还坐在屋里看电视不动",  # a leak beside the screen in the room
    "想问下下个月的体检培训在哪 另外顺便说一句 隔壁大伯家刚才咕咚一声 喊他不应",  # a turn to another matter
    "我妈说她头晕目眩，没法下床",
    "也许没啥事吧 但是我婆婆从中午一直晕 下地就往一边歪",  # a reassurance taken back
    "晨起如厕 跌于地上 至今未能起身",  # classical fall
    "安眠药已备于床头 此生无憾 勿念",  # classical farewell with the means at hand
    "放牛的老周三天没回来了 牛自己跑回来了 电话也打不通",  # not back: 没回来了 is no return
    # batches 90-93
    "can someone check on my uncle? his door has been locked since Tuesday and nobody answers his phone",
    "气漏了",  # terse: asked, never acted on alone
    "别笑话我 一站起来就晕 趴在床边起不来了",  # "don't laugh at me" is no joke
    # batches 94-97
    "🔥🔥 柴房 着了",                       # emoji for the word, and 着了 said of a room
    "👃💨 气臭",                             # a smell of gas in emoji and two words (asked)
    "够柜子顶上的盆 一下卡地上了 整不起来",  # Northeastern: fell, cannot get up
    "孙子下河游泳 没上来",
    "王叔平时天天准时出门买菜 今天没见着 电话没人接 我放心不下",  # 放心不下 is no reassurance
    "灶屋烧起来了 火窜到房梁上了 灭不掉",   # a blaze beside the stove
    # batches 98-101
    "应该没事吧 刚被镰刀划了手 血一直往外冒 按着也止不住",  # a reassurance only guessed
    "我这头一下子晕了 一起身就往地上倒",
    "走两步就要掼 头晕得很",                                    # Wu 掼: to fall
    "沼气管子裂了 嗤嗤往外冒 我把灶火灭了",                     # the stove off, the leak goes on
    "自前日起未见其出门 院门内锁 恐有不测",                     # formal: 前日 is a span
    "mi abuela se cayó y no puede levantarse",
    "奶奶在地上躺着 叫她不应",
    # batches 102-105
    "谢谢上回来帮忙的小伙子 干得可好了 跟你说个事 屋里一股臭鸡蛋味 越来越冲 头也疼",  # praise before another matter
    "my grandpa with dementia has been missing since noon, please help look for him",
    "lao tou 突然bu chu sheng 手zhi zhe 喉咙",                 # pinyin among characters: 不出声, 指着
    "可能是没睡好吧 但是一起来就转得厉害 走两步就得扶墙",
    # batches 106-107
    "我是消防大队宣传科的 在入户发宣传单 一位大娘起身就天旋地转 吐了两次 家里没人",  # a job title, no lesson
    "阿嫲话唔想拖累我哋 安眠药储咗一樽",                           # Cantonese: pills saved up
    "放电影放一半 前排有个老人吃花生卡住了 咳不出来 脸都紫了",     # the film is shown here, the choking is real
    # batches 108-109
    "开水烫了腿 起了好大的泡 皮掉了一块 不要紧 有烫伤膏吗",       # the blisters stay, whatever the writer says
    "my aunt hasn't been seen since Friday and her door is locked from the inside",
    # batches 110-115 (eighth session)
    "屋后的土墙垮了 我妈被压在底下",                                # a person under a fallen wall
    "树倒下来 我爸被压住了 腿拔不出来",
    "隔壁张婶家门从里头反锁着 两天没见人 她闺女在外地打工",         # the daughter's absence explains nothing
    "她说绳子已经系好了 不想再拖累我们",                            # a farewell
    "我爹躺在床上两天不起来 饭也不吃",
    "坡上独住的老太三天没人看到过了 门从里头闩起",                  # batches 126-127
    "没啥大事 就是屋里好像有股煤气味 闻着头晕",                      # gas played down (batches 128-131)
    "grandpa cut his arm deep, blood won't stop",                     # batches 132-133
    "no one has heard from grandma since tue, she lives alone",
    "隔壁老李躺在院子里 叫他没",                                      # a voice message cut off
    "我是放电影的 刚架好机器 突然头晕眼前发黑 站不住",               # the projectionist's job is no film
    "atuk jatuh dalam bilik air, tak boleh bangun",                  # Malay: fallen, cannot get up (batches 122-125)
    "煤气味熏得想吐 阀门拧不动 讲笑话呢 这笑话不好笑了",            # "not funny any more" is no joke
    # eighth session: the classes of the danger model's own corpus that the rules missed, and batches 118-121
    "老伴走了半年了 我也想跟他去 你们别找我了",
    "我是个累赘 死了就没事了",
    "这瓶安眠药吃完就解脱了",
    "他喝醉了又动手了 说今天要打死我",
    "有个陌生人翻墙进来 就在院子里",
    "吃了新开的药 喉咙像被掐住了 浑身痒",
    "my dad's face is drooping and he can't speak properly",
    "割稻子的时候镰刀割到腿 见骨头了",
    "开水泼到奶奶脚上 脚背都烂了",
    "爷爷把降压药一下子吃了一把",
    "奶奶喝了消毒液 当成水了",
    "我妈呼吸好急 一句话只能说两个字",
    "老伴犯羊角风了 抽了好几次还没醒过来",
    "暴雨 后山滑坡 泥巴冲进屋里了 老两口还在里面",
    "隔壁菜放门口三天没人拿 从窗户看见人躺在床底下",
    "奶奶电话从昨天就不通 她平时天天打给我",
    "煤气灶的火灭了气还开着 满屋子味道",
    "我孙子嘴里卡了颗花生 哭都哭不出声",
    "电视上说这就是中风 我爸嘴歪了 刚刚开始的",
    "我妈刚在群里发的视频 外婆家着火了 外婆还在里面",
]
SIXTH_SESSION_LURES = [
    # batches 82-89
    "通报：昨天走失的王大爷已找到，谢谢大家",  # the search is over
    "村东头冒烟是在烧秸秆，非火情，请勿惊慌",  # a fire ruled out
    "救命 年底报表做不完了😭",  # a bare cry about the workload
    "救护车出车收费标准能发一下吗 我贴在墙上",  # what an ambulance costs
    "通知：下周二开展119演练，请各组长组织参加",  # a drill
    "昨晚电视转播那达慕 搏克手把对面摔倒了 真带劲",  # wrestling on the screen
    "他打呼跟高压锅漏气似的 吵得我一夜没睡",  # a simile
    "这火锅辣得我嗓子都冒火了",  # a dish's heat
    "听说着火了要打119还是110 我写在本子上备用",  # which number, written down for later
    "my mom choked up when she saw the photos, so happy",  # choked up with emotion
    "看到孙子的视频一下就哽咽了",  # a sob
    "阿公 去年 跌倒 早就好矣 免操心",  # healed long ago, in Minnan
    "那部剧女主角摔下楼梯 爬都爬不起来 好惨",  # a drama's character
    "我听广播说县城有栋楼着火了 我们村有灭火器吗",  # the radio's news
    "上午给老人讲了中风怎么认 要及时就医 下次讲摔倒",  # a talk given
    "喂 我在路上回不去了 今天晚点到",  # 路上回 is no past tense
    # batches 90-93
    "what's the number for the fire brigade here, 119 right? want to save it on dad's phone, he's fine",
    "答群众问：老人若出现胸闷气短，应拨打120",  # an answer given in advance
    "旧年跋倒过 这阵拢好势了",  # Minnan: healed
    "走失的张奶奶已于昨晚找回",
    "we did a fire drill at the factory today, can the village do one for the elderly",
    "saw the news about a big fire in another city, please remind the old folks to check their heaters",
    "上周约的师傅说好周五来，结果人影都没见",  # a no-show, not someone missing
    "修好水龙头了 零件钱我来出 谢谢",  # 出谢 is never 出血
    # batches 94-97
    "watched a drama where the grandpa fell, made me cry. my mom's fine",
    "火把节 篝火烧得旺 大家跳舞",
    "我爸年轻辰光摔断过腿 现在好好个",
    "如果真遇到老人噎住 应该打哪个号码 以备不时之需",
    "帮我改下通知稿：发现煤气泄漏请立即关阀开窗",
    "提醒一下 路滑 大家别摔着",
    "电视讲外省有栋楼着火 我们这里没事",
    "听戏哭得喘不过气来",
    "是不是漏气 不是的 是灶头脏了",
    "昨天那起火灾已处理完毕 无人员伤亡",
    "明天会落水冇",                        # Hakka: will it rain
    "这个机器人答非所问",
    # batches 98-101
    "我想问问 120是急救 119是火警吧 写在墙上",
    "卫生院提示：如闻到煤气味请立即开窗并拨打急救电话",
    "本月支出：燃气报警器采购五台 待报销",
    "他年轻时候从树上摔下来都没事",
    "开斋节看着一大家子人 嗓子一下子哽住了说不出话",
    "看着孙子的照片 眼泪止不住",
    "if something happens to grandma which number do we call, 120? quiero guardarlo en su móvil",
    "昨晚看法治节目 讲老人跌倒没人扶的事",
    "上周厨房起火已处置完毕 无人员伤亡",
    "想给鸡棚装一氧化碳报警器 先问问价",
    "今天教孙子背诗 野火烧不尽",
    # batches 102-105
    "听讲城里那边昨晚火烧厝 阮这边无代志",
    "过年打铳放花炮 火光光 好热闹",
    "一句话噎得老李半天说不出来",
    "以后如果有人晕倒 是打120还是打你们",
    "睇TVB套剧 个阿公跌低咗",
    "meiqi fei 怎么jiao 微信能交吗",                            # a typed 微 is never 味
    "help 这个号有什么功能",
    "油锅起火一下 盖上锅盖就灭了 没事 顺便问一下灭火毯哪里买",
    # batches 106-107
    "阿公早年跋倒过 这马好好 逐日去钓鱼",
    "冬季用气安全提示：发现燃气泄漏切勿开关电器 应立即开窗并到室外拨打燃气公司电话或119",
    "孙子问120是救护车还是火警 我讲119才是火",
    # batches 108-109
    "佢后生时节跌落过塘 好彩冇事",
    "锅子烧焦哉 笑煞人 覅当真",
    "救护车下周年检停运半天 有事直接打县里120",
    "the ambulance number in China is 120 right? want to put it on a card on mum's fridge",
    # batches 110-115 (eighth session)
    "明天起不来那么早 晨练就不去了",                  # too early to get up
    "液化气快用完了 火苗小得很 送气电话多少",         # a small flame: the cylinder running low
    "前年摔断了腿 现在全好了 走路很稳",               # healed, and told so
    "学校里教孩子打119 回来还考我",                   # a lesson
    "我还以为老李摔了一跤 走近一看在捡东西",          # a fall only believed
    "厨房的灯两天没亮了 哪个会修",                    # a fitting out, nobody missing
    "三组那几个重度残疾人 想请村医上门量血压",        # 重度 is never 中毒
    "我走不开 麻烦你们帮我妈交下电费",                # busy, and 麻烦 is no numbness
    "今天睡了个懒觉 九点才起 起不来哦",               # a lie-in
    "柴火烧没了 明天得去山上砍",                      # firewood used up
    "谁说我起不来 我六点就下地了",                    # denied with scorn
    "老伴前年从梯子上跌下来那回 到现在一下雨腿还酸",   # an old fall aching in the rain
    "带爷爷去看 fire show 超好看",                    # fire to watch
    "支架做了三年 最近挺好 没有胸闷 问问药还吃不吃",  # the symptom denied, all well
    "上周摔倒的王奶奶今天来换药 伤口长得很好 自己走着来的",
    "讲座上讲噎着咋办 我学会了海姆立克",              # the lesson's topic
    "上个月跌亲只脚 而家拆咗石膏 冇事喇",             # the cast is off
    "明天食堂烧什么菜 有人问我 我答不上来",           # a question the writer could not answer
    "作业好难 救命 12加25等于几",                     # homework
    "下雨屋顶漏 盆盆罐罐都摆满了",                    # pots under a leaking roof, no gas cylinder
    "店里的煤气罐到了 一罐120 要的来拿",
    "下周讲胸口疼咋办的健康课 我想去听",
    "养生堂说胸口闷可能是心梗 我没闷 就问问",
    "好几天没见着老刘 我还担心 原来去闺女家了",
    "十年前摔断过腿 阴天还有点酸",
    # ninth session, batches 146-149: now asked at most
    "你们上门敲门没人应 是我下地去了",                 # the writer was the one away
    "敲门没人应 隔壁说她去女儿家了",                   # away, and told so
    "饺子煎好了 满屋子烟 香得很 给你送点",             # frying smoke
    "那心口疼的毛病老早就治好了 今年体检都正常",       # healed long ago, checked normal (batches 164-165)
]


@pytest.mark.parametrize("text", SIXTH_SESSION_EMERGENCIES)
def test_sixth_session_classes_are_recognised(text):
    assert assess_danger(text) is not None, text


@pytest.mark.parametrize("text", SIXTH_SESSION_LURES)
def test_sixth_session_lures_raise_no_alarm(text):
    danger = assess_danger(text)
    assert danger is None or not danger.certain, (text, danger)


def test_a_harmless_word_a_sign_pattern_only_looks_around_for_does_not_pick_the_sign_character():
    # 未 appears in sign patterns mostly as what to look around for (没回来 is not 回来了): wei is still the smell.
    assert "味" in fold("厨房 好大 mq wei")
    # What a pattern only looks around for is left out of the count that picks the character.
    from bots.nlu.dialect import _LOOKAROUND
    assert _LOOKAROUND.sub("", r"(?<![没未不])回来了") == "回来了"
    assert _LOOKAROUND.sub("", r"(幸好|好在)(?!.{0,2}(带|揣|手机))") == "(幸好|好在)"


# Ninth session: one new sentence per class that batches 134-141 missed or alarmed on at first sight (docs/nlu.md),
# with the level a person would expect: certain is acted on at once, "asked" costs the safety question, None nothing.
NINTH_SESSION = [
    ("进屋一股煤气味 火早灭了 旋钮还开着 我妈坐在那迷迷糊糊", "certain"),  # the flame out, the valve still open
    ("村里孙大爷一个人住 今天没来领药 打电话也没人接", "certain"),          # alone, and missing twice over
    ("阿公出海到这阵都未返 拍电话拍无通 阮急死", "asked"),                  # Minnan: not back, the phone unreachable
    ("前年走失过的刘奶奶今天在村口晒太阳 气色好得很", None),              # a past loss names the person
    ("跌倒检测手环准不准 误报多不多 想给我妈买", None),                    # a fall detector asked about
    ("谢谢你们 前天摔了 我好了", None),                                    # thanks for a fall that is over
    ("我爸心电图都正常 大夫说胸口闷是焦虑 想带他去跳跳舞", None),          # checked, and a harmless cause
    ("前几天跌了一跤 膝盖划了个口子 现在结痂了 跟你们讲一声", None),        # healed over
    ("电视底一个阿婆跋倒 阮看着真可怜 戏拍得真好", None),                  # Minnan: on the television
    # batches 142-149
    ("奶奶在厨房滑倒了 视频里说站不起来 真的不是段子 谁在附近", "certain"),  # the show is denied
    ("我爸摔到床底下了 手机够不着", "certain"),
    ("村里通报 昨晚燃气泄漏已妥善处置 无人员伤亡", None),                  # a notice of a leak dealt with
    ("炉子里的火烧得正旺 屋里有点烟 都来烤火", None),                      # the stove burns well
    ("电动车车胎没气了 哪里能打气", None),                                # the tyre, not a breath
    ("嗓子唱冒烟了 明天还去排练", None),                                  # hoarse
    ("信里说孙子学电焊 她忧心触电", None),                                # a worry about what may happen
    ("笑得喘不上气 胸口好痛 出冷汗", "certain"),                           # a laugh does not explain the chest away
    # batches 150-153
    ("拔倒了 企未来 紧来帮我", "certain"),                                  # Minnan by sound: fallen, cannot stand
    ("头楞甲足厉害 企未起来", "certain"),
    ("路上结冰了 能不能帮忙撒点盐 别到时候摔了", None),                    # a fall prevented, not told
    ("he told us he helped put out a forest fire when he was young", None),
    ("fire in grandma's shed, we cannot put it out", "certain"),
    ("奶奶上回说心口疼 后来查了没事 今天精神好得很", None),
    ("我个窑里今天烧瓷 火好大 烟也多 莫让人报警", None),                  # a kiln fired on purpose
    # intent batches 81-82: requests that read like trouble
    ("我想跟真人说话 机器讲不清楚", None),                                 # the bot is unclear, nobody slurs
    ("约下的人说来帮我收玉米 等了一天也没见个人影", None),                # a helper who did not come
    ("要劈点柴 我抡不动斧头 谁来帮下", None),                              # the axe is for the wood
    # batches 154-157 and intent batches 83-84
    ("吃麻辣烫辣得我喘不过气 过瘾", None),                                 # chilli, not a failing chest
    ("去年摔伤的地方 天冷就酸 贴膏药有用吗", None),                        # an old injury that aches in the cold
    ("我要砍点柴过冬 背不动 谁帮我背下山", None),                          # 砍 the wood, nobody
    ("他拿着砍柴的斧头说要砍死我", "certain"),                             # ... unless a person is threatened
    ("看戏的时候我爸突然倒了 叫不醒", "certain"),                           # a show in the room explains nothing
    ("王大爷腿摔伤在家休养 需要连续一周送饭上门 请派单", "asked"),         # care while it heals: asked at most
    # batches 158-159 and intent batches 85-88: requests that read like trouble
    ("帮五保户砍点柴 搬运到家里", None),                                  # 运到 is never heard as 晕倒
    ("我婆婆瘫着 晚上能不能来个人陪一陪", None),                           # night company for the bedridden
    ("周末来帮我把床单被子洗了", None),                                    # 子洗 is never heard as 窒息
    # batches 160-163
    ("王婆婆三天不曾开门 喊了半天么得人应", "certain"),                     # 不曾, 么得人应 folded
    ("我妈一个人在老家 电话打了一早上没人接 平时都接的 麻烦去看看", "certain"),  # alone, calls unanswered
    ("隔壁婶子躺在菜地里 动都不动 叫了几声冒得反应", "certain"),
    ("前年摔过一跤 现在腿子好了 想问问理疗", None),                        # healed: 腿子好了
    ("水泵烧了 一股糊味 不是煤气 明天换个新的", None),                     # a burnt-out motor
    ("谢谢上回帮忙 我老伴胸口闷那次的检查结果出来了 一切正常", None),      # a past check found nothing
    ("上次检查一切正常 可今天胸口又痛得厉害 出冷汗", "certain"),             # ... which says nothing of today
    # batches 164-165 and intent batches 91-94
    ("后天去检修沼气池 哪家有漏气的提前说一声", None),                      # a maintenance round announced
    ("上周下的单到现在都没人接 太差了", None),                              # an order nobody took
]


@pytest.mark.parametrize("text,expected", NINTH_SESSION)
def test_ninth_session_classes_get_the_level_a_person_would_expect(text, expected):
    danger = assess_danger(text)
    level = None if danger is None else "certain" if danger.certain else "asked"
    # "no alarm": a lure the rules read as harmless, where the learnt opinion (danger_learner.py) may still ask.
    assert level == expected or expected == "no alarm" and level != "certain", (text, danger)


# Tenth session, batches 166-173 at first sight: one new sentence per class missed or alarmed (none is a
# batch line); each fails on the tree before the round (9db1bdb).
TENTH_SESSION = [
    # the flame out under the pot and the smell: the gas runs on unlit
    ("厨房里煤气味好重 锅下面的火不知道啥时候熄了", "certain"),
    # a fitting hissing under the stove, no gas named, after a harmless guess
    ("还以为是谁家烧秸秆 一看灶下那根管子嗤嗤响 味儿冲得睁不开眼", "asked"),
    ("邻居家老汉掉水渠里 拉上来了 不呼吸", "certain"),  # a ditch (水渠 is no Gan 'he'), pulled out not breathing
    ("放鞭炮把手指头炸伤了", "certain"),  # a firecracker blast injury
    ("手被割草机划得血淋淋的", "certain"),  # a bloody wound
    ("我哥三天没回微信 不过看到他在群里抢红包 知道他好好的", None),  # the absence explained: known to be fine
    ("前年跌个跤 早就好欸", None),  # healed, with a dialect particle
    ("燃气报警器一直嘀嘀叫 是电池没电了 谁来帮我换一个", None),  # the alarm chirps for its battery
    ("前天看了个讲天然气中毒的节目 赶紧把窗户打开了 你们说对不", None),  # a programme about gas poisoning
    ("那个老生晕倒那段演得真好", None),  # acting praised
    ("跟你讲个古 以前村里有人触电 后来救过来了", None),  # a story told (讲古)
    ("熏鱼鲞 满屋子烟味", "asked"),  # smoked fish fills the room: asked, as cooking smoke that fills a room is
    ("老伴问我 吃饭噎着了咋办 给讲讲那个拍背的方法", None),  # a method asked for by name
    # batches 174-181: each fails on the tree before their round (a0fabeb)
    # the room spinning, afraid to fall: asked when written; since the eleventh session "房子就转" is read as
    # dizziness too, and dizziness beside a fear of falling is acted on at once, as "房子转 我怕倒" (batch 174) was
    ("一起身房子就转 我怕倒", "certain"),
    # a stranger who cannot say where she lives, walking the road
    ("碰到个老婆婆 讲不清家在哪 穿着拖鞋在路上走", "asked"),
    ("厨房石油器罐嗞嗞响 好大味", "certain"),  # LPG heard as 石油器, hissing
    ("灶头关掉了还是有股煤气味 头有点昏", "certain"),  # shut off, and the smell stays
    ("我以为是做梦 煤气味一直在 鼻子里都是", "certain"),  # thought a dream, and the smell stays
    ("隔壁老李好几天没声音了 平时天天听他咳嗽", "certain"),  # days without a sound from next door, who coughs every day
    # the caller's whereabouts explain nothing
    ("我和我妈打了一天电话 外婆都没接 她一个人住 我妈在城里上班 谁能去看看", "certain"),
    ("我爷爷年轻时掉进河里 被人救起来 他天天讲", None),  # a story the old man tells every day
    ("前年烧炭差点中毒 现在装了烟囱", None),  # poisoning only nearly happened, long ago
    ("电视剧里有人噎住了 我爸问我咋办 我教了他", None),  # a show asked about, and taught
    ("学校教了噎住了咋个办 孙女回来演示给我看", None),  # a lesson from school, shown at home
    # batches 182-189: each fails on the tree before their round (960b299)
    ("灶里的火引着了柴垛 后墙也着了", "certain"),  # a fire that caught the woodpile and a wall
    ("天黑了 我不知道这是哪 走不回去", "asked"),  # lost after dark
    ("娃娃吞了颗花生 卡咧 没声", "certain"),  # Minnan: stuck, and no sound
    ("阮阿嬷巴倒啊 起未来", "certain"),  # Minnan 跋倒 heard as 巴倒, 起未来
    ("前年跌过一跤 依家好晒啦", None),  # healed: Cantonese 依家 (now)
    ("杀年猪要烧大火 烟大得很", None),  # a fire for a pig-killing feast
    ("李家柴房着火那回是前年的事了 早就重盖了", None),  # a fire told first and dated after
    ("我年轻时候救过火 那场火烧了两天", None),  # a fire fought when young
    ("阿婆话电饭煲冒烟 原来系米汤溢出嚟", None),  # a rice cooker boiling over
    ("火笼头的火烧得旺 烤苞谷吃", None),  # a fire pit burning well, corn roasting
    # batches 190-197: each fails on the tree before their round (64e9b3c)
    ("头昏昏的 走路不行 会倒 快喊人", "certain"),  # dizzy said 头昏昏, unable to walk said 走路不行
    ("吃汤圆卡主了 出不了其", "certain"),  # 卡住 and 出不了气 as voice input writes them
    ("大门口椅子上有个老头 人歪着 叫他眼睛都不睁", "certain"),  # eyes not opening when called
    ("屋里燃气报警一直响 爸不接电话 谁去看看", "certain"),  # a gas alarm sounding, told tersely
    ("村口有个老伯倒落去 不会讲话了", "certain"),  # Minnan 倒落去, and no longer speaking
    ("我整理了步骤 煤气报警器响了怎么办 转给大家", None),  # a how-to passed on
    ("烟筒接好了 想问一氧化碳报警器有卖吗", None),  # an alarm asked for sale
    ("那个汤香得要晕过去了", None),  # so tasty one could faint
    ("沼气灶点不着 不漏气 就是打不着火", None),  # the leak denied
    ("听师父讲 跌倒了心不要倒", None),  # a saying heard from a monk
    ("昔年余尝晕厥，今已康健如初，诸君勿念", None),  # classical Chinese: long recovered
    ("听了一晚上黄梅戏 哭得心口疼", None),  # moved to tears by an opera
    ("你们那个手环 老人摔倒了会自动报警吗", None),  # what a device does, asked
    ("今日拜山 烧咗好多衣纸 烟好大", None),  # tomb sweeping burns paper
    # batches 198-205: each fails on the tree before their round (fb6f0c2)
    # called, and no voice in answer; the door shut for days
    ("后院的老人 三天 门没有开 鸡没有喂 叫他 没有声音", "certain"),
    ("切菜切到手 血流得好多 按了半天还在流", "certain"),  # bleeding that goes on under pressure
    ("燃气报警器手机上一直在报 家里电话没人接", "certain"),  # an alarm pushed to the phone (在报), and nobody answers
    ("阿伯瞓喺门口成朝 冇郁过", "certain"),  # Cantonese: lying at the door all morning, not moved
    ("炉子的火窜出来 把窗帘点着了", "certain"),  # the fire caught the curtains
    # the head buzzing, spinning on standing, cannot stand holding on
    ("脑袋嗡嗡的 一站起来就转 扶着桌子都不行 要栽", "certain"),
    ("老伴去山上砍柴 一夜没回来 电话打不通", "certain"),  # out all night (一夜) and unreachable
    ("屋后烧荒 火引到草堆了", "certain"),  # a field fire spreading to a haystack
    ("我头县得厉害 企无稳", "certain"),  # 头县 heard for 头眩, Minnan 企无稳
    # a history of heart trouble does not explain the absence away
    ("名单上的王老人今天没来 电话不接 前天起就没见过他 他有心脏病史", "certain"),
    ("看电视剧里老头摔倒了 咱们这手环能喊人不", None),  # a show, then a wristband's features asked
    ("孙女问火警电话是不是119 学校要考", None),  # a fire number asked for a school test
    ("电视剧里有人煤气中毒 我赶紧去看了看阀门 没事儿", "asked"),  # a show, then the valve checked: asked at most
    ("旧年跋倒彼下 今已好了", None),  # Minnan: 今已好了
    # guards found by the review: each fails on 6d68620, where a fix above went too far
    ("水管不漏水 但是厨房煤气味很重 头晕", "certain"),  # a water pipe that does not leak denies no gas leak
    ("去年摔那次是去年的事了 今天又摔了 起不来", "certain"),  # a dated memory beside today's fall
]


@pytest.mark.parametrize("text,expected", TENTH_SESSION)
def test_tenth_session_classes_get_the_level_a_person_would_expect(text, expected):
    danger = assess_danger(text)
    level = None if danger is None else "certain" if danger.certain else "asked"
    # "no alarm": a lure the rules read as harmless, where the learnt opinion (danger_learner.py) may still ask.
    assert level == expected or expected == "no alarm" and level != "certain", (text, danger)


ELEVENTH_SESSION = [
    # out of doors, asleep it seemed, and not stirring or answering
    ("隔壁大伯睡在院坝里 动都不动", "certain"),
    ("河边睡了个老太 叫她冇得反应", "certain"),
    ("老李骑摩托翻河沟里了", "certain"),  # overturned into a ditch
    ("我头转 快要倒了", "certain"),  # the head spinning, about to fall
    ("灶上火灭了 气还在往外冒 臭得很", "certain"),  # gas named only as 气, still coming out
    ("阿公佇灶脚跋下来 躺着袂振动", "certain"),  # Minnan: fell down, cannot move
    ("小囡吃糖 卡住了 不会哭了", "certain"),  # stuck, and no sound
    ("隔壁王叔 喊了好久没得人答应 门也关着", "certain"),  # 没得人答应
    ("我婆婆两天没接电话 公公去城里了 她一个人在家", "certain"),  # one went away, the other is home alone
    ("炕上坐着说头晕 下不了地", "certain"),  # cannot get down from the kang
    ("我娘让大水冲走了", "certain"),  # swept away, told with 让
    ("报经器一直响 屋里有股味", "certain"),  # the alarm typed by sound, and a smell
    ("有个老太太冻得直哆嗦 问她家在哪说不明白", "certain"),  # shivering and confused
    ("电视里向演个老头摔倒送医院 看得我心慌", None),  # Wu 里向: on the screen, taken to hospital in the plot
    ("田里烧禾秆 好大的烟", None),  # burning straw
    ("前年摔了一跤 今年好了 又能下田了", None),  # healed, back in the fields this year
    ("想问下讲煤气中毒的那个会啥时候开", None),  # when the talk is
    ("苹果树要打药 百草枯现在不让卖了 用啥好", None),  # spraying, nothing swallowed
    ("煤气灶点不燃 怕是没得气了", None),  # the cylinder is empty
    ("电视咧搬人跋倒 足好看", None),  # Minnan: a show
    ("grandpa choked on fish last time, no worries now", None),
    ("我奶天天念叨没人说话 隔两天去陪陪她", None),  # lonely; a visit every other day
    ("订的午饭昨天没人送 电话也没人接 咋回事", None),  # the meal never came: the canteen's silence
    ("血压好久冒量了 来个医生量下", None),  # blood pressure not measured (冒 = 没), nothing bleeds
    ("我还能动弹 报个志愿者 包饺子啥的都行", None),  # 饺子啥 is not 自杀 by sound
    ("我腿抬不起来 能来个人帮我洗洗澡不", "asked"),  # a polite request does not make a weak sign certain
    # round 4
    ("燃汽报警器推送到手机上了 我爸电话不接", "certain"),  # 燃汽 typed for 燃气, the alarm pushed to the phone
    ("走路打偏偏 一睁眼屋就转", "certain"),  # Sichuan 打偏偏, the room spinning
    ("上香的时候把帘子点着了 火烧到房梁上了", "certain"),  # a blaze beside incense
    ("看完电影回家 厨房一股煤气味 阀门好像漏了", "certain"),  # the film is over, the gas is now
    ("杀猪燎毛 烟大得很 别寻思着火了", None),  # singeing a pig
    ("前年摔了一跤 如今腿脚利索了", None),
    ("上回头晕早就过去了", None),
    ("前年 摔跤 好了", None),
    ("早起好 今天天气不错", None),  # 早起 is not 沼气
    ("家里有事没法到场 请志愿者帮忙收稻子", None),  # 没法到 is not 滑倒
    # round 5
    ("wsdl tt", "certain"),  # pinyin initials: 我摔倒了 头疼
    ("xkt cbsq", "certain"),  # 心口疼 喘不上气
    ("lb yzl bnsh", "certain"),  # 老伴 噎着了 不能说话
    ("孩子吃枣卡住了 不哭也不出声", "certain"),  # a child who does not cry is silent, not fine
    ("胶囊卡住 气没有", "certain"),  # a capsule stuck, no breath
    ("村里在烧田埂上的草 冒好大的烟", None),  # burning the grass on the field ridges
    ("腿上烫了个泡 自己换不了药 谁来帮我换换", "asked"),  # a dressing to change: asked, not acted on
    # round 6
    ("后头那家老汉屋里灯一直亮起 敲门莫得人开", "asked"),  # the light on all along, nobody opens: asked, soon
    ("火着了 屋里好多黑烟 我老伴还在里头出不来", "certain"),  # 火着了, someone inside
    ("感谢大家这一年的付出 协会给大家拜个早年", None),  # 付出 协会 is not 出血 by sound
    ("老伴走了以后衣裳没人洗 堆了好几天 谁来帮我洗", None),  # laundry to wash, not clothes left out
    # round 7
    ("伢在河里洗澡沉落去了", "certain"),  # Wu 沉落去: sank
    ("从塘里捞上来 不会透气了", "certain"),  # pulled out, not breathing
    ("阿公上个月 stroke 住院 now discharged 了 thanks", None),  # out of hospital, in English
    # round 8
    ("奶奶从台阶上打倒了 没得力气起来", "certain"),  # fell from the steps, no strength to get up
    ("路边有个人趴到那里 我喊他他也不动", "certain"),
    ("王婆婆家电表好多天没动过 叫门没人 屋里一股味", "certain"),  # the meter still, nobody at the door
    ("隔壁阿叔跌亲系旧年嘅事 而家日日去饮茶", None),  # Cantonese: last year's fall, tea every day now
    # round 9
    ("他闺女在城里上班 说她爸电话两天没人接", "certain"),  # the reason is the reporter's, not the silent one's
    ("额妹子在广州打工 说她妈电话打不通两天咧", "certain"),
    ("阿伯一个人蹛 电话三工无接", "certain"),  # Minnan: lives alone, three days unanswered
    ("我想把微信跟我爸的账号绑一起", None),  # 微信跟 is not 心梗 by sound
    # review guards: each failed on 3d40216, where a fix above went too far
    ("田里的秧苗让水冲走了", None),  # seedlings swept away, not a person
    ("高压锅气还在往外喷 能开盖不", None),  # steam, not gas
    ("自行车胎气没了", None),  # a flat tyre: 气没了 is no breath only after choking (fails on 475bf85)
    ("我在床上躺着 今年雨多下不了地", "no alarm"),  # the fields too wet to work; the learnt opinion may ask
    ("他家的菜地让水冲走了", None),  # a field swept away: the person named is its owner
    ("我头转不过来 落枕了", "no alarm"),  # a stiff neck; the learnt opinion may ask
    # guards: each failed on a draft of the fixes above that went too far
    ("隔壁阿婆隔两天没见她出门 敲门也没人应", "certain"),  # 隔两天 here is how long, not how often
    ("早起池那根管子破了 一屋臭味", "certain"),  # 早起池 is 沼气池 typed by sound
    ("我爸早起滑倒了 起不来", "certain"),
    ("电视在放 我爸突然倒地上了", "certain"),  # the screen on in the room, the father's fall real
    ("煤气罐没气了 我妈倒在厨房 没气了", "certain"),  # an empty cylinder beside a mother not breathing
    ("电视里演人摔倒了 我妈也摔了 要送医院", "certain"),  # the family's own fall beside the show
    ("下菜窖 梯子倒了 窖里闷得慌 上不来", "certain"),  # the cellar's air, not boredom
]


@pytest.mark.parametrize("text,expected", ELEVENTH_SESSION)
def test_eleventh_session_classes_get_the_level_a_person_would_expect(text, expected):
    danger = assess_danger(text)
    level = None if danger is None else "certain" if danger.certain else "asked"
    # "no alarm": a lure the rules read as harmless, where the learnt opinion (danger_learner.py) may still ask.
    assert level == expected or expected == "no alarm" and level != "certain", (text, danger)


# Twelfth session: fresh batches 266-313, each round scored at the last commit before it. Each case (in my own
# words for the class, not a batch's sentence) failed at the commit that scored its round, except the guards, which
# failed on a draft of a fix that went too far.
TWELFTH_SESSION = [
    # round 1: lying out of doors, a knock through the window, a fall verb of the Wu and Hubei speakers
    ("看见婶子趴在炕上 敲窗户也不动弹", "certain"),
    ("五叔跶在路边 不出声", "certain"),
    ("一立起来就要掼倒 头昏得来", "certain"),  # 起来就要 is about to fall, not back at work
    ("要栽了 头好晕", "certain"),  # about to fall, very dizzy
    ("跌在灶屋里了 我一个人拉不起她", "certain"),  # fallen, too heavy for the one who found her
    ("头好昏 床上躺着不敢动", "certain"),
    ("过年打糍粑 灶里柴火烧得旺", None),  # the stove burns well
    ("插头烧焦了 想换个新的 哪种好", None),  # a burnt-out appliance to replace
    ("他前年从山上跌下来 骨头接好了 现在照样上山砍柴", None),  # a past fall, at work again now
    ("上个月跌了一跤 石膏拆了 医生说长得蛮好", None),
    ("电视上讲胸口疼得赶紧上医院 真的假的", None),  # a claim heard and asked about
    ("讲座上说心口痛要打120 那胃胀算不算", None),
    ("炸圆子油烧到冒烟再下锅", "asked"),  # cooking oil: asked at most
    # round 2: someone alone while the other is away, pinned and silent, a fall told as 我倒了
    ("奶奶去城里陪床了 爷爷一个人在老屋 两天电话没人接", "certain"),
    ("婆婆回娘家了 家里就公公一个 电话三天打不通", "certain"),
    ("摩托翻到田边沟里了 车压在他腿上", "certain"),
    ("喊了几声 人在沟底下不动", "certain"),
    ("厕所地滑 我倒了 腿不能动", "certain"),
    ("老王昨儿黑夜没回来 人找不见", "certain"),
    ("孙子练武摔了个屁股墩 笑得嘎嘎的", None),
    ("邻居问降压药和鱼油一起吃会不会胸闷", None),
    ("手腕摔了打着石膏 能来个人帮我做几天饭不", None),  # care while the break heals (no question since the 13th)
    # round 3: a child stuck and silent, unsteady sitting up, a slope, a person seen on the floor, a threat
    ("孙子吞了颗糖 卡住哩 出不得声", "certain"),
    ("晕 屋顶在转 坐都坐不稳", "certain"),
    ("房子转 不能走 来人", "certain"),
    ("阿伯喺田基瞓低咗 揾佢冇应", "certain"),  # Cantonese: lying on the field ridge, no answer
    ("掉下去坡子了 腿不会动", "certain"),
    ("院里狗一直叫 从门缝看见地上躺个人", "certain"),
    ("阮囝讲欲食农药 电话无接", "certain"),  # Minnan: my son said he would take pesticide
    ("鱼刺卡喉咙 去卫生院夹出来了", None),
    ("夜饭烧糊了 一屋烟 窗开开散掉了", "asked"),
    ("寺里煨桑 烟好大", None),  # Tibetan incense offering
    ("血糖仪怎么用 扎手指出血太少", None),
    ("上次晕倒是没吃早饭 现在天天吃了", None),
    ("一氧化碳报警器的电池多久换", None),
    ("志愿者活没干完就走了", None),  # 者活 is not 着火 by sound
    ("明天秧就要栽了", None),  # planting, not about to fall
    # guards: each failed on a draft of the fixes above that went too far
    ("忙得我头都晕了 哈哈", None),  # busy, not dizzy
    ("老伴中风后走路不稳 我扶不动他洗澡 想请个人帮忙", "asked"),  # care asked, never acted on at once
    ("爷爷说家里有煤气味 我们跑到外面了 他说不要开灯 是真的吗", "certain"),  # a real leak beside 是真的吗
    ("我打了胰岛素还没吃饭 这会儿心慌手抖 一身虚汗", "certain"),  # 这会儿 is not a what-if
    ("酥油灯倒了 帐篷烧起来了 里面还有人", "certain"),  # a lamp of worship, a real blaze
    # round 4 (batches 290-297, scored at b204a33): each failed there
    ("他妈说闻到天然气味 还以为是谁家做饭 我觉得不对劲", "certain"),  # a guess the writer doubts at once
    ("坡下头 有个老者 趴起的 喊他 不晓得应", "certain"),
    ("孙子吃了一把他爷爷的安眠药", "certain"),
    ("细路含住粒糖 卡到 唔出得声", "certain"),  # Cantonese: stuck, no sound
    ("隔壁阿婆在牛圈边上躺着 叫了不起来", "certain"),
    ("喂鸡的时候绊倒了 腿动不了", "certain"),  # the hens fed, the person fell
    ("一氧化碳报警器到货了 要的吭声", None),
    ("打火机没气了 哪有卖的", None),
    ("看救火的电视 孙子问我119是做啥子的", None),
    ("炒茶锅子要烧红了再下叶子", None),
    ("敲了半天门没人应 原来全家都去赶集了 东西放门口了", "asked"),  # explained, still asked at most
    ("电焊火花别盯着看 伤眼睛", None),
    ("刘婶上回说晕倒了 今天碰见 精神着呢", None),
    ("看电视 屋里着火了", "certain"),  # watching the screen in a room on fire: the fire is real
    # guard: failed on a draft where 看…的电视 was a story without being the screen in the room
    ("在看唱戏的电视 我爸突然倒了", "certain"),
    # round 5 (batches 298-305, scored at 633abbf): each failed there
    ("孙子去河边游泳 没浮起来", "certain"),
    ("他早上说去赶集 到现在没回 电话通了 只听到喘气", "certain"),  # answered, only breathing
    ("早上一睁眼 屋子跟船似的晃 下不了床", "certain"),
    ("老汉半拉身子不听使唤 说话拌蒜", "certain"),  # Northeastern: half the body, slurred
    ("小孙子游泳沉下去了 捞上来不会喘气", "certain"),
    ("孙女摸了电门 电打住了 现在不哭不动", "certain"),
    ("刚才闻到点煤气味 结果是邻居在炒菜 虚惊一场", None),
    ("邻居问俺家是不是着火了 不是 是烧炕的烟从烟囱冒出来", None),
    ("那台旧电视一插电就冒火花 我给收走了", None),
    ("血糖仪扎完手指出血了 正常不", None),
    ("夜里做梦掉河里了 吓醒了", None),
    ("灶上换了电磁炉 不用烧柴 烟少好多", None),
    ("去年摔伤的手腕 今年能舂米了", None),
    ("中风个老伴而今会自己拄棍出门了", None),  # the one who had a stroke walks again
    ("村医来讲中风的事 讲得好", None),
    ("一个人行冇意思 想揾个人陪我行下", None),  # 没意思 (boring) is not 没意识 by sound
    ("那几亩麦该浇了 那水带子太重 我一个人拉不动", None),  # 那水带 is a hose, not 落水 by sound
    ("两袋米吃不掉 送给食堂", None),  # 掉…堂 is not 掉…塘 by sound
    # review guards: each failed on 1f7aa00, where a rule of this session reached too far (倒 as "pour", a stroll,
    # a sack, a rusty lock, sleeping pills, a load on the back, planting) or hid a real emergency
    ("我倒了开水给她泡脚", None),  # 倒 is to pour
    ("我倒了三趟车才到县城", None),  # to change buses
    ("这个事我倒了解一点", None),
    ("我爸遛跶到地里看庄稼去了", None),  # a stroll
    ("米袋子掉在地上了 我拉不动 帮我搬进屋", None),  # a sack, not a person
    ("门锁生锈了 敲了半天也不动", "no alarm"),  # the learnt opinion may ask
    ("叫了他几声 他不动 赖床呢", None),
    ("老母鸡趴在院子里不吭声 是不是要抱窝", None),
    ("我妈每次吃完饭都要吃降压药", None),
    ("最近睡不着 想吃安眠药 能不能帮我开点", None),
    ("一捆柴压在我背上 走了十里路 累死了", None),
    ("辣椒苗明天要栽了 谁来帮一下", None),  # planting
    ("老头子在家坐不住 天天要往外跑", "no alarm"),  # restless; the learnt opinion may ask
    ("刀拔出来了 血止不住 快来人", "certain"),
    ("钉子扎手指头了 一直出血 止不住", "certain"),
    ("奶奶看中央台的电视看着看着 突然倒地上抽搐", "certain"),
    ("炸酥肉的油溅出来 把帘子点着了", "certain"),
    ("刚才人还好好的 突然就倒地上不动了", "certain"),
    ("原来他在田里晕倒了 叫不醒", "certain"),
    ("老头精神很萎靡 叫不醒 呼吸很弱", "certain"),
    ("石膏拆了 今天又摔了 腿肿得老高 起不来", "certain"),
    ("村医你再讲一遍 他喘不上气了怎么办", "certain"),
    ("昨晚提醒他别喝那么多 今早发现他倒在路边 叫不醒", "certain"),
    ("平安钟刚换的电池 今早我妈按了 跑过去一看她倒在厕所起不来", "certain"),
    ("酥油灯倒了 经堂里全是烟 阿妈还在里面", "certain"),
    # round 6 (batches 306-313, scored at c1e1345): each failed there
    ("路边碰到个老太太 问她哪个村的说不清 天快黑了", "certain"),  # lost and confused
    ("天棚直转悠 眼前冒金星", "asked"),
    ("我扶着桌子呢 一撒手就得倒", "asked"),
    ("油锅起火了咋办 先问问 以后好防", None),  # asked ahead of time
    ("卤面要大火 葱头先爆香", None),
    ("天然气啥时候通到我们村 烧柴烟太大", None),
    ("昨天电话没人接 是我在田里没带手机 莫操心", None),  # the writer's own absence explained
    ("咸菜坛子口冒白沫 还能吃不", None),
    ("我爸自打我妈走了就不爱说话 能不能找人陪他下下棋", None),  # 自打 is since, nobody is hit
    ("割稻子伤了手 拿不稳锅铲 请个人来帮我做几天饭", None),  # a cut hand, no stroke
    ("我虽然七十了 还想当志愿者", None),  # 然七 is not 燃气 by sound
]


@pytest.mark.parametrize("text,expected", TWELFTH_SESSION)
def test_twelfth_session_classes_get_the_level_a_person_would_expect(text, expected):
    danger = assess_danger(text)
    level = None if danger is None else "certain" if danger.certain else "asked"
    # "no alarm": a lure the rules read as harmless, where the learnt opinion (danger_learner.py) may still ask.
    assert level == expected or expected == "no alarm" and level != "certain", (text, danger)

# Thirteenth session: the classes its six rounds of fresh batches (314-361) missed or alarmed, in sentences
# of our own, and the two reviews' mends; each failed at the commit that scored its round (ca164f1, adcb150 or
# 06d6ec4) except the marked guards.
THIRTEENTH_SESSION = [
    # round 1: gas escaping named as 气, hissing, a valve that will not shut; the flame out and 气还在放
    ("气跑了 哧哧的 关不住", "certain"),
    ("灶火熄了 气还在放 一屋子怪味", "certain"),
    ("炉子火灭了 没气 开关开着 咝咝往外冒", "certain"),  # the flame starved, the gas still coming
    ("昏 要到了 快来", "certain"),  # 倒 written 到 by sound, dizzy
    ("晕车 快要到了吧", None),  # guard: carsick and nearly there
    ("Oma 电话 keine Antwort 两天了 谁去看看", "certain"),
    ("给外公打了二十几个电话 两天了 哪位邻居去看看", "asked"),  # a dozen calls over days: unanswered
    ("野猪把老汉腿咬了 血呼呼的", "certain"),  # bitten, told with 把
    ("老伴在河泡子里头扑通一下沉下去了 没上来", "certain"),
    # round 1 lures: what was taught noted down; told not to call; denied fires; a past fall healed
    ("妇联来讲了 吃汤圆噎着要拍背 我记住了", None),
    ("熏香肠烟大 别打119 是我家在熏", None),
    ("屋后烟好大 唔系火烧屋 唔使惊", "asked"),
    ("今年初跋倒彼回 这马拢好势 免烦恼", None),
    ("差点在台阶上滑倒 扶住栏杆了", None),  # a near miss with words between
    ("手机死机了 一下午没动静 咋整", None),  # the phone, not a person
    ("隔壁烟筒不冒烟 是去城里儿子家了 我问过了", None),
    # round 2: falling forward dizzy; an alarm going on with a hurry; a gas smelt; swallowed and gone blue
    ("早起头晕 屋里在转 一下就往地上栽", "certain"),
    ("家里报警器一直滴滴叫 她闻不到 快找人去", "certain"),
    ("报警起一直响 煤气 闻到了", "certain"),
    ("灶上火熄了 气还开着 一股味", "certain"),
    ("细佬吃豆卡起了 一声都不出", "certain"),
    # round 2 lures
    ("转发：天冷用炭火防一氧化碳中毒，头晕恶心立即开窗通风", None),
    ("我妈说她心口疼 一问是吃撑了 打了嗝就好了", None),
    ("核实：反映的老人倒地不起一事，系老人在坡上午睡，确认身体无恙", None),
    ("一氧化碳报警器过一阵叫一声 是不是电池没电了", None),
    ("梦见外公掉河里了 吓醒 赶紧打电话 他说正在打牌", None),
    ("超市有个老人晕倒了 救护车来了 打给奶奶 她在跳舞", "asked"),
    ("医生来讲脑梗 嘴歪要马上打120 我记下了", None),
    ("烧谷草烟大 邻居以为失火了 没事 我守着", None),
    # round 3: a dog bite told at length; a neighbour not coming out; a bare leak; a Sichuan choke; pinyin
    ("村头的大狼狗跑出来 把一个大爷手咬烂了", "certain"),
    ("我舅说我外婆 电视响了两天 人不出来", "asked"),
    ("漏气了", "certain"),
    ("车胎漏气了", None),  # guard
    ("娃娃吃花生卡起了 嘴巴乌起 一声都不出", "certain"),
    ("ye ye shuo huo mie le mei qi hai zai mao", "certain"),
    ("紧急：一位老人吃年糕卡喉，呼吸困难，家属正赶往卫生院，请提前准备", "certain"),
    # round 3 lures
    ("提醒各家 打药要戴口罩 别像去年那样中毒 今天没人出事", None),
    ("下个月有人来讲怎么救溺水的人 都去听", None),
    ("孙女在学游泳 掉水里也不怕了", None),
    ("前年摔断了腿 现在能扭秧歌了", None),
    ("井水有怪味 已送检 与燃气无关 请勿担心", None),
    ("lao ma xiongkou teng shi weibing, yisheng kai le yao hao le", None),
    ("孙子的救护车玩具 呜哇呜哇响一天", None),
    ("船上烧饭烟大 有人问是不是着火 没有没有", None),
    ("吃鱼要小心骨头卡住 有啥法子", None),
    # rounds 4-5: 打不通 written 打不同; Russian; a regular absent from the films; a child in a duck pond; a leak
    # the one inside plays down; breath that will not come; a door barred and a dog all night; bedding alight; the
    # flame out and the gas on; a water meter that has not moved
    ("电 话 三 天 打 不 同 了 平 时 天 天 接 的 谁 去 看 一 下", "certain"),
    ("给 дедушка 打了三天电话 не отвечает 谁去看看", "certain"),
    ("бабушка упала на кухне", "certain"),
    ("常来看电影的老大爷三天没见了 敲门没人应 灯一直亮着", "certain"),
    ("鸭塘里有个娃子掉进去了 冇浮上来", "certain"),
    ("沼气池的管子裂了 臭得很 老汉还在里面做饭 他说没事", "certain"),
    ("孙娃儿吃糍粑 出不倒气 咋个办", "certain"),
    ("后屋老汉的狗叫了一夜 门是闩起的 人不晓得在不在", "certain"),
    ("灶膛的火窜出来了 被子着了", "certain"),
    ("火灭了 气还在出 关不到", "certain"),
    ("grandpa's dog barking nonstop, door locked, no answer", "certain"),
    ("王婆婆家水表一个月没动 屋里有臭味 门锁着", "certain"),
    ("我爸说灶上火熄了 燃气还开着 他头晕", "certain"),
    # rounds 4-5 lures
    ("有人问我心口疼吃啥药 我说去卫生院问医生", None),
    ("昨天在集上被人挤了一下 差点坐地上", None),
    ("梦见煤气中毒 吓醒了 赶紧看炉子 好好的", None),
    ("细时跌落井 是六十年前 今日讲起还笑", None),
    ("今天手气差 点了几个炮 心口痛 输了一百", "asked"),  # a loss at cards felt in the chest: asked at most
    ("通知：下周120调度演练 接到“胸痛”模拟电话请勿惊慌", "no alarm"),  # the refitted learnt opinion asks
    ("在掏沼气池 臭得很 过两天就好", None),
    ("提醒：烧炭取暖请开窗 如有头晕恶心立即离开", None),
    ("已回访：胸痛患者诊断为胃病 已回家 无需再派车", "asked"),
    ("谁家要柴火 一捆十块 烧起来旺", None),
    ("储户问我 胸口疼的药能不能报销 我说去卫生院问", None),
    ("山上打糍粑 灶里火大烟大 隔壁莫喊救火哈", None),
    ("心口痛是昨天吃多了辣椒 医生说没事", None),
    ("防一氧化碳的宣传单发下去了 烤火要开窗", None),
    ("水发黄是管网冲洗 不是中毒", None),
    ("胸口疼是被孙子撞了一下 已经不疼了", None),
    ("愁得要晕了 今年花生价格太低", None),
    ("姑妈家煤气中毒是前年的事 现在人挺好", None),
    ("村里的羊走丢了 不是人走丢", "asked"),
    ("急救培训：噎住了怎么办 周六上午在村委会", None),
    ("屋里灯泡烧了 黑麻麻的 哪个来帮我换一下", None),
    # the review of rounds 1-3's rules (each wrong at adcb150): what was noted to act on now, a reassurance taken back
    # by the fire or the leak, a harmless cause beside someone who cannot be woken, an ambulance asked after, a video
    # from a home camera, a swimming lesson that went wrong, care asked for right after a bleeding fall; and the new
    # signs kept to their class (a kettle's hiss, dumplings that sink, a dog that bites shoes, fruit-stained lips)
    ("老王家房顶冒火苗 是不是着火了没人知道 快去看看", "certain"),
    ("我爸说胸口疼得厉害 出冷汗 医生电话我记下了", "certain"),
    ("我妈打电话说她摔倒了起不来 地址我记下了", "certain"),
    ("刚才有人打电话说我奶奶晕倒了叫不醒 地址我记住了", "certain"),
    ("老伴讲心口痛 喘不上气 120号码记住了", "certain"),
    ("她说头晕 半边身子麻 嘴也歪了 我记下来了", "certain"),
    ("爷爷说不用打119 可是火越烧越大 屋里全是烟", "certain"),
    ("厨房着火了 我妈说别打119 她自己能扑 火苗窜到房梁了", "certain"),
    ("我还以为着火是人家烧秸秆 结果是奶奶屋里着火了", "certain"),
    ("原以为失火是谁家在烧火做饭 走近一看是老张家柴房烧起来了 里面还有人", "certain"),
    ("结果是累的 倒在地里起不来了", "certain"),
    ("一问是吃多了 可现在肚子疼得打滚 人都站不起来了", "certain"),
    ("问了才知道她是着凉 现在烧得说胡话 叫不醒", "certain"),
    ("救护车来了 把他拉走了 屋里煤气味还很重 大娘也倒在地上", "certain"),
    ("孙子吞了个玩具零件 救命啊", "certain"),
    ("我爸刚从房顶摔下来 头破了血流不止 这几天得有人照顾他", "certain"),
    ("老伴刚才摔了一跤 头上流了好多血 这两天要人照顾", "certain"),
    ("我爸刚才突然嘴歪了 说话不清 这几天得有人照顾", "certain"),
    ("我爸病倒在田里了 半天没人管", "certain"),
    ("有没有人来教我 我爸噎住了 说不出话", "certain"),
    ("谁有人来教一下 我妈卡住了 脸都紫了", "certain"),
    ("停电了没电 燃气报警器一直叫 有股煤气味", "certain"),
    ("煤气报警器响了 我按了一下还在响 一股臭鸡蛋味", "certain"),
    ("一氧化碳报警器一直嘀嘀响 试了一下还在叫 炉子还烧着 屋里闷", "certain"),
    ("孙子去河里学游泳 到现在没上来", "certain"),
    ("孩子跟人去水库学游水 沉下去了没浮上来", "certain"),
    ("手机一直响 快帮我看看怎么关", None),
    ("车上的报警器一直叫 赶紧帮我关了", None),
    ("紧急通知 明天上午村委会急救培训 教大家老人噎住喘不上气怎么办 请大家参加", None),
    ("紧急：明天讲座讲老人卡喉呼吸困难的急救 请提前准备", None),
    ("孙子吃桑葚嘴巴乌起 有个籽卡在牙缝", "no alarm"),  # the learnt opinion may ask
    ("小孙子不给买糖就往地上扑 哭着打滚", "no alarm"),  # the learnt opinion may ask
    ("雨太大 玉米秆子直往地上倒", None),
    ("吃饭卡了一下 咳两声好了 一声不吭又接着吃", None),
    ("灶火灭了 气还是开着 没人管", "certain"),
    ("饺子沉下去了没浮起来 是不是没煮熟", None),
    ("汤圆沉底了 还没浮上来 要煮多久", None),
    ("老人掉在菜地里 陷在烂泥地出不去", "asked"),
    ("狗把我鞋子咬烂了", None),
    ("邻居家的猪把他家的菜咬了", None),
    ("牛把我家麦苗咬了一大片", None),
    ("药好了 叫她起来吃 叫不醒 怎么推都不动", "certain"),
    ("我看了视频 我妈在厨房倒了 起不来", "certain"),
    ("刚看到视频 奶奶摔在院子里了 一直没起来", "certain"),
    ("监控里看到视频 隔壁大爷倒在院子里半天没动", "certain"),
    ("刷到个视频 村口桥塌了 有人掉河里了 是咱们村的", "certain"),
    ("救护车来了吗 隔壁大爷倒在地上没气了", "certain"),
    ("120来了没 隔壁老太太还躺着起不来", "certain"),
    ("别报119 来人救急 柴房烧起来了", "certain"),
    ("屋里全是烟 莫打119 救急啊", "certain"),
    ("我爸从梯子上摔下来 头上一直流血 帮忙烧几天饭", "certain"),
    ("她讲她吃了一瓶农药 地址我记下了", "certain"),
    ("孙子玩消防车玩具 喊着火了着火了 救命", None),
    ("问了一下 心口疼该咋办 以后好晓得", None),
    # round 6: about to fall with 跶; gas still coming out; a Minnan stroke; pinyin initials; the gas left on after the
    # pot boiled over; a knock on a door that a habit said would open; lying at the door; a threat to jump
    ("头转得很 要跶了", "certain"),
    ("灶上火熄了 气还在出 头有点昏", "certain"),
    ("阿公讲话大舌 喙歪一爿", "certain"),
    ("wb 两天dh mrj 平时天天打的", "certain"),
    ("锅扑出来把火浇灭了 气还开着", "certain"),
    ("每天早上我去送菜 王奶奶都来开门 今天敲了好久不开", "asked"),
    ("一早看见老汉睡在院门口地上不动", "certain"),
    ("有个人站在桥栏杆上说要跳下去", "certain"),
    # round 6 lures, and the second review's guards
    ("厨房煎鱼 烟大 报警器响了 毋是瓦斯", None),
    ("好消息 管道换新了 以后不用闻那个沼气味了", None),
    ("天然气灶打不起火 谁会修", None),
    ("老两口烧炭取暖 早上叫不醒 是不是中毒了", "certain"),
    ("我妈前年中风过 现在很好 今天突然说不出话", "certain"),
    ("提醒 王家后院着火了 火很大 大家去帮忙", "certain"),
    ("人家问老汉怎么不来赶集 我讲他摔了起不来", "certain"),
    ("那人走了以后 我妈一直没接电话 两天了 门也关着", "certain"),
    ("狗把我妈的腿咬了 好深的口子", "certain"),
    ("晒在外面的被子着了雨 湿透了", "no alarm"),  # the learnt opinion may ask
    ("蜡烛吹灭了 燃气开着在煮粥", None),
    ("刷到视频 有个老人吃汤圆噎住了 脸都紫了 吓人", "no alarm"),  # the learnt opinion may ask
    ("排骨炖烂了 骨头都露出来了", None),
    ("телефон упал в воду", None),
]

@pytest.mark.parametrize("text,expected", THIRTEENTH_SESSION)
def test_thirteenth_session_classes_get_the_level_a_person_would_expect(text, expected):
    danger = assess_danger(text)
    level = None if danger is None else "certain" if danger.certain else "asked"
    # "no alarm": a lure the rules read as harmless, where the learnt opinion (danger_learner.py) may still ask.
    assert level == expected or expected == "no alarm" and level != "certain", (text, danger)


FIFTEENTH_SESSION = [
    # lost on the way home with night or cold coming on, or with dementia (Cantonese, Gan, English)
    ("我荡失路啊 天就快黑 行唔返去", "certain"),
    ("寻不到屋了 天都黑了 脚也走不动", "certain"),
    ("my grandma has dementia and got lost in the fields, it's freezing tonight", "certain"),
    ("孙子开车迷路了 导航不灵 到了打电话给我", "no alarm"),
    # Korean and Russian written by a married-in spouse
    ("아버님이 화장실에서 넘어졌어요 못 일어나요", "certain"),
    ("Сосед упал на улице, не может встать", "certain"),
    ("у папы болит в груди и он весь в поту", "certain"),
    # a meal that was a bird, choking on it; and a grip on the neck in Cantonese
    ("阿婆吃鸡 卡住 没声音了", "certain"),
    ("阿伯食紧叉烧 揸住条颈 出唔到声", "certain"),
    # English: slipped and on the floor, too heavy to lift
    ("dad slipped in the yard, on the floor 2 hours, mum can't lift him", "certain"),
    ("can a volunteer wash nainai's hair? her shoulder is stiff so she can't lift her arm", None),
    # a state in a word or two
    ("晕咯", "asked"),
    ("卡住了 粽子", "asked"),
    # lures: a market's ache; a phone that fell; a gas check that found nothing; a notice to all with a complaint
    ("心口痛咯 辣椒价又跌了 一年白忙", "asked"),
    ("我的老年机摔了一跤 开不了机 哪个会修", None),
    ("液化气罐换了新的 师傅检查过了 不会漏", None),
    ("义诊那天 有头晕胸口闷的老人请到村部登记一下", None),
    ("奶奶讲上个月摔的那跤 腿上还有块青 走路蛮好", None),
    # English "help" asked for a chore or thanked for, in Malaysian and Hong Kong English
    ("ah ma bedsheet need wash, got volunteer can help?", None),
    ("thank you ah, the volunteer really help a lot", None),
    # a guard of an earlier session (an unanswered knock, the phone answered) the refitted learnt opinion asks about
    ("快递员说敲门没人开 我打电话跟他说在果园 让他放门口", "no alarm"),
    ("pls help my mum link her account to mine", None),
    # English with its apostrophe gone ("cant breathe"), a hand at the throat; Japanese from a daughter-in-law
    ("grandpa can't breathe", "certain"),
    ("she keeps pointing at her throat, no voice comes out", "certain"),
    ("おじいちゃんが転んだ 目まいで立てない", "certain"),
    # a cry for help is still a cry, and "help" beside a sign still counts
    ("help help", "asked"),
    ("my grandma has dementia, went out this morning, still not back, pls help", "certain"),
]


@pytest.mark.parametrize("text,expected", FIFTEENTH_SESSION)
def test_fifteenth_session_classes_get_the_level_a_person_would_expect(text, expected):
    danger = assess_danger(text)
    level = None if danger is None else "certain" if danger.certain else "asked"
    assert level == expected or expected == "no alarm" and level != "certain", (text, danger)


# Sixteenth session (rounds 8 and 9 and their reviews): new sentences per class, not batch lines.
SIXTEENTH_SESSION = [
    # handwriting input's look-alikes (皿 for 血, 姻 for 烟, 坐 for 座)
    ("切菜割到手 皿流不停 毛巾都湿透了", "certain"),
    ("厨房插坐冒姻了 有火星 一股焦味", "certain"),
    # English absence and a seizure told by what it looks like
    ("my neighbour lives alone, I did not see him for 4 days, mail piled at his door", "certain"),
    ("grandpa's eyes rolled back and he is foaming at the mouth", "certain"),
    # Korean choking; a north-western 莫 for 没; groaning heard on the phone
    ("奶奶 年糕 목에 걸렸어 숨 못 쉬어", "certain"),
    ("老汉放牛 天黑了还莫回来 他有点糊涂", "certain"),
    ("打他电话通了 只听到哎哟哎哟的 他一个人住", "certain"),
    # fire and water in writing's words
    ("佛堂的蜡烛把帘子引燃了 烟满一室 快来", "certain"),
    ("孙子在河里戏水 半个钟头了未见上岸", "certain"),
    # what the reviews found: a drama watched when it happened, a lesson naming the writer's own person's trouble,
    # a recovery followed by trouble now, 莫非 asking whether it is a fire, worship beside a blaze
    ("我妈看电视剧的时候突然倒了 叫不醒", "certain"),
    ("我爸胸口痛 出冷汗 左手臂痛 就是医生讲了心梗的症状那样", "certain"),
    ("腰早就好利索了 刚才又在院里摔了一跤 头上全是血", "certain"),
    ("she had a stroke last year and fully recovered, now her face is drooping and she can't talk", "certain"),
    ("莫非是着火了 后院冒浓烟 噼里啪啦响", "certain"),
    ("焚香把供桌引燃了 火苗很高 我一个人灭不了", "certain"),
    # a fall long healed, 感冒咽 (no smoke), a talk announced, yesterday's person thanked after, a classical denial
    ("去年摔的腿早就好了 谢谢志愿者每礼拜来看我", "no alarm"),
    ("感冒咽喉痛 吃了点药 好多了", "no alarm"),
    ("村里通知 下礼拜医生来讲农药中毒咋急救 我去听", "no alarm"),
    ("昨天那个倒在路边的大爷 后来他儿子接回去了 今天来谢谢你们", "no alarm"),
    ("烟气袅袅 非是失火 是我在门口焚香 邻居勿惊", "no alarm"),
    # a warning app, lighting charcoal, passing an exam, a dog on a video call
    ("手机上那个火灾预警的APP准不准", "no alarm"),
    ("用松针引燃木炭 再烤肉", "no alarm"),
    ("考公摸鱼三年 还没上岸", "no alarm"),
    ("视频只听见狗叫唤 我爸出去遛弯了", "no alarm"),
]


@pytest.mark.parametrize("text,expected", SIXTEENTH_SESSION)
def test_sixteenth_session_classes_get_the_level_a_person_would_expect(text, expected):
    danger = assess_danger(text)
    assert (danger is not None and danger.certain) if expected == "certain" else danger is None, (text, danger)


# Seventeenth session (rounds 10, 11 and 12, and the review): new sentences per class, not batch lines. 18 of the first
# 28 fail at c156d09; the last 11 guard what the review found.
SEVENTEENTH_SESSION = [
    # not back at dark: the animals home alone, a north-western 么 for 没, a night away with the phone dead
    ("老汉赶牛上山 牛自家回来咧 人么回来 天都黑咧", "certain"),
    ("我奶奶昨夜没归 手机也不通 她八十多了 平时出门都打招呼 急死了", "certain"),
    # poison by its farm name, wild mushrooms in a chart
    ("我老公喝了除草水 现在一直吐", "certain"),
    ("昨晚吃了山上采的野菌 今早上吐下泻七八次 手脚冰凉", "certain"),
    # a pan fire the towel did not smother, with the mains switched off; a fire brigade called for
    ("油锅着火 湿布盖不灭 我已经关了总闸 满屋烟 快叫消防", "certain"),
    # a fall from a tree, lying there groaning
    ("我爸从柿子树上掉下来了 躺在地上哼 动不了", "certain"),
    # insurance asked about a fall someday; healed falls told as news; a sermon's story
    ("想问下 老人有医保 如果以后摔了住院能报多少", "no alarm"),
    ("上个月摔的那跤好了 又出海打渔了", "no alarm"),
    ("随访情况：上月跌倒的王阿婆已经能拄拐走路了 血压稳定", "no alarm"),
    ("主日讲道讲到保罗在大马士革路上跌倒 眼睛看不见 大家都很受感动", "no alarm"),
    # handwriting 己经/白己, a cast taken off, a check-up booked in English
    ("我爸上个月摔伤的脚己经好了 白己走去赶集", "no alarm"),
    ("she fell in spring, the cast is off now, all good", "no alarm"),
    ("My mom has a follow up at the county hospital next Friday, can someone go with her?", "no alarm"),
    # the TV show missed, a tap that runs, steam taken for smoke, a stove that will not light with no smell
    ("电视没信号 爷爷看不了新闻急死了 谁会修机顶盒", "no alarm"),
    ("厨房水喉一直漏 关唔住 找个师傅修下", "no alarm"),
    ("以为车冒烟了 原来是刹车淋水的水汽 莫得事", "no alarm"),
    ("燃气灶点不着火 一点味都没有 是不是电池没电了", "no alarm"),
    # a talk praised, a switch that sparks, picking fruit until dark, porridge, a bad back
    ("村医来讲被蜂蜇了咋个整 讲得板扎", "no alarm"),
    ("堂屋的开关一按就冒火花 哪个电工来看一下", "no alarm"),
    ("谢谢阿弟帮我摘荔枝摘到天黑", "no alarm"),
    ("明天中午帮我留一碗糜 我自己去食堂吃", "no alarm"),
    ("今年我这腰不行了 想找两个后生帮我剪果树", "no alarm"),
    ("手抬不起来 洗不了头 能不能来个人帮我洗个头", "no alarm"),
    ("莫打电话叫消防 是我在烧田埂上的草", "no alarm"),
    # round 12: 末归 for 未归 with dementia at dark; the flock home without the herder in snow; an English "outing"
    # is no 呕停; 现在到 is no 栽倒
    ("老汉有点糊涂 下午出门遛弯 至今末归 天都黑了", "certain"),
    ("阿爸一个人放羊 羊回来了 人没回来 下雪了", "certain"),
    ("看到 notice 说有 outing 帮我爷爷报名 please", "no alarm"),
    ("快递现在到镇上了 谁能帮我取一下", "no alarm"),
    # what the review of rounds 10 and 11 found these rules took away (each passes at c156d09 and failed before the
    # mends): a scripture name beside a real collapse, a fall today with an insurance question, a new collapse after a
    # cast came off, back at sea and then overboard, a smell that came later, diarrhoea told 拉得厉害, not back from
    # the woods at dark, a socket burning; fruit falling from a tree, firemen asked to take down a wasps' nest
    ("牧师讲彼得的时候，坐前排的王大爷突然捂着胸口倒下了", "certain"),
    ("我妈今天在院子里摔了一跤，医保能报吗", "certain"),
    ("奶奶昨天拆了石膏，刚才在院子里晕倒了，叫不醒", "certain"),
    ("他前阵摔过，又出船了，今天船翻了人掉进海里了", "certain"),
    ("刚才一点味都没有，现在屋里煤气味好重，我妈头晕", "certain"),
    ("吃了野蘑菇，拉得厉害", "certain"),
    ("我爸去山上砍柴，砍到天黑都没回来，电话也打不通", "certain"),
    ("插座冒火花，噼里啪啦响，电线都烧化了", "certain"),
    ("苹果从树上掉下来了好多，帮我捡一下", "no alarm"),
    ("屋檐下有个马蜂窝，叫消防来帮忙摘掉", "no alarm"),
    # round 13: a healed arm told by what it does again, insurance asked for many, seasickness over (晕浪, 晕到七彩),
    # an application gone quiet beside a charcoal stove, a deaf mother's question about a drama answered; a new fall
    # after a healed one is no bowl dropped
    ("前年冬天摔断了胳膊 如今已能自己端碗吃饭了 谢谢志愿者", "no alarm"),
    ("问一下 干活的时候摔了算不算意外险 好几个人问", "no alarm"),
    ("昨天坐船晕浪 晕到七彩 而家冇事喇", "no alarm"),
    ("去年报了名要换电暖气 到现在都没动静 还烧着炭火炉子", "no alarm"),
    ("我妈是聋哑人 看电视剧里有人晕倒 比划问我村里有人来吗 我跟她说有", "no alarm"),
    ("阿妈晕到七彩 企唔稳 仲呕", "certain"),
    ("屋里烧炭火炉子 我爸一下午没动静 叫不醒", "certain"),
    ("前年摔断了胳膊 如今已能端碗 今天又摔了 胳膊肿了", "certain"),
    # what the review of round 12 found its rules took away (each passes before round 12): poison with a ride to the
    # clinic asked, a stroke beside a cast, legs gone beside a meal asked, a collapse after a healed leg, a congregant
    # with a Bible name, an insured fall today, someone overdue after saying they were on the way, pinyin beside
    # English; and what it alarmed: a switch that sparks with a dead bulb, gloves lost as it turns cold
    ("我爸早上喝了半瓶农药 谁能送他去卫生院", "certain"),
    ("胳膊打着石膏 今天早上突然嘴歪了 说不清话", "certain"),
    ("我今早起来两条腿动不了了 站不起来 中午饭送到我家来吧", "certain"),
    ("前年摔断了腿 如今腿全好了 昨晚他在厕所里晕过去了 叫不醒", "certain"),
    ("教会的弟兄打电话说 雅各弟兄在路上摔倒了 头破了流了好多血 起不来", "certain"),
    ("我妈今天在菜地里摔倒了 腿疼得不能动 买了意外险的 怎么理赔", "certain"),
    ("我爸说在路上了 到现在三个钟头了还没回来 电话打不通 天都黑了", "certain"),
    ("老伴 xinkou 疼 come quickly", "certain"),
    ("开关一按就冒火星 灯也打不着 帮我找个电工", "no alarm"),
    ("降温了 钥匙找不到了", "no alarm"),
    # round 14: a splint off told in a visit record, a fall alarm asked for, insurance to be bought, a foreign drama
    # that frightened a daughter, a volunteer who forgot; and a hole older than this session: the
    # writer's father collapsing just after a TV drama was read as the drama
    ("走访记录 李婆婆上月摔伤的腿已拆石膏 活动自如", "no alarm"),
    ("那个一键呼叫的手环 摔了会报警的 给我妈也装一个", "no alarm"),
    ("想给我妈买份意外险 摔跤住院能报多少", "no alarm"),
    ("看了部美剧 里面老人摔倒几天才被发现 好怕 有没有每天打电话问候的服务", "no alarm"),
    ("那个志愿者说好礼拜三来 我奶奶等到天黑 后来才说忘记了", "no alarm"),
    ("看了部电视剧 我爸刚才在沙发上倒了 叫不醒", "certain"),
    ("刚看完电视剧 我妈在沙发上倒了 叫不醒", "certain"),
    # round 15: a rescue decades ago thanked (多得 … 拉我上来), a scare asked about and explained by the writer, walking
    # to the shop again after a fall, "说不清" about a date, a volunteer who left without answering; a scare confirmed
    ("四十年前我掉进河里 多得老李拉我上来 今天他生日 想谢谢他", "no alarm"),
    ("外婆打电话问河对面是不是着火了 我说是人家结婚放烟花", "no alarm"),
    ("上回摔了一跤 现在能自己走到小卖部了 谢谢你们", "no alarm"),
    ("医保要交了 她也说不清什么时候截止", "no alarm"),
    ("送饭的小伙子放下就走 叫他也不应", "no alarm"),
    ("外婆打电话问是不是着火了 我说是真的 厨房烧起来了", "certain"),
    # what the review of rounds 13 and 14 found: an answer given and trouble after it, a reassurance then trouble now,
    # an alarm device that did not ring, a collapse while watching a drama, a recovery then a collapse today; and shows
    # whose plot a relative only watched
    ("奶奶问我救护车会来吗，我说会，她现在胸口痛得说不出话", "certain"),
    ("我妈摔倒了，嘴上说没事喇，结果现在站不起来，腿肿得厉害", "certain"),
    ("平安钟会自动报警，可我妈昏倒了，平安钟没响，现在怎么叫都不醒", "certain"),
    ("看了几集韩剧，我老伴说胸口痛，脸色发白，满头大汗", "certain"),
    ("他活动自如了，就是今天早上发现他倒在地上不动", "certain"),
    ("电视剧里演的，女儿突然晕倒了，我妈看哭了", "no alarm"),
    ("看完电视剧，里面的老人摔倒了没人扶，我妈直叹气", "no alarm"),
    # round 16's misses, as classes: people asleep beside a fire are in danger, not at rest; a temple fire that reached
    # the beams; gone out to play cards and overdue by night
    ("仓库电线冒火花 一股焦味 烟越来越大 隔壁屋老两口还在睡觉", "certain"),
    ("庙里香炉倒了 引燃了帐幔 火已经烧上房梁 快报火警", "certain"),
    ("我爸昨天下午出去打牌 到现在没回来 手机关机 路上有条河", "certain"),
    ("我爸出去打牌了 到现在没回来 估计又打通宵", "no alarm"),
    ("去年冬天在后山摔伤 多亏互助队抬我下山 今已康健 特此致谢", "no alarm"),
]


# The eighteenth session: what the read-through of round 16's rules found (each rule's edge), and round 17's classes.
EIGHTEENTH_SESSION = [
    # 报火警 counts as a cry only when someone calls it now, not in a lesson, a notice or a false alarm
    ("村里培训教大家怎么报火警", "no alarm"),
    ("烟雾报警器误报火警了 原来是我炒菜 没事了", "no alarm"),
    ("防火宣传：发现火情请立即报火警", "no alarm"),
    # a reason given for going out explains lateness only until the writer says the lateness is fine
    ("我妈去女儿家了 说住几天 到现在没回很正常", "no alarm"),
    ("闺女回娘家了 一夜没回 明天回来", "no alarm"),
    ("老伴去女儿家了 一宿没回 女儿发来视频在包饺子", "no alarm"),
    ("我爸到现在没回来 估计又摔在山上了 电话不通", "certain"),
    ("老伴下午去放羊 估计又跑远了 到现在人没回来 天黑了 山里有狼", "certain"),
    # "never fell" is thanks only when no fall is told besides it
    ("俺娘从没跌过跤 昨晚跌倒在灶屋里了", "certain"),
    ("奶奶从来没跌过跤 晚上起夜跌倒了 躺地上起不来", "certain"),
    ("装了扶手以后这个冬天再没摔过 谢谢志愿者", "no alarm"),
    # a drama being watched is the screen in the room; trouble beside it is in the room
    ("爷爷在看抗战剧 看着看着歪倒在沙发上 嘴歪了 说话说不清", "certain"),
    ("奶奶追谍战剧 起身去厕所摔倒了 爬不起来", "certain"),
    ("看电视看到半夜 我妈说头好晕 吐了两次", "certain"),
    ("看了一晚古装剧 剧里皇上一口血吐出来倒了 笑死我了", "no alarm"),
    # a recovery told in classical words, and a new onset after it
    ("吾父去岁跌伤 今已康健 今日午后昏倒于田间 不省人事", "certain"),
    ("家母去岁摔伤 今已康健 今晨呕吐不止 神志不清", "certain"),
    ("去岁跌伤 如今拄杖出门 今日出门后一直未归 电话不通", "certain"),
    ("老倌子冇事了 昨天跌那一跤 今天走得路了 就是膝盖青了一块", "no alarm"),
    # charcoal or a coal stove in a room shut tight, with people asleep in it
    ("老屋里烧炭取暖 门窗关死了 两个老人睡着了", "certain"),
    ("冬天烧炭取暖，门窗不能关死，记得开条缝", "no alarm"),
    # a fire at a shrine that reached the roof, told without a cry
    ("庙里香炉倒了 帐幔引燃了 火已经烧上房梁", "certain"),
    ("拜神烧衣纸 火苗窜起来烧到屋顶了", "certain"),
    ("初一去庙里烧香 香火烧得旺旺的", "no alarm"),
    # round 17: a hill fire past the firebreak; a man with dementia searched for in vain; a healed fall and a claim;
    # a rumoured fire the writer went to see
    ("山上起火了 已经烧过防火带 往我们村这边来了", "certain"),
    ("我爸有老年痴呆 天黑出去了还没回来 我们找了一个钟头没有", "certain"),
    ("我阿妈上年跌亲只脚 早就医好咗好耐 想问下保险仲可唔可以赔", "no alarm"),
    ("群里说老王家着火了 我过去看了 是他家熏腊肉冒的烟 没事 大家别瞎传", "no alarm"),
    # the read-through of this session's rules: each mend's other edge
    ("屋后烟大得很 如何报火警 打哪个号 急死了", "certain"),
    ("我爸去打牌了 到现在没回 打他电话说关机了 天都黑了", "certain"),
    ("都说老周家着火 别瞎传了 是真的 火还在烧 快来人", "certain"),
    ("李伯三天没来活动室 估计又去钓鱼了 他最爱钓鱼", "no alarm"),
    ("奶奶今年没摔过跤 身体倒挺好", "no alarm"),
    ("奶奶追古装剧 娘娘喝了毒酒倒地 她说编得离谱", "no alarm"),
    ("我爸的骨折早好了 昨天突然说想吃饺子 你们食堂做不做", "no alarm"),
    ("冬天烧炭取暖 千万不要门窗紧闭 睡着了容易中毒 大家注意", "no alarm"),
    ("装了暖气 不烧煤炉子了 门窗关得紧紧的 晚上一下就睡着了", "no alarm"),
    ("饭烧上了 楼上王婶来串门", "no alarm"),
    ("阿哥一个人住在城里 每晚都打电话来 今晚打了十几个没人接 他有心脏病", "certain"),
    # round 18: a brother who always calls and today does not; a prayer; heatstroke leaflets; a faint yesterday, fine
    # today, with thanks; a claim for last year's fall in pinyin; an allowed burning in a diary; a fire of 1968
    ("我妈一个人住在镇上 每天早上都打电话来 今天打了好多个都没人接 她有高血压", "certain"),
    ("为病中的弟兄姊妹祷告：愿主扶起跌倒的人，使软弱的人刚强。阿们", "no alarm"),
    ("天太热了 想要几张防中暑的宣传单 贴在村口", "no alarm"),
    ("昨天在路口晕倒那个老伯今天又出来遛弯了 说查了是低血糖 谢谢你们那么快来人", "no alarm"),
    ("qu nian shuai de na yi jiao bao xian hai neng bao ma", "no alarm"),
    ("一九六八年村里失火 老人们冒死抢出粮仓 今日想起 记之", "no alarm"),
    ("周六学校开家长会 我去不了 帮我跟老师说一声", "no alarm"),
    # what both read-throughs found wrong before and after, fixed by class
    ("三叔两天没来吃饭 说去看戏了 可这两天镇上根本没唱戏 电话也打不通", "certain"),
    ("我爸去吃喜酒了 一夜没回 很正常 每回都住亲戚家", "no alarm"),
    ("家父旧伤已愈 今晨倒茶待客 精神甚佳", "no alarm"),
    ("外婆去年摔伤 早就好了 今早出门放羊 到现在没回来 天快黑了", "certain"),
    ("山火翻过山梁 往我们村烧过来了 村里都是老人", "certain"),
    ("冬春季节要防山火 上坟别烧纸", "no alarm"),
    # the third read-through (of round 18's mends) and round 19
    ("求主扶起跌倒的人 隔壁的老周刚才摔下台阶 起不来 头在流血", "certain"),
    ("奶奶前年中风过 还记得那回吓死人 今天又在床上抽起来了 叫不醒", "certain"),
    ("我爸去年摔过 想起来就后怕 今天又去井边打水 掉进井里了", "certain"),
    ("九八年那场大火村里人都记得 这回又烧起来了 火苗窜得老高", "certain"),
    ("火警电话是几号 我记在本子上找不着了 厨房着火了", "certain"),
    ("我妈出去了 找了一下午都没有", "certain"),
    ("老爷子有点糊涂 早上出门 全家找了一整天都没有", "certain"),
    ("我爸去打牌 一天没回 电话也不接", "certain"),
    ("今年不烧煤了 改烧炭盆 门窗关紧了 老人头疼想吐", "certain"),
    ("隔壁王爷爷摔倒了 头上流血 起不来", "certain"),
    ("二大佬喺山上跌落崖 冇声喇", "certain"),
    ("北沟那边着了 不是烧荒 是真火 火头已经蹿上树梢了", "certain"),
    ("上个礼拜约好个师傅嚟整水喉 等成个下昼都冇人影 打电话又唔听", "no alarm"),
    ("反映几个情况：派的人没带工具就走了；送餐车晚了一个钟头；电话打过去没人接", "no alarm"),
    ("看那个电视剧里头老太太煤气中毒 吓得我赶紧起来瞅我家炉子没事 封得好好的", "no alarm"),
    ("奶奶看古装剧 娘娘喝了毒酒倒地 她说编得离谱", "no alarm"),
    ("我妈有点糊涂 降压药找了一上午都没有 你们能送一盒吗", "no alarm"),
]


@pytest.mark.parametrize("text,expected", SEVENTEENTH_SESSION + EIGHTEENTH_SESSION)
def test_seventeenth_session_classes_get_the_level_a_person_would_expect(text, expected):
    danger = assess_danger(text)
    assert (danger is not None and danger.certain) if expected == "certain" else danger is None, (text, danger)


def test_no_english_pattern_needs_the_apostrophe_that_normalising_drops():
    # prepare() drops apostrophes ("can't" → "cant"): a pattern that needs one never matches (the fifteenth session
    # found "can ?n[o']?t breathe" had never recognised "can't breathe").
    import re

    from bots.nlu import danger_words, emergency
    from bots.nlu.matcher import prepare

    assert prepare("can't it’s").chars == "cant its"

    def needs_apostrophe(pattern: str) -> bool:
        # classes that may be skipped, or hold no apostrophe, drop out; what is left must not require one
        rest = re.sub(r"\[[^\]]*\]\??", lambda m: "" if m.group(0).endswith("?") or not re.search("['’]", m.group(0))
                      else "'", pattern)
        return re.search(r"['’](?!\?)", rest) is not None

    patterns = [p for sign in danger_words.SIGNS for p in sign.patterns]
    patterns += [v for k, v in vars(danger_words).items() if isinstance(v, str) and not k.startswith("__")]
    patterns += [v.pattern for v in vars(emergency).values() if isinstance(v, re.Pattern)]
    assert [p for p in patterns if needs_apostrophe(p)] == []
