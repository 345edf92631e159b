"""Exercise 17 with cross_entropy over the class dimension of (B, V, L) logits, labels
built by F.pad, freezing with requires_grad_ on whole modules, AdamW over every
parameter (the frozen ones have no gradient, so they never move), and zip over a range."""
import itertools

import torch
import torch.nn.functional as F


def freeze_for_stage1(vlm):
    vlm.vision_encoder.requires_grad_(False)
    vlm.llm.requires_grad_(False)
    vlm.projector.requires_grad_(True)
    return list(vlm.projector.parameters())


def caption_labels(input_ids, num_image_tokens, pad_id):
    labels = input_ids.masked_fill(input_ids.eq(pad_id), -100)
    return F.pad(labels, (num_image_tokens, 0), value=-100)


def caption_loss(vlm, images, input_ids, pad_id):
    logits = vlm(images, input_ids)                    # (B, L, V)
    labels = caption_labels(input_ids, logits.shape[1] - input_ids.shape[1], pad_id)
    return F.cross_entropy(logits.transpose(1, 2)[:, :, :-1], labels[:, 1:])


def train_stage1(vlm, batches, steps, lr=1e-3, pad_id=0):
    freeze_for_stage1(vlm)
    opt = torch.optim.AdamW(vlm.parameters(), lr=lr, weight_decay=0.1)
    vlm.train()
    out = []
    for _, batch in zip(range(steps), itertools.cycle(batches)):
        loss = caption_loss(vlm, batch["images"], batch["input_ids"], pad_id)
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out
