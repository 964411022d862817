"""Deterministic test strings for tokenizer parity tests and benchmarks.

`generate()` returns the same list on every run and machine (a fixed seed and
no input files): Chinese, English, code, numbers, emoji, accents in NFC and NFD
forms, runs of whitespace, special tokens written inside text, mixed scripts
and the empty string. `python corpus.py OUT.jsonl` writes one JSON string per line.
"""
from __future__ import annotations

import json
import random
import sys
import unicodedata

SEED = 20240611

# Written inside text, these must become single special/added token ids.
SPECIAL_TOKENS = [
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool_call>", "</tool_call>", "<think>", "</think>",
    "<|fim_prefix|>", "<|vision_pad|>", "<s>", "</s>", "<unk>", "<eod>", "<sep>", "<pad>",
    "<|end|>", "<|begin|>", "<L>", "<R>", "<W>",  # the tiny fixture's lstrip/rstrip/single_word tokens
]
# Near misses that must stay ordinary text.
NEAR_MISSES = ["<|im_end", "|im_end|>", "<|im_end |>", "< s>", "<s >", "<|IM_END|>", "<<s>>", "<|<|im_end|>|>"]

CHINESE = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质台村清"
    "你好世界谢谢再见今天天气很好我们一起去学校吧春眠不觉晓处处闻啼鸟夜来风雨声花落知多少床前明月光疑是地上霜举头望明月低头思故乡"
    "甄嬛皇上娘娘臣妾小主奴婢华妃宫中太后果郡王"
)
CHINESE_PUNCT = "，。！？、；：“”‘’（）《》【】——……·"
ENGLISH_WORDS = (
    "the of and to in is was for on that with as by at from it he she they we you I a an be have has had not "
    "but or are this which his her their there were been one all would can will more if no out so what up "
    "about into than them only other new some could time these two may first then do any like my now over "
    "such our man me even most made after also did many before must through back years where much your way "
    "well down should because each just those people Mr how too little state good very make world still own "
    "see men work long get here between both life being under never day same another know while last might "
    "us great old year off come since against go came right used take three tokenizer pipeline fine-tuning "
    "LoRA adapter gradient checkpoint Qwen Llama transformer embedding attention softmax don't can't won't "
    "it's I'm you're we've they'll she'd HELLO World CamelCase snake_case kebab-case e.g. i.e. U.S.A."
).split()
ENGLISH_PUNCT = [".", ",", "!", "?", ";", ":", " -", " --", "...", "'", '"', ")", " (", "'s", "'S", "'LL", "'re"]
CODE_SNIPPETS = [
    "def add(a, b):\n    return a + b\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += v[i];\n}\n",
    "#include <vector>\nint main() { std::vector<int> v{1, 2, 3}; return v.size(); }",
    "import torch\nx = torch.randn(4, 8)\nprint(x @ x.T)\n",
    '{"input": "文本", "output": "分类", "n": 42, "ok": true}',
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
    "    if x:\n        y = [i ** 2 for i in range(10)]\n\n\n",
    "fn main() -> Result<(), Box<dyn Error>> {\n    println!(\"{}\", 1 << 3);\n    Ok(())\n}",
    "<div class=\"a\">&nbsp;<br/></div>",
    "$ cmake --build build -j2 && ctest --output-on-failure 2>&1 | tee log.txt",
    "x=1;y=2;z=x+y*3//4%5^6&7|8~9",
    "// comment\r\n/* block */\r\n",
    "    \t  mixed indent\n\t\t\ttabs",
]
EMOJI = ["😀", "🤖", "👍🏽", "🇨🇳", "🇺🇸", "👨‍👩‍👧‍👦", "❤️", "🔥", "✨", "🎉", "☕", "🧑🏻‍💻", "🏳️‍🌈", "1️⃣", "©", "™", "→", "∑", "√", "∞"]
ACCENTED_WORDS = [
    "café", "naïve", "résumé", "façade", "coöperate", "Ångström", "São Paulo", "Zürich", "Kraków", "Dvořák",
    "ñandú", "crème brûlée", "Tiếng Việt", "Đặng", "Œuvre", "ǅemal", "ẞ", "Ḱ", "ṩ", "ﬁ ligature",
]
SCRIPTS = [
    "Привет, как дела? Съешь же ещё этих мягких французских булок.",
    "Καλημέρα κόσμε, ὁ λόγος",
    "مرحبا بالعالم، كيف حالك؟",
    "שלום עולם",
    "नमस्ते दुनिया, क्षत्रिय",
    "สวัสดีชาวโลก",
    "こんにちは世界、カタカナ、ひらがな。ｶﾞｷﾞ",
    "안녕하세요 세계, 한국어 텍스트",
    "Xin chào thế giới",
    "Γειά σου Κόσμε",
    "ᠮᠣᠩᠭᠣᠯ",
    "ქართული ენა",
    "Հայերեն",
    "ℌ𝔢𝔩𝔩𝔬 𝕎𝕠𝕣𝕝𝕕",
]
UNICODE_SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2009", "\u200b", "\u2028", "\u0085", "\f", "\v"]

