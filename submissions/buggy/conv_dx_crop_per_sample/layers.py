"""My conv layers for A2 (vectorised over filters and images with einsum)."""
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, kh, kw = w.shape
    Hp = (H + 2 * p - kh) // s + 1
    Wp = (W + 2 * p - kw) // s + 1

    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
    out = np.empty((N, F, Hp, Wp))
    for r in range(Hp):
        for c in range(Wp):
            patch = xp[:, :, r * s : r * s + kh, c * s : c * s + kw]
            out[:, :, r, c] = np.einsum("nchw,fchw->nf", patch, w)
    out += b[None, :, None, None]

    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, kh, kw = w.shape
    _, _, Hp, Wp = dout.shape

    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))

    for n in range(N):
        dxp_n = np.zeros_like(xp[n])
        for r in range(Hp):
            for c in range(Wp):
                g = dout[n, :, r, c]  # (F,)
                dw += np.einsum("f,chw->fchw", g, xp[n, :, r * s : r * s + kh, c * s : c * s + kw])
                dxp_n[:, r * s : r * s + kh, c * s : c * s + kw] += np.einsum("f,fchw->chw", g, w)
        dx[n] = dxp_n[:, p:-p, p:-p]  # strip the border we padded

    return dx, dw, db
