"""Exercise 19, written differently: torch.stft and torchaudio.functional.melscale_fbanks
by hand; patches by F.unfold."""
import torch
import torch.nn.functional as F
import torchaudio


def log_mel_spectrogram(waveform, sample_rate=16000, n_fft=400, hop_length=160, n_mels=80):
    batched = waveform if waveform.dim() == 2 else waveform[None]
    stft = torch.stft(batched, n_fft=n_fft, hop_length=hop_length,
                      window=torch.hann_window(n_fft), center=True, pad_mode="reflect",
                      return_complex=True)                       # (B, n_fft//2+1, T)
    power = stft.real ** 2 + stft.imag ** 2
    fb = torchaudio.functional.melscale_fbanks(
        n_freqs=n_fft // 2 + 1, f_min=0.0, f_max=sample_rate / 2, n_mels=n_mels,
        sample_rate=sample_rate, norm=None, mel_scale="htk")     # (n_freqs, n_mels)
    mel = torch.einsum("bft,fm->bmt", power, fb)
    return torch.log(mel + 1e-6)


def patchify_spectrogram(spec, patch_size=16):
    if spec.shape[1] % patch_size != 0:
        raise ValueError("n_mels must be a multiple of the patch size")
    return F.unfold(spec.unsqueeze(1), kernel_size=patch_size, stride=patch_size).transpose(1, 2)


def audio_tokens(waveform, sample_rate=16000, patch_size=16, **mel_kwargs):
    return patchify_spectrogram(log_mel_spectrogram(waveform, sample_rate, **mel_kwargs),
                                patch_size)


def num_audio_tokens(num_samples, sample_rate=16000, hop_length=160, n_mels=80, patch_size=16):
    if n_mels % patch_size != 0:
        raise ValueError("n_mels must be a multiple of the patch size")
    n_frames = num_samples // hop_length + 1
    return int(n_mels / patch_size) * int(n_frames // patch_size)
