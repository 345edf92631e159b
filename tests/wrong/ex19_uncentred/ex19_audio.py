# catches: ex19.shapes ex19.torchaudio_values ex19.num_tokens ex19.drawn
# center=False: frames = 1 + (S - n_fft) // hop, and a count that assumes n_fft = 400.
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
    if waveform.dim() not in (1, 2):
        raise ValueError(f"expected a waveform of shape (S,) or (B, S), "
                         f"got {tuple(waveform.shape)}")
    if waveform.dim() == 1:
        waveform = waveform.unsqueeze(0)                          # (1, S)
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, center=False)
    power = mel.to(waveform.device)(waveform)                    # (B, F, T)
    return torch.log(power + 1e-6)                                # (B, F, T)


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
    if spec.dim() != 3:
        raise ValueError(f"expected a spectrogram of shape (B, F, T), got {tuple(spec.shape)}")
    B, F, T = spec.shape
    P = patch_size
    if F % P:
        raise ValueError(f"{F} mel bands are not divisible by patch size {P}")
    f, t = F // P, T // P
    x = spec[:, :, : t * P]                                       # (B, F, t*P)
    x = x.reshape(B, f, P, t, P)                                  # (B, f, P, t, P)
    x = x.permute(0, 1, 3, 2, 4)                                  # (B, f, t, P, P)
    return x.reshape(B, f * t, P * P)                             # (B, N, P*P)


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
    spec = log_mel_spectrogram(waveform, sample_rate=sample_rate, **mel_kwargs)  # (B, F, T)
    return patchify_spectrogram(spec, patch_size)                 # (B, N, P*P)


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
    if n_mels % patch_size:
        raise ValueError(f"{n_mels} mel bands are not divisible by patch size {patch_size}")
    frames = 1 + (num_samples - 400) // hop_length
    return (n_mels // patch_size) * (frames // patch_size)
