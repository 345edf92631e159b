"""Alternative: Tensor.unfold twice, loops for unpatchify, a ValueError subclass."""
import torch


class PatchSizeError(ValueError):
    pass


def num_patches(height, width, patch_size):
    if height % patch_size != 0 or width % patch_size != 0:
        raise PatchSizeError("size must be a multiple of the patch size")
    return height * width // (patch_size * patch_size)


def patchify(images, patch_size):
    if len(images.shape) != 4:
        raise PatchSizeError("4-D input required")
    B, C, H, W = images.shape
    num_patches(H, W, patch_size)
    p = images.unfold(2, patch_size, patch_size).unfold(3, patch_size, patch_size)  # B C h w P P
    p = p.permute(0, 2, 3, 1, 4, 5).contiguous()
    return p.view(B, -1, C * patch_size * patch_size)


def unpatchify(tokens, patch_size, height, width):
    B, N, L = tokens.shape
    if N != num_patches(height, width, patch_size) or L % (patch_size ** 2):
        raise PatchSizeError("tokens do not fit the image")
    C = L // patch_size ** 2
    out = tokens.new_zeros(B, C, height, width)
    cols = width // patch_size
    for i in range(N):
        r, c = divmod(i, cols)
        out[:, :, r * patch_size:(r + 1) * patch_size, c * patch_size:(c + 1) * patch_size] = \
            tokens[:, i].reshape(B, C, patch_size, patch_size)
    return out