HAND_WRITTEN = [
    "", " ", "  ", "   ", "\n", "\n\n", "\t", " \n", "\n ", "\r\n", "a", "A", "ab", "0", "00", "1234567890",
    "Hello world", "Hello  world", " Hello", "Hello ", "hello\nworld", "hello\n\nworld\n",
    "It's I'm we've they'll she'd don't", "IT'S I'M WE'VE", "x'ſ y'ſt", "’s ’t",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n",
    "<s>", "</s>", "<unk>", "<s>hello", "<s> hello", "hello<s>", "hello <s>", "a <s> b", "a<s>b</s>c",
    "<s><s></s>", "<|im_end|><|im_end|>", "<|im_end|>", " <|im_end|> ", "x<|im_end|>y", "<|im_end",
    "<|endoftext|>The end", "<think>\n\n</think>\n\n", "<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
    "<eod>", "input<sep>output<eod>", "<pad><pad>", "<mask>", "<|begin_of_sentence|>User: hi\nAssistant: ",
    "e\u0301", "\u00e9", "e\u0301\u0301", "a\u0308o\u0308u\u0308", "\u1100\u1161\u11a8", "\uac00\u11a8",
    "\u212b", "\u2126", "\ufb01", "\u0958", "\u1e9b\u0323", "\u0344", "\u0340", "\u2000\u2001x",
    "Mongolian\u180evowel", "zero\u200bwidth", "join\u200dner", "bom\ufeffmark", "soft\u00adhyphen",
    "tab\tbetween\twords", "trailing spaces   ", "   leading spaces", "\t\t\n\n  \t", " \u3000 ", "a\u00a0b",
    "1,234.56", "3.14159265358979", "2024-06-11T12:34:56Z", "+86 138-0013-8000", "0x1F600", "1e-10", "١٢٣ ٤٥٦",
    "😀", "😀😀😀", "👨‍👩‍👧‍👦", "🇨🇳🇺🇸", "a😀b", " 😀 ", "\U0001f600\ufe0f",
    "ℌ𝔢𝔩𝔩𝔬", "𝟘𝟙𝟚", "Ⅻ", "½", "²³",
    "\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\x7f", "\u0085next line",
    "www.example.com/path?q=1&r=2#frag", "user@example.com", "C:\\Users\\name\\file.txt",
    "😀" * 30, "a" * 300, " " * 100, "\n" * 50, "哈" * 200, "ab" * 150, "1" * 64,
]


def _chinese(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(1, 6)):
        out.append("".join(rng.choice(CHINESE) for _ in range(rng.randint(2, 30))))
        out.append(rng.choice(CHINESE_PUNCT))
    return "".join(out)


def _english(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(1, 30)):
        word = rng.choice(ENGLISH_WORDS)
        if rng.random() < 0.1:
            word = word.capitalize()
        if rng.random() < 0.03:
            word = word.upper()
        words.append(word)
        if rng.random() < 0.15:
            words[-1] += rng.choice(ENGLISH_PUNCT)
    return " ".join(words)


