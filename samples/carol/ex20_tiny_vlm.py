"""Exercise 20: an end-to-end tiny VLM, trained in LLaVA's two stages, and where it fails.

Stage 1 (exercise 17) aligns the projector on captions; stage 2 unfreezes the LLM too and
instruction-tunes projector and LLM on question/answer pairs, supervising only the
answer. The trained model answers held-out questions about shapes-world scenes: the
colour and shape of one big object well, but it counts many small objects and reads
letters smaller than a 4-px patch hardly better than a model that never sees the image.

Shapes: B batch, N image tokens, Tq question tokens, Ta answer tokens, V vocabulary.
Labels are ``(B, N + Tq + Ta)``, aligned with the sequence the LLM reads (not shifted),
as in exercise 17: the loss compares the logits at position t with the label at t + 1,
and ``-100`` marks positions that are not supervised.
"""
import itertools

import torch
import torch.nn.functional as F
from torch import Tensor, nn

import mmkit
from ex15_projector import Projector
from ex16_vlm import TinyVLM
from ex17_stage1 import train_stage1

IGNORE_INDEX = -100


def freeze_for_stage2(vlm: nn.Module) -> list[nn.Parameter]:
    """Make the projector and the LLM trainable, and keep the vision encoder frozen.

    Args:
        vlm: a ``TinyVLM`` (exercise 16) with ``vision_encoder``, ``projector``, ``llm``,
            possibly frozen for stage 1 (only the projector trainable).
    Returns:
        The projector's and the LLM's parameters, as a list: after the call they, and
        only they, have ``requires_grad=True``; every vision-encoder parameter has
        ``requires_grad=False``.
    """
    # TODO: freeze everything, then unfreeze projector and LLM
    raise NotImplementedError


def qa_example(question_ids: Tensor, answer_ids: Tensor, num_image_tokens: int,
               pad_id: int) -> tuple[Tensor, Tensor]:
    """Input ids and targets for the sequence [image tokens, question, answer].

    Args:
        question_ids: ``(B, Tq)`` long, each row ``encode(question)`` right-padded with
            ``pad_id``; rows may have different lengths.
        answer_ids: ``(B, Ta)`` long, each row ``encode(answer) + [eos]`` right-padded.
        num_image_tokens: N, the image tokens in front of the text.
        pad_id: the padding id.
    Returns:
        ``(input_ids, labels)``:
        - ``input_ids (B, Tq + Ta)`` long: each row's question tokens, then its answer
          tokens right after them (no padding in between), then ``pad_id`` to the end;
        - ``labels (B, N + Tq + Ta)`` long, aligned with the full sequence like
          ``caption_labels``: the answer tokens (``eos`` included) at their positions,
          ``-100`` at the N image positions, at the question and at the padding.
    """
    # TODO: per row, question then answer, padded; supervise the answer only
    raise NotImplementedError


def train_stage2(vlm: nn.Module, batches, steps: int, lr: float = 1e-3,
                 pad_id: int = 0) -> list[float]:
    """Stage 2: instruction-tune projector and LLM on question/answer pairs.

    Args:
        vlm: a ``TinyVLM``, usually after stage 1. Its projector is trained further from
            where it stands (never re-initialised); the vision encoder stays frozen and
            unchanged, bit for bit.
        batches: an iterable of dicts with ``images (B, 3, H, W)``, ``question_ids
            (B, Tq)`` and ``answer_ids (B, Ta)`` (as ``mmkit.qa_batches`` yields them):
            a list, or an iterator that may be endless. One that runs out is cycled.
        steps: the number of optimisation steps; exactly ``steps`` batches are used.
        lr: the learning rate (any optimiser over the trainable parameters; the
            exercise's defaults and checks assume AdamW-like steps).
        pad_id: the padding id of ``question_ids`` and ``answer_ids``.
    Returns:
        ``steps`` Python floats, the loss of each step before that step's update: the
        mean next-token cross-entropy over the supervised (answer) tokens of the batch.
    """
    # TODO: freeze for stage 2, optimise projector + LLM on the answer tokens
    raise NotImplementedError


