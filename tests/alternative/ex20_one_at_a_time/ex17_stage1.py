"""Exercise 17 in the Hugging Face style: shift_logits / shift_labels made contiguous, an
nn.CrossEntropyLoss module, the number of image tokens read off image_tokens, SGD with
momentum over the parameters that require grad, and a while loop over a cycled iterator."""
import itertools

import torch
from torch import nn

IGNORE_INDEX = -100


def freeze_for_stage1(vlm):
    for module in (vlm.vision_encoder, vlm.llm):
        for p in module.parameters():
            p.requires_grad_(False)
    for p in vlm.projector.parameters():
        p.requires_grad_(True)
    return [p for p in vlm.projector.parameters()]


def caption_labels(input_ids, num_image_tokens, pad_id):
    labels = torch.full((input_ids.shape[0], num_image_tokens + input_ids.shape[1]),
                        IGNORE_INDEX, dtype=torch.long)
    labels[:, num_image_tokens:] = input_ids
    labels[:, num_image_tokens:][input_ids == pad_id] = IGNORE_INDEX
    return labels


def caption_loss(vlm, images, input_ids, pad_id):
    n = vlm.image_tokens(images[:1]).shape[1]
    labels = caption_labels(input_ids, n, pad_id)
    logits = vlm(images, input_ids)
    shift_logits = logits[..., :-1, :].contiguous()
    shift_labels = labels[..., 1:].contiguous()
    loss_fct = nn.CrossEntropyLoss()
    return loss_fct(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1))


def train_stage1(vlm, batches, steps, lr=1e-3, pad_id=0):
    freeze_for_stage1(vlm)
    opt = torch.optim.SGD([p for p in vlm.parameters() if p.requires_grad], lr=lr,
                          momentum=0.9)
    vlm.train()
    it = itertools.cycle(batches)
    losses, step = [], 0
    while step < steps:
        batch = next(it)
        opt.zero_grad()
        loss = caption_loss(vlm, batch["images"], batch["input_ids"], pad_id)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        step += 1
    return losses
