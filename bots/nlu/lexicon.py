"""Word lists: emergencies, intent cue words, whole-message commands.

Phrases are matched on characters and on fuzzy pinyin (see matcher.py).
"…" allows a few filler characters between the parts; a leading "=" means
"characters only" for phrases whose sound collides with everyday words.
"""
from __future__ import annotations

# Cue words per label ("intent" or "help_request/category") with their weight.
# Generic help words are weak so that any specific category word decides.
INTENT_CUES: dict[str, dict[float, str]] = {
    "cancel": {4: "取消 不办了 不要了 撤销 作废 不弄了 退出 算了 不去了 不吃了 退掉 退订 不报了 不想订 不订了 不想要了 不想去了 不想报 不参加了"},
    "deny": {2: "不对 不是 不用 不需要 错了 弄错 搞错 莫得 没得 不中 不行 别"},
    "affirm": {1.5: "确认 确定 没错 对的 是的 好的 要得 可以 同意 就这样 没问题 晓得了"},
    "greeting": {1: "你好 您好 在吗 在不在 有人在 早上好 上午好 下午好 晚上好 有人在吗 哈喽 嗨 hello 吃了吗"},
    "thanks": {2.75: "谢谢 多谢 感谢 谢了 辛苦了 辛苦你们 麻烦你们了 好人 谢谢啦 谢啦"},
    "help_menu": {2: "菜单 怎么用 咋用 能干啥 能干什么 能做什么 能做啥 有啥用 有什么用 功能 咋弄 怎么弄 咋整 "
                     "教教我 看不懂 不会用 说明 使用方法 能帮我啥 都有啥服务 有哪些服务"},
    "talk_to_human": {3: "听不懂 人工 真人 客服 村干部 管理员 协调员 村长 书记 村主任 跟人说 跟真人 和人说 回电话 "
                         "打电话给我 给我打电话 找个人说 活人"},
    "complaint": {3: "投诉 举报 不满意 态度不好 态度差 太差 差劲 骗人 =骗子 乱收钱 骂人 不负责 敷衍 差评 "
                     "提意见 意见 鸽子 反映问题 没来 没人来 没有来 等了半天 等半天 迟到 放鸽子 说话难听"},
    "donate": {4.5: "捐 献爱心 赞助 资助 爱心款 善款 出点钱 出份力 出点力 捐款 捐钱 捐物"},
    "timebank_balance": {3: "时间币 时间银行 积分 余额 多少小时 多少个小时 多少个钟头 几个小时 几小时 干了多少 服务时长 时长 工时 时间存折 "
                            "攒了多少 存了多少 攒的时间 存的时间 我的小时 多少时间 多少个钟"},
    "bind_family": {3: "绑定 绑 关联 绑定码 邀请码 家属 子女 代我妈 代我爸 帮我妈申请 帮我爸申请 连上我妈 连上我爸 "
                       "加上我妈 加上我爸 关联老人 我是她儿子 我是她女儿 我是他儿子 我是他女儿"},
    "notice_query": {2.5: "通知 公告 通告 告示 广播 新消息 啥消息 什么消息 啥新鲜事 新闻 村里有啥事 有什么事 有啥事"},
    "event_query": {3: "讲座 义诊 培训 上课 课程",
                    2.5: "活动 免费 联欢 广场舞 看电影 唱戏 热闹 健康课"},
    "event_signup": {3.5: "报名 报个名 去听 要去参加 讲座…要去 义诊…要去 活动…要去 讲座…我去 义诊…我去 "
                              "活动…我去 要去…讲座 要去…义诊 去参加 算我一个 我也去 我要参加 我参加 想参加 给我留个位 登记一下 报上"},
    "volunteer_signup": {4: "当志愿 做志愿 申请志愿 加入志愿 报名…志愿 志愿…报名 义工 帮别人 帮助别人 帮人家 "
                            "帮帮别人 出把力 加入你们 服务队 互助队 我也想帮 我来帮 我能帮 我可以帮 俺能帮 俺可以帮 "
                            "我…可以帮忙 我…能帮忙 俺…可以帮忙 俺…能帮忙 我会修 我有空帮 想做好事 当帮手 帮村里 "
                            "帮帮村里 帮老人 给老人 照顾老人 送老人",
                         2.5: "志愿者 志愿"},
    "canteen_menu": {2.5: "吃啥 吃什么 菜谱 伙食 饭菜 啥菜 什么菜 几个菜 饭堂 食堂 荤菜 素菜 吃的啥 啥饭 什么饭 "
                        "午饭是 晚饭是 有啥吃 有什么吃 吃点啥"},
    "meal_order": {4: "吃饭…算我 算我一份",
                   3: "订饭 订餐 订一份 订份 报饭 留一份 来一份 要一份 给我一份 订午饭 订晚饭 订两份 "
                      "订个饭 留份饭 订"},
    "out_of_scope": {0.9: "天气 下雨 下雪 大雨 =雨 =雪 天冷 天热 刮风 =冷不冷 =热不热 几点了 名字 你是谁 故事 笑话 唱歌 结婚 考上 股票 "
                          "涨价 多少钱一斤"},
    "checkin_ok": {3: "平安 签到 打卡 一切正常 好着呢 好着哩",
                   1.5: "很好 挺好 都好 好好的 没事 身体好 好得很 还行 还好"},
    "help_request/other": {2.5: "念念 念一下 念信 信上写 读信 看信 写信 写字 填表 填个表 开证明 办手续 视频通话",
                           1: "帮忙 帮我 帮帮 找人 找个人 来个人 要人 派个人 叫个人 请人 需要人 求助 "
                              "需要帮助 没人管 搭把手 有人帮 写字 填表 读信 看信 写信 弄手机 视频通话 "
                              "开证明 办手续 找银"},
    "help_request/errand": {2.5: "买药 拿药 取药 买菜 买米 买油 买面 买盐 买东西 捎 带点 代买 跑腿 取快递 "
                                 "拿快递 水费 电费 取个东西 取东西 取个 寄 寄东西 寄包裹 寄个 快递 话费 充一下 交电费 交水费 缴费 充话费 交话费 取钱 取点钱 办事 跑一趟 超市 "
                                 "赶集 买 充值 领补贴 领米 领油 送信 送东西"},
    "help_request/meal": {2.5: "做饭 送饭 煮饭 烧饭 熬…粥 粥 包…饺子",
                           2: "面条 做…饭 煮…饭 烧…饭 送…饭 没饭吃 没吃饭 饿 做不动饭 送点吃的 弄点吃的 打饭 送菜 熬粥 "
                               "煮面 下面条"},
    "help_request/medical": {2.5: "看病 瞧病 看医生 看大夫 瞧大夫 瞅病 打针 输液 吊水 挂水 量血压 测血压 血糖 体检 "
                                  "复查 开药 开点药 换药 陪诊 挂号 住院 出院 检查 拍片 医院 卫生院 卫生室 诊所",
                             1.5: "大夫 医生 血压 不舒服 难受 发烧 感冒 咳嗽 头疼 头痛 头晕 腿疼 腰疼 牙疼 病了 生病 "
                                  "拉肚子 疼 痛"},
    "help_request/daily_care": {2: "洗澡 洗…澡 劈…柴 理…发 剃…头 剪…头 擦身 理发 剃头 剪头 剪指甲 打扫 扫地 拖地 收拾 洗衣服 洗被子 晒被子 换床单 洗一洗 洗洗 "
                                   "家务 翻身 喂饭 上厕所 穿衣服 洗头 倒垃圾 照顾 护理 看护 擦窗 劈柴 烧炕 生炉子 "
                                   "挑水 担水 搬东西 搬家 卫生",
                                1.5: "衣服 被子 床单 褥子 被褥 扫雪 扫院子 煤气罐"},
    "help_request/repair": {2.5: "修 坏了 漏水 漏雨 不亮 没电 停电 跳闸 灯泡 换灯 水管 冻裂 堵了 马桶 没信号 收不到台 "
                                "电饭锅 热水器 煤气灶 门锁 锁坏 窗户 屋顶 房顶 电线 插座 开关 维修 不转 不出水 没水 "
                                "坏掉 烂了 不好使 不能用 打不开 打不着 关不上 不好用 滴水 一闪一闪 不转"},
    "help_request/farm_work": {2.5: "收玉米 掰玉米 收麦 割麦 割稻 收稻 插秧 种地 种菜 浇地 锄草 除草 打药 打农药 施肥 "
                                    "上肥 犁地 翻地 摘花生 摘棉花 摘果 摘苹果 收花生 收庄稼 地里 田里 农活 喂猪 "
                                    "喂鸡 放羊 喂牛 晒粮 晒谷 扛粮食 拉粮食 挖红薯 收红薯 刨地 播种 秧 摘菜 犁 锄地 缺人手 掰棒子 棒子",
                               1.5: "菜园 庄稼 玉米 麦子 稻子 花生 果园 大棚 棉花 粮食 菜地 麦地 稻田"},
    "help_request/companionship": {2.5: "聊天 聊聊 说说话 唠嗑 拉家常 唠唠 孤单 闷得慌 寂寞 没人说话 解闷 下棋 下…棋 跟我说话 陪我说话 "
                                        "打牌 读报 说会话 说会儿话 想儿子 想闺女 心里闷 太闷",
                                   1.5: "陪陪我 来看看我 看看我 没人陪 想有人陪 散步 遛弯 一个人在家",
                                   0.5: "陪我 陪"},
}

