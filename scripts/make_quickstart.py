#!/usr/bin/env python3
"""Makes the quickstart's small default: a generated news-classification dataset
(the shape of seed 000's fudan-news data) and a tiny Qwen2-architecture
checkpoint with a byte-level BPE tokenizer trained on that data.

The checkpoint is pretrained briefly on a generated corpus (news texts followed
by "这是一条<category>新闻", keyword facts, short chat exchanges of another task),
so it knows the topics and the chat markup as a real base model would, but not
the task: answering a ChatML classification prompt with one of the listed options
is what the quickstart's LoRA fine-tuning teaches it.

Idempotent: a folder whose stamp matches this generator's version is left alone.
Usage: make_quickstart.py OUTPUT_DIR
"""
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

GENERATOR_VERSION = "2"
SEED = 20240601

# The split regex of Qwen2's tokenizer.json, so the tiny tokenizer exercises the
# same pre-tokenization as the real one.
QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

CATEGORIES = {
    "体育": ["球队", "比赛", "冠军", "进球", "教练", "联赛", "运动员", "决赛", "主场", "射门"],
    "财经": ["股市", "银行", "利率", "投资", "企业", "债券", "汇率", "基金", "营收", "通胀"],
    "科技": ["芯片", "软件", "算法", "手机", "网络", "数据", "机器人", "卫星", "电池", "模型"],
    "娱乐": ["电影", "歌手", "演唱会", "导演", "综艺", "明星", "票房", "剧集", "专辑", "颁奖"],
    "教育": ["学校", "考试", "学生", "老师", "课程", "高考", "大学", "教材", "招生", "课堂"],
    "健康": ["医院", "医生", "疫苗", "营养", "睡眠", "锻炼", "药物", "病人", "体检", "饮食"],
}
SYSTEM_PROMPT = "你是一个文本分类领域的专家，你会接收到一段文本和几个潜在的分类选项列表，请输出文本内容的正确分类"
PRETRAIN_STEPS = 500
FILLER = ["近日", "据报道", "消息称", "本周", "记者了解到", "业内人士表示", "今年以来", "相关负责人指出"]
CONNECT = ["，", "；", "，同时", "，此外"]


def make_text(rng, category):
    phrases = [w + rng.choice(["方面", "领域", "问题", "消息", "情况"]) for w in rng.sample(CATEGORIES[category], 4)]
    text = rng.choice(FILLER) + "，" + phrases[0]
    for phrase in phrases[1:]:
        text += rng.choice(CONNECT) + phrase
    return text + "。"


def make_rows(rng, count):
    rows = []
    names = sorted(CATEGORIES)
    for _ in range(count):
        category = rng.choice(names)
        options = rng.sample([n for n in names if n != category], 2) + [category]
        rng.shuffle(options)
        rows.append({"text": make_text(rng, category), "category": options, "output": category})
    return rows


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def train_tokenizer(texts, path):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token=None))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1024, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.save(str(path))
    return tokenizer


def write_tokenizer_config(model_dir, tokenizer):
    added = {str(tokenizer.token_to_id(t)): {"content": t, "special": True, "normalized": False, "lstrip": False,
                                             "rstrip": False, "single_word": False} for t in SPECIAL_TOKENS}
    config = {"tokenizer_class": "Qwen2Tokenizer", "bos_token": None, "eos_token": "<|im_end|>",
              "pad_token": "<|endoftext|>", "unk_token": None, "add_bos_token": False, "add_eos_token": False,
              "model_max_length": 512, "added_tokens_decoder": added}
    (model_dir / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), "utf-8")


def pretraining_corpus(rng):
    names = sorted(CATEGORIES)
    corpus = []
    for _ in range(3000):
        category = rng.choice(names)
        corpus.append(make_text(rng, category) + f"这是一条{category}新闻。")
    for category in names:
        for keyword in CATEGORIES[category]:
            other = rng.choice(CATEGORIES[category])
            corpus += [f"{keyword}属于{category}。", f"{category}新闻常提到{keyword}和{other}。",
                       f"说到{keyword}，人们会想到{category}。"]
    words = [k for c in names for k in CATEGORIES[c]] + names
    for _ in range(800):
        word = rng.choice(words)
        corpus.append(f"<|im_start|>system\n你是一个助手<|im_end|>\n<|im_start|>user\n请重复：{word}<|im_end|>\n"
                      f"<|im_start|>assistant\n{word}<|im_end|>\n")
    return corpus


def pretrain(model, tokenizer, corpus, rng):
    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    encoded = [ids.ids for ids in tokenizer.encode_batch(corpus)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(PRETRAIN_STEPS):
        batch = rng.sample(encoded, 16)
        longest = max(map(len, batch))
        ids = torch.tensor([b + [0] * (longest - len(b)) for b in batch])
        labels = torch.tensor([b + [-100] * (longest - len(b)) for b in batch])
        model(input_ids=ids, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()


def write_checkpoint(model_dir, tokenizer, rng):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM
    from transformers.utils import logging

    logging.disable_progress_bar()

    torch.manual_seed(SEED)
    config = Qwen2Config(vocab_size=tokenizer.get_vocab_size(), hidden_size=64, intermediate_size=176,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=512, tie_word_embeddings=True,
                         bos_token_id=None, eos_token_id=tokenizer.token_to_id("<|im_end|>"),
                         pad_token_id=tokenizer.token_to_id("<|endoftext|>"))
    model = Qwen2ForCausalLM(config)
    pretrain(model, tokenizer, pretraining_corpus(rng), rng)
    model.save_pretrained(model_dir, safe_serialization=True)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    stamp = out / "STAMP"
    if stamp.exists() and stamp.read_text().strip() == GENERATOR_VERSION:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=out.name + ".tmp-", dir=out.parent))
    rng = random.Random(SEED)
    train, test = make_rows(rng, 480), make_rows(rng, 60)
    (work / "data").mkdir()
    write_jsonl(work / "data" / "train.jsonl", train)
    write_jsonl(work / "data" / "test.jsonl", test)

    model_dir = work / "model"
    model_dir.mkdir()
    corpus = [r["text"] + "".join(r["category"]) + r["output"] for r in train]
    # Repeated so the prompt's fixed parts get merges, as a real vocabulary has.
    corpus += [SYSTEM_PROMPT, "文本:", ",分类选项列表:", "system\n", "user\n", "assistant\n", "这是一条", "新闻。",
               '["', '","', '"]'] * 20
    tokenizer = train_tokenizer(corpus, model_dir / "tokenizer.json")
    write_tokenizer_config(model_dir, tokenizer)
    write_checkpoint(model_dir, tokenizer, rng)
    (work / "STAMP").write_text(GENERATOR_VERSION + "\n")
    if out.exists():
        shutil.rmtree(out)
    os.replace(work, out)
    print(f"quickstart default written to {out}")


if __name__ == "__main__":
    main()
