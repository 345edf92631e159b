"""Checks for exercise 19 (audio as spectrogram patch tokens).

Expected spectrograms come from torchaudio itself, run here in float64 (the contract
defines the spectrogram as torchaudio's ``MelSpectrogram`` then ``log(x + 1e-6)``), and
expected patches from ``F.unfold`` on the spectrogram as a one-channel image: neither
shares code with a submission's reshapes.

Tolerance on log-mel values: 1e-3 absolute + 1e-4 relative, on the (band, frame) cells
within 20 dB of the loudest band of their frame (on noise, nearly all of them; all of a
silent frame). A float32 FFT's rounding error is a fraction (~1e-7) of the frame's energy,
so in the rare noise cells far below their frame's loudest band a correct float32
``torch.fft.rfft`` with hand-written filters was seen 1.1e-3 off the float64 result; within
20 dB every correct implementation tried (torchaudio in float32 or float64, ``torch.stft``
+ ``melscale_fbanks``, framing + ``rfft`` + hand-written HTK filters) stays within 1e-4.
log10, power 1 (magnitude), a missing log or epsilon, uncentred frames, another window,
mel scale or padding miss by 0.05 or more. Pure tones and impulses, whose quiet bands sit
far below their peaks, are judged by where they peak only.
"""
import math

import torch
import torch.nn.functional as F
import torchaudio

from autograder import check, expect, expect_close, expect_equal, expect_raises, expect_tensor

VALUES = dict(atol=1e-3, rtol=1e-4)
FLOOR = math.log(1e-6)           # log-mel of silence
LN4 = math.log(4.0)              # twice the amplitude, four times the power
# (sample_rate, n_fft, hop_length, n_mels, patch_size): settings whose every mel filter
# covers at least one FFT bin (torchaudio warns of empty filters otherwise)
SETTINGS = [(16000, 400, 160, 80, 16), (16000, 1024, 160, 128, 16), (22050, 1024, 256, 64, 8),
            (8000, 256, 80, 32, 8), (16000, 400, 100, 48, 12), (44100, 2048, 512, 96, 16),
            (24000, 480, 240, 40, 8)]

SPEC_HINT = ("torchaudio.transforms.MelSpectrogram(sample_rate, n_fft, hop_length, n_mels) "
             "with its other defaults (power 2, centred frames), then the natural log of "
             "(x + 1e-6)")
LAYOUT_HINT = ("treat the spectrogram as a one-channel image (B, 1, F, T): patches go "
               "row-major over the (F/P, T//P) grid, frequency block first, and each is "
               "flattened (P, P) with frequency rows outermost")
SHAPE_HINT = ("(B, n_mels, frames) with frames = 1 + S // hop_length (centred); an (S,) "
              "waveform is a batch of one")
COUNT_HINT = ("centred frames: T = 1 + S // hop_length; then (F/P) frequency blocks times "
              "T // P whole time blocks (a partial block is dropped)")


def torchaudio_log_mel(waveform, sample_rate=16000, n_fft=400, hop_length=160, n_mels=80):
    """The contract's spectrogram, in float64: ``(B, S) -> (B, F, T)``."""
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=sample_rate, n_fft=n_fft,
                                               hop_length=hop_length, n_mels=n_mels)
    return torch.log(mel.double()(waveform.double()) + 1e-6)


def near_loudest(want):
    """``(B, F, T)`` mask of the log-mel cells within 20 dB of their frame's loudest band."""
    power = want.exp() - 1e-6                                            # (B, F, T)
    return power >= 1e-2 * power.amax(dim=1, keepdim=True)


def expect_log_mel(got, want, *, what, hint=SPEC_HINT, patch_size=None):
    """``got`` matches the log-mel ``want`` (B, F, T) on the cells within 20 dB of their
    frame's loudest band; with ``patch_size`` both are compared as patches."""
    keep = near_loudest(want)
    if patch_size is not None:
        want = unfold_patches(want, patch_size)
        keep = unfold_patches(keep.double(), patch_size) > 0.5
    expect_close(got[keep], want[keep], **VALUES, hint=hint,
                 what=f"{what} (cells within 20 dB of their frame's loudest band)")


def unfold_patches(spec, P):
    """``(B, F, T) -> (B, N, P*P)`` by ``F.unfold`` on ``(B, 1, F, T)``; partial blocks
    dropped, row-major grid, each patch (P, P) row-major."""
    return F.unfold(spec[:, None], kernel_size=P, stride=P).transpose(1, 2)


