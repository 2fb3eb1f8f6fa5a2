"""Behaviour of the understanding layer (bots/nlu) as the dialogue engine and users see it."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bots.nlu import CATEGORIES, INTENTS, Understanding, is_emergency, normalize, parse_choice, parse_number, understand
from bots.nlu.matcher import prepare

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "nlu"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)  # a Tuesday


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def all_rows() -> list[dict]:
    return rows("train.jsonl") + rows("test.jsonl") + rows("emergency.jsonl")


def correct(row: dict, result: Understanding) -> bool:
    if result.intent != row["intent"]:
        return False
    return row["intent"] != "help_request" or result.category == row["category"]


# --- the labelled data itself -------------------------------------------------------------

def test_labelled_data_is_big_varied_and_valid():
    data = all_rows()
    assert len(data) >= 450
    per_intent = Counter(row["intent"] for row in data)
    assert set(per_intent) == set(INTENTS)
    assert min(per_intent.values()) >= 12
    for row in data:
        assert (row["category"] in CATEGORIES) if row["intent"] == "help_request" else row["category"] is None
    assert len(rows("test.jsonl")) >= 200
    assert len(rows("emergency.jsonl")) >= 70


def test_held_out_files_never_overlap_training():
    from bots.nlu.train import read_rows, training_files
    trained = {normalize(row["text"]) for path in training_files() for row in read_rows(path)}
    held_out = rows("test.jsonl") + rows("emergency.jsonl") + [
        row for path in sorted((DATA / "intent_heldout").glob("*.jsonl")) for row in read_rows(path)]
    # Emoji-only messages normalise to "" on both sides; that is the only allowed overlap.
    assert not (trained & {normalize(row["text"]) for row in held_out}) - {""}
    assert all(row["category"] == "emergency" for row in rows("emergency.jsonl"))


def test_shipped_model_matches_training_file():
    from bots.nlu.classifier import MODEL_PATH
    from bots.nlu.train import build
    assert json.loads(MODEL_PATH.read_text(encoding="utf-8")) == build(), "run python -m bots.nlu.train"


def test_shipped_learner_gives_the_answers_of_a_fresh_fit():
    # Refitted from the same files, the model answers every line it was fitted on as the shipped weights do.
    from bots.nlu.learn import build_learner
    from bots.nlu.learner import Linear, grams, models
    from bots.nlu.train import learner_files, read_rows
    refit = build_learner(learner_files())
    intent, category = Linear(refit["intent"]), Linear(refit["category"])
    shipped_intent, shipped_category = models()
    differ = []
    for path in learner_files():
        for row in read_rows(path):
            found = grams(prepare(row["text"]))
            if (intent.guess(found).label, category.guess(found).label) != (
                    shipped_intent.guess(found).label, shipped_category.guess(found).label):
                differ.append(row["text"])
    assert not differ, "run python -m bots.nlu.train"


def test_the_learner_is_fitted_on_scored_batches_only_and_answers_without_scikit_learn():
    from bots.nlu.train import learner_files
    assert not any("untuned" in str(path) for path in learner_files())  # a batch is scored before it is learnt
    code = ("from datetime import datetime, timezone; import sys; from bots.nlu import understand; "
            "from bots.nlu import learner; "
            "understand('我想找人帮我买药', datetime(2026, 12, 1, tzinfo=timezone.utc)); "
            "print(learner.models.cache_info().currsize, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    # The learnt weights were loaded to answer (so the check is not empty), and scikit-learn was not.
    assert out.stdout.strip() == "1 False"


def test_the_learnt_model_decides_where_it_is_sure_and_the_cue_words_where_it_is_not():
    from bots.nlu import learner
    # Words the cue words read as something else entirely (a check-in), which the learnt model is sure of.
    text = "这玩意是搞么事的 我能拿它做什么"
    intent, _ = learner.guess(prepare(text))
    assert intent.label == "help_menu" and intent.probability >= 0.75
    assert understand(text, NOW).intent == "help_menu"
    # Out of scope stays what the cue words rule on by name, unless the model is very sure.
    assert understand("家里的核桃想卖掉 有人收不", NOW).intent == "out_of_scope"


# --- accuracy and emergencies -------------------------------------------------------------

def test_held_out_accuracy_at_least_95_percent():
    held_out = rows("test.jsonl") + rows("emergency.jsonl")
    wrong = [(r["text"], r["intent"], r["category"]) for r in held_out if not correct(r, understand(r["text"], NOW))]
    assert 1 - len(wrong) / len(held_out) >= 0.95, wrong


@pytest.mark.parametrize("path", sorted((DATA / "intent_heldout").glob("*.jsonl")), ids=lambda p: p.stem)
def test_fresh_intent_batches_stay_at_their_tuned_figures(path):
    # Scored at first sight before tuning (docs/nlu.md); after tuning they must not slip back.
    batch = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = [(row, understand(row["text"], NOW)) for row in batch]
    intents_right = sum(result.intent == row["intent"] for row, result in results)
    helps = [(row, result) for row, result in results if row["intent"] == "help_request"]
    categories_right = sum(correct(row, settled(row, result)) for row, result in helps)
    assert intents_right / len(batch) >= 0.95, [r["text"] for r, u in results if u.intent != r["intent"]]
    assert not helps or categories_right / len(helps) >= 0.9


def settled(row: dict, result):
    """Where the help request ends up: a message the safety classifier only asks about ("是紧急情况吗？") is
    read again without it once the writer answers 不是 (bots/engine.py), as anyone but the endangered would."""
    danger = result.danger
    if danger is None or danger.certain or row["category"] == "emergency":
        return result
    return understand(row["text"], NOW, safety=False)


def test_out_of_scope_questions_get_out_of_scope():
    for text in ("十五加二十七等于多少", "3乘4", "今天农历初几", "下期双色球开啥号", "后天降温不", "今天星期几"):
        assert understand(text, NOW).intent == "out_of_scope", text


@pytest.mark.parametrize("name", ["train.jsonl", "test.jsonl", "emergency.jsonl"])
def test_every_labelled_emergency_is_caught(name):
    emergencies = [r["text"] for r in rows(name) if r["category"] == "emergency"]
    assert emergencies
    missed = [t for t in emergencies if not is_emergency(t)]
    assert not missed
    missed = [t for t in emergencies if understand(t, NOW).category != "emergency"]
    assert not missed


@pytest.mark.parametrize("text", [
    "就命啊",           # 救命 heard as 就命
    "俺娘摔到了",        # 摔倒 heard as 摔到
    "兄口疼得厉害",      # 胸口疼
    "着伙了",           # 着火
    "快来银啊",          # 快来人, dialect 人 -> 银
    "我爸喘不上起来",     # 喘不上气
    "老伴晕到在厨房。",   # 晕倒, trailing full stop from recognition
    "俺爹和了农药",       # 喝了农药
    "奶奶叫不行了",       # 叫不醒
    "老头子摔了一大跤😭",
    "我妈在院子里跌了一跤",
    "咱爹嘴也歪了话也说不清",
    "家里着火啦！！",
    "ＳＯＳ 救命",
])
def test_emergency_variants_from_voice_and_dialect(text):
    result = understand(text, NOW)
    assert is_emergency(text)
    assert (result.intent, result.category) == ("help_request", "emergency")
    assert result.slots["urgency"] == "emergency"


@pytest.mark.parametrize("text, category", [
    ("帮我打农药", "farm_work"),        # spraying a field is not poisoning
    ("帮我交一下水费", "errand"),       # 帮我交 once sounded like 绊…跤
    ("想找人帮着翻身", "daily_care"),
    ("俺没摔倒就是想找人聊聊天", "emergency"),  # a negation still raises the alarm, on purpose
])
def test_emergency_boundaries(text, category):
    assert understand(text, NOW).category == category


# --- intents users type every day ---------------------------------------------------------

@pytest.mark.parametrize("text, intent, category", [
    ("我想找银帮我买要", "help_request", "errand"),
    ("明天上午想找人陪我去医院", "help_request", "medical"),
    ("俺要去瞧病", "help_request", "medical"),
    ("明天中午算我一份", "meal_order", None),
    ("今天吃啥", "canteen_menu", None),
    ("我有多少时间币", "timebank_balance", None),
    ("绑定 123456", "bind_family", None),
    ("最近有什么活动", "event_query", None),
    ("报名 2", "event_signup", None),
    ("我要当志愿者", "volunteer_signup", None),
    ("人工", "talk_to_human", None),
    ("人公", "talk_to_human", None),
    ("谢谢你们", "thanks", None),
    ("不用了", "deny", None),
    ("对", "affirm", None),
    ("要得", "affirm", None),
    ("不对", "deny", None),
    ("莫得", "deny", None),
    ("投诉", "complaint", None),
    ("我想捐点钱", "donate", None),
    ("通知", "notice_query", None),
    ("平安", "checkin_ok", None),
    ("报平安", "checkin_ok", None),
    ("今天挺好的", "checkin_ok", None),
    ("取消", "cancel", None),
    ("取销", "cancel", None),
    ("取消明天的订饭", "cancel", None),
    ("菜单", "help_menu", None),
    ("你好", "greeting", None),
    ("今天天气咋样", "out_of_scope", None),
])
def test_everyday_messages(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


# One new sentence per class that batches 6-9 found (none is a batch's line; docs/nlu.md lists the classes).
@pytest.mark.parametrize("text, intent, category", [
    ("有人没得 我问一下", "greeting", None),
    ("对 就是明天上午 别搞错了", "affirm", None),
    ("就这么办吧", "affirm", None),
    ("系呀 冇错", "affirm", None),
    ("唔使 我自己搞得掂", "deny", None),
    ("cancel 我妈明天的订饭", "cancel", None),
    ("撤回我报的那个修水管", "cancel", None),
    ("给的地址不对 白跑了一趟", "complaint", None),
    ("午饭又晚送了一个钟头", "complaint", None),
    ("总给我推夜里的单 管一管", "complaint", None),
    ("志愿者接了单没去 老人等了一天", "complaint", None),
    ("有没得人来帮我晒被子", "help_request", "daily_care"),
    ("有没有志愿者能帮我奶奶打扫一下屋子", "help_request", "daily_care"),
    ("李爷爷心情不好 能不能安排人常去陪陪", "help_request", "companionship"),
    ("帮李奶奶登记一下 明天去卫生院打针 需要人陪", "help_request", "medical"),
    ("电视没画面了 来个人看看", "help_request", "repair"),
    ("想去信用社取点钱 谁陪我走一趟", "help_request", "errand"),
    ("油菜该割了 我一个人干不过来", "help_request", "farm_work"),
    ("我不认字 谁帮我写封信给闺女", "help_request", "other"),
    ("我爸今天很好 刚通过电话", "checkin_ok", None),
    ("我没事 别担心", "checkin_ok", None),
    ("帮我写个月度工作总结", "out_of_scope", None),
    ("帮我算一下3.5*12", "out_of_scope", None),
    ("2.5乘4等于多少", "out_of_scope", None),
    ("金价涨了没", "out_of_scope", None),
    ("后天下不下雨 我要打药", "out_of_scope", None),
    ("辛苦志愿者们了", "thanks", None),
    ("怎么接任务", "help_menu", None),
    ("下周的菜单发一下", "canteen_menu", None),
    ("明天要三份饭 我们一家", "meal_order", None),
    ("村里有啥activities", "event_query", None),
    ("帮我登记一下 明天去义诊", "event_signup", None),
    ("时间银行里还有多少", "timebank_balance", None),
    ("pls sign up my mom for the flu talk", "event_signup", None),
    ("zxcvb qwerty", "out_of_scope", None),
    ("哦？", "out_of_scope", None),
])
def test_classes_found_by_batches_6_to_9(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


# One new sentence per class that the untuned batches 10 and 11 missed (docs/nlu.md); none is a batch line.
@pytest.mark.parametrize("text, intent, category", [
    ("后日嗰个理发唔去喇", "cancel", None),
    ("帮我退出周六那个讲座的报名", "cancel", None),
    ("伓免啦 阮后生会来载", "deny", None),
    ("不消了 我自己能行", "deny", None),
    ("没得错 是礼拜三", "affirm", None),
    ("那个师傅态度特别不好", "complaint", None),
    ("送药的把别家的药拿错给我了", "complaint", None),
    ("今天的菜辣到没法下口", "complaint", None),
    ("各位好 我是村里的新社工小陈", "greeting", None),
    ("三组网格员老吴报到", "greeting", None),
    ("你好 我是网格员 王奶奶家灯坏了要人修", "help_request", "repair"),
    ("我叫村长来一趟", "talk_to_human", None),
    ("我是想找书记说个事", "talk_to_human", None),
    ("my mom is ok today", "checkin_ok", None),
    ("给我妈报一下名 那个讲座", "event_signup", None),
    ("我有摩托车 送东西尽管找我", "volunteer_signup", None),
    ("那个送饭的小伙子人真好", "thanks", None),
    ("15+27=?", "out_of_scope", None),
    ("住院回来手没劲 开不了火 谁帮我煮碗面", "help_request", "meal"),
    ("血压计我不会用 谁来帮我量一下", "help_request", "medical"),
])
def test_classes_found_by_batches_10_and_11(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


# One new sentence per class that the untuned batches 12 and 13 missed (docs/nlu.md); none is a batch line.
@pytest.mark.parametrize("text, intent, category", [
    ("明天的饭算哒 不要哒", "cancel", None),
    ("那个送米的任务我撤了 车坏了", "cancel", None),
    ("我爸住院了 这周的送饭停一停", "cancel", None),
    ("我想把这五百块钱交给食堂", "donate", None),
    ("弟三个", "affirm", None),
    ("屋里冷清 闷煞个人 有人来讲讲话也好的", "help_request", "companionship"),
    ("家里的核桃想卖掉 有人收不", "out_of_scope", None),
    ("世界杯决赛哪天踢", "out_of_scope", None),
    ("门球赛啥时候比", "event_query", None),
    ("眼神不行了 脚指甲剪不动 谁来帮下", "help_request", "daily_care"),
    ("安排个阿姨给我妈洗洗头", "help_request", "daily_care"),
    ("我好好哋 唔使挂住我", "checkin_ok", None),
    ("外婆今日ok 下午去地里转了转", "checkin_ok", None),
    ("后山的芋头要挖 我腰痛", "help_request", "farm_work"),
    ("上礼拜换的水龙头 修好还滴水", "complaint", None),
    ("单子上的门牌号不对 我跑了三趟才找到", "complaint", None),
    ("多谢 积分我看到了", "thanks", None),
    ("腊八那天的义诊我报名 去帮忙维持秩序", "event_signup", None),
    ("下礼拜起每天要人来帮我老伴打胰岛素", "help_request", "medical"),
    ("药店里帮我带一盒钙片", "help_request", "errand"),
    ("阮厝边的阿伯欲去卫生所 有人鬥相共无", "help_request", "medical"),
])
def test_classes_found_by_batches_12_and_13(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


@pytest.mark.parametrize("text, intent, category", [
    ("ming tian you shen me huo dong", "event_query", None),             # pinyin typed for want of characters
    ("wo xiang ding yi fen wu fan", "meal_order", None),
    ("zhe ge gong neng zen me yong a", "help_menu", None),
    ("能不能转人工 我问的它答不上", "talk_to_human", None),
    ("礼拜六来打扫的阿姨不用来了 我闺女回来住", "cancel", None),       # a booked helper told not to come
    ("收音机调不出台 村里哪个会修", "help_request", "repair"),
])
def test_classes_found_by_batch_16(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


@pytest.mark.parametrize("text, intent, category", [
    ("song fan de lai wan le, fan dou liang le", "complaint", None),     # pinyin written back as the corpus's words
    ("林阿婆骨折术后康复中，需志愿者每周两次上门协助洗浴，请协调。", "help_request", "daily_care"),  # one asked for
    ("我想当志愿者 每周能来两次", "volunteer_signup", None),           # an offer to join stays one
    ("志愿者来了就玩手机 也不干活", "complaint", None),                  # the word names someone, offers no one
    ("能算我一个志愿者吗", "volunteer_signup", None),
    ("饭 做 不动 了，食堂 的 饭 送 到 我家 可以 吗", "help_request", "meal"),  # the canteen's food brought home
    ("恁好啊，俺是村西头的", "greeting", None),                            # 西头 is a place, not 洗头
    ("近期活动安排？", "event_query", None),                               # 活动 is never 起火
])
def test_classes_found_by_batches_33_to_36(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


# The sixth session's intent classes (batches 37-62), with sentences written for the test, marked by round.
SIXTH_SESSION_INTENTS = [
    # batches 37-42
    ("老王那几只羊 这礼拜谁能帮着放一下", "help_request", "farm_work"),  # livestock, and nobody offers
    ("我懂点木工 谁家桌子椅子坏了可以叫我", "volunteer_signup", None),     # "叫我" offers oneself
    ("屋里的旧沙发要搬楼上 一个人搬不动", "help_request", "other"),        # moving heavy things
    ("前天那个姑娘来帮我洗头，手脚麻利，谢谢啦", "thanks", None),         # thanks for a service done
    ("扫地的那个小伙子扫两下就走了", "complaint", None),                 # a complaint told as what happened
    ("腿脚不行 一个人去不了卫生院 能不能找人陪我去", "help_request", "medical"),  # unable to go is a reason
    ("明天那份饭不要咧", "cancel", None),
    ("晚饭帮我留两份", "meal_order", None),
    ("后天下雪不", "out_of_scope", None),                                 # the weather asked
    ("吃哒饭冇", "greeting", None),
    ("麻烦帮忙取个包裹 在邮政所", "help_request", "errand"),              # 邮政所 is never 诊所
    ("想请志愿者去帮我妈打扫下屋子", "help_request", "daily_care"),      # a volunteer asked for
    ("申请志愿者", "volunteer_signup", None),                             # 申请 is no 请
    ("我的积分到账了没", "timebank_balance", None),                       # 分到 is never 昏倒
    # batches 43-46
    ("请帮我查一下我的服务时数", "timebank_balance", None),
    ("这几天每天送两顿饭菜到家 哪位能接一下", "help_request", "meal"),
    ("昨日送嚟嘅饭冻晒", "complaint", None),
    ("想请人代笔写封家书", "help_request", "other"),
    ("多谢晒 帮我换好个灯泡", "thanks", None),                      # a service told as done
    ("呢个公众号有咩用", "help_menu", None),
    ("上次约的理发先不用了", "cancel", None),
    ("有人能带我去镇上打疫苗吗 谢谢了", "help_request", "medical"),  # the thanks is around the request
    ("村里有啥新通知", "notice_query", None),
    ("来的志愿者一点不耐心", "complaint", None),
    ("放暑假我想以志愿者身份帮点忙", "volunteer_signup", None),
    ("胳膊抬不起来 能不能来个人帮我洗洗头", "help_request", "daily_care"),  # the reason care is wanted
    # batches 47-50
    ("同志们好", "greeting", None),
    ("恰哒饭冇", "greeting", None),
    ("上月申请的维修至今未见落实", "complaint", None),
    ("说好来送饭的 都没人去 咋回事啊", "complaint", None),
    ("谁去街上帮我抓副药", "help_request", "errand"),
    ("我想登记做志工", "volunteer_signup", None),
    ("家里鸡鸭没人喂 能否请人代为喂食", "help_request", "farm_work"),
    ("谨致谢忱", "thanks", None),
    ("想有人陪我港下白话", "help_request", "companionship"),
    ("咯个能搞么子用", "help_menu", None),
    ("我爸腰扭了 能安排人中午送个饭吗 一人份", "help_request", "meal"),  # a person asked to bring it
    ("有无志工会当载我去卫生院", "help_request", "medical"),              # Minnan 会当 is "can", no offer
    # batches 51-54
    ("在不在嘛 吃饭没得", "greeting", None),
    ("各位好我是镇上的网格员小李", "greeting", None),
    ("代买的药和清单不符 少了一盒 特此反映", "complaint", None),
    ("时间银行只记了半小时 记错了 请更正", "complaint", None),
    ("我独居 请志愿者做点饭送至家中", "help_request", "meal"),
    ("牛跑出圈了 谁来帮着撵回去", "help_request", "farm_work"),
    ("手机字太小 谁帮我调大一点", "help_request", "other"),
    ("端午节村里有啥event", "event_query", None),
    ("有没有功能菜单 都能办什么", "help_menu", None),
    ("想请志愿者每周上门看望我爸", "help_request", "companionship"),
    # batches 55-58
    ("多谢晒你哋帮我交咗水费", "thanks", None),                  # a service told as done
    ("社工站登记：李奶奶有个包裹要代取 请志愿者认领", "help_request", "errand"),  # 社工站 is a place
    ("请发一下功能目录", "help_menu", None),
    ("谁会推头 给俺推推", "help_request", "daily_care"),
    ("有没得人来陪我韶两句", "help_request", "companionship"),
    ("想请人把回忆录打成电子版", "help_request", "other"),
    ("怎么注册志愿者", "volunteer_signup", None),
    # batches 59-60
    ("明天陪我去医院的不用了", "cancel", None),
    ("订的饭没送 电话也没人接", "complaint", None),
    ("请转村委值班同志", "talk_to_human", None),
    ("请为失能老人安排助浴 每周两次", "help_request", "daily_care"),
    ("玉米要抢收 请招募几名志愿者", "help_request", "farm_work"),
    # batches 61-64 (eighth session)
    ("换个液化气罐 我扛不动", "help_request", "errand"),                 # a gas cylinder is an errand
    ("柴火不够了 谁帮着劈一些", "help_request", "farm_work"),             # firewood is farm work
    ("别让机器回我 找个工作人员", "talk_to_human", None),               # 别 is no "no" here
    ("我儿子在外地走不开 麻烦谁帮我去交下水费", "help_request", "errand"),  # 走不开 and 麻烦 are no distress
    ("我在县里上班去不了 有没有人能帮我爸去镇上取个药", "help_request", "errand"),  # 去不了 as a reason
    ("厨房的灯三天没亮了 谁来看看", "help_request", "repair"),            # a fitting, not a dark window
    ("厕所扶手晃了 帮忙加固一下", "help_request", "repair"),
    ("积分算错了 我明明干了四个钟头", "complaint", None),                 # a wrong balance is a complaint
    ("补贴的表格太多 眼睛看不清 请人代为填写", "help_request", "other"),  # 代为 names no errand
    ("想关联我外公的账号 他不会弄 我来帮他", "bind_family", None),        # 我来帮 inside a binding
    ("重度失能的老人 谁能上门帮着量量血压", "help_request", "medical"),    # 重度 is never heard as 中毒
    # batches 65-68 (eighth session)
    ("俺的降压要快吃完了 谁去镇上给俺稍一盒 中不中", "help_request", "errand"),  # 中不中 asks, it does not refuse
    ("我有辆三轮车 能帮人拉东西 怎么报名", "volunteer_signup", None),      # a hand offered, then 报名
    ("打扫的人把我东西放乱了 以后注意点", "complaint", None),
    ("食堂的饭端回来就凉透了 吃了一口就不吃了", "complaint", None),      # 不吃了 ends the meal, not an order
    ("不要不要 我不去", "deny", None),
    # batches 69-70 (eighth session)
    ("东头奶奶的柴火烧没了 谁给她劈点柴", "help_request", "farm_work"),  # firewood used up is no fire
    ("明天那个陪诊不用了 我儿子回来了", "cancel", None),
    ("呢个系乜嘢嚟 可以做啲乜", "help_menu", None),                      # Cantonese: what can it do
    ("38乘17等于几 作业救命", "out_of_scope", None),                       # homework, not a cry
    ("不要 莫整了", "deny", None),
    ("阿婆腰痛起唔到身 有冇人帮手煮餐饭", "help_request", "meal"),        # the back is why the meal is asked
    # batches 71-72 (eighth session)
    ("这个号能帮我爸办哪些事 给个说明", "help_menu", None),               # 给个 is never heard as 寄个
    ("也想帮衬帮衬别人 算我一个", "volunteer_signup", None),
    ("食堂给我打一份饺子 我中午去拿", "meal_order", None),
    ("妥了 就这么着", "affirm", None),
    ("前两天报的修电灯到现在没人接单", "complaint", None),                # 没人接单: no volunteer took it
    # batches 73-74 (eighth session)
    ("食未", "greeting", None),                                            # Minnan: eaten yet?
    ("昨天订的饭两点才送到 菜都冷了", "complaint", None),
    ("额不跟机器说 叫个人来", "talk_to_human", None),
    ("那个小伙子把我家门修好了 太感谢了 给你们添麻烦了", "thanks", None),  # 添麻烦 asks for nothing
    # batches 75-78 (ninth session)
    ("有人能帮我去卫生所提药吗", "help_request", "errand"),               # medicine fetched for someone
    ("药吃完了 谁帮我去卫生院开一下药送到家", "help_request", "errand"),
    ("我家老头住院了 我一个人煮不得饭 谁来帮煮一餐", "help_request", "meal"),  # the hospital is the reason
    ("这几工无人饲鸡鸭 有人来帮阮饲无", "help_request", "farm_work"),    # Minnan 几工 (days) is no 记工
    ("有没有人能给我妈念念报纸", "help_request", "companionship"),
    ("我婆婆瘫在床上 想找个人来陪几晚", "help_request", "daily_care"),   # night care asks no safety question
    # batches 79-80 (ninth session)
    ("怎么register成为志愿者 周末也想help一下", "volunteer_signup", None),  # help一下 is no cry
    ("help me link一下我妈的账号", "bind_family", None),
    ("我婆婆瘫床上了 晚上能不能来个人帮着照看", "help_request", "daily_care"),
    ("花生该收了 看看哪几个能去帮一把", "help_request", "farm_work"),      # a coordinator asks, nobody offers
    ("这个 能帮我 做什么", "help_menu", None),
    ("那个志愿者态度不中", "complaint", None),                            # 不中 inside a complaint
    # batches 85-88 (ninth session)
    ("俺老伴瘫炕上了 能不能来个人陪一宿", "help_request", "daily_care"),  # a night's company for the bedridden
    ("降压药没了 谁帮我去卫生院配一下", "help_request", "errand"),         # medicine fetched
]


@pytest.mark.parametrize("text, intent, category", SIXTH_SESSION_INTENTS)
def test_sixth_session_intent_classes(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


# Tenth session, intent batches 95-110 at first sight: one new sentence per class missed (none is a batch
# line); each fails on the tree before the round's fixes (a0fabeb).
TENTH_SESSION_INTENTS = [
    ("唔该晒 你哋真系好", "thanks", None),  # thanks in Cantonese, twice over
    ("听日个饭唔要啦", "cancel", None),  # a meal called off in Cantonese
    ("我蛮好个 你们弗要挂记", "checkin_ok", None),  # fine, don't worry (Wu)
    ("my grandma said the helper was rude to her", "complaint", None),  # rude, in English
    # medicine fetched by the box from the clinic is an errand
    ("我嘅降压药食晒喇 边个帮我去卫生院攞返几盒", "help_request", "errand"),
    ("我妈一个人翻不动我爸 想找人陪护一晚", "help_request", "daily_care"),  # a night's care for the bedridden
    ("我腿脚还行 会编竹篮 也想给人家帮帮忙", "volunteer_signup", None),  # offering a hand
    ("足球比赛几点开始", "out_of_scope", None),  # a match time
    ("是个是个 就介弄", "affirm", None),  # yes in Wu
    ("食饱冇", "greeting", None),  # have you eaten: a greeting
    # intent batches 111-114: each fails on fb6f0c2
    ("晚上那顿给我也记上 我自己去端", "meal_order", None),  # a meal put on one's tab, fetched oneself
    ("明天伙房做啥饭", "canteen_menu", None),  # the canteen called 伙房
    ("扎西德勒 你们好", "greeting", None),  # a Tibetan greeting
    ("我手机老弹广告 关都关不掉 谁来帮我弄弄", "help_request", "other"),  # pop-up ads on a phone are other
    ("中午送一份到磨坊来 我走不开", "meal_order", None),  # a portion sent somewhere (份到 is no 昏倒)
]


@pytest.mark.parametrize("text, intent, category", TENTH_SESSION_INTENTS)
def test_tenth_session_intent_classes(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


ELEVENTH_SESSION_INTENTS = [
    ("村里要帮忙的算我一个", "volunteer_signup", None),  # an offer, not an event sign-up
    ("中央台晚上几点放新闻", "out_of_scope", None),  # TV times
    ("敬老院要搬几个柜子 要几个人帮忙", "help_request", "other"),  # moving furniture
    ("赛俩目 阿訇好", "greeting", None),  # a Muslim greeting
    ("你哋可以做乜嘢", "help_menu", None),  # what can you do (Cantonese)
    ("爷爷手机按成英文了 找个人帮他改回来", "help_request", "repair"),  # a phone changed by accident
    ("订的饭昨天没人送 打电话也没人接 怎么回事", "complaint", None),  # a meal never delivered
    ("上周就申请了 到今天还没人回复 怎么回事", "complaint", None),  # a request nobody answered
    ("协会的桌椅要搬到仓库 请两个志愿者帮忙", "help_request", "other"),  # moving furniture, beside 协会
    ("昨日来帮忙个人 难为你们", "thanks", None),  # Wenzhou 难为: thank you
    ("否用 我否要", "deny", None),  # Wenzhou 否: not
    ("家里人出远门了 她的午饭没人管 想请志愿者上门做", "help_request", "meal"),
    ("退休木匠 会修桌椅板凳 报名", "volunteer_signup", None),  # an offer of a skill beside 报名
    ("我们互助会报十五个人 文艺汇演", "event_signup", None),  # a group signed up by its count
    ("手机按到么子了 字都变成外国字了 帮我弄回来", "help_request", "repair"),
    ("摘橘子那个不要人了 亲戚来了", "cancel", None),  # a help request withdrawn
    ("报平安的提醒好几天没推送 是不是系统出问题了", "complaint", None),
    ("新买的洗衣机到了 要人搬进屋", "help_request", "other"),
    ("晚上电视放么事节目", "out_of_scope", None),
    ("叫侬来帮阮扫厝 等两日无侬来", "complaint", None),  # Minnan: nobody came
    ("部手机啲字变晒英文 有冇人嚟帮我整返", "help_request", "repair"),
    ("嚟帮我打扫嗰个人做嘢好求其", "complaint", None),  # Cantonese 求其: sloppy
    ("电视上那个戏几点钟演", "out_of_scope", None),
]


# Review of the session's cue words: each case was read as the wrong intent at ecf8167, where a cue reached past
# its class (否要 inside 是否要, 桌椅 beside an event room, 做乜嘢 as "what are you doing", a village show's time,
# 上次…修…又 for any later visit).
ELEVENTH_SESSION_CUES_KEPT_TO_THEIR_CLASS = [
    ("请问是否要带身份证", "deny"),
    ("活动室的桌椅够不够用", "help_request"),
    ("我哋今日有乜嘢活动 做乜嘢", "help_menu"),
    ("重阳节的文艺演出几点演", "out_of_scope"),
    ("上次来修的师傅说又要换零件 今天能来吗", "complaint"),
]


@pytest.mark.parametrize("text, wrong_intent", ELEVENTH_SESSION_CUES_KEPT_TO_THEIR_CLASS)
def test_eleventh_session_cues_stay_within_their_class(text, wrong_intent):
    assert understand(text, NOW).intent != wrong_intent


@pytest.mark.parametrize("text, intent, category", ELEVENTH_SESSION_INTENTS)
def test_eleventh_session_intent_classes(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


# Twelfth session: intent batches 143-166, each round scored at the last commit before it; each case failed
# at the commit that scored its round.
TWELFTH_SESSION_INTENTS = [
    ("我阿媽一個人住 可唔可以每日搵個人過去睇下佢", "help_request", "daily_care"),  # traditional characters
    ("我部電視冇晒聲 唔知撳錯咗乜嘢 有冇人嚟睇下", "help_request", "repair"),  # a TV muted, traditional characters
    ("赛白努", "greeting", None),  # a Mongolian greeting
    ("来帮忙的那个小伙子活干得太糊弄了", "complaint", None),  # sloppy work described
    ("牛的草料没了 草垛太远 我搬不动 谁来帮忙拉回来", "help_request", "farm_work"),  # fodder
    ("电视新闻讲了么子 讲给我听下", "out_of_scope", None),  # the TV news
    ("最近国家有什么大新闻", "out_of_scope", None),
    ("请安排志愿者每日上门探视一次", "help_request", "daily_care"),  # looking in on someone
    ("快过年了 村里扭秧歌啥时候开始", "event_query", None),  # 秧 in 秧歌 is no farm work
    ("象棋比赛俺要参加 俺是三组的", "event_signup", None),
    ("村委会那边组织啥子活动没得 有的话我也去参加", "event_query", None),
    ("家里有几床新被子 送给用得着的人", "donate", None),
    ("请帮忙计算：每户补贴200元，全组35户共计多少？", "out_of_scope", None),  # figures and their total
    ("请提供本周敬老食堂菜单，以便向老人公示。", "canteen_menu", None),  # 人公示 is not 人工 by sound
    ("反映一下：申请了三回代购都无人接单", "complaint", None),
    ("那个擦窗户的事先不弄咧", "cancel", None),
    ("谁会用手机 来帮我照张相寄给孙子", "help_request", "other"),
    # round 4 (batches 155-158, scored at b204a33)
    ("后天有没有台风 我要晒谷", "out_of_scope", None),
    ("没那回事", "deny", None),
    ("请派志愿者将李大爷的低保材料代为递交到镇上", "help_request", "errand"),
    ("请帮忙查询明天全乡天气情况", "out_of_scope", None),
    ("请问近期有没有新通知？合作社要转达给社员", "notice_query", None),  # 社要 is not 蛇咬 by sound
    # round 5 (batches 159-162, scored at 633abbf)
    ("弗是 弗对", "deny", None),
    ("请安排志愿者带着材料帮老人到镇上办理医保续缴", "help_request", "errand"),
    ("张大爷术后在家休养 需要志愿者上门帮忙准备午晚两餐", "help_request", "meal"),
    ("老人和子女可以通过这个号办理哪些事项", "help_menu", None),
    ("我老伴瘫在床上 想请个人每天来帮他擦擦身子", "help_request", "daily_care"),
    # review guards: each failed on 1f7aa00, where a cue word of this session reached past its class
    ("谢谢 帮我问问卫生院几点开门", "help_request", "medical"),  # thanks for the favour asked
    ("能不能派人去她家做做卫生", "help_request", "daily_care"),
    ("能不能陪她去信用社转个钱", "help_request", "errand"),
    ("我每天下午过去看看她 今天她挺好 吃了两碗饭", "checkin_ok", None),
    ("有没有台风 要不要帮我家老人加固一下屋顶", "help_request", "repair"),
    ("村里出大新闻了 要修路", "notice_query", None),
    # round 6 (batches 163-166, scored at c1e1345)
    ("老伴瘫了床上 我一个人帮她汏浴汏勿动 派个人来帮帮忙", "help_request", "daily_care"),
    ("慢病药告罄 请志愿者去卫生院帮他把药领回", "help_request", "errand"),
    ("前天叫人来修水管 现在不用了 女婿修好了", "cancel", None),
    ("我手机啲字细到睇唔到 有冇人嚟帮我较大啲", "help_request", "other"),
    ("前日喊人来摘橙 现在唔使了 屋下人转来了", "cancel", None),
]


@pytest.mark.parametrize("text, intent, category", TWELFTH_SESSION_INTENTS)
def test_twelfth_session_intent_classes(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


# Thirteenth session: classes its six rounds of fresh intent batches (167-190) missed, in sentences of our own; each
# failed at the commit that scored its round (ca164f1, adcb150 or 06d6ec4).
THIRTEENTH_SESSION_INTENTS = [
    # care for a stretch after an injury or an illness: a help request, not an alarm
    ("王婆婆手摔了 这几天得有人给她做饭", "help_request", "meal"),
    ("我脚跌伤了 有人来帮我烧几日饭吗", "help_request", "meal"),
    ("我老伴病倒了 我一个人弄不动 请个人来帮着煮点饭", "help_request", "meal"),
    ("三组张伯偏瘫卧床，夜间需翻身，请安排陪护", "help_request", "daily_care"),
    ("我腿痛起不来 没人煮饭 有没有人来帮忙煮一餐", "help_request", "meal"),
    # a greeting about a meal; thanks in formal words; withdrawing with 算我 or the canteen
    ("吃咧么", "greeting", None),
    ("喝茶了冇", "greeting", None),
    ("感谢村里志愿服务队对我家老人的悉心关照", "thanks", None),
    ("周五那个义诊我不去哩 莫算我", "cancel", None),
    ("明日我唔去饭堂食", "cancel", None),
    ("后天的饭别给我留了 我去闺女家", "cancel", None),
    # a cooking or shop question is out of scope
    ("回锅肉怎么做才好吃", "out_of_scope", None),
    ("镇上那家面馆几点关门", "out_of_scope", None),
    # offering oneself in dialect; an officer asked for by title; a complaint told as what went wrong
    ("额身体还行 谁家要帮忙 额能去搭把手", "volunteer_signup", None),
    ("我退休了得闲 村里边个要帮手可以搵我", "volunteer_signup", None),
    ("帮我叫社长来接一下电话", "talk_to_human", None),
    ("上门的人量血压操作不规范，请处理", "complaint", None),
    # things given to the canteen; a family's head count for an event; categories of help
    ("我有几袋红薯想送俾饭堂 边个收", "donate", None),
    ("免费量血压 我家去三个", "event_signup", None),
    ("我妈牙不好 能不能找人每天帮她煮点粥", "help_request", "meal"),
    ("奶奶要扫码领钱 她不会扫 能派人帮她扫一下吗", "help_request", "other"),
    ("槟榔熟了 我没力气去摘 有没有后生来帮我", "help_request", "farm_work"),
    ("帮我带瓶感冒冲剂回来", "help_request", "errand"),
    ("我做义工做咗几个钟 有冇记录", "timebank_balance", None),
    ("收到 我这边正常", "checkin_ok", None),
]


# The eighteenth session's classes (rounds 16-17 of fresh batches), written anew.
EIGHTEENTH_SESSION_INTENTS = [
    ("各位同志好，本人初次使用此号，谨致问候。", "greeting", None),
    ("不必另行安排了，家里有人。", "deny", None),
    ("本村新开了一家豆腐坊，价格实惠，麻烦帮我打个广告", "out_of_scope", None),
    ("明天中午食堂吃些哪样", "canteen_menu", None),
    ("兹询：下月乡里的义诊定于何日何处？", "event_query", None),
    ("约好周三来帮我妈劈柴的 等了一天没得一个人来 电话也不接 这算么子事", "complaint", None),
    ("反映一个情况：昨天送到东岭组的午饭少了两份，两位老人没吃上", "complaint", None),
    ("我想给伙食团出点力 转两百块 往哪转", "donate", None),
    ("下周幸福院集中给老人洗头剪发，需要3名会理发的志愿者", "help_request", "daily_care"),
    ("村里那个义诊是哪天来呀", "event_query", None),
    ("上回帮王婆背水 分加了没", "timebank_balance", None),
    ("叫人来修门的那个事嫑来咧 儿子回来修好咧", "cancel", None),
    ("此号所司何事？烦请开列一单", "help_menu", None),
    ("老妻回娘家小住，老朽不谙庖厨，可否请人来代为炊爨", "help_request", "meal"),
    ("恁好啊 俺是西头老李家的", "greeting", None),
    ("春茶冒尖了 能不能来两个人帮我掐茶", "help_request", "farm_work"),
    ("学校想给长者食堂送些米和油 怎么对接", "donate", None),
    ("请教一下鸡兔同笼这道题怎么讲", "out_of_scope", None),
    ("下周的书法课还有空位吗 想留个位置", "event_signup", None),
    ("谢谢惦记，这个就不必了，我自己应付得来", "deny", None),
    ("然也", "affirm", None),
    ("非也，并非此事", "deny", None),
    ("寨子里两个年轻人想进志愿队 怎么登记", "volunteer_signup", None),
    ("毋是啦 汝听毋着", "deny", None),
    ("我個老友想入你哋義工隊 點樣登記", "volunteer_signup", None),
    ("我想给村里互助基金捐点钱 怎么转", "donate", None),
    ("帮我妈刷脸认证养老金 谁会弄", "help_request", "other"),
    ("Please save my dad dinner tomorrow, 2 portions", "meal_order", None),
    ("夜来说好了来人给俺修门 俺等了一头晌连个人影也没见着", "complaint", None),
]


@pytest.mark.parametrize("text, intent, category", THIRTEENTH_SESSION_INTENTS + EIGHTEENTH_SESSION_INTENTS)
def test_thirteenth_session_intent_classes(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


def test_toneless_pinyin_is_written_back_as_whole_words():
    from bots.nlu.dialect import from_pinyin
    assert from_pinyin("neng bu neng you ren ti xing wo") == "能不能有人提醒我"  # not 能不能有 人替 行
    assert from_pinyin("shuai le ge wan") == "摔了个碗"                       # the signs' own words still first
    assert from_pinyin("grandpa hasnt answered since yesterday he always picks up").endswith("he always picks up")


def test_shipped_pinyin_words_match_the_training_texts():
    from bots.nlu.dialect import PINYIN_WORDS_PATH
    from bots.nlu.train import pinyin_words
    assert json.loads(PINYIN_WORDS_PATH.read_text(encoding="utf-8")) == pinyin_words(), "run python -m bots.nlu.train"


@pytest.mark.parametrize("text, intent, category", [
    ("腊月二十三的舞龙算俺一个", "event_signup", None),
    ("元宵猜灯谜 帮我写个名", "event_signup", None),
    ("后天饭堂有饺子没", "canteen_menu", None),
    ("镇上有啥活动不 我想带孙子去参加", "event_query", None),
    ("我弄不明白 叫管事的来跟我讲", "talk_to_human", None),
    ("承蒙你们了", "thanks", None),
    ("算咯 不去咯", "cancel", None),
    ("家里的南瓜吃不完 送几个给食堂", "donate", None),
    ("说好周五来修灯的 等到晚上都没见到人", "complaint", None),
    ("今年苞谷多少钱一斤 是不是又涨了", "out_of_scope", None),
    ("明天晚上我要一份饭 少放盐", "meal_order", None),
    ("行 我去", "affirm", None),
    ("老伴住院去了 我饭都做不成 能不能来人帮我弄两餐饭", "help_request", "meal"),
    ("我家果园的柚子该摘了 一个人摘不过来 用时间银行换也行", "help_request", "farm_work"),
    ("我儿子让我把那个码发他 说要连一起 我不会弄", "bind_family", None),
])
def test_classes_found_by_batches_14_15_and_17(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


@pytest.mark.parametrize("text, intent, category", [
    ("下月初要去县医院复诊 儿女不在身边 恳请派员陪同", "help_request", "medical"),
    ("独居多年 黄昏时分甚是寂寥 可否安排人登门探望", "help_request", "companionship"),
    ("家里那几分地的花生该收了 一个人弄不赢", "help_request", "farm_work"),
    ("四组王大爷需要上门理发 有空的请接单", "help_request", "daily_care"),
    ("下礼拜有没有啥活动 上回那个讲座我还想去", "event_query", None),
    ("老身今日起居如常 勿念", "checkin_ok", None),
    ("你这个说不明白 叫个真人来", "talk_to_human", None),
    ("thank you 志愿者小哥人很好", "thanks", None),
    ("我帮我妈看看 这个都有哪些功能", "help_menu", None),
    ("孙女高考完了 报什么专业好", "out_of_scope", None),
])
def test_classes_found_by_batch_18(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


@pytest.mark.parametrize("text, intent, category", [
    ("我腿不好去不了镇上 能不能找人帮我捎点感冒药回来", "help_request", "errand"),
    ("儿子出差了 家里没人弄饭 能不能派人来帮我弄几天饭", "help_request", "meal"),
    ("下礼拜要去人民医院看眼睛 想有人陪我去", "help_request", "medical"),
    ("你这个机器人答不了 帮我转一下协调员", "talk_to_human", None),
    ("刚从地里回来 给大家问个好", "greeting", None),
    ("请介绍一下你们的服务项目", "help_menu", None),
    ("上回修灯的师傅弄了一半就走了 这叫啥事", "complaint", None),
    ("王者荣耀几点更新", "out_of_scope", None),
    ("今天好 身体没问题", "checkin_ok", None),
])
def test_classes_found_by_batch_19(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


@pytest.mark.parametrize("text, intent, category", [
    ("理发店太远了去不了 有没有人上门给我理个发", "help_request", "daily_care"),
    ("园里的茶叶该采了 我一个人采不过来", "help_request", "farm_work"),
    ("苞米该掰了 谁有空帮我掰一天 中午管饭", "help_request", "farm_work"),
    ("地里的麦子要收 按时间银行算也行", "help_request", "farm_work"),
    ("谢谢你们 昨天来搞卫生的小伙子很勤快", "thanks", None),
    ("这个东西是整哪样的", "help_menu", None),
    ("上次来洗澡的人水太烫 说了也不听 我不高兴", "complaint", None),
    ("一，句号", "affirm", None),
    ("弗要 用弗着", "deny", None),
    ("中饭弗要哉 退脱伊", "cancel", None),
    ("我家水龙头坏了 有没有人能去帮忙修一下", "help_request", "repair"),
])
def test_classes_found_by_batch_20(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


@pytest.mark.parametrize("text, intent, category", [
    ("张奶奶的床单被罩好久没换了 想请人上门拆洗一下", "help_request", "daily_care"),
    ("天好了想出去走走 有没有人陪我到村口散散步", "help_request", "companionship"),
    ("养老金要在手机上刷脸认证 我弄不来", "help_request", "other"),
    ("把昨天那条通知再推一下 有人没收到", "notice_query", None),
    ("昨天来修水管的小伙子 替我谢谢他", "thanks", None),
    ("说好今天来打扫 等了一上午人都没来", "complaint", None),
    ("上回理发剪得乱七八糟 还剪破了", "complaint", None),
    ("勿要勿要", "deny", None),
    ("考研什么时候报名", "out_of_scope", None),
])
def test_classes_found_by_batch_21(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


@pytest.mark.parametrize("text, intent, category", [
    ("my dad 出院了 能不能找人上门帮他做lunch", "help_request", "meal"),
    ("五组的王奶奶不会用血压计 麻烦安排人隔天上门给她量", "help_request", "medical"),
    ("快过年了 窗户够不着 想找人来擦擦玻璃", "help_request", "daily_care"),
    ("我是退休护士 想加入村里的志愿服务", "volunteer_signup", None),
    ("order 一份 tomorrow dinner from 食堂", "meal_order", None),
    ("我蛮好的 不用挂心", "checkin_ok", None),
    ("村委门口贴了个东西 上面写的啥", "notice_query", None),
    ("对 就是这个", "affirm", None),
])
def test_classes_found_by_batch_22(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


@pytest.mark.parametrize("text, intent, category", [
    ("我家的花生熟了 看谁有空来帮我收一下", "help_request", "farm_work"),    # who has time: a request
    ("能不能申请志愿者上门帮我妈做几顿饭", "help_request", "meal"),          # a volunteer asked to come
    ("请问这个月村里有什么新通知吗 麻烦回一下 谢谢", "notice_query", None),   # thanks around a question
    ("能否安排人上门帮我爸打扫一下卫生 谢谢你们", "help_request", "daily_care"),
    ("孙子来信了 我眼睛不好 谁来帮我读一读", "help_request", "companionship"),
    ("液化气没了 谁能帮我去镇上换一罐回来", "help_request", "errand"),      # fetched from town
    ("家里的牛没人放了 我腿脚不便 能找人帮我放几天吗", "help_request", "farm_work"),
    ("卖鸡蛋 土鸡蛋一块五一个 谁要", "out_of_scope", None),
    ("早上吃了两碗粥 吃嘛嘛香", "checkin_ok", None),
    ("bu shi, wrong one", "deny", None),
    ("我想同人讲 唔想同机器讲", "talk_to_human", None),
    ("下礼拜的饭 午饭报三个人", "meal_order", None),
    ("快递到镇上了 我腿脚不好去不了 谁能帮我带回来", "help_request", "errand"),  # 去不了 explained by the legs
    ("想趁暑假来当志愿者 顺便攒点实践时长", "volunteer_signup", None),          # hours as a reason to join
    ("我存了多少个钟头了", "timebank_balance", None),
    ("家里的猪要出栏了 我一个人抓不住", "help_request", "farm_work"),
    ("老人家的炕烧不热 烟往回倒 谁会盘炕", "help_request", "repair"),
    ("能找人去村卫生室帮我爸开点药吗", "help_request", "medical"),              # batches 29-30
    ("我爸手机整成静音了 帮忙弄一下", "help_request", "repair"),
    ("腰不好 想请人代为去信用社取养老金 委托书写好了", "help_request", "errand"),
    ("好得很 莫得事 你们放心", "checkin_ok", None),
    ("食堂这周多收了我三块钱 请给个说法", "complaint", None),
    ("屋后水龙头关不死 一直滴 找个师傅", "help_request", "repair"),         # 关不死 is no 不是
    ("周六的电影 帮我登记一个名额", "event_signup", None),
    ("could someone keep my grandma company this weekend, she is lonely", "help_request", "companionship"),
    ("can a volunteer help grandpa take a shower", "help_request", "daily_care"),
    ("the volunteer never showed up yesterday", "complaint", None),
    ("any notices this week?", "notice_query", None),                          # a plural, as a whole word
    ("need to go to grandma's appointment at the clinic", "help_request", "medical"),
    ("whats on the canteen menu tomorrow", "canteen_menu", None),                # batch 31: not pinyin
    ("中昼有人送碗糜来无", "help_request", "meal"),                              # Minnan porridge
    ("能帮我写篇作文吗 两千字", "out_of_scope", None),
    ("上回志愿者把药取错了 这事得重视", "complaint", None),
    ("can someone help grandma with the face verification for her pension", "help_request", "other"),
])
def test_classes_found_by_batches_23_to_26(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


def test_blank_and_emoji_only_messages_are_out_of_scope():
    for text in ("", "   ", "。", "😀😀"):
        result = understand(text, NOW)
        assert (result.intent, result.category, result.slots) == ("out_of_scope", None, {})


# --- numbers and choices ------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("1", 1), ("１", 1), ("一", 1), ("第一个", 1), ("壹", 1), ("①", 1), ("选2", 2), ("第2个", 2),
    ("两", 2), ("十二", 12), ("二十三", 23), ("就三号吧", 3), ("2。", 2), (" 3 ", 3), ("⑩", 10),
])
def test_parse_number_every_form(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["好", "", "买药", "一点点", "12个人", "第"])
def test_parse_number_rejects_non_numbers(text):
    assert parse_number(text) is None


def test_bare_number_is_affirm_with_number_slot():
    for text, value in (("1", 1), ("第二个", 2), ("①", 1), ("选3", 3)):
        result = understand(text, NOW)
        assert (result.intent, result.slots.get("number")) == ("affirm", value)


OPTIONS = ["陪同看病", "代买药品", "陪我聊天"]


@pytest.mark.parametrize("text, index", [
    ("2", 2), ("第三个", 3), ("壹", 1), ("看病", 1), ("买药", 2), ("买要", 2), ("想聊聊天", 3),
    ("陪同看病", 1),
])
def test_parse_choice_by_number_or_words(text, index):
    assert parse_choice(text, OPTIONS) == index


@pytest.mark.parametrize("text", ["4", "第五个", "随便", "", "陪"])
def test_parse_choice_returns_none_when_unsure(text):
    assert parse_choice(text, OPTIONS) is None


def test_parse_choice_understands_yes_for_a_confirm_option():
    assert parse_choice("对", ["确认", "修改"]) == 1
    assert parse_choice("1. 确认", ["1. 确认", "2. 修改"]) == 1
    assert parse_choice("修改", ["1. 确认", "2. 修改"]) == 2


# --- time windows -------------------------------------------------------------------------

def window(text: str, now: datetime = NOW) -> tuple[str, str, str]:
    slot = understand(text, now).slots["time_window"]
    return slot["start"], slot["end"], slot["label"]


def test_tomorrow_morning():
    assert window("明天上午想找人陪我去医院") == (
        "2026-12-02T08:00:00+08:00", "2026-12-02T12:00:00+08:00", "明天上午")


def test_next_wednesday_is_whole_day_of_next_week():
    assert window("下周三帮我买药")[:2] == ("2026-12-09T06:00:00+08:00", "2026-12-09T20:00:00+08:00")


def test_afternoon_three_oclock():
    assert window("下午三点来修水管") == ("2026-12-01T15:00:00+08:00", "2026-12-01T17:00:00+08:00", "下午三点")


def test_half_past_eight_alone_means_next_future_occurrence():
    assert window("八点半")[0] == "2026-12-01T20:30:00+08:00"  # 08:30 already passed at 09:00
    early = NOW.replace(hour=7)
    assert window("八点半", early)[0] == "2026-12-01T08:30:00+08:00"


def test_clock_forms_and_parts_of_day():
    assert window("明天8:30")[0] == "2026-12-02T08:30:00+08:00"
    assert window("后天中午")[:2] == ("2026-12-03T11:00:00+08:00", "2026-12-03T13:00:00+08:00")
    assert window("今天晚上")[:2] == ("2026-12-01T18:00:00+08:00", "2026-12-01T21:00:00+08:00")
    assert window("明天三点")[0] == "2026-12-02T15:00:00+08:00"
    assert window("中午一点")[0] == "2026-12-01T13:00:00+08:00"


def test_now_in_another_timezone_is_read_in_shanghai():
    utc_now = NOW.astimezone(UTC)
    assert window("明天上午", utc_now)[0] == "2026-12-02T08:00:00+08:00"
    late_utc = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # already Dec 2, 01:00 in Shanghai
    assert window("明天", late_utc)[0] == "2026-12-03T06:00:00+08:00"


def test_no_time_words_no_time_slot():
    for text in ("帮我买点药", "快一点", "买一点菜"):
        assert "time_window" not in understand(text, NOW).slots


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        understand("明天", NOW.replace(tzinfo=None))


# --- other slots --------------------------------------------------------------------------

@pytest.mark.parametrize("text, who", [
    ("帮我买药", "self"), ("俺要看病", "self"), ("俺娘摔倒了", "mother"), ("我妈要去医院", "mother"),
    ("老娘想洗澡", "mother"), ("我母亲要复查", "mother"), ("给俺爹送饭", "father"), ("老爹要理发", "father"),
    ("我爸想聊天", "father"), ("老伴发烧了", "spouse"), ("老头子腿疼", "spouse"), ("老婆子想去赶集", "spouse"),
    ("爱人住院了", "spouse"), ("奶奶要买药", "grandmother"), ("爷爷要看病", "grandfather"),
])
def test_for_whom(text, who):
    assert understand(text, NOW).slots["for_whom"] == who


def test_count_place_urgency():
    slots = understand("明天中午订两份饭", NOW).slots
    assert slots["count"] == 2
    assert understand("三个人去听讲座", NOW).slots["count"] == 3
    assert understand("陪我去镇卫生院", NOW).slots["place"] == "镇卫生院"
    assert understand("帮我送到村口", NOW).slots["place"] == "村口"
    assert understand("赶紧帮我买药", NOW).slots["urgency"] == "urgent"
    assert understand("帮我买药", NOW).slots["urgency"] == "normal"
    assert understand("绑定 123456", NOW).slots["code"] == "123456"


def test_absent_slots_are_omitted():
    assert understand("谢谢", NOW).slots == {}


# --- API shape and normalisation ----------------------------------------------------------

def test_understanding_is_frozen_and_serialisable():
    result = understand("明天上午想找人陪我去医院", NOW)
    assert set(result.to_dict()) == {"text", "intent", "category", "slots", "confidence"}
    assert 0.0 <= result.confidence <= 1.0
    assert json.loads(json.dumps(result.to_dict(), ensure_ascii=False))["slots"]["place"] == "医院"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.intent = "greeting"  # type: ignore[misc]


def test_category_only_for_help_requests():
    assert understand("平安", NOW).category is None
    assert understand("帮我修灯", NOW).category == "repair"


def test_normalize_folds_width_punctuation_and_emoji():
    assert normalize("１２３ＡＢＣ，我好。😀") == "123abc我好"
    assert normalize(" 八点 半。") == "八点半"
    assert normalize("8：30") == "8:30"


# --- command line and start-up ------------------------------------------------------------

def test_cli_prints_one_json_object_per_line():
    lines = "明天上午想找人陪我去医院\n\n俺娘摔倒了\n1\n"
    done = subprocess.run([sys.executable, "-m", "bots.nlu"], input=lines.encode("utf-8"), cwd=ROOT,
                          capture_output=True, timeout=60, check=True)
    out = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert len(out) == 4
    assert all(set(obj) == {"text", "intent", "category", "slots", "confidence"} for obj in out)
    assert out[0]["category"] == "medical" and "医院" in done.stdout.decode("utf-8")
    assert out[1]["intent"] == "out_of_scope"
    assert out[2]["category"] == "emergency"
    assert out[3]["slots"]["number"] == 1
    start = datetime.fromisoformat(out[0]["slots"]["time_window"]["start"])
    assert start.utcoffset() == timedelta(hours=8)


def test_120_inside_a_code_or_phone_number_is_not_an_emergency():
    from bots.nlu import is_emergency

    assert not is_emergency("绑定 120649")
    assert not is_emergency("我的电话13812012345")
    assert is_emergency("快打120") and is_emergency("120")


# English from sons, daughters and grandchildren abroad, read through the Chinese gloss (bots/nlu/english.py).
ENGLISH_THROUGH_THE_GLOSS = [
    ("could someone give my grandpa a haircut this week, his hair is way too long", "help_request", "daily_care"),
    ("can sb help nainai bring in the corn before the rain", "help_request", "farm_work"),
    ("would a volunteer read the paper to laolao now and then, her eyes are bad", "help_request", "companionship"),
    ("need someone to change the bulb in yeye's kitchen, it stopped working", "help_request", "repair"),
    ("could a volunteer help mum fill out the pension forms", "help_request", "other"),
    ("pls book 2 lunches for my parents on Monday", "meal_order", None),
    ("the soup they delivered to dad was completely cold and too salty", "complaint", None),
    ("how many hours does my mum have saved in the time bank", "timebank_balance", None),
    ("take grandma's name off the trip list pls, she changed her mind", "cancel", None),
    ("i'd like to sponsor the elders' canteen from abroad, how do i give", "donate", None),
]


@pytest.mark.parametrize("text, intent, category", ENGLISH_THROUGH_THE_GLOSS)
def test_english_is_read_through_its_chinese_gloss(text, intent, category):
    result = understand(text, NOW)
    assert (result.intent, result.category) == (intent, category)


def test_the_gloss_names_the_first_task_asked_for_and_never_reaches_the_safety_classifier():
    from bots.nlu.english import glossed
    from bots.nlu.matcher import prepare
    chars = glossed(prepare("can someone go with yeye to the clinic, he gets confused with the forms").chars)
    assert chars.endswith("卫生院看病量血压") and "填表" not in chars  # the clinic visit, not the forms
    # English "help" as a verb, with nothing wrong named, costs no "是紧急情况吗？"
    assert understand("pls help link my account to my dad's, thanks", NOW).danger is None
    assert glossed(prepare("你好 yes").chars) == "你好yes"  # one English word is not English to gloss
