"""Exercise 19, written differently: torchaudio's Spectrogram then MelScale as two
transforms; patches with Tensor.unfold twice; the count by math."""
import math

import torch
import torchaudio.transforms as T


def log_mel_spectrogram(waveform, sample_rate=16000, n_fft=400, hop_length=160, n_mels=80):
    if waveform.ndim == 1:
        waveform = waveform.unsqueeze(0)
    spec = T.Spectrogram(n_fft=n_fft, hop_length=hop_length, power=2.0)(waveform)
    mel = T.MelScale(n_mels=n_mels, sample_rate=sample_rate, n_stft=n_fft // 2 + 1)(spec)
    return torch.log(mel + 1e-6)


def patchify_spectrogram(spec, patch_size=16):
    if spec.size(1) % patch_size:
        raise ValueError("frequency axis not divisible by patch size")
    patches = spec.unfold(1, patch_size, patch_size).unfold(2, patch_size, patch_size)
    # (B, F/P, T//P, P, P): the first unfold's window is the frequency offset
    return patches.reshape(spec.size(0), -1, patch_size * patch_size)


def audio_tokens(waveform, sample_rate=16000, patch_size=16, **mel_kwargs):
    return patchify_spectrogram(log_mel_spectrogram(waveform, sample_rate, **mel_kwargs),
                                patch_size)


def num_audio_tokens(num_samples, sample_rate=16000, hop_length=160, n_mels=80, patch_size=16):
    if n_mels % patch_size:
        raise ValueError("n_mels not divisible by patch size")
    frames = math.floor(num_samples / hop_length) + 1
    return (n_mels // patch_size) * math.floor(frames / patch_size)
