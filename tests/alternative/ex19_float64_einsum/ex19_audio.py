"""Exercise 19, written differently: MelSpectrogram run in float64 and cast back; patches
by an einsum-free permute of a 6-D view (as a 1-channel image, ex11 style)."""
import torch
import torchaudio


def log_mel_spectrogram(waveform, sample_rate=16000, n_fft=400, hop_length=160, n_mels=80):
    squeeze = waveform.dim() == 1
    w = (waveform[None] if squeeze else waveform).to(torch.float64)
    transform = torchaudio.transforms.MelSpectrogram(
        sample_rate, n_fft=n_fft, win_length=n_fft, hop_length=hop_length, f_min=0.0,
        f_max=None, n_mels=n_mels, power=2.0, center=True, pad_mode="reflect",
        norm=None, mel_scale="htk").to(torch.float64)
    return torch.log(transform(w) + 1e-6).to(torch.float32)


def patchify_spectrogram(spec, patch_size=16):
    B, n_freq, n_time = spec.shape
    P = patch_size
    if n_freq % P:
        raise ValueError(f"F={n_freq} is not a multiple of P={P}")
    image = spec[:, None, :, : n_time // P * P]                    # (B, 1, F, T')
    h, w = n_freq // P, n_time // P
    x = image.reshape(B, 1, h, P, w, P).permute(0, 2, 4, 1, 3, 5)  # (B, h, w, 1, P, P)
    return x.reshape(B, h * w, P * P)


def audio_tokens(waveform, sample_rate=16000, patch_size=16, **mel_kwargs):
    spec = log_mel_spectrogram(waveform, sample_rate=sample_rate, **mel_kwargs)
    return patchify_spectrogram(spec, patch_size)


def num_audio_tokens(num_samples, sample_rate=16000, hop_length=160, n_mels=80, patch_size=16):
    if n_mels % patch_size:
        raise ValueError(f"n_mels={n_mels} is not a multiple of patch_size={patch_size}")
    return (n_mels // patch_size) * ((num_samples // hop_length + 1) // patch_size)
