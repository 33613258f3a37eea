"""Training text for the fixture tokenizer: mixed Chinese and English, generated from a fixed seed.

The text is written for this project (word lists and sentence templates below) and expanded by a seeded
random generator, so the tokenizer trained on it is reproducible bit for bit.
"""

import random

from .prompts import SYSTEM_MESSAGE

EN_NOUNS = """
image picture photo video frame camera screen window table chair person people man woman child dog cat bird
horse car bus train plane boat street road city building house room kitchen garden park tree flower grass sky
cloud sun moon water river lake sea beach mountain snow rain light shadow color shape line circle square text
word letter number sign board document page paper book chart graph table map diagram label title caption
price receipt menu ticket bottle cup plate bowl food fruit apple banana bread rice tea coffee phone computer
keyboard mouse monitor laptop desk lamp door wall floor roof bridge tower station market shop store school
student teacher doctor worker player team game ball field court line box object region area corner center
background foreground detail scene moment question answer model system language vision token
""".split()

EN_ADJ = """
red green blue yellow black white gray orange purple pink brown bright dark small large tall short long wide
narrow old new young happy sad quiet busy empty full clean dirty wet dry warm cold hot soft hard round square
sharp blurry clear simple complex beautiful ugly modern ancient famous local foreign main other several many
few first last next left right upper lower middle open closed
""".split()

EN_VERBS = """
shows contains depicts holds carries stands sits walks runs looks points reads writes opens closes crosses
waits plays eats drinks watches moves turns rides drives flies swims climbs jumps smiles talks describes
explains counts finds sees appears seems lies hangs covers fills
""".split()

EN_EXTRA = [
    "Please describe the image in detail.",
    "What is written on the sign?",
    "How many people are in the picture?",
    "Describe the two images in detail.",
    "What happens in this video?",
    "Read the text in the image and translate it into Chinese.",
    "The quick brown fox jumps over the lazy dog.",
    "It's a sunny day, isn't it? We'll see what they've done and I'm sure you'd agree.",
    "Total: $1,234.56 (tax included) on 2024-03-15 at 09:30.",
    "Call 555-0123 or e-mail info@example.com for details.",
    "def main():\n    print('hello world')\n    return 0\n",
    "Row 1\tColumn A\tColumn B\nRow 2\t3.14\t2.71\n",
]

ZH_NOUNS = """
图片 图像 照片 视频 画面 相机 屏幕 窗户 桌子 椅子 人 人们 男人 女人 孩子 狗 猫 鸟 马 汽车 公交车 火车
飞机 小船 街道 道路 城市 建筑 房子 房间 厨房 花园 公园 树 花 草地 天空 云 太阳 月亮 水 河流 湖 大海
海滩 山 雪 雨 光线 影子 颜色 形状 文字 数字 标志 牌子 文件 页面 纸 书 图表 地图 标题 价格 收据 菜单
车票 瓶子 杯子 盘子 碗 食物 水果 苹果 香蕉 面包 米饭 茶 咖啡 手机 电脑 键盘 鼠标 显示器 桌面 台灯 门
墙 地板 屋顶 桥 塔 车站 市场 商店 学校 学生 老师 医生 工人 球员 队伍 比赛 球 场地 盒子 物体 区域 角落
中心 背景 前景 细节 场景 时刻 问题 答案 模型 系统 语言 视觉 上海 北京 实验室 大学 单位 助手
""".split()

ZH_ADJ = """
红色的 绿色的 蓝色的 黄色的 黑色的 白色的 灰色的 明亮的 昏暗的 小小的 巨大的 高高的 长长的 宽阔的
狭窄的 古老的 崭新的 年轻的 快乐的 安静的 忙碌的 干净的 温暖的 寒冷的 柔软的 圆形的 清晰的 模糊的
简单的 复杂的 美丽的 现代的 著名的 本地的 许多 几个 第一个 最后一个 左边的 右边的 中间的
""".split()

ZH_VERBS = """
显示 包含 描绘 拿着 站在 坐在 走在 跑向 看着 指向 阅读 写着 打开 关闭 穿过 等待 玩耍 吃着 喝着 观看
移动 转向 骑着 驾驶 飞过 游泳 攀登 跳起 微笑 交谈 描述 解释 数着 找到 看到 出现在 挂在 覆盖
""".split()

ZH_EXTRA = [
    "请详细描述这张图片。",
    "图片中有多少人？",
    "这个视频里发生了什么？",
    "请读出图片中的文字，并翻译成英文。",
    "今天天气很好，我们去公园散步吧！",
    "书生·万象是一个多模态大语言模型，可以理解图像和视频。",
    "价格：人民币 128 元（含税），日期：2024年3月15日。",
    "《红楼梦》是中国古典小说的代表作之一。",
    "第一，观察画面；第二，找出细节；第三，给出答案。",
]

MIXED_EXTRA = [
    "这张 image 里有一只 cat 和两只 dog。",
    "InternVL3 的 vision encoder 叫 InternViT，language model 是 Qwen2.5。",
    "请用 English 回答：What color is the car？",
    "Frame1 显示一辆 red car，Frame2 显示 a blue bus。",
    "<ref>左边的人</ref><box>[[10, 20, 300, 400]]</box>",
]


def _english_sentence(rng: random.Random) -> str:
    shape = rng.randrange(4)
    a, n1, v, n2 = rng.choice(EN_ADJ), rng.choice(EN_NOUNS), rng.choice(EN_VERBS), rng.choice(EN_NOUNS)
    if shape == 0:
        s = f"The {a} {n1} {v} a {n2}."
    elif shape == 1:
        s = f"A {n1} {v} the {rng.choice(EN_ADJ)} {n2} near the {rng.choice(EN_NOUNS)}."
    elif shape == 2:
        s = f"There are {rng.randrange(2, 40)} {n1}s in the {a} {n2}, and one {rng.choice(EN_NOUNS)}."
    else:
        s = f"In the {rng.choice(['top', 'bottom', 'left', 'right'])} {n1}, {rng.choice(EN_NOUNS)} {v} {n2}s."
    return s


def _chinese_sentence(rng: random.Random) -> str:
    shape = rng.randrange(4)
    a, n1, v, n2 = rng.choice(ZH_ADJ), rng.choice(ZH_NOUNS), rng.choice(ZH_VERBS), rng.choice(ZH_NOUNS)
    if shape == 0:
        s = f"{a}{n1}{v}{n2}。"
    elif shape == 1:
        s = f"在{rng.choice(ZH_NOUNS)}旁边，{n1}{v}{a}{n2}。"
    elif shape == 2:
        s = f"图中有{rng.randrange(2, 40)}个{n1}，还有一个{a}{n2}。"
    else:
        s = f"{n1}和{rng.choice(ZH_NOUNS)}都{v}{n2}，非常{rng.choice(['好看', '有趣', '清楚', '安静'])}。"
    return s


def training_lines(seed: int = 20250301, n_lines: int = 6000) -> list[str]:
    rng = random.Random(seed)
    lines: list[str] = []
    fixed = EN_EXTRA + ZH_EXTRA + MIXED_EXTRA + [SYSTEM_MESSAGE]
    for _ in range(n_lines):
        kind = rng.randrange(9)
        if kind < 4:
            lines.append(_english_sentence(rng))
        elif kind < 8:
            lines.append(_chinese_sentence(rng))
        else:
            lines.append(_english_sentence(rng) + " " + _chinese_sentence(rng))
    # The fixed texts appear twice: enough for some merges, too rare to become whole-phrase tokens early.
    lines.extend(fixed * 2)
    return lines
