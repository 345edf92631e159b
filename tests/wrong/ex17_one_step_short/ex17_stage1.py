# catches: ex17.steps ex17.loss_falls
# Off by one: range(1, steps) runs steps - 1 steps.
"""Exercise 17: stage 1, the projector alone on captions."""
import itertools

import torch
import torch.nn.functional as F


def freeze_for_stage1(vlm):
    vlm.requires_grad_(False)
    params = list(vlm.projector.parameters())
    for p in params:
        p.requires_grad_(True)
    return params


def caption_labels(input_ids, num_image_tokens, pad_id):
    B = input_ids.shape[0]
    image = torch.full((B, num_image_tokens), -100, dtype=torch.long)
    text = input_ids.masked_fill(input_ids == pad_id, -100)
    return torch.cat([image, text], dim=1)


def caption_loss(vlm, images, input_ids, pad_id):
    logits = vlm(images, input_ids)                        # (B, N+T, V)
    labels = caption_labels(input_ids, logits.shape[1] - input_ids.shape[1], pad_id)
    return F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten(),
                           ignore_index=-100)


def train_stage1(vlm, batches, steps, lr=1e-3, pad_id=0):
    params = freeze_for_stage1(vlm)
    opt = torch.optim.AdamW(params, lr=lr)
    vlm.train()
    losses = []
    data = itertools.cycle(batches)
    for step in range(1, steps):
        batch = next(data)
        loss = caption_loss(vlm, batch["images"], batch["input_ids"], pad_id)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
