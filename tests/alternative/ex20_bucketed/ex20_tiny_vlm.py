"""Exercise 20 with questions answered in buckets of equal length (no padding at all,
the model called as vlm(images, ids) every step), qa_example by pad_sequence, freezing
module by module, and AdamW with gradient clipping and a summed loss divided by the
number of answer tokens."""
import itertools

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence

import mmkit
from ex15_projector import Projector
from ex16_vlm import TinyVLM
from ex17_stage1 import train_stage1


def freeze_for_stage2(vlm):
    vlm.vision_encoder.requires_grad_(False)
    vlm.projector.requires_grad_(True)
    vlm.llm.requires_grad_(True)
    return [p for p in vlm.parameters() if p.requires_grad]


def qa_example(question_ids, answer_ids, num_image_tokens, pad_id):
    Tq, Ta = question_ids.shape[1], answer_ids.shape[1]
    rows, targets = [], []
    for q, a in zip(question_ids, answer_ids):
        q, a = q[q != pad_id], a[a != pad_id]
        rows.append(torch.cat([q, a]))
        targets.append(torch.cat([torch.full((num_image_tokens + len(q),), -100), a]))
    ids = pad_sequence(rows, batch_first=True, padding_value=pad_id)
    labels = pad_sequence(targets, batch_first=True, padding_value=-100)
    ids = F.pad(ids, (0, Tq + Ta - ids.shape[1]), value=pad_id)
    labels = F.pad(labels, (0, num_image_tokens + Tq + Ta - labels.shape[1]), value=-100)
    return ids, labels


def train_stage2(vlm, batches, steps, lr=1e-3, pad_id=0):
    params = freeze_for_stage2(vlm)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    vlm.train()
    losses = []
    for batch in itertools.islice(itertools.cycle(batches), steps):
        ids, _ = qa_example(batch["question_ids"], batch["answer_ids"], 0, pad_id)
        logits = vlm(batch["images"], ids)
        _, labels = qa_example(batch["question_ids"], batch["answer_ids"],
                               logits.shape[1] - ids.shape[1], pad_id)
        target = labels[:, 1:].reshape(-1)
        total = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), target,
                                ignore_index=-100, reduction="sum")
        loss = total / (target != -100).sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def answer(vlm, images, questions, tokenizer, max_new_tokens=4):
    buckets = {}
    for i, q in enumerate(questions):
        buckets.setdefault(len(tokenizer.encode(q)), []).append(i)
    out = [None] * len(questions)
    for rows in buckets.values():
        ids = torch.tensor([tokenizer.encode(questions[i]) for i in rows]).reshape(len(rows), -1)
        imgs = images[rows]
        generated = torch.empty(len(rows), 0, dtype=torch.long)
        for _ in range(max_new_tokens):
            step = vlm(imgs, torch.cat([ids, generated], dim=1))[:, -1].argmax(-1)
            generated = torch.cat([generated, step[:, None]], dim=1)
            if bool((generated == tokenizer.eos_id).any(dim=1).all()):
                break
        for r, i in enumerate(rows):
            tokens = generated[r].tolist()
            if tokenizer.eos_id in tokens:
                tokens = tokens[:tokens.index(tokenizer.eos_id)]
            out[i] = tokenizer.decode(tokens)
    return out


def run_two_stage(seed=0, stage1_steps=100, stage2_steps=300, batch_size=32, eval_scenes=500,
                  lr1=3e-3, lr2=1e-3):
    torch.manual_seed(seed)
    tok = mmkit.get_tokenizer()
    clip, lm = mmkit.load_clip(), mmkit.load_lm()
    vlm = TinyVLM(clip.visual, Projector(clip.visual.dim, lm.dim), lm)
    stage1 = train_stage1(vlm, mmkit.caption_batches(batch_size, seed), stage1_steps, lr1,
                          tok.pad_id)
    stage2 = train_stage2(vlm, mmkit.qa_batches(batch_size, seed), stage2_steps, lr2, tok.pad_id)
    data = mmkit.qa_eval_set(eval_scenes, seed)
    blank = torch.zeros_like(data["images"])
    scores = {}
    for name, images in (("accuracy", data["images"]), ("blind_accuracy", blank)):
        got = answer(vlm, images, data["questions"], tok)
        per = {}
        for c, g, a in zip(data["category"], got, data["answers"]):
            per.setdefault(c, []).append(float(g == a))
        scores[name] = {c: sum(v) / len(v) for c, v in per.items()}
    return {"stage1_losses": stage1, "stage2_losses": stage2, "vlm": vlm, **scores}
