"""Writing systems: folding Latin names to ASCII, and names in non-Latin scripts with their
Latin forms.

Faker's ja_JP provider carries its own (kanji, kana, romaji) pairs; Russian names are
transliterated with the table below (a simplified BGN/PCGN); Chinese names come from the small
typed table of (hanzi, pinyin) below, because Faker's romanized Chinese names are drawn
independently of the hanzi.

>>> ascii_fold("Zoë O'Brien-Núñez")
'Zoe OBrien Nunez'
>>> transliterate_cyrillic("Щукина")
'Shchukina'
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = [
    "CHINESE_FAMILY",
    "CHINESE_GIVEN_FEMALE",
    "CHINESE_GIVEN_MALE",
    "ascii_fold",
    "email_token",
    "transliterate_cyrillic",
]

_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "\u0131": "i",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "Ð": "D",
        "'": "",
        "\u2019": "",
        "\u2018": "",
        "-": " ",
    }
)


@lru_cache(maxsize=1 << 16)
def ascii_fold(text: str) -> str:
    """Accents stripped, apostrophes dropped, hyphens turned into spaces, as an ASCII-only
    system stores a name. Cached: names come from finite pools."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1 << 16)
def email_token(text: str) -> str:
    """Lower-case ASCII letters and digits only: the name part of an email address."""
    return "".join(ch for ch in ascii_fold(text).lower() if ch.isascii() and ch.isalnum())


_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def transliterate_cyrillic(text: str) -> str:
    """Russian Cyrillic to Latin letters; other characters pass through."""
    out: list[str] = []
    for ch in text:
        latin = _CYRILLIC.get(ch.lower())
        if latin is None:
            out.append(ch)
        else:
            out.append(latin.capitalize() if ch.isupper() else latin)
    return "".join(out)


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((h, p) for h, _, p in (item.partition("=") for item in text.split()))


CHINESE_FAMILY = _pairs(
    "王=Wang 李=Li 张=Zhang 刘=Liu 陈=Chen 杨=Yang 黄=Huang 赵=Zhao 吴=Wu 周=Zhou 徐=Xu "
    "孙=Sun 马=Ma 朱=Zhu 胡=Hu 郭=Guo 何=He 林=Lin 高=Gao 罗=Luo 郑=Zheng 梁=Liang "
    "谢=Xie 宋=Song 唐=Tang 许=Xu 韩=Han 冯=Feng 邓=Deng 曹=Cao"
)
CHINESE_GIVEN_FEMALE = _pairs(
    "芳=Fang 娜=Na 秀英=Xiuying 敏=Min 静=Jing 丽=Li 艳=Yan 娟=Juan 霞=Xia 玲=Ling "
    "桂英=Guiying 丹=Dan 萍=Ping 红=Hong 玉兰=Yulan 雪=Xue 慧=Hui 婷=Ting 颖=Ying 佳怡=Jiayi"
)
CHINESE_GIVEN_MALE = _pairs(
    "伟=Wei 强=Qiang 磊=Lei 军=Jun 洋=Yang 勇=Yong 杰=Jie 涛=Tao 明=Ming 超=Chao "
    "刚=Gang 平=Ping 辉=Hui 鹏=Peng 华=Hua 飞=Fei 鑫=Xin 波=Bo 斌=Bin 浩然=Haoran"
)
