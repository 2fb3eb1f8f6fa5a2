"""Word lists: emergencies, intent cue words, whole-message commands.

Phrases are matched on characters and on fuzzy pinyin (see matcher.py).
"…" allows a few filler characters between the parts; a leading "=" means
"characters only" for phrases whose sound collides with everyday words.
"""
from __future__ import annotations

# Grouped by what happened; every phrase here turns any message into an emergency.
EMERGENCY_PHRASES = """
摔倒 跌倒 滑倒 绊倒 栽倒 摔了 摔着 摔伤 摔断 摔下 跌下 跌伤 摔…跤 跌…跤 绊…跤 摔…跟头 栽…跟头
摔…地上 跌…地上 =倒在地 =倒地上 起不来 爬不起来 站不起来 起不了身 动弹不得 动不了了 滚下来 从…掉下来
胸口疼 胸口痛 心口疼 心口痛 胸疼 胸痛 胸闷 心绞痛 心脏病犯 心脏不舒服 心脏疼 心梗 心肌梗 心脏病发
喘不上 喘不过 喘不…气 上不来气 透不过气 出不来气 气上不来 呼吸困难 不能呼吸 喘得厉害 憋得喘
着火 失火 起火 火灾 烧起来 =冒烟 =冒黑烟 救火 煤气 燃气泄漏 一氧化碳 =烟很大
晕倒 昏倒 晕过去 昏过去 晕…过去 昏…过去 叫不醒 喊不醒 叫…不醒 喊…不醒 不省人事 人事不省 昏迷 休克
没意识 没知觉 没气了 没有气了 没呼吸 没有呼吸 不喘气 叫…没反应 喊…没反应 人没反应 抽搐 抽风 口吐白沫 翻白眼 一动不动
流血 出血 吐血 =是血 血止不住 止不住血 大口子 砍伤 割破 砍到 头破了 磕破 伤口很深
嘴歪 嘴巴歪 口眼歪 说不出话 说不了话 讲不出话 说话不清 口齿不清 舌头发硬 半边身子 半身不遂 手脚发麻 一边没劲 中风 脑梗 脑溢血 脑出血
喝了农药 喝农药 吃了农药 农药中毒 敌敌畏 百草枯 老鼠药 中毒 吃错药 吃错了药 药吃多了 喝了药水
救命 快来人 来人啊 来人呀 来人呐 快来救 救救 急救 =120 叫救护车 救护车 快不行了 人不行了 要不行了 要死了 快死了 出人命 出大事了
掉水里 掉河里 掉井里 掉塘里 掉…水里 掉…河里 掉…井里 落水 溺水 淹着了
被狗咬 被蛇咬 蛇咬 骨折 腿断了 胳膊断了 烫伤 烧伤 触电 电着了 被电 被车撞 车撞了 车祸 撞到头
走丢 走失 人不见了 疼得受不了 痛得受不了 疼得打滚
"""