def _numbers(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return str(rng.randrange(10 ** rng.randint(1, 20)))
    if kind == 1:
        return f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 8)}f}"
    if kind == 2:
        return f"{rng.randint(1900, 2100)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    if kind == 3:
        return " ".join(str(rng.randrange(1000)) for _ in range(rng.randint(2, 12)))
    return f"v{rng.randint(0, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 999)} ({rng.randint(0, 100)}%)"


def _whitespace(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 8)):
        parts.append("".join(rng.choice(UNICODE_SPACES) for _ in range(rng.randint(1, 6))))
        if rng.random() < 0.7:
            parts.append(rng.choice(ENGLISH_WORDS + list("中文字")))
    return "".join(parts)


def _accents(rng: random.Random) -> str:
    words = [rng.choice(ACCENTED_WORDS) for _ in range(rng.randint(1, 6))]
    text = " ".join(words)
    form = rng.choice(["NFC", "NFD", "NFKC", "NFKD", None])
    return unicodedata.normalize(form, text) if form else text


def _emoji(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 8)):
        parts.append(rng.choice(EMOJI))
        if rng.random() < 0.5:
            parts.append(rng.choice([" ", "", "ok", "好", "!", "\n"]))
    return "".join(parts)


def _random_code_points(rng: random.Random) -> str:
    # Blocks whose characters are long assigned, so Unicode-version differences
    # between regex engines do not show.
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x5FF), (0x600, 0x6FF),
              (0x900, 0x97F), (0xE00, 0xE5B), (0x2000, 0x206F), (0x2190, 0x23FF), (0x3040, 0x30FF),
              (0x4E00, 0x9FA5), (0xAC00, 0xD7A3), (0xFF01, 0xFF9F), (0x1F300, 0x1F64F)]
    out = []
    for _ in range(rng.randint(1, 20)):
        lo, hi = rng.choice(blocks)
        cp = rng.randint(lo, hi)
        if unicodedata.category(chr(cp)) not in ("Cn", "Cs", "Co"):
            out.append(chr(cp))
    return "".join(out)


def _mixed(rng: random.Random) -> str:
    makers = [_chinese, _english, _numbers, _emoji, _accents, lambda r: r.choice(SCRIPTS), lambda r: r.choice(CODE_SNIPPETS)]
    joiners = ["", " ", "\n", "\t", "  ", "：", "，"]
    return rng.choice(joiners).join(rng.choice(makers)(rng) for _ in range(rng.randint(2, 5)))


def _with_special_tokens(rng: random.Random) -> str:
    makers = [_chinese, _english, _numbers, _emoji, lambda r: r.choice(CODE_SNIPPETS), lambda r: ""]
    parts = []
    for _ in range(rng.randint(1, 6)):
        parts.append(rng.choice(makers)(rng))
        token = rng.choice(SPECIAL_TOKENS + NEAR_MISSES[:2])
        parts.append(rng.choice(["", " ", "\n"]) + token + rng.choice(["", " ", "\n", "\n\n"]))
    return "".join(parts)


def _chat(rng: random.Random) -> str:
    turns = [f"<|im_start|>system\n{_english(rng)}<|im_end|>\n"]
    for _ in range(rng.randint(1, 3)):
        turns.append(f"<|im_start|>user\n{_mixed(rng)}<|im_end|>\n<|im_start|>assistant\n{_chinese(rng)}<|im_end|>\n")
    return "".join(turns)


GENERATORS = [
    (_chinese, 900), (_english, 900), (_numbers, 300), (_whitespace, 400), (_accents, 400), (_emoji, 300),
    (_random_code_points, 500), (_mixed, 700), (_with_special_tokens, 600), (_chat, 200),
]


def generate() -> list[str]:
    rng = random.Random(SEED)
    texts = list(HAND_WRITTEN) + list(SCRIPTS) + list(CODE_SNIPPETS)
    for word in ACCENTED_WORDS:
        texts += [unicodedata.normalize("NFC", word), unicodedata.normalize("NFD", word)]
    for make, count in GENERATORS:
        texts += [make(rng) for _ in range(count)]
    return texts


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} OUT.jsonl", file=sys.stderr)
        return 2
    with open(argv[1], "w", encoding="utf-8") as out:
        for text in generate():
            out.write(json.dumps(text) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