@torch.no_grad()
def answer(vlm: nn.Module, images: Tensor, questions: list[str], tokenizer,
           max_new_tokens: int = 4) -> list[str]:
    """Answer questions about images by greedy decoding.

    Args:
        vlm: a ``TinyVLM``.
        images: ``(B, 3, H, W)`` float32.
        questions: B strings, one per image.
        tokenizer: the kit's tokenizer (``encode``, ``decode``, ``pad_id``, ``eos_id``).
        max_new_tokens: the most tokens generated per question.
    Returns:
        B strings. Each answer's prompt is the image tokens then
        ``tokenizer.encode(question)`` (no special tokens); every step appends the most
        likely next token; generation stops at ``eos`` or after ``max_new_tokens``
        tokens, and ``tokenizer.decode`` leaves the special tokens out. Each answer is
        the one the question gets on its own (batch of one), whatever else is in the
        batch: rows of different lengths must not see each other's padding.
    """
    # TODO: image tokens once; each row reads its logits at its own last token
    raise NotImplementedError


def evaluate(vlm: nn.Module, eval_set: dict, tokenizer, blind: bool = False,
             batch_size: int = 100) -> dict[str, float]:
    """Accuracy by category: exact match of ``answer`` with the answer text.

    A helper for ``run_two_stage`` (not graded on its own; write it your way).

    Args:
        eval_set: a dict as ``mmkit.qa_eval_set`` returns it.
        blind: replace every image by zeros (a model that cannot see).
    Returns:
        ``{category: accuracy}`` for the categories in ``eval_set``.
    """
    # TODO: answer in batches, count exact matches per category
    raise NotImplementedError


def run_two_stage(seed: int = 0, stage1_steps: int = 100, stage2_steps: int = 300,
                  batch_size: int = 32, eval_scenes: int = 500, lr1: float = 3e-3,
                  lr2: float = 1e-3) -> dict:
    """The whole experiment: build the VLM from the kit, train both stages, evaluate.

    The VLM is ``TinyVLM(mmkit.load_clip().visual, Projector(...), mmkit.load_lm())``.
    Stage 1 trains it on ``mmkit.caption_batches(batch_size, seed)``; stage 2 continues
    with the same model on ``mmkit.qa_batches(batch_size, seed)``. It is then evaluated
    on ``mmkit.qa_eval_set(eval_scenes, seed)``, held-out scenes, by category. The same
    seed gives the same losses and accuracies (seed torch as well as the data). The
    defaults take well under a minute on one CPU core. ``python -m
    mmkit.two_stage_report`` runs it from this folder and writes a report with plots:
    the accuracies against a blind model and chance, and where fine detail fails.

    Args:
        seed: seeds the projector's initialisation and the data.
        stage1_steps, stage2_steps: optimisation steps of each stage.
        batch_size: examples per step, both stages.
        eval_scenes: held-out questions (categories take turns).
        lr1, lr2: the learning rates of stage 1 and stage 2.
    Returns:
        A dict with at least
        - ``"stage1_losses"``: ``stage1_steps`` floats; ``"stage2_losses"``: ``stage2_steps``
          floats;
        - ``"accuracy"``: ``{category: float}`` for the five categories, the exact-match
          accuracy of ``answer(...)`` against the answer text;
        - optionally ``"vlm"``: the trained ``TinyVLM``. The report probes it; the graders
          probe it when it is there, and otherwise run the two stages themselves with your
          ``freeze_for_stage*`` and ``train_stage*`` functions.
        Extras are welcome (the reference adds ``"blind_accuracy"``, the accuracy with
        every image replaced by zeros).
    """
    # TODO: build, stage 1 on captions, stage 2 on questions, evaluate
    raise NotImplementedError
