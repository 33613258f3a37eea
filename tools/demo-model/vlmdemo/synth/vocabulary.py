"""Closed vocabulary of the synthetic tasks: colours, shapes, layouts, prompts and OCR texts, in English and Chinese."""

# (english, chinese, rgb). Saturated, mutually distinct hues; backgrounds are kept desaturated so the names stay
# unambiguous.
COLOURS = [
    ("red", "红色", (214, 39, 40)),
    ("green", "绿色", (34, 160, 60)),
    ("blue", "蓝色", (36, 84, 214)),
    ("yellow", "黄色", (236, 200, 24)),
    ("purple", "紫色", (140, 62, 184)),
    ("orange", "橙色", (244, 128, 28)),
]

SHAPES = [
    ("circle", "圆形"),
    ("square", "正方形"),
    ("triangle", "三角形"),
    ("star", "星形"),
    ("diamond", "菱形"),
    ("hexagon", "六边形"),
]

# 3x3 cells (column, row) for a single shape.
CELL_PHRASES = {
    (0, 0): ("in the top left corner", "左上角"),
    (1, 0): ("at the top", "上方"),
    (2, 0): ("in the top right corner", "右上角"),
    (0, 1): ("on the left", "左边"),
    (1, 1): ("in the center", "中间"),
    (2, 1): ("on the right", "右边"),
    (0, 2): ("in the bottom left corner", "左下角"),
    (1, 2): ("at the bottom", "下方"),
    (2, 2): ("in the bottom right corner", "右下角"),
}

# Motion directions of the video task: (dx, dy) unit direction, english, chinese.
DIRECTIONS = [
    ((1, 0), "from left to right", "从左向右"),
    ((-1, 0), "from right to left", "从右向左"),
    ((0, 1), "from top to bottom", "从上向下"),
    ((0, -1), "from bottom to top", "从下向上"),
]

DESCRIBE_PROMPTS = {
    "en": ["Describe the image.", "Describe this image.", "What is in the image?", "Please describe the picture."],
    "zh": ["描述一下这张图片。", "请描述这张图片。", "图片里有什么？", "这张图片中有什么？"],
}
OCR_PROMPTS = {
    "en": ["What is the text in the image?", "Read the text in the image.", "What does the image say?"],
    "zh": ["识别出图中的文字。", "图片中的文字是什么？", "请读出图中的文字。"],
}
VIDEO_PROMPTS = {
    "en": ["Describe this video.", "What happens in the video?", "Describe the video."],
    "zh": ["请描述这个视频。", "视频里发生了什么？", "描述一下这个视频。"],
}

OCR_WORDS = """
apple river garden window yellow orange planet silver rocket coffee winter summer spring autumn market school
bridge castle forest island mountain ocean desert valley flower tiger horse rabbit monkey dragon pencil paper
letter number music piano guitar violin camera laptop phone button circle square triangle star cloud rain snow
storm sunny light night morning evening hello thanks welcome open closed exit enter push pull stop start sale
free new hot cold bread water milk cheese butter sugar salt pepper lemon banana cherry grape melon peach mango
tomato potato carrot onion garlic kitchen table chair sofa door house hotel office street avenue station airport
train plane ship truck bicycle taxi metro ticket money bank price total date time today monday friday sunday
january march april july october red green blue purple black white brown gray gold data model vision image video
text token engine cache server client python java linux kafka bucket stream frame pixel signal energy family
friend people animal bird fish doctor teacher student museum library theater cinema park beach lake road city
village country world earth moon sun sky fire wind stone glass metal wood sweet happy quiet fast slow big small
""".split()

OCR_CHINESE = """
你好 谢谢 欢迎光临 出口 入口 安全出口 禁止吸烟 小心地滑 请勿停车 北京 上海 广州 深圳 杭州 南京 成都 武汉 西安 天津
重庆 中国 人民 学校 医院 银行 超市 饭店 咖啡 茶馆 书店 图书馆 火车站 飞机场 地铁站 公交车站 停车场 洗手间 办公室
会议室 电梯 楼梯 春天 夏天 秋天 冬天 早上好 晚上好 生日快乐 新年快乐 天气很好 今天下雨 明天见 一路平安 欢迎回家
开门 关门 营业中 暂停营业 小心 注意安全 禁止入内 请排队 免费 打折 特价 新品上市 水果 蔬菜 牛奶 面包 米饭 面条
饺子 苹果 香蕉 西瓜 大熊猫 长城 黄河 长江 太阳 月亮 星星 山水 花园 公园 动物园 博物馆 电影院 体育馆 游泳池 音乐
美术 数学 语文 英语 科学 历史 地理 电脑 手机 相机 时间 日期 价格 数量 名称 地址 电话 人工智能 机器学习 深度学习
北京欢迎你 上海火车站 请勿吸烟 保持安静 节约用水 爱护环境 好好学习 天天向上 中华人民共和国 欢迎来到上海
""".split()


def article(word: str, capital: bool) -> str:
    a = "an" if word[0] in "aeiou" else "a"
    return a.capitalize() if capital else a
