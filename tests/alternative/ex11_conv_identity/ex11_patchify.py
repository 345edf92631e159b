"""Alternative: einops-free rearrange with einsum-free views and a conv trick."""
import torch


def num_patches(height, width, patch_size):
    if height % patch_size or width % patch_size:
        raise ValueError("indivisible")
    return (height // patch_size) * (width // patch_size)


def patchify(images, patch_size):
    if images.dim() != 4:
        raise ValueError("bad rank")
    B, C, H, W = images.shape
    num_patches(H, W, patch_size)
    P = patch_size
    eye = torch.eye(C * P * P, dtype=images.dtype).reshape(C * P * P, C, P, P)
    out = torch.nn.functional.conv2d(images, eye, stride=P)  # (B, C*P*P, h, w)
    return out.flatten(2).transpose(1, 2)


def unpatchify(tokens, patch_size, height, width):
    if tokens.dim() != 3:
        raise ValueError("bad rank")
    B, N, L = tokens.shape
    if N != num_patches(height, width, patch_size):
        raise ValueError("bad N")
    P = patch_size
    C = L // (P * P)
    h, w = height // P, width // P
    x = tokens.transpose(1, 2).reshape(B, C * P * P, h, w)
    eye = torch.eye(C * P * P, dtype=tokens.dtype).reshape(C * P * P, C, P, P)
    return torch.nn.functional.conv_transpose2d(x, eye, stride=P)
