"""Exercise 19, written differently: frames cut with Tensor.unfold, torch.fft.rfft, and
HTK triangular mel filters written out by hand; patches by view/permute."""
import math

import torch
import torch.nn.functional as F


def hz_to_mel(f):
    return 2595.0 * math.log10(1.0 + f / 700.0)


def mel_filters(n_freqs, sample_rate, n_mels):
    freqs = torch.linspace(0, sample_rate // 2, n_freqs, dtype=torch.float64)
    mels = torch.linspace(hz_to_mel(0.0), hz_to_mel(sample_rate / 2), n_mels + 2,
                          dtype=torch.float64)
    edges = 700.0 * (10 ** (mels / 2595.0) - 1.0)                 # n_mels + 2 corners
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs - lo) / (mid - lo)
    down = (hi - freqs) / (hi - mid)
    return torch.clamp(torch.minimum(up, down), min=0).float()    # (n_mels, n_freqs)


def log_mel_spectrogram(waveform, sample_rate=16000, n_fft=400, hop_length=160, n_mels=80):
    x = waveform.reshape(-1, waveform.shape[-1])
    half = n_fft // 2
    x = F.pad(x.unsqueeze(1), (half, half), mode="reflect").squeeze(1)
    frames = x.unfold(-1, n_fft, hop_length)                      # (B, T, n_fft)
    window = 0.5 - 0.5 * torch.cos(2 * math.pi * torch.arange(n_fft) / n_fft)
    spectrum = torch.fft.rfft(frames * window, dim=-1).abs() ** 2  # (B, T, n_freqs)
    mel = mel_filters(n_fft // 2 + 1, sample_rate, n_mels) @ spectrum.transpose(1, 2)
    return (mel + 1e-6).log()


def patchify_spectrogram(spec, patch_size=16):
    b, n_mels, frames = spec.shape
    p = patch_size
    if n_mels % p:
        raise ValueError(f"n_mels={n_mels} not divisible by patch_size={p}")
    keep = frames - frames % p
    grid = spec[..., :keep].view(b, n_mels // p, p, keep // p, p)
    return grid.transpose(2, 3).flatten(3).flatten(1, 2)


def audio_tokens(waveform, sample_rate=16000, patch_size=16, **mel_kwargs):
    spec = log_mel_spectrogram(waveform, sample_rate=sample_rate, **mel_kwargs)
    return patchify_spectrogram(spec, patch_size=patch_size)


def num_audio_tokens(num_samples, sample_rate=16000, hop_length=160, n_mels=80, patch_size=16):
    if n_mels % patch_size:
        raise ValueError(f"n_mels={n_mels} not divisible by patch_size={patch_size}")
    frames = num_samples // hop_length + 1
    return n_mels // patch_size * (frames // patch_size)
