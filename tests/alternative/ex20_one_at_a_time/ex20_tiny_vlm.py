"""Exercise 20 the plain way: one question at a time through the whole model, Python
lists padded by hand, freezing parameter by parameter, and AdamW with decoupled weight
decay groups and a cosine learning-rate schedule."""
import math

import torch
import torch.nn.functional as F

import mmkit
from ex15_projector import Projector
from ex16_vlm import TinyVLM
from ex17_stage1 import train_stage1


def freeze_for_stage2(vlm):
    for p in vlm.vision_encoder.parameters():
        p.requires_grad = False
    trainable = []
    for part in (vlm.projector, vlm.llm):
        for p in part.parameters():
            p.requires_grad = True
            trainable.append(p)
    return trainable


def qa_example(question_ids, answer_ids, num_image_tokens, pad_id):
    width = question_ids.shape[1] + answer_ids.shape[1]
    ids, labels = [], []
    for q, a in zip(question_ids.tolist(), answer_ids.tolist()):
        q = [t for t in q if t != pad_id]
        a = [t for t in a if t != pad_id]
        fill = width - len(q) - len(a)
        ids.append(q + a + [pad_id] * fill)
        labels.append([-100] * (num_image_tokens + len(q)) + a + [-100] * fill)
    return torch.tensor(ids, dtype=torch.long), torch.tensor(labels, dtype=torch.long)


def batches_forever(batches):
    while True:
        empty = True
        for b in batches:
            empty = False
            yield b
        if empty:
            return


def train_stage2(vlm, batches, steps, lr=1e-3, pad_id=0):
    params = freeze_for_stage2(vlm)
    decay = [p for p in params if p.dim() >= 2]
    rest = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": rest, "weight_decay": 0.0}], lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / max(1, steps))) * 0.5 + 0.5)
    if not isinstance(batches, (list, tuple)):
        batches = _Replay(batches)
    source = batches_forever(batches)
    vlm.train()
    losses = []
    for _ in range(steps):
        batch = next(source)
        ids, _ = qa_example(batch["question_ids"], batch["answer_ids"], 0, pad_id)
        logits = vlm(batch["images"], ids)
        n = logits.shape[1] - ids.shape[1]
        _, labels = qa_example(batch["question_ids"], batch["answer_ids"], n, pad_id)
        loss = F.cross_entropy(logits[:, :-1].transpose(1, 2), labels[:, 1:], ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


class _Replay:
    """An iterator that can be iterated again: the second pass replays what the first saw."""

    def __init__(self, iterator):
        self.iterator, self.seen, self.done = iter(iterator), [], False

    def __iter__(self):
        if self.done:
            yield from self.seen
            return
        for item in self.iterator:
            self.seen.append(item)
            yield item
        self.done = True


def answer(vlm, images, questions, tokenizer, max_new_tokens=4):
    vlm.eval()
    out = []
    with torch.no_grad():
        for image, question in zip(images, questions):
            ids = tokenizer.encode(question)
            new = []
            while len(new) < max_new_tokens:
                logits = vlm(image[None], torch.tensor([ids + new], dtype=torch.long))
                token = logits[0, -1].argmax().item()
                if token == tokenizer.eos_id:
                    break
                new.append(token)
            out.append(tokenizer.decode(new))
    return out


def run_two_stage(seed=0, stage1_steps=100, stage2_steps=300, batch_size=32, eval_scenes=500,
                  lr1=3e-3, lr2=1e-3):
    torch.manual_seed(seed)
    tok = mmkit.get_tokenizer()
    clip, lm = mmkit.load_clip(), mmkit.load_lm()
    vlm = TinyVLM(clip.visual, Projector(clip.visual.dim, lm.dim), lm)
    s1 = train_stage1(vlm, mmkit.caption_batches(batch_size, seed), stage1_steps, lr=lr1,
                      pad_id=tok.pad_id)
    s2 = train_stage2(vlm, mmkit.qa_batches(batch_size, seed), stage2_steps, lr=lr2,
                      pad_id=tok.pad_id)
    data = mmkit.qa_eval_set(eval_scenes, seed)
    got = answer(vlm, data["images"], data["questions"], tok)
    acc = {}
    for c in mmkit.CATEGORIES:
        pairs = [(g, a) for g, a, k in zip(got, data["answers"], data["category"]) if k == c]
        acc[c] = sum(g == a for g, a in pairs) / max(1, len(pairs))
    return {"stage1_losses": s1, "stage2_losses": s2, "accuracy": acc, "vlm": vlm}