# Cue words per label ("intent" or "help_request/category") with their weight.
# Generic help words are weak so that any specific category word decides.
INTENT_CUES: dict[str, dict[float, str]] = {
    "cancel": {3: "取消 不办了 不要了 撤销 作废 不弄了 退出 算了 不去了 不吃了 退掉 退订 不报了"},
    "deny": {2: "不对 不是 不用 不需要 错了 弄错 搞错 莫得 没得 不中 不行 别"},
    "affirm": {1.5: "确认 确定 没错 对的 是的 好的 要得 可以 同意 就这样 没问题 晓得了"},
    "greeting": {1: "你好 您好 在吗 在不在 早上好 上午好 下午好 晚上好 有人在吗 哈喽 嗨 hello 吃了吗"},
    "thanks": {2: "谢谢 多谢 感谢 谢了 辛苦了 辛苦你们 麻烦你们了 好人 谢谢啦 谢啦"},
    "help_menu": {2: "菜单 怎么用 咋用 能干啥 能干什么 能做什么 能做啥 有啥用 有什么用 功能 咋弄 怎么弄 咋整 "
                     "教教我 看不懂 不会用 说明 使用方法 能帮我啥 都有啥服务 有哪些服务"},
    "talk_to_human": {3: "人工 真人 客服 村干部 管理员 协调员 村长 书记 村主任 跟人说 跟真人 和人说 回电话 "
                         "打电话给我 给我打电话 找个人说 活人"},
    "complaint": {3: "投诉 举报 不满意 态度不好 态度差 太差 差劲 骗人 骗子 乱收钱 骂人 不负责 敷衍 差评 "
                     "提意见 反映问题 没来 没人来 没有来 等了半天 等半天 迟到 放鸽子 说话难听"},
    "donate": {3: "捐 献爱心 赞助 资助 爱心款 善款 出点钱 出份力 出点力 捐款 捐钱 捐物"},
    "timebank_balance": {3: "时间币 时间银行 积分 余额 多少小时 几个小时 几小时 服务时长 时长 工时 时间存折 "
                            "攒了多少 存了多少 攒的时间 存的时间 我的小时 多少时间 多少个钟"},
    "bind_family": {3: "绑定 绑 关联 绑定码 邀请码 家属 子女 代我妈 代我爸 帮我妈申请 帮我爸申请 连上我妈 连上我爸 "
                       "加上我妈 加上我爸 关联老人 我是她儿子 我是她女儿 我是他儿子 我是他女儿"},
    "notice_query": {2.5: "通知 公告 通告 告示 广播 新消息 啥消息 什么消息 啥新鲜事 新闻 村里有啥事 有什么事 有啥事"},
    "event_query": {2: "活动 讲座 义诊 培训 上课 联欢 广场舞 看电影 唱戏 热闹 课程 健康课"},
    "event_signup": {3: "报名 报个名 算我一个 我也去 我要参加 我参加 想参加 给我留个位 登记一下 报上"},
    "volunteer_signup": {4: "志愿者 志愿 义工 帮别人 帮助别人 帮人家 帮帮别人 出把力 加入你们 服务队 互助队 "
                            "我也想帮 我来帮 我能帮 我可以帮 我会修 我有空帮 想做好事 当帮手"},
    "canteen_menu": {2: "吃啥 吃什么 菜谱 伙食 饭菜 啥菜 什么菜 几个菜 饭堂 食堂 荤菜 素菜 吃的啥 啥饭 什么饭 "
                        "午饭是 晚饭是 有啥吃 有什么吃 吃点啥"},
    "meal_order": {3: "订饭 订餐 订一份 订份 报饭 算我一份 留一份 来一份 要一份 给我一份 订午饭 订晚饭 订两份 "
                      "订个饭 留份饭 订"},
    "checkin_ok": {3: "平安 签到 打卡 一切正常 好着呢 好着哩",
                   1.5: "很好 挺好 都好 好好的 没事 身体好 好得很 还行 还好"},
    "help_request/other": {1: "帮忙 帮我 帮帮 找人 找个人 来个人 要人 派个人 叫个人 请人 需要人 求助 "
                              "需要帮助 没人管 搭把手 有人帮 写字 填表 读信 看信 写信 弄手机 视频通话 "
                              "开证明 办手续 找银"},
    "help_request/errand": {2.5: "买药 拿药 取药 开点药 买菜 买米 买油 买面 买盐 买东西 捎 带点 代买 跑腿 取快递 "
                                 "拿快递 寄 快递 交电费 交水费 缴费 充话费 交话费 取钱 取点钱 办事 跑一趟 超市 "
                                 "赶集 买 充值 领补贴 领米 领油 送信 送东西"},
    "help_request/meal": {2.5: "做饭 送饭 煮饭 烧饭 没饭吃 没吃饭 饿 做不动饭 送点吃的 弄点吃的 打饭 送菜 熬粥 "
                               "煮面 下面条"},
    "help_request/medical": {2: "看病 瞧病 看医生 看大夫 瞧大夫 瞅病 医院 卫生院 卫生室 诊所 大夫 医生 打针 输液 吊水 "
                                "挂水 量血压 血压 血糖 体检 复查 开药 换药 不舒服 难受 发烧 感冒 咳嗽 头疼 头痛 头晕 "
                                "腿疼 腰疼 牙疼 病了 生病 拉肚子 陪诊 挂号 住院 出院 疼 痛 检查 拍片"},
    "help_request/daily_care": {2: "洗澡 擦身 理发 剃头 剪头 剪指甲 打扫 扫地 拖地 收拾 洗衣服 洗被子 晒被子 换床单 "
                                   "家务 翻身 喂饭 上厕所 穿衣服 洗头 倒垃圾 照顾 护理 看护 擦窗 劈柴 烧炕 生炉子 "
                                   "挑水 担水 搬东西 搬家 卫生"},
    "help_request/repair": {2.5: "修 坏了 漏水 漏雨 不亮 没电 停电 跳闸 灯泡 换灯 水管 冻裂 堵了 马桶 没信号 收不到台 "
                                "电饭锅 热水器 煤气灶 门锁 锁坏 窗户 屋顶 房顶 电线 插座 开关 维修 不转 不出水 没水 "
                                "坏掉 烂了 不好使 不能用"},
    "help_request/farm_work": {2.5: "收玉米 掰玉米 收麦 割麦 割稻 收稻 插秧 种地 种菜 浇地 锄草 除草 打药 打农药 施肥 "
                                    "上肥 犁地 翻地 摘花生 摘棉花 摘果 摘苹果 收花生 收庄稼 地里 田里 农活 喂猪 "
                                    "喂鸡 放羊 喂牛 晒粮 晒谷 扛粮食 拉粮食 挖红薯 收红薯 刨地 播种 秧 菜园 庄稼 "
                                    "玉米 麦子 稻子 花生 果园 大棚 摘菜"},
    "help_request/companionship": {2.5: "聊天 说说话 唠嗑 拉家常 唠唠 陪陪我 孤单 闷得慌 寂寞 没人说话 解闷 下棋 "
                                        "打牌 来看看我 看看我 没人陪 想有人陪 散步 遛弯 读报 说会话 说会儿话 想儿子 "
                                        "想闺女 心里闷 一个人在家",
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
