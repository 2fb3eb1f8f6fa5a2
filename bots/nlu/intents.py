"""Intent decision: emergency first, then whole-message commands, cue words, and the classifier."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from . import learner
from .classifier import NaiveBayes, features, load
from .emergency import Danger, danger_in
from .english import read_in_chinese
from .lexicon import (
    ENGLISH_CUES,
    ENGLISH_REQUEST_WEIGHT,
    ENGLISH_REQUESTS,
    ENGLISH_WEIGHT,
    EXACT_COMMANDS,
    INTENT_CUES,
    ROLE_WORDS,
    TRAILING_PARTICLES,
)
from .matcher import PhraseMatcher, Prepared, typed_spans
from .numbers import parse_number
from .text import phrase_variants, sentence_keys

HELP = "help_request"
OTHER = "help_request/other"
# Below this posterior the classifier's guess is not worth acting on.
MIN_MODEL_CONFIDENCE = 0.6
# Naive Bayes posteriors saturate near 1.0; a guess from it never claims more than this.
MAX_MODEL_CONFIDENCE = 0.9
# The learnt model decides alone from this probability on; below it the cue words decide, when there are any.
LEARNT_SURE = 0.75
LEARNT_SURE_AGAINST_OUT_OF_SCOPE = 0.9
LEARNT_CATEGORY_SURE = 0.85
MAX_LEARNT_CONFIDENCE = 0.95
# Extra matched cue words add a little: two weak hints beat one weak hint.
EXTRA_CUE_BONUS = 0.25
LEADING_FILLERS = "嗯哦噢啊哎诶唉那"
INTERJECTIONS = set(LEADING_FILLERS + TRAILING_PARTICLES + "呃额哈嘿咦") - {"那"}
# (usual winner, intent that takes over whenever it has any cue): signing up *as a volunteer*
# is not an event sign-up, and a volunteer asking about hours wants the balance.
PREFERENCES = (("event_signup", "volunteer_signup"), ("volunteer_signup", "timebank_balance"))
# Highest score generic help words alone can reach (weight 1 plus bonuses).
GENERIC_MAX = 1.0 + EXTRA_CUE_BONUS * 4
# Confidence reported for each level of the safety classifier.
DANGER_CONFIDENCE = {"certain": 0.99, "strong": 0.8, "weak": 0.6}
# Characters that add nothing to a generic request ("俺需要人帮忙一下吧").
GENERIC_FILLERS = "我俺咱想要找人需帮忙能不可以来个一下吧啊呀呢吗嘛给你们谁有"
# Sums ("七加八", "12乘以8"): arithmetic is out of scope whatever words surround it.
_NUMERAL = r"(?:[0-9]+(?:\.[0-9]+)?|[一二三四五六七八九十百千两零]+)"
ARITHMETIC = re.compile(rf"{_NUMERAL}(?:加|减|乘以|除以|乘|除|[+*/×÷-]){_NUMERAL}")
# "帮我算下1200*0.85": the operator is dropped with the punctuation, the request to work out figures is left.
# "请帮忙计算：全村民兵42人，每人每月补贴150元，全年共计多少": figures given, and their total asked.
CALCULATION = re.compile(r"(?:算一?下|算算|算一算|计算)(?:一下)?[0-9]"
                         r"|(?:算一?下|算算|算一算|计算)[^。]{0,30}[0-9][^。]{0,30}(?:共计|合计|一共|总共|总计|等于)多少")
# "23*47=?", "100/4=": a sum written with symbols, read before normalising drops them (a phone number's dashes
# and a date's slash are no sum unless an equals sign follows).
WRITTEN_SUM = re.compile(r"[0-9]\s*[+*×÷]\s*[0-9]|[0-9]\s*[-/]\s*[0-9]+\s*=")
# "我是新来的网格员", "二组志愿者小黄报到": the speaker introduces themself, and a role named there is who is
# talking, not a wish to reach village staff or to volunteer. 我是想/我是说 and 我叫村长来 (I'll call him) are
# no introduction: 我叫 counts only after a greeting (你好我叫老赵).
SELF_INTRODUCTION = re.compile(r"(?:我|俺)(?:是|系)(?!想|说|问|要|唔)|报到|好(?:我|俺)叫")
# "大哥好", "婶子好": a title and 好 is a greeting, not a check-in.
TITLE_GREETING = re.compile(r"^(?:大哥|大姐|大爷|大娘|大叔|大婶|婶子|叔|婶|阿姨|姐|哥|老师|同志|师傅|乡亲们|老乡)"
                            r"好[啊呀哇]?$")
# Event sign-up cues that only say "register": they sign up for an event only when one is named.
REGISTER_WORDS = frozenset({"登记一下"})
# Share of the help probability a specific category needs to replace a generic "other".
CATEGORY_SHARE = 0.5
# "谢了 时长看到了": a question's topic next to "seen it" is an answer acknowledged, so the thanks is the message.
ACKNOWLEDGED = re.compile(r"(?:看到|看见|查到|收到|知道|晓得|明白)了")
# A favour asked ("能否安排…？谢谢", "想麻烦志愿者…，真的太感谢了"): the thanks is politeness around it.
ASKS_FOR_SOMETHING = re.compile(r"(希望|安排|(?<!添)麻烦|能否|能不能|可不可以|可唔可以|可否|请问|想问|想请|有没有|有无"
                                r"|请派|有人|谁|哪个|哪位)")
THANKED_REQUEST_MIN = 2.5
# A question about an amount ("我的时长多少", "还剩几个小时", "查一下积分").
ASKS_AMOUNT = re.compile(r"(还有好多|有好多|多少|几多|几个|几小时|好多个|查|剩|余额|有没有|记上|记了|存了|够不够)")
ANSWERED_QUESTIONS = frozenset({"timebank_balance", "canteen_menu", "notice_query", "event_query"})
# Words that make a sign-up one *as a volunteer*, whatever event is named beside them.
VOLUNTEER_WORDS = ("志愿", "义工", "volunteer")
# A volunteer asked for, for someone ("需志愿者每周两次上门协助洗浴，请协调"): a coordinator's request for help,
# not an offer to join; unless the writer offers themself.
NEEDS_VOLUNTEER = re.compile(r"(需|需要|请安排|安排|派|缺|想请|请个|(?<!申)请)(一|两|几|[0-9]+)?(名|位|个)?"
                             r"(会[^，。]{1,6}的)?"
                             r"(志愿者|义工)(?![不吗么嘛没])"
                             r"|有没有.{0,12}(能|可以|会)(去|来)?帮(他|她|我|俺|忙)"
                             r"|有(冇|没有|没|无)(义工|志愿者)(可以|能)?(陪|帮|来|去|送|载)")
# 额 is 我 in Shaanxi and Shanxi speech, not an amount (金额, 余额)
OFFERS_ONESELF = re.compile(r"(?<![载带陪送接领扶帮叫让])(我|俺|咱|(?<![金余限名数定超份])额)(们)?(也)?"
                            r"(想|要|愿意|可以|能|来|去)"
                            r"|报名(?![0-9一二三四五六七八九十几]+(人|位|名))|加入|(?<!会)当|注册|算(我|俺)|记(我|俺)"
                            r"|(我|俺)也.{0,4}(志愿|义工)|愿(意)?为|(叫|找|喊)(我|俺|额)|以志愿者(的)?身份|(做|当)(义工|志工)"
                            r"|(?<![a-z])(i|we)(?![a-z])|sign (me )?up|join")
DELIVERED_HOME = re.compile(r"送(到|来|上|回|至)(我|俺|他|她)?(家|屋|门|厝|嘎)"
                            r"|送[^，。]{0,10}到(我|俺|他|她)(家|屋|门|厝|嘎)"
                            r"|(?<![a-z])deliver")
# A service told as done ("昨天那个小伙子来帮我修水管 … 谢谢"): thanks for it, not a new request.
DONE_FOR_ME = re.compile(r"(昨天|昨儿|昨日|昨昏|琴日|寻日|前天|上次|上回|刚才|那天|今早|早上|上午|下午)"
                         r"[^，。]{0,10}(来|送|帮|修|陪|扫)"
                         r"|(修|换|弄|装)好(了|个|咗)|(交|修|送|买|换|搞)咗"
                         # thanks opening the message for a favour told as done ("多谢晒 阿妹仔帮我买米返来")
                         r"|^(谢谢|多谢|感谢|唔该)[^，。]{1,8}帮(?![个一下忙])(?![^。]{0,12}(找(个)?人|来(个)?人|派|安排|吗|嘛|一下|下吧))")
ASKS_WHO = re.compile(r"谁|哪个|哪位|哪几个|有冇|有没有人|有人能|有人可以|有人会|有无"
                      r"|请(几个|个|一些)?人|需(要)?(有)?人")
# The hours offered as payment for a visit asked ("求个人陪一下 算时间银行or我付钱都行").
PAID_IN_HOURS = re.compile(r"(算|用|拿|按|记)(在)?时间银行|时间银行(算|抵|付|也行)|(我|俺)(来)?付钱")
# A person asked to bring it ("能安排人中午送个饭吗", "恳请热心人士…送一份午餐"): a meal delivery, not a canteen order.
ASKS_A_PERSON = re.compile(r"(安排|派|请)(个|一个|位|一位)?人|热心人士|有人(能|可以)|谁(能|可以)|志愿者")
# Unable to go oneself ("一个人去不了", "腿不得劲 食堂去不了"): the reason for a request, not a cancellation.
UNABLE_TO_GO = re.compile(r"(一个人|自己|独自|腿|脚|腰|身体|不得劲|不方便|忙|走不开|没空)[^，。]{0,6}"
                          r"(去不了|来不了|去不成)")
# "去不了" as the reason for a question or a favour asked ("我去不了乡里 那些材料能不能有人帮我弄一下", "有没有…的活动？
# 太远的我去不了"), with nothing named to call off: the question or the favour is the message.
CANNOT_GO_CUES = frozenset({"去不了", "来不了", "去不成"})
ASKS_OR_REQUESTS = re.compile(r"有没有|有冇|能不能|能否|可不可以|可否|谁|哪个|哪位")
CALLS_OFF = re.compile(r"取消|撤|划掉|换人|换个人|退|不去了|算了|不用了")
BARE_VOLUNTEER = frozenset({"志愿者", "志愿", "义工", "volunteer", "volunteers"})
# What a cancellation names: the learnt model reads the thing called off as the thing asked for.
CANCELLED_KINDS = frozenset({"event_signup", "meal_order", "volunteer_signup", HELP})
# A complaint that asks to be dealt with ("量血压操作不规范，请处理", "反映一个情况 … 请核查"): the service named
# is what went wrong, not what is asked for again.
DEALT_WITH = re.compile(r"请(处理|核查|核实|调查|查一下|给个说法)|反映一个情况|(操作|服务|态度)不规范|投诉")


@dataclass(frozen=True)
class Decision:
    """The intent, the help category (or None) and how sure we are."""

    intent: str
    category: str | None
    confidence: float
    danger: Danger | None = None

    @property
    def emergency(self) -> bool:
        return self.danger is not None


def decide(message: Prepared, text: str = "", *, safety: bool = True, turn: object = None) -> Decision:
    """Pick the intent of a prepared message; `text`, the message as typed, shows the symbols of a sum.
    Without the safety classifier when `safety` is False; `turn` (the turn's time) lets a turn's readings share work."""
    if not message.chars:
        return Decision("out_of_scope", None, 1.0)
    danger = danger_in(message) if safety else None
    if danger is not None:
        # Any sign of danger outranks every other reading; how sure we are decides act-or-ask.
        return Decision(HELP, "emergency", DANGER_CONFIDENCE[danger.level], danger=danger)
    command = exact_command(message.chars)
    if command:
        return Decision(command, None, 0.97)
    if all(char in INTERJECTIONS for char in message.chars):
        # "啊？" "哦" "呃": a sound, not an answer (the question mark is gone by now); 嗯 and 好 are commands.
        return Decision("out_of_scope", None, 0.9)
    if (ARITHMETIC.search(message.chars) or CALCULATION.search(message.chars)
            or WRITTEN_SUM.search(unicodedata.normalize("NFKC", text))):
        return Decision("out_of_scope", None, 0.9)
    if TITLE_GREETING.match(message.chars):
        return Decision("greeting", None, 0.9)
    if parse_number(message.chars) is not None:
        # A bare choice answers the pending prompt; the engine reads the number slot.
        return Decision("affirm", None, 0.9)
    return _by_cues_and_learnt(read_in_chinese(message), turn)


def _by_cues_and_learnt(message: Prepared, turn: object = None) -> Decision:
    """The learnt model when it is sure; the cue words when it is not; the naive Bayes when neither speaks.

    Measured on eight fresh batches the model was not fitted on (docs/nlu.md, "A learnt model"): cue words alone
    93% at first sight, the learnt model alone 99%, this combination about 98% while keeping every hand-written hard
    case of test_nlu.py that the learnt model alone gets wrong.
    """
    cued = _by_cues(message)
    if message.chars.isascii() and cued is None:
        return _by_model(message)  # English letter by letter is no evidence; the lexicon's whole words read it
    reading = learner.read(message, turn)
    intent = reading.intent
    # Out of scope is what the cue words rule on by name (prices at the market, the weather); few lines teach it.
    sure = LEARNT_SURE_AGAINST_OUT_OF_SCOPE if cued is not None and cued.intent == "out_of_scope" else LEARNT_SURE
    if cued is not None and cued.intent == "cancel" and CALLS_OFF.search(message.chars) \
            and intent.label in CANCELLED_KINDS:
        return cued  # "那个活动我弗去嘞 帮我把名字划掉": the sign-up named is what is called off
    if cued is not None and cued.intent == "complaint" and DEALT_WITH.search(message.chars) and intent.label == HELP:
        return cued
    if intent.probability < sure:
        if cued is None:
            return _by_model(message)
        if cued.intent == HELP and reading.category.probability >= LEARNT_CATEGORY_SURE:
            return Decision(HELP, reading.category.label, cued.confidence)
        return cued
    confidence = round(min(intent.probability, MAX_LEARNT_CONFIDENCE), 3)
    if intent.label != HELP:
        return Decision(intent.label, None, confidence)
    # A category the learnt model is unsure of defers to the cue words' category, when they name one.
    cued_category = cued.category if cued is not None and cued.intent == HELP else None
    category = reading.category
    chosen = category.label if category.probability >= LEARNT_CATEGORY_SURE or not cued_category else cued_category
    return Decision(HELP, chosen, confidence)


def exact_command(chars: str) -> str | None:
    """Intent of a message that is nothing but a command word, read by characters or by sound."""
    sounds, longest = _sound_commands(), _longest_sound_command()
    for candidate in dict.fromkeys(_trimmed(chars)):  # often the same text three times
        hit = EXACT_COMMANDS.get(candidate)
        if not hit and len(candidate) <= longest:  # one key per character: a longer text cannot sound like one
            hit = sounds.get(sentence_keys(candidate))
        if hit:
            return hit
    return None


def _trimmed(chars: str) -> list[str]:
    core = chars.rstrip(TRAILING_PARTICLES) or chars
    bare = core.lstrip(LEADING_FILLERS) or core
    return [chars, core, bare]


@lru_cache(maxsize=1)
def _sound_commands() -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for word, intent in EXACT_COMMANDS.items():
        if len(word) >= 2 and not word.isascii():
            for variant in phrase_variants(word):
                table.setdefault(variant, intent)
    return table


@lru_cache(maxsize=1)
def _longest_sound_command() -> int:
    return max(map(len, _sound_commands()), default=0)


@lru_cache(maxsize=1)
def _cue_matcher() -> PhraseMatcher[tuple[str, float]]:
    entries = [(phrase, (label, weight)) for label, groups in INTENT_CUES.items()
               for weight, phrases in groups.items() for phrase in phrases.split()]
    entries += [("=" + phrase, (label, ENGLISH_WEIGHT)) for label, words in ENGLISH_CUES.items()
                for phrase in words.split("|")]
    entries += [("=" + phrase, (OTHER, ENGLISH_REQUEST_WEIGHT)) for phrase in ENGLISH_REQUESTS.split("|")]
    # 村西头 is a place, never 洗头 heard by sound; 邮政所 the post office, never 诊所; 种点 never 钟点;
    # 送点饭 never 电饭锅.
    shield = re.compile(r"(村|屯|庄|河|街|沟|路)?(东|西|南|北)头|(邮政|派出)所|种(点|些)|送点|公示")
    return PhraseMatcher(entries, anchored=True, shield=shield)


@lru_cache(maxsize=1)
def model() -> NaiveBayes:
    """The fallback classifier, loaded once."""
    return load()


def matched_cues(message: Prepared) -> dict[str, tuple[str, float]]:
    """Cue phrase -> (label, weight) for every cue word the message holds on its own."""
    found = _outside_longer_cues(_cue_matcher().find(message), message.chars)
    # 社工站, 护理站: a place, not the staff asked for.
    found = {phrase: cue for phrase, cue in found.items()
             if not (phrase.lstrip("=") in ROLE_WORDS and phrase.lstrip("=") + "站" in message.chars)}
    if SELF_INTRODUCTION.search(message.chars):
        found = {phrase: cue for phrase, cue in found.items() if phrase.lstrip("=") not in ROLE_WORDS}
    if not OFFERS_ONESELF.search(message.chars):
        # "你们志愿者就呆了五分钟", "the volunteer was super nice": the word names someone, it offers no one;
        # "谁能早晚去帮忙喂一下": someone else is asked to go, nobody offers.
        asks_who = ASKS_WHO.search(message.chars)
        found = {phrase: cue for phrase, cue in found.items()
                 if not (cue[0] == "volunteer_signup" and (asks_who or phrase.lstrip("=") in BARE_VOLUNTEER))}
    return found


def cue_scores(message: Prepared) -> dict[str, float]:
    """Score per label from matched cue words: the strongest cue plus a bonus per extra cue."""
    return _scores(matched_cues(message), message.chars)


def _scores(cues: dict[str, tuple[str, float]], chars: str) -> dict[str, float]:
    weights: dict[str, list[float]] = defaultdict(list)
    extras: dict[str, int] = defaultdict(lambda: -1)
    echoes = _echoes(cues, chars)
    for phrase, (label, weight) in cues.items():
        weights[label].append(weight)
        extras[label] += phrase not in echoes
    return {label: max(ws) + EXTRA_CUE_BONUS * max(extras[label], 0) for label, ws in weights.items()}


def _echoes(cues: dict[str, tuple[str, float]], chars: str) -> set[str]:
    # One word is one piece of evidence: 志愿 inside 志愿者, or 报…名 over the same 报名, is the same word matched
    # twice by its own label and earns no extra-cue bonus (志愿者 had outweighed the thanks beside it).
    spans = {phrase: typed_spans(phrase, chars) for phrase in cues}
    ordered = sorted(cues, key=lambda phrase: (-max((e - s for s, e in spans[phrase]), default=0), phrase))
    echoes: set[str] = set()
    for index, phrase in enumerate(ordered):
        label = cues[phrase][0]
        outer = [span for other in ordered[:index] if other not in echoes and cues[other][0] == label
                 for span in spans[other]]
        if spans[phrase] and all(any(s <= a and b <= e for s, e in outer) for a, b in spans[phrase]):
            echoes.add(phrase)
    return echoes


def _outside_longer_cues(found: dict[str, tuple[str, float]], chars: str) -> dict[str, tuple[str, float]]:
    # A cue typed only inside a longer cue of another label is part of that phrase, not a word of its own:
    # 没得 in 有没得人 (anyone?) is no refusal, 志愿者 in 有没有志愿者 no offer, 信用 in 信用社 no balance.
    spans = {phrase: typed_spans(phrase, chars) for phrase in found}

    def swallowed(phrase: str) -> bool:
        label = found[phrase][0]
        outer = [span for other, (other_label, _) in found.items() if other_label != label for span in spans[other]]
        return bool(spans[phrase]) and all(
            any(s <= a and b <= e and e - s > b - a for s, e in outer) for a, b in spans[phrase])

    return {phrase: payload for phrase, payload in found.items() if not swallowed(phrase)}


def _by_cues(message: Prepared) -> Decision | None:
    cues = matched_cues(message)
    scores = _scores(cues, message.chars)
    if not scores:
        return None
    intents = _intent_scores(scores)
    ranked = sorted(intents.items(), key=lambda kv: kv[1], reverse=True)
    best, score = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == score:
        best = _tie_break(message, [name for name, s in ranked if s == score])
    best = _preferred(best, intents, cues, message.chars)
    if best in ANSWERED_QUESTIONS and "thanks" in intents and ACKNOWLEDGED.search(message.chars):
        best = "thanks"
    if best == "cancel" and UNABLE_TO_GO.search(message.chars) and any(label.startswith(HELP) for label in scores):
        best = HELP
    if best == "cancel" and _only_cannot_go(cues) and ASKS_OR_REQUESTS.search(message.chars) \
            and not CALLS_OFF.search(message.chars) and len(intents) > 1:
        best = max((name for name in intents if name != "cancel"), key=intents.__getitem__)
    if best in ("meal_order", "canteen_menu") and ASKS_A_PERSON.search(message.chars) and f"{HELP}/meal" in scores:
        best = HELP
    if best == "timebank_balance" and PAID_IN_HOURS.search(message.chars) \
            and any(label.startswith(HELP) and label != OTHER for label in scores):
        best = HELP  # "求个人陪一下 算时间银行": the hours are how it is paid, the visit is asked
    if best == "event_signup" and _registers_a_need(cues):
        best = HELP
    if best == "canteen_menu" and DELIVERED_HOME.search(message.chars):
        best = HELP  # the canteen's food brought home: a meal delivery asked for
    if best == "volunteer_signup" and NEEDS_VOLUNTEER.search(message.chars) \
            and not OFFERS_ONESELF.search(message.chars):
        best = HELP
    if best == HELP and "thanks" in intents and DONE_FOR_ME.search(message.chars) \
            and not ASKS_FOR_SOMETHING.search(message.chars):
        best = "thanks"
    if best == "thanks" and ASKS_FOR_SOMETHING.search(message.chars):
        # "麻烦告知一下，谢谢": the thanks is for the favour asked, which is what the message is about.
        asked = {name: s for name, s in intents.items() if name != "thanks" and s >= THANKED_REQUEST_MIN}
        if asked:
            best = max(asked, key=asked.__getitem__)
    margin = score - max((s for name, s in intents.items() if name != best), default=0.0)
    confidence = min(0.95, 0.7 + 0.1 * max(margin, 0.0))
    category = _category(scores, message) if best == HELP else None
    return Decision(best, category, round(confidence, 3))


def _preferred(best: str, intents: dict[str, float], cues: dict[str, tuple[str, float]], chars: str) -> str:
    if best in ("event_signup", "volunteer_signup") and _signs_up_to_help_out(cues):
        return "event_signup"
    for usual, takes_over in PREFERENCES:
        # "想来当志愿者 顺便攒点时长": hours named as a reason to join are no question about a balance.
        if best == usual and takes_over in intents and (takes_over != "timebank_balance" or ASKS_AMOUNT.search(chars)):
            return takes_over
    return best


def _only_cannot_go(cues: dict[str, tuple[str, float]]) -> bool:
    return {phrase for phrase, (label, _) in cues.items() if label == "cancel"} <= CANNOT_GO_CUES


def _signs_up_to_help_out(cues: dict[str, tuple[str, float]]) -> bool:
    # "重阳节的活动我报名 去打下手": 报名 for a named event, with a hand offered at it, is that event's sign-up;
    # an offer with no 报名 (算我一个, 我也去) or one as a volunteer (报名当志愿者) stays an offer.
    labels = {label for label, _ in cues.values()}
    names_signup = any(label == "event_signup" and "报" in phrase and "名" in phrase
                       for phrase, (label, _) in cues.items())
    as_volunteer = any(label == "volunteer_signup" and any(word in phrase for word in VOLUNTEER_WORDS)
                       for phrase, (label, _) in cues.items())
    return "event_query" in labels and names_signup and not as_volunteer


def _registers_a_need(cues: dict[str, tuple[str, float]]) -> bool:
    # 登记 is how a coordinator records anything ("帮陈大爷登记一下 去县医院复诊 需要人陪同"): with no event
    # named, the help task named beside it is what is being registered.
    labels = {label for label, _ in cues.values()}
    signup = {phrase for phrase, (label, _) in cues.items() if label == "event_signup"}
    return (signup <= REGISTER_WORDS and "event_query" not in labels
            and any(label.startswith(HELP) and label != OTHER for label in labels))


def _intent_scores(scores: dict[str, float]) -> dict[str, float]:
    intents = {label: s for label, s in scores.items() if not label.startswith(HELP)}
    help_scores = [s for label, s in scores.items() if label.startswith(HELP)]
    if help_scores:
        # A generic "帮我/找人" next to a specific task word strengthens the request.
        both = OTHER in scores and len(help_scores) > 1
        intents[HELP] = max(help_scores) + (0.5 if both else 0.0)
    return intents


def _category(scores: dict[str, float], message: Prepared) -> str:
    specific = {label: s for label, s in scores.items() if label.startswith(HELP) and label != OTHER}
    if not specific:
        return _model_category(message) if _only_generic_help(scores, message) else "other"
    best = max(specific, key=specific.__getitem__)
    # A named "other" task (念信, 填表) outranks a weaker task word; generic words never do.
    if scores.get(OTHER, 0.0) > max(GENERIC_MAX, specific[best]):
        return "other"
    return best.split("/", 1)[1]


def _only_generic_help(scores: dict[str, float], message: Prepared) -> bool:
    # Strong "other" cues (填表, 念信) already name the task; a bare "帮我一下" names none, and the
    # classifier should only guess when some unknown task words are left over.
    if scores.get(OTHER, 0.0) > GENERIC_MAX:
        return False
    residue = message.chars
    for phrase in _cue_matcher().find(message):
        residue = residue.replace(phrase, "")
    return sum(char not in GENERIC_FILLERS for char in residue) >= 2


def _model_category(message: Prepared) -> str:
    # Only generic words ("帮我", "找人") matched: the classifier may still recognise the task.
    posteriors = model().posteriors(features(message.chars, message.keys))
    help_labels = {lb: p for lb, p in posteriors.items() if lb.startswith(HELP) and lb != f"{HELP}/emergency"}
    total = sum(help_labels.values())
    label = max(help_labels, key=help_labels.__getitem__)
    if total > 0 and help_labels[label] / total >= CATEGORY_SHARE:
        return label.split("/", 1)[1]
    return "other"


def _tie_break(message: Prepared, tied: list[str]) -> str:
    posteriors = model().posteriors(features(message.chars, message.keys))
    by_intent: dict[str, float] = defaultdict(float)
    for label, p in posteriors.items():
        by_intent[label.split("/", 1)[0]] += p
    return max(tied, key=lambda name: by_intent.get(name, 0.0))


def _by_model(message: Prepared) -> Decision:
    if message.chars.isascii():
        # The classifier sees English letter by letter, which is no evidence ("asdfgh" read as a sign-up):
        # English is read only by the lexicon's whole words.
        return Decision("out_of_scope", None, MAX_MODEL_CONFIDENCE)
    posteriors = model().posteriors(features(message.chars, message.keys))
    label, p = max(posteriors.items(), key=lambda kv: kv[1])
    if label == "out_of_scope" or p < MIN_MODEL_CONFIDENCE:
        sure = p if label == "out_of_scope" else 1 - p
        return Decision("out_of_scope", None, round(min(sure, MAX_MODEL_CONFIDENCE), 3))
    if label == "help_request/emergency":
        # The classifier never raises an emergency on its own word; the lexicon owns that.
        return Decision(HELP, "other", round(min(p, MAX_MODEL_CONFIDENCE), 3))
    intent, _, category = label.partition("/")
    return Decision(intent, category or None, round(min(p, MAX_MODEL_CONFIDENCE), 3))
