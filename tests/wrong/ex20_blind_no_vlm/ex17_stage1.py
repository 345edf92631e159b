"""Exercise 17: LLaVA's stage 1, aligning the projector on image captions.

Only the projector learns; the vision encoder and the LLM stay exactly as they are.
The model reads [N image tokens, T caption tokens] and is trained to predict each
caption token from everything before it.

Shapes: B batch, N image tokens, T caption tokens, V vocabulary. Labels are
``(B, N + T)``, aligned with the sequence the LLM reads (not shifted): the loss compares
the logits at position t with the label at t + 1. ``-100`` marks positions that are
not supervised (``IGNORE_INDEX``, PyTorch's ``cross_entropy`` default ``ignore_index``).
"""
import itertools

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IGNORE_INDEX = -100


def freeze_for_stage1(vlm: nn.Module) -> list[nn.Parameter]:
    """Make only the projector trainable.

    Args:
        vlm: a ``TinyVLM`` (exercise 16) with ``vision_encoder``, ``projector``, ``llm``.
    Returns:
        The projector's parameters, as a list: after the call they, and only they, have
        ``requires_grad=True``; every vision-encoder and LLM parameter has
        ``requires_grad=False``.
    """
    # BEGIN SOLUTION: freeze everything, then unfreeze the projector
    vlm.requires_grad_(False)
    trainable = list(vlm.projector.parameters())
    for param in trainable:
        param.requires_grad_(True)
    return trainable
    # END SOLUTION


def caption_labels(input_ids: Tensor, num_image_tokens: int, pad_id: int) -> Tensor:
    """Targets for the sequence [image tokens, caption tokens], not yet shifted.

    Args:
        input_ids: ``(B, T)`` long, ``[bos] + caption + [eos]`` right-padded with ``pad_id``.
        num_image_tokens: N, the image tokens in front of the text.
        pad_id: the padding id.
    Returns:
        ``(B, N + T)`` long: ``-100`` at the N image positions and wherever
        ``input_ids == pad_id``, the input id everywhere else (``bos`` and ``eos`` too).
    """
    # BEGIN SOLUTION: -100 for the image, the ids with padding masked for the text
    B = input_ids.shape[0]
    image = input_ids.new_full((B, num_image_tokens), IGNORE_INDEX)            # (B, N)
    text = input_ids.masked_fill(input_ids == pad_id, IGNORE_INDEX)           # (B, T)
    return torch.cat([image, text], dim=1)                                    # (B, N+T)
    # END SOLUTION


def caption_loss(vlm: nn.Module, images: Tensor, input_ids: Tensor, pad_id: int) -> Tensor:
    """The captioning loss: next-token cross-entropy over the caption tokens.

    Args:
        vlm: a ``TinyVLM``; ``vlm(images, input_ids)`` gives logits ``(B, N + T, V)``.
        images: ``(B, 3, H, W)`` float32.
        input_ids: ``(B, T)`` long, right-padded with ``pad_id``.
        pad_id: the padding id.
    Returns:
        A scalar tensor: the mean, over the supervised tokens only, of the cross-entropy
        of the logits at position t against the label at t + 1 (labels from
        ``caption_labels``). It keeps its graph, so gradients reach the projector.
    """
    # BEGIN SOLUTION: logits, labels, shift by one, cross-entropy ignoring -100
    logits = vlm(images, input_ids)                                           # (B, N+T, V)
    num_image_tokens = logits.shape[1] - input_ids.shape[1]
    labels = caption_labels(input_ids, num_image_tokens, pad_id)              # (B, N+T)
    return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]),     # (B*(N+T-1), V)
                           labels[:, 1:].reshape(-1), ignore_index=IGNORE_INDEX)
    # END SOLUTION


def train_stage1(vlm: nn.Module, batches, steps: int, lr: float = 1e-3,
                 pad_id: int = 0) -> list[float]:
    """Stage 1: train the projector alone on captions.

    Args:
        vlm: a ``TinyVLM``; frozen with ``freeze_for_stage1``, so that after training
            every vision-encoder and LLM tensor is unchanged, bit for bit.
        batches: an iterable of dicts with ``images (B, 3, H, W)`` and ``input_ids
            (B, T)`` (as ``mmkit.caption_batches`` yields them): a list, or an iterator
            that may be endless. One that runs out is started over (cycled).
        steps: the number of optimisation steps; exactly ``steps`` batches are used.
        lr: the learning rate (any optimiser over the trainable parameters, e.g. AdamW).
        pad_id: the padding id of ``input_ids``.
    Returns:
        ``steps`` Python floats, the loss of each step, before that step's update.
    """
    # BEGIN SOLUTION: freeze, optimise the projector, one caption_loss per batch
    trainable = freeze_for_stage1(vlm)
    optimizer = torch.optim.AdamW(trainable, lr=lr)
    vlm.train()
    losses = []
    for batch in itertools.islice(itertools.cycle(batches), steps):
        loss = caption_loss(vlm, batch["images"], batch["input_ids"], pad_id)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
    # END SOLUTION
