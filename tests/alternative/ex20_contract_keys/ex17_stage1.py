"""Exercise 17 by hand: labels with torch.where, the loss as a masked mean of gathered
log-probabilities, freezing by parameter name, Adam, and a cycling loop that caches the
batches it has seen (so a one-shot iterator can be replayed too)."""
import torch


def freeze_for_stage1(vlm):
    trainable = []
    for name, p in vlm.named_parameters():
        p.requires_grad = name.startswith("projector.")
        if p.requires_grad:
            trainable.append(p)
    return trainable


def caption_labels(input_ids, num_image_tokens, pad_id):
    text = torch.where(input_ids == pad_id, torch.full_like(input_ids, -100), input_ids)
    image = -100 * torch.ones(input_ids.shape[0], num_image_tokens, dtype=input_ids.dtype)
    return torch.cat((image, text), dim=1)


def caption_loss(vlm, images, input_ids, pad_id):
    logits = vlm(images, input_ids)
    labels = caption_labels(input_ids, logits.size(1) - input_ids.size(1), pad_id)
    logp = logits[:, :-1].log_softmax(dim=-1)          # predictions for tokens 1..L-1
    target = labels[:, 1:]
    keep = target != -100
    picked = logp.gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * keep).sum() / keep.sum()


def _forever(batches):
    seen = []
    for batch in batches:
        seen.append(batch)
        yield batch
    while seen:
        yield from seen


def train_stage1(vlm, batches, steps, lr=1e-3, pad_id=0):
    opt = torch.optim.Adam(freeze_for_stage1(vlm), lr=lr)
    vlm.train()
    stream = _forever(batches)
    history = []
    for _ in range(steps):
        batch = next(stream)
        loss = caption_loss(vlm, batch["images"], batch["input_ids"], pad_id)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        history.append(float(loss.detach()))
    return history