def count(S, hop=160, n_mels=80, P=16):
    return (n_mels // P) * ((1 + S // hop) // P)


def noise(rng, *shape, scale=1.0):
    return scale * torch.randn(*shape, generator=rng)


def tone(freq, seconds=2.0, sample_rate=16000, amplitude=0.5):
    t = torch.arange(int(seconds * sample_rate), dtype=torch.float64) / sample_rate
    return (amplitude * torch.sin(2 * math.pi * freq * t)).float()


def log_mel(sub, w, what, hint=SHAPE_HINT, **kwargs):
    """``sub.log_mel_spectrogram(w, **kwargs)``, required to be ``(B, F, 1 + S // hop)``."""
    B = 1 if w.dim() == 1 else w.shape[0]
    F_, T = kwargs.get("n_mels", 80), 1 + w.shape[-1] // kwargs.get("hop_length", 160)
    return expect_tensor(sub.log_mel_spectrogram(w, **kwargs), shape=(B, F_, T), what=what,
                         hint=hint)


def peak_matches(got_profile, want_profile, what, hint):
    """The submission's peak index is the expected peak, or ties with it within 1e-3."""
    i = int(got_profile.argmax())
    expect(bool(want_profile[i] >= want_profile.max() - 1e-3),
           f"{what} peaks at index {i}; expected {int(want_profile.argmax())}", hint=hint)


@check("ex19.num_tokens", points=1)
def num_tokens(sub):
    """num_audio_tokens for many durations and settings; ValueError when P does not
    divide n_mels."""
    cases = [  # (S, hop, n_mels, P): 10 s, 1 s, 30 s, a whole patch and one sample short
        (160_000, 160, 80, 16), (16_000, 160, 80, 16), (480_000, 160, 80, 16),
        (2_400, 160, 80, 16), (2_399, 160, 80, 16), (163_840, 160, 128, 16),
        (16_000, 320, 64, 8), (44_100, 441, 40, 10), (12_345, 100, 96, 12)]
    for S, hop, n_mels, P in cases:
        expect_equal(sub.num_audio_tokens(S, hop_length=hop, n_mels=n_mels, patch_size=P),
                     count(S, hop, n_mels, P),
                     what=f"num_audio_tokens({S}, hop_length={hop}, n_mels={n_mels}, "
                          f"patch_size={P})", hint=COUNT_HINT)
    expect_equal(sub.num_audio_tokens(160_000), 310, what="num_audio_tokens(160000) (10 s)",
                 hint=COUNT_HINT)
    expect_raises("ValueError", sub.num_audio_tokens, 16_000, n_mels=80, patch_size=12,
                  what="num_audio_tokens(16000, n_mels=80, patch_size=12)")
    expect_raises("ValueError", sub.num_audio_tokens, 16_000, n_mels=100, patch_size=16,
                  what="num_audio_tokens(16000, n_mels=100, patch_size=16)")


@check("ex19.shapes", points=0.5)
def shapes(sub, rng):
    """Spectrograms are (B, F, 1 + S // hop) for (S,) and (B, S) waveforms; audio_tokens
    is (B, num_audio_tokens(S), P*P) for many durations."""
    log_mel(sub, noise(rng, 16_000), "log_mel_spectrogram of a (16000,) waveform")
    log_mel(sub, noise(rng, 3, 8_000), "log_mel_spectrogram of a (3, 8000) batch")
    log_mel(sub, noise(rng, 2, 5_000), "log_mel_spectrogram(w, n_fft=512, hop_length=128, "
            "n_mels=64) of a (2, 5000) batch", n_fft=512, hop_length=128, n_mels=64)
    for S in (2_400, 2_559, 16_000, 24_321):  # at least one whole patch of frames
        got = sub.audio_tokens(noise(rng, 2, S))
        expect_tensor(got, shape=(2, count(S), 256), what=f"audio_tokens of a (2, {S}) batch",
                      hint=COUNT_HINT)
        expect_equal(sub.num_audio_tokens(S), got.shape[1],
                     what=f"num_audio_tokens({S}) versus the tokens audio_tokens made",
                     hint="the count must match what audio_tokens really returns")
    expect_tensor(sub.audio_tokens(noise(rng, 16_000)), shape=(1, 30, 256),
                  what="audio_tokens of a (16000,) waveform",
                  hint="an unbatched waveform is a batch of one")


@check("ex19.torchaudio_values", points=1.5)
def torchaudio_values(sub, rng):
    """Log-mel values match torchaudio's MelSpectrogram then log(x + 1e-6) (1e-3), at the
    defaults and other settings; silence gives log(1e-6), not -inf."""
    w = noise(rng, 2, 12_000)
    expect_log_mel(log_mel(sub, w, "log_mel_spectrogram of noise"), torchaudio_log_mel(w),
                   what="log_mel_spectrogram of noise")
    w = noise(rng, 7_000, scale=0.3)
    expect_log_mel(log_mel(sub, w, "log_mel_spectrogram of a (7000,) waveform"),
                   torchaudio_log_mel(w[None]),
                   what="log_mel_spectrogram of an unbatched waveform")
    kwargs = dict(sample_rate=8000, n_fft=256, hop_length=80, n_mels=32)
    w = noise(rng, 2, 6_000)
    expect_log_mel(log_mel(sub, w, "log_mel_spectrogram at 8 kHz", **kwargs),
                   torchaudio_log_mel(w, **kwargs),
                   what="log_mel_spectrogram(w, sample_rate=8000, n_fft=256, hop_length=80, "
                        "n_mels=32)", hint="pass every setting on to MelSpectrogram")
    silence = log_mel(sub, torch.zeros(2, 4_000), "log_mel_spectrogram of silence",
                      hint="add 1e-6 before the log so that silence stays finite")
    expect_close(silence, torch.full((2, 80, 26), FLOOR), **VALUES,
                 what="log_mel_spectrogram of silence", hint="log(0 + 1e-6) everywhere")


@check("ex19.tone_onset", points=1)
def tone_onset(sub):
    """Pure tones peak in their mel band (440 Hz: row 15, 1 kHz: 28, 3 kHz: 53) and an
    impulse at 0.5 s peaks at frame 50: frequency down the rows, time along the columns."""
    for freq, row in ((440, 15), (1000, 28), (3000, 53)):
        spec = log_mel(sub, tone(freq), f"log_mel_spectrogram of a {freq} Hz tone")
        got = int(spec[0].mean(dim=1).argmax())
        expect(got == row, f"a {freq} Hz tone is loudest in mel row {got}; expected row {row}",
               hint="rows are mel bands from low to high frequency (axis 1), columns are "
                    "frames (axis 2); use the HTK mel scale from 0 Hz to sample_rate / 2")
    click = torch.zeros(16_000)
    click[8_000] = 1.0
    spec = log_mel(sub, click, "log_mel_spectrogram of an impulse at 0.5 s")
    got = int(spec[0].mean(dim=0).argmax())
    expect(got == 50, f"an impulse at sample 8000 is loudest in frame {got}; expected 50",
           hint="frame t is centred on sample t * hop_length (centred frames)")


@check("ex19.patch_layout", points=1)
def patch_layout(sub, rng):
    """patchify_spectrogram lays patches out as ex11 does (frequency-major grid, (P, P)
    row-major), drops trailing frames, and raises ValueError when P does not divide F."""
    spec = torch.arange(2 * 16 * 37, dtype=torch.float32).reshape(2, 16, 37)  # (B, F, T)
    got = expect_tensor(sub.patchify_spectrogram(spec, 4), shape=(2, 36, 16),
                        what="patchify_spectrogram of a (2, 16, 37) spectrogram with P=4",
                        hint="(F/P) * (T // P) patches; the last T % P frames are dropped")
    expect_close(got[0, 1, :6], torch.tensor([4.0, 5, 6, 7, 41, 42]), atol=0, rtol=0,
                 what="token 1 (frequency block 0, time block 1), first 6 values",
                 hint=LAYOUT_HINT)
    expect_close(got, unfold_patches(spec, 4), atol=0, rtol=0, what="all patches",
                 hint=LAYOUT_HINT)
    spec = torch.randn(1, 80, 101, generator=rng)
    expect_close(sub.patchify_spectrogram(spec), unfold_patches(spec, 16), atol=0, rtol=0,
                 what="patchify_spectrogram of a (1, 80, 101) spectrogram, default P",
                 hint=LAYOUT_HINT)
    expect_raises("ValueError", sub.patchify_spectrogram, torch.zeros(1, 80, 64), 12,
                  what="patchify_spectrogram of 80 mel bands with P=12")
    expect_raises("ValueError", sub.patchify_spectrogram, torch.zeros(2, 30, 64), 16,
                  what="patchify_spectrogram of 30 mel bands with P=16")


@check("ex19.amplitude", points=0.5, hidden=True)
def amplitude(sub, rng):
    """Doubling the amplitude adds ln 4 to every log-mel value well above the floor;
    halving it subtracts ln 4."""
    w = noise(rng, 2, int(torch.randint(4_000, 16_000, (1,), generator=rng)))
    w = w * (1 + torch.rand(2, 1, generator=rng))
    base = log_mel(sub, w, "log_mel_spectrogram of noise")
    # where the quietest of the three powers is over 1e-2, the 1e-6 floor moves the log
    # by less than 4e-4; within 20 dB of the frame's loudest band, float32 rounding is
    # harmless (see the module's docstring). Noise has few other cells.
    quiet = torchaudio_log_mel(w / 2)
    loud = (quiet > math.log(1e-2)) & near_loudest(quiet)
    for factor, shift, what in ((2, LN4, "log-mel(2w) - log-mel(w)"),
                                (0.5, -LN4, "log-mel(w/2) - log-mel(w)")):
        moved = log_mel(sub, factor * w, f"log_mel_spectrogram of {factor} * noise")
        expect_close((moved - base)[loud], torch.full((int(loud.sum()),), shift),
                     atol=2e-3, rtol=0, what=f"{what}, where the power is over 1e-2",
                     hint="power spectrogram (magnitude squared), then the natural log")


@check("ex19.drawn", points=1.5, hidden=True)
def drawn(sub, rng):
    """On settings, durations, tones and impulses drawn for this run: audio_tokens equals
    torchaudio's log-mel cut by F.unfold, num_audio_tokens counts them, tones and
    impulses peak where torchaudio's do."""
    picks = [0] * 3
    while all(SETTINGS[i][0] == 16000 for i in picks):  # one rate other than 16 kHz at least
        picks = torch.randperm(len(SETTINGS), generator=rng)[:3].tolist()
    for sr, n_fft, hop, n_mels, P in (SETTINGS[i] for i in picks):
        kwargs = dict(n_fft=n_fft, hop_length=hop, n_mels=n_mels)
        label = f"sample_rate={sr}, patch_size={P}, n_fft={n_fft}, hop_length={hop}, " \
                f"n_mels={n_mels}"
        S = int(torch.randint(2 * P * hop, 2 * sr, (1,), generator=rng))   # 2+ time blocks
        if (1 + S // hop) % P == 0:
            S += hop                                      # leave trailing frames to drop
        w = noise(rng, 2, S, scale=0.2 + float(torch.rand(1, generator=rng)))
        want = torchaudio_log_mel(w, sample_rate=sr, **kwargs)                # (B, F, T)
        got = expect_tensor(sub.audio_tokens(w, sample_rate=sr, patch_size=P, **kwargs),
                            shape=(2, count(S, hop, n_mels, P), P * P),
                            what=f"audio_tokens({label})", hint=COUNT_HINT)
        expect_log_mel(got, want, patch_size=P, what=f"audio_tokens({label}) of noise",
                       hint=SPEC_HINT + "; " + LAYOUT_HINT)
        for S in torch.randint(0, 5 * sr, (3,), generator=rng).tolist():
            expect_equal(sub.num_audio_tokens(S, sample_rate=sr, hop_length=hop,
                                              n_mels=n_mels, patch_size=P),
                         count(S, hop, n_mels, P),
                         what=f"num_audio_tokens({S}, sample_rate={sr}, hop_length={hop}, "
                              f"n_mels={n_mels}, patch_size={P})", hint=COUNT_HINT)
        freq = 100 + float(torch.rand(1, generator=rng)) * (0.4 * sr - 100)
        w = tone(freq, seconds=0.5, sample_rate=sr)
        peak_matches(log_mel(sub, w, f"a {freq:.0f} Hz tone", sample_rate=sr, **kwargs)[0]
                     .mean(dim=1), torchaudio_log_mel(w[None], sr, **kwargs)[0].mean(dim=1),
                     what=f"the log-mel of a {freq:.0f} Hz tone ({label}), averaged over time,",
                     hint="rows are mel bands from low to high frequency")
        click = torch.zeros(sr // 2)
        click[int(torch.randint(0, sr // 2, (1,), generator=rng))] = 1.0
        peak_matches(log_mel(sub, click, "an impulse", sample_rate=sr, **kwargs)[0]
                     .mean(dim=0), torchaudio_log_mel(click[None], sr, **kwargs)[0].mean(dim=0),
                     what=f"the log-mel of an impulse ({label}), averaged over frequency,",
                     hint="frame t is centred on sample t * hop_length")