# A whole message equal to one of these (after trailing particles are stripped) decides alone.
EXACT_COMMANDS: dict[str, str] = {
    **dict.fromkeys("取消 不办了 不要了 算了 退出 撤销 不弄了".split(), "cancel"),
    **dict.fromkeys("菜单 帮助 功能 说明 怎么用 咋用 help 目录 主菜单 咋整 怎么弄".split(), "help_menu"),
    **dict.fromkeys("人工 转人工 人工服务 找人工 客服 真人".split(), "talk_to_human"),
    **dict.fromkeys("对 是 好 行 中 嗯 要 对对 对对对 是的 是滴 好的 好嘞 好滴 行的 可以 确认 确定 要得 中中 嗯嗯 "
                    "没错 对的 对头 同意 ok okay yes 得嘞 成 妥 需要 可以的 没问题 就这样 晓得了 晓得 知道了 "
                    "中中中 好好 好好好 要的 好呀 中啊 是啊 对呀 愿意 确认无误 y".split(), "affirm"),
    **dict.fromkeys("不 不对 不是 不用 不用了 不要 没有 错了 不行 不中 莫得 没得 不需要 不了 不去 不对不对 "
                    "不是这个 搞错了 弄错了 no n 否 不愿意 不得行 要不得 不好 别 没".split(), "deny"),
    **dict.fromkeys("平安 我平安 报平安 平安平安 很好 我很好 挺好 都好 好着呢 没事 我没事 签到 打卡 一切正常 "
                    "好好的 还行 都挺好 一切都好 身体好 好得很 莫事 冒得事 没得事 今天挺好的 挺好的".split(),
                    "checkin_ok"),
    **dict.fromkeys("你好 您好 在吗 在不在 喂 早 早上好 上午好 下午好 晚上好 哈喽 hello hi 嗨 有人吗 "
                    "有人在吗 你好啊 小邻 吃了吗 吃了没".split(), "greeting"),
    **dict.fromkeys("谢谢 多谢 感谢 谢了 辛苦了 谢谢你 谢谢你们 谢谢啦 太感谢了 麻烦你们了".split(), "thanks"),
    **dict.fromkeys("通知 公告 消息 新通知".split(), "notice_query"),
    **dict.fromkeys("投诉 举报 差评".split(), "complaint"),
    **dict.fromkeys("活动 讲座 义诊".split(), "event_query"),
    **dict.fromkeys("报名".split(), "event_signup"),
    **dict.fromkeys("捐款 捐钱 捐赠 我要捐款".split(), "donate"),
    **dict.fromkeys("时间币 积分 余额 时间银行".split(), "timebank_balance"),
    **dict.fromkeys("绑定 绑定家人 绑定老人".split(), "bind_family"),
    **dict.fromkeys("食堂 今天吃啥 吃啥 吃什么 菜谱".split(), "canteen_menu"),
    **dict.fromkeys("订饭 订餐 报饭".split(), "meal_order"),
    **dict.fromkeys("志愿者 当志愿者 义工".split(), "volunteer_signup"),
}

# Particles that do not change what a short reply means ("好的呀", "取消吧").
TRAILING_PARTICLES = "吧啊呀了呢嘛哦噢哈么啦哩咧嘞呐"

URGENT_WORDS = "急 着急 赶紧 马上 快点 尽快 现在就 立刻 立即 越快越好 等不了 快来".split()
