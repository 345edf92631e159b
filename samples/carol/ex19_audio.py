"""Exercise 19: audio as spectrogram patch tokens, the way AST and Whisper see sound.

Shapes: B batch, S samples, F = n_mels mel bands (frequency), T frames (time),
P patch size, N = (F/P) * (T // P) patch tokens, each of length P*P.

A waveform becomes a log-mel spectrogram, a one-channel image of F rows (low to high
frequency) by T columns (early to late), cut into P x P patches exactly as ex11 cuts an
image. With centred frames (the input padded by n_fft // 2 on both sides),
T = 1 + S // hop_length: 10 s at 16 kHz with a 10 ms hop is 1001 frames.
"""
import torch
import torchaudio
from torch import Tensor


def log_mel_spectrogram(waveform: Tensor, sample_rate: int = 16000, n_fft: int = 400,
                        hop_length: int = 160, n_mels: int = 80) -> Tensor:
    """The natural-log mel power spectrogram of a waveform.

    torchaudio's ``MelSpectrogram`` with these four settings and its other defaults
    (Hann window of n_fft samples, power 2, centred frames with reflect padding, HTK mel
    scale from 0 Hz to sample_rate / 2, no filter normalisation), then ``log(x + 1e-6)``.

    Args:
        waveform: ``(S,)`` or ``(B, S)`` float32 samples.
        sample_rate, n_fft, hop_length, n_mels: as in ``torchaudio.transforms.MelSpectrogram``
            (25 ms windows, a 10 ms hop and 80 mel bands at 16 kHz by default).
    Returns:
        ``(B, n_mels, T)`` with ``T = 1 + S // hop_length``; an unbatched ``(S,)``
        waveform gives a batch of one, ``(1, n_mels, T)``. Row 0 is the lowest band.
        Silence gives ``log(1e-6)``, never ``-inf``.
    Raises:
        ValueError: if ``waveform`` is not 1-D or 2-D.
    """
    # TODO: batch an (S,) waveform, run MelSpectrogram, then log(x + 1e-6)
    raise NotImplementedError


def patchify_spectrogram(spec: Tensor, patch_size: int = 16) -> Tensor:
    """Cut a spectrogram into flattened, non-overlapping P x P patches.

    Args:
        spec: ``(B, F, T)``, as ``log_mel_spectrogram`` returns it.
        patch_size: P; F must be divisible by it.
    Returns:
        ``(B, N, P*P)`` with ``N = (F/P) * (T // P)``: the trailing ``T % P`` frames that do
        not fill a patch are dropped. The spectrogram is a one-channel image ``(B, 1, F, T)``
        laid out as in ex11: patches row-major over the ``(F/P, T//P)`` grid
        (frequency-major: token ``f * (T//P) + t`` is frequency block f, time block t), each
        flattened in ``(P, P)`` order (frequency, then time).
    Raises:
        ValueError: if ``spec`` is not 3-D, or F is not divisible by P.
    """
    # TODO: drop the trailing frames, split into the patch grid, flatten each patch
    raise NotImplementedError


def audio_tokens(waveform: Tensor, sample_rate: int = 16000, patch_size: int = 16,
                 **mel_kwargs) -> Tensor:
    """A waveform's patch tokens: ``patchify_spectrogram(log_mel_spectrogram(...))``.

    Args:
        waveform: ``(S,)`` or ``(B, S)``.
        sample_rate: samples per second.
        patch_size: P.
        **mel_kwargs: ``n_fft``, ``hop_length``, ``n_mels``, passed to
            ``log_mel_spectrogram``.
    Returns:
        ``(B, N, P*P)``, ``N = num_audio_tokens(S, sample_rate, hop_length, n_mels, P)``.
    Raises:
        ValueError: if n_mels is not divisible by P.
    """
    # TODO: the spectrogram, then its patches
    raise NotImplementedError


def num_audio_tokens(num_samples: int, sample_rate: int = 16000, hop_length: int = 160,
                     n_mels: int = 80, patch_size: int = 16) -> int:
    """How many patch tokens ``audio_tokens`` makes of ``num_samples`` samples.

    Args:
        num_samples: S.
        sample_rate: samples per second (the count does not depend on it).
        hop_length: samples between frames.
        n_mels: F.
        patch_size: P.
    Returns:
        ``(F/P) * (T // P)`` with ``T = 1 + S // hop_length``, an ``int``
        (310 for 10 s at 16 kHz with the defaults).
    Raises:
        ValueError: if ``n_mels`` is not divisible by ``patch_size``.
    """
    # TODO: count the centred frames, then the whole patches
    raise NotImplementedError
