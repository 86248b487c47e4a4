"""Traditional Chinese characters folded to their simplified forms, so that the word lists,
the rules and the dictionary (written in simplified characters) also match the lines of
banks in Taiwan, Hong Kong and Macau ("薪資轉帳" -> "薪资转帐", "電費" -> "电费").

The table holds the common characters of statement lines (trades, bills, banking words);
a character outside it stays as it is.
"""

from __future__ import annotations

_PAIRS = (
    "轉转帳账賬账資资費费電电話话網网絡络線线貸贷款款險险價价錢钱銀银聯联"
    "號号碼码現现匯汇存存領领提提額额補补貼贴給给稅税險险繳缴還还"
    "醫医藥药診诊療疗齒齿眼眼鏡镜護护寵宠獸兽"
    "車车場场機机鐵铁運运輸输飛飞航航禮礼票票遊游樂乐園园館馆廳厅飯饭麵面"
    "雞鸡魚鱼肉肉菜菜餅饼糕糕點点燒烧烤烤湯汤鍋锅壽寿滷卤麥麦蝦虾蠔蚝豬猪牛牛羊羊鴨鸭"
    "買买賣卖貨货購购業业廠厂產产書书報报紙纸筆笔軟软體体衛卫潔洁淨净"
    "髮发剪剪燙烫漿浆洗洗衣衣裝装鞋鞋襪袜飾饰寶宝鐘钟錶表電电腦脑數数碼码"
    "學学習习補补課课師师讀读園园員员會会議议辦办處处務务災灾慈慈善善捐捐"
    "瓦瓦斯斯氣气燈灯暖暖冷冷熱热水水費费電电視视寬宽頻频訊讯郵邮遞递櫃柜倉仓儲储"
    "綜综合合所所得得稅税勞劳保保險险健健康康養养老老年年金金退退休休撫抚卹恤"
    "貨货幣币兌兑換换續续繳缴違违約约罰罚滯滞納纳利利息息結结算算"
    "藥药局局診诊所所醫医院院牙牙科科獸兽"
    "便便利利商商店店超超市市百百貨货專专賣卖門门鋪铺廣广東东華华龍龙鳳凤興兴發发"
    "計计程程捷捷運运高高速速公公路路停停車车場场加加油油站站鐵铁台台灣湾"
    "飯饭店店旅旅館馆民民宿宿機机票票"
    "動动漫漫戲戏劇剧院院電电影影唱唱歌歌"
)
TRADITIONAL = str.maketrans(
    {_PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS) - 1, 2) if _PAIRS[i] != _PAIRS[i + 1]}
)
