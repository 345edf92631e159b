"""Exercise 20 whose run_two_stage returns exactly the contract's three keys (no "vlm"):
the graders then train the two stages themselves with these functions to measure the
finding. Otherwise the vectorized alternative (tests/alternative/ex20_vectorized)."""
import torch

import mmkit
from ex15_projector import Projector
from ex16_vlm import TinyVLM
from ex17_stage1 import train_stage1


def freeze_for_stage2(vlm):
    trainable = []
    for name, p in vlm.named_parameters():
        p.requires_grad = not name.startswith("vision_encoder.")
        if p.requires_grad:
            trainable.append(p)
    for p in vlm.vision_encoder.parameters():     # also if registered under another name
        p.requires_grad = False
    return [p for p in trainable if p.requires_grad]


def qa_example(question_ids, answer_ids, num_image_tokens, pad_id):
    B, Tq = question_ids.shape
    Ta = answer_ids.shape[1]
    q_len = (question_ids != pad_id).sum(dim=1, keepdim=True)          # (B, 1)
    a_len = (answer_ids != pad_id).sum(dim=1, keepdim=True)            # (B, 1)
    j = torch.arange(Tq + Ta).expand(B, -1)                            # (B, Tq+Ta)
    from_q = question_ids.gather(1, j.clamp(max=Tq - 1))
    from_a = answer_ids.gather(1, (j - q_len).clamp(0, Ta - 1))
    is_answer = (j >= q_len) & (j < q_len + a_len)
    ids = torch.where(j < q_len, from_q, torch.where(is_answer, from_a, torch.full_like(j, pad_id)))
    text_labels = torch.where(is_answer, ids, torch.full_like(ids, -100))
    image_labels = torch.full((B, num_image_tokens), -100, dtype=torch.long)
    return ids, torch.cat([image_labels, text_labels], dim=1)


def qa_loss(vlm, batch, pad_id):
    ids, _ = qa_example(batch["question_ids"], batch["answer_ids"], 0, pad_id)
    logits = vlm(batch["images"], ids)
    _, labels = qa_example(batch["question_ids"], batch["answer_ids"],
                           logits.shape[1] - ids.shape[1], pad_id)
    logp = logits[:, :-1].log_softmax(dim=-1)
    target = labels[:, 1:]
    mask = target != -100
    picked = logp.gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * mask).sum() / mask.sum()


def train_stage2(vlm, batches, steps, lr=1e-3, pad_id=0):
    params = freeze_for_stage2(vlm)
    opt = torch.optim.Adam(params, lr=lr)
    vlm.train()
    seen, losses, source = [], [], iter(batches)
    while len(losses) < steps:
        try:
            batch = next(source)
            seen.append(batch)
        except StopIteration:
            source = iter(seen)
            continue
        loss = qa_loss(vlm, batch, pad_id)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses


def answer(vlm, images, questions, tokenizer, max_new_tokens=4):
    vlm.eval()
    with torch.inference_mode():
        prefix = vlm.image_tokens(images)
        n, B = prefix.shape[1], len(questions)
        rows = [tokenizer.encode(q) for q in questions]
        width = max(len(r) for r in rows) + max_new_tokens
        ids = torch.full((B, width), tokenizer.pad_id, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = torch.tensor(r)
        length = torch.tensor([len(r) for r in rows])
        start = length.clone()
        alive = torch.ones(B, dtype=torch.bool)
        for _ in range(max_new_tokens):
            used = int(length.max())
            logits = vlm.llm.forward_embeds(torch.cat([prefix, vlm.llm.embed(ids[:, :used])], 1))
            nxt = logits[torch.arange(B), n + length - 1].argmax(dim=-1)
            alive &= nxt != tokenizer.eos_id
            if not alive.any():
                break
            ids[alive, length[alive]] = nxt[alive]
            length = length + alive.long()
    return [tokenizer.decode(ids[i, start[i]:length[i]]) for i in range(B)]


def run_two_stage(seed=0, stage1_steps=100, stage2_steps=300, batch_size=32, eval_scenes=500,
                  lr1=3e-3, lr2=1e-3):
    torch.manual_seed(seed)
    tok = mmkit.get_tokenizer()
    visual, lm = mmkit.load_clip().visual, mmkit.load_lm()
    vlm = TinyVLM(visual, Projector(visual.dim, lm.dim), lm)
    s1 = train_stage1(vlm, mmkit.caption_batches(batch_size, seed), stage1_steps, lr=lr1,
                      pad_id=tok.pad_id)
    s2 = train_stage2(vlm, mmkit.qa_batches(batch_size, seed), stage2_steps, lr=lr2,
                      pad_id=tok.pad_id)
    data = mmkit.qa_eval_set(eval_scenes, seed)
    correct, total = {}, {}
    for s in range(0, eval_scenes, 128):
        got = answer(vlm, data["images"][s:s + 128], data["questions"][s:s + 128], tok)
        for c, g, a in zip(data["category"][s:s + 128], got, data["answers"][s:s + 128]):
            correct[c] = correct.get(c, 0) + (g == a)
            total[c] = total.get(c, 0) + 1
    return {"stage1_losses": s1, "stage2_losses": s2,
            "accuracy": {c: correct[c] / total[c] for c in total}}
