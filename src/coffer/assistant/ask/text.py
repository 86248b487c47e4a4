"""The text of a question made regular before parsing: NFKC, lower case, traditional
Chinese characters as simplified, Cantonese question words as Mandarin, Chinese typed by
pinyin with a wrong character of the same sound corrected, English words inside Chinese
set apart, a key held down once."""

from __future__ import annotations

import re
import unicodedata

from coffer.assistant.ask.spelling import zh_homophones

# traditional Chinese characters of money questions -> simplified (the vocabulary's script)
TRADITIONAL = str.maketrans(
    "個這們麼錢買賣費飲飯週幾筆賺資區從來後會長過較與還嗎夠擔標進儲險藥醫療計劃報歲車"
    "電話網購訂閱預算為貴開銷餘額帳戶號結單應該給麥當勞亞馬遜紅務銀類別氣歡紀總數興樂"
    "戲劇時間導實際現態參運動說薪準備歷鐘點滿聽見讓頭裡邊聖誕節繳"
    "機場鐵廳館麵雜貨裝診養寵書學稅貸轉燈級層遊飛測億萬兩塊歐幣匯對頻髮護膚視訊寬貓禮罰獎"
    "勵統賬錶腦條項張輛雙臺隻頓續員寶東瑪團漢雞壽線圖趨勢達獲變漲減環異誰關難價將鎊圓魚乾"
    "淨攢約舊錄細詳顯請問謝幫詢飾門錯離內兒啟質體裏經濟庫權據積蓋歸衛藝碼絡處沒"
    "債創壞妝嬰屬復慶換擇樣橋災煙產確種紙緊義舉褲襪親覺託設誌認軌遠選鏡顧駕駛齒搖",
    "个这们么钱买卖费饮饭周几笔赚资区从来后会长过较与还吗够担标进储险药医疗计划报岁车"
    "电话网购订阅预算为贵开销余额账户号结单应该给麦当劳亚马逊红务银类别气欢纪总数兴乐"
    "戏剧时间导实际现态参运动说薪准备历钟点满听见让头里边圣诞节缴"
    "机场铁厅馆面杂货装诊养宠书学税贷转灯级层游飞测亿万两块欧币汇对频发护肤视讯宽猫礼罚奖"
    "励统账表脑条项张辆双台只顿续员宝东玛团汉鸡寿线图趋势达获变涨减环异谁关难价将镑圆鱼干"
    "净攒约旧录细详显请问谢帮询饰门错离内儿启质体里经济库权据积盖归卫艺码络处没"
    "债创坏妆婴属复庆换择样桥灾烟产确种纸紧义举裤袜亲觉托设志认轨远选镜顾驾驶齿摇",
)


# Cantonese words of money questions (after the simplified script) -> Mandarin
CANTONESE = (("几多", "多少"), ("咗", "了"), ("呢个", "这个"), ("使了", "花了"),
             ("食饭", "吃饭"), ("係", "是"), ("嘅", "的"), ("冇", "没有"), ("边度", "哪里"),
             ("乜嘢", "什么"), ("点样", "怎么样"), ("俾", "给"), ("今个月", "这个月"),
             ("点解", "为什么"), ("咁", "这么"), ("买餸", "买菜"), ("边个", "哪个"),
             ("使得", "花得"), ("使了", "花了"), ("而家", "现在"), ("仲有", "还有"),
             ("户口", "账户"), ("搵了", "赚了"), ("储了", "存了"), ("搭的士", "打车"),
             ("的士", "出租车"))  # fmt: skip
# a word only Cantonese has: the question is read with CANTONESE
CANTONESE_MARK = re.compile("咗|几多|呢个|今个月|点解|咁|买餸|而家|仲有|搵|边个|係|嘅|冇|乜嘢")

WORDS = re.compile(r"[a-z]+")


def normalize(text: str) -> str:
    text = zh_homophones(unicodedata.normalize("NFKC", text).lower().translate(TRADITIONAL))
    if CANTONESE_MARK.search(text):
        for cantonese, mandarin in CANTONESE:
            text = text.replace(cantonese, mandarin)
    # English words within Chinese stand apart ("上个月grocery花了多少", "我的holiday goal进度")
    text = re.sub(r"(?<=[a-z])(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])(?=[a-z])", " ", text)
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(
        r"\b(last|this|next|past|previous)-(?=(?:week|month|year|quarter)\b)", r"\1 ", text
    )
    text = re.sub(r"([a-z])\1\1+", r"\1\1", text)  # a key held down: "milllion", "sooo"
    return re.sub(r"\s+", " ", text).strip()
