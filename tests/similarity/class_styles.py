"""A class for calibrating the similarity flag: more independently written solutions of the
layers, and the disguises a copier uses that a find-and-replace cannot do.

`similar_students.py` has three styles (four nested loops, loops over positions, stride tricks);
these are seven more, each written separately, in the ways students really write the assignment
(read from public student repositories of several course years, written here in other words):
loops stepping with ``range(0, H - HH + 1, stride)`` and counters, an im2col of the student's own
making, ``itertools.product`` with ``tensordot``, scalar loops over every weight, a shift-and-add
over kernel offsets, helpers that yield the windows, and a notebook of ``while`` loops. Each entry
is ``(bodies, helpers)``: what goes between the skeleton's START/END markers, and module-level
functions of the student's own.

`copies` builds the disguised copies: the renames, moves and comment rewrites of
`similar_students.disguise`, blank lines added and removed, loops rewritten as comprehensions, and
helpers inlined.
"""

from __future__ import annotations

import ast
import random
import shutil
from pathlib import Path

import similar_students as students

COUNTERS = {
    "affine_forward": """
        N = x.shape[0]
        out = np.dot(x.reshape(N, -1), w) + b
    """,
    "affine_backward": """
        N = x.shape[0]
        x_flat = x.reshape(N, -1)
        dx = np.dot(dout, w.T).reshape(*x.shape)
        dw = np.dot(x_flat.T, dout)
        db = dout.sum(axis=0)
    """,
    "relu_forward": """
        out = np.where(x > 0, x, 0)
    """,
    "relu_backward": """
        dx = dout.copy()
        dx[x <= 0] = 0
    """,
    "softmax_loss": """
        N = x.shape[0]
        scores = x - np.max(x, axis=1).reshape(-1, 1)
        probs = np.exp(scores)
        probs /= np.sum(probs, axis=1).reshape(-1, 1)
        loss = -np.log(probs[np.arange(N), y]).sum() / N
        dx = probs
        dx[np.arange(N), y] -= 1
        dx /= N
    """,
    "conv_forward_naive": """
        pad = conv_param['pad']
        stride = conv_param['stride']
        N, C, H, W = x.shape
        F, C, HH, WW = w.shape
        Hn = (H + 2 * pad - HH) // stride + 1
        Wn = (W + 2 * pad - WW) // stride + 1
        xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
        out = np.zeros((N, F, Hn, Wn))
        for img in range(N):
            for k in range(F):
                oi = 0
                for top in range(0, H + 2 * pad - HH + 1, stride):
                    oj = 0
                    for left in range(0, W + 2 * pad - WW + 1, stride):
                        out[img, k, oi, oj] = np.sum(xpad[img, :, top:top + HH, left:left + WW] * w[k]) + b[k]
                        oj += 1
                    oi += 1
    """,
    "conv_backward_naive": """
        x, w, b, conv_param = cache
        pad = conv_param['pad']
        stride = conv_param['stride']
        N, C, H, W = x.shape
        F, C, HH, WW = w.shape
        xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
        dxpad = np.zeros(xpad.shape)
        dw = np.zeros(w.shape)
        db = np.sum(dout, axis=(0, 2, 3))
        for img in range(N):
            for k in range(F):
                oi = 0
                for top in range(0, H + 2 * pad - HH + 1, stride):
                    oj = 0
                    for left in range(0, W + 2 * pad - WW + 1, stride):
                        g = dout[img, k, oi, oj]
                        dw[k] += g * xpad[img, :, top:top + HH, left:left + WW]
                        dxpad[img, :, top:top + HH, left:left + WW] += g * w[k]
                        oj += 1
                    oi += 1
        dx = dxpad[:, :, pad:pad + H, pad:pad + W]
    """,
    "max_pool_forward_naive": """
        N, C, H, W = x.shape
        PH, PW = pool_param['pool_height'], pool_param['pool_width']
        stride = pool_param['stride']
        Hn = (H - PH) // stride + 1
        Wn = (W - PW) // stride + 1
        out = np.zeros((N, C, Hn, Wn))
        for img in range(N):
            for ch in range(C):
                for oi in range(Hn):
                    for oj in range(Wn):
                        top, left = oi * stride, oj * stride
                        out[img, ch, oi, oj] = x[img, ch, top:top + PH, left:left + PW].max()
    """,
    "max_pool_backward_naive": """
        x, pool_param = cache
        N, C, H, W = x.shape
        PH, PW = pool_param['pool_height'], pool_param['pool_width']
        stride = pool_param['stride']
        dx = np.zeros(x.shape)
        for img in range(N):
            for ch in range(C):
                for oi in range(dout.shape[2]):
                    for oj in range(dout.shape[3]):
                        top, left = oi * stride, oj * stride
                        win = x[img, ch, top:top + PH, left:left + PW]
                        mask = (win == np.max(win))
                        dx[img, ch, top:top + PH, left:left + PW] += mask * dout[img, ch, oi, oj]
    """,
}

IM2COL_HELPERS = '''
def im2col_loops(xp, hh, ww, stride, ho, wo):
    """Columns of every receptive field; column pos * n + img holds image img at position pos."""
    n = xp.shape[0]
    cols = np.zeros((xp.shape[1] * hh * ww, ho * wo * n))
    col = 0
    for i in range(ho):
        for j in range(wo):
            block = xp[:, :, i * stride:i * stride + hh, j * stride:j * stride + ww]
            cols[:, col * n:(col + 1) * n] = block.reshape(n, -1).T
            col += 1
    return cols


def col2im_loops(cols, shape, hh, ww, stride, ho, wo):
    """The inverse: sums each column back into the image it came from."""
    n = shape[0]
    xp = np.zeros(shape)
    col = 0
    for i in range(ho):
        for j in range(wo):
            block = cols[:, col * n:(col + 1) * n].T.reshape(n, shape[1], hh, ww)
            xp[:, :, i * stride:i * stride + hh, j * stride:j * stride + ww] += block
            col += 1
    return xp
'''

IM2COL = {
    "affine_forward": """
        out = x.reshape(len(x), np.prod(x.shape[1:])) @ w + b
    """,
    "affine_backward": """
        d = np.prod(x.shape[1:])
        dw = x.reshape(len(x), d).T @ dout
        dx = (dout @ w.T).reshape(x.shape)
        db = dout.sum(axis=0)
    """,
    "relu_forward": """
        out = np.clip(x, 0, None)
    """,
    "relu_backward": """
        dx = dout * np.greater(x, 0)
    """,
    "softmax_loss": """
        m = len(x)
        ex = np.exp(x - x.max(axis=1, keepdims=True))
        sm = ex / ex.sum(axis=1, keepdims=True)
        loss = float(np.log(sm[np.arange(m), y]).sum() * -1 / m)
        dx = sm
        dx[np.arange(m), y] -= 1
        dx = dx / m
    """,
    "conv_forward_naive": """
        s, p = conv_param['stride'], conv_param['pad']
        nf, c, hh, ww = w.shape
        ho = (x.shape[2] + 2 * p - hh) // s + 1
        wo = (x.shape[3] + 2 * p - ww) // s + 1
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        cols = im2col_loops(xp, hh, ww, s, ho, wo)
        res = w.reshape(nf, -1) @ cols + b.reshape(-1, 1)
        out = res.reshape(nf, ho, wo, x.shape[0]).transpose(3, 0, 1, 2)
    """,
    "conv_backward_naive": """
        x, w, b, conv_param = cache
        s, p = conv_param['stride'], conv_param['pad']
        nf, c, hh, ww = w.shape
        n, _, ho, wo = dout.shape
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        cols = im2col_loops(xp, hh, ww, s, ho, wo)
        g = dout.transpose(1, 2, 3, 0).reshape(nf, -1)
        db = g.sum(axis=1)
        dw = (g @ cols.T).reshape(w.shape)
        dxp = col2im_loops(w.reshape(nf, -1).T @ g, xp.shape, hh, ww, s, ho, wo)
        dx = dxp[:, :, p:p + x.shape[2], p:p + x.shape[3]]
    """,
    "max_pool_forward_naive": """
        ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        n, c, h, wd = x.shape
        ho, wo = (h - ph) // s + 1, (wd - pw) // s + 1
        cols = im2col_loops(x.reshape(n * c, 1, h, wd), ph, pw, s, ho, wo)
        out = cols.max(axis=0).reshape(ho, wo, n, c).transpose(2, 3, 0, 1)
    """,
    "max_pool_backward_naive": """
        x, pool_param = cache
        ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        n, c, h, wd = x.shape
        ho, wo = dout.shape[2:]
        cols = im2col_loops(x.reshape(n * c, 1, h, wd), ph, pw, s, ho, wo)
        dcols = np.zeros_like(cols)
        dcols[cols.argmax(axis=0), np.arange(cols.shape[1])] = dout.transpose(2, 3, 0, 1).ravel()
        dx = col2im_loops(dcols, (n * c, 1, h, wd), ph, pw, s, ho, wo).reshape(x.shape)
    """,
}

PRODUCT = {
    "affine_forward": """
        out = np.tensordot(x.reshape(x.shape[0], -1), w, axes=1) + b
    """,
    "affine_backward": """
        dx = np.tensordot(dout, w, axes=([1], [1])).reshape(x.shape)
        dw = np.tensordot(x.reshape(x.shape[0], -1), dout, axes=([0], [0]))
        db = dout.sum(axis=0)
    """,
    "relu_forward": """
        out = np.maximum(x, 0.0)
    """,
    "relu_backward": """
        dx = np.where(x <= 0, 0.0, dout)
    """,
    "softmax_loss": """
        count = x.shape[0]
        logits = x - x.max(axis=-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        loss = -logp[np.arange(count), y].mean()
        dx = np.exp(logp)
        dx[np.arange(count), y] -= 1
        dx /= count
    """,
    "conv_forward_naive": """
        import itertools
        st, pd = conv_param['stride'], conv_param['pad']
        num, chans, rows, cols = x.shape
        nfil, _, kr, kc = w.shape
        out_r = 1 + (rows + 2 * pd - kr) // st
        out_c = 1 + (cols + 2 * pd - kc) // st
        padded = np.zeros((num, chans, rows + 2 * pd, cols + 2 * pd))
        padded[:, :, pd:pd + rows, pd:pd + cols] = x
        out = np.zeros((num, nfil, out_r, out_c))
        for r, c in itertools.product(range(out_r), range(out_c)):
            piece = padded[:, :, r * st:r * st + kr, c * st:c * st + kc]
            out[:, :, r, c] = np.tensordot(piece, w, axes=([1, 2, 3], [1, 2, 3])) + b
    """,
    "conv_backward_naive": """
        import itertools
        x, w, b, conv_param = cache
        st, pd = conv_param['stride'], conv_param['pad']
        num, chans, rows, cols = x.shape
        nfil, _, kr, kc = w.shape
        padded = np.zeros((num, chans, rows + 2 * pd, cols + 2 * pd))
        padded[:, :, pd:pd + rows, pd:pd + cols] = x
        dpadded = np.zeros_like(padded)
        dw = np.zeros_like(w)
        for r, c in itertools.product(range(dout.shape[2]), range(dout.shape[3])):
            piece = padded[:, :, r * st:r * st + kr, c * st:c * st + kc]
            grad = dout[:, :, r, c]
            dw += np.tensordot(grad, piece, axes=([0], [0]))
            dpadded[:, :, r * st:r * st + kr, c * st:c * st + kc] += np.tensordot(grad, w, axes=([1], [0]))
        db = dout.sum(axis=(0, 2, 3))
        dx = dpadded[:, :, pd:pd + rows, pd:pd + cols]
    """,
    "max_pool_forward_naive": """
        import itertools
        kr, kc, st = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        num, chans, rows, cols = x.shape
        out_r, out_c = 1 + (rows - kr) // st, 1 + (cols - kc) // st
        out = np.zeros((num, chans, out_r, out_c))
        for r, c in itertools.product(range(out_r), range(out_c)):
            out[:, :, r, c] = np.amax(x[:, :, r * st:r * st + kr, c * st:c * st + kc], axis=(2, 3))
    """,
    "max_pool_backward_naive": """
        import itertools
        x, pool_param = cache
        kr, kc, st = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        dx = np.zeros_like(x)
        for n, k, r, c in itertools.product(*map(range, dout.shape)):
            piece = x[n, k, r * st:r * st + kr, c * st:c * st + kc]
            dr, dc = divmod(int(np.argmax(piece)), kc)
            dx[n, k, r * st + dr, c * st + dc] += dout[n, k, r, c]
    """,
}

SCALAR = {
    "affine_forward": """
        N = x.shape[0]
        out = np.zeros((N, w.shape[1]))
        for i in range(N):
            out[i] = x[i].ravel().dot(w) + b
    """,
    "affine_backward": """
        N = x.shape[0]
        dx = np.zeros(x.shape)
        dw = np.zeros(w.shape)
        for i in range(N):
            dx[i] = w.dot(dout[i]).reshape(x.shape[1:])
            dw += np.outer(x[i].ravel(), dout[i])
        db = dout.sum(axis=0)
    """,
    "relu_forward": """
        out = x * (x > 0)
    """,
    "relu_backward": """
        dx = np.array(dout, copy=True)
        dx[x < 0] = 0
    """,
    "softmax_loss": """
        N, K = x.shape
        loss = 0.0
        dx = np.zeros((N, K))
        for i in range(N):
            row = np.exp(x[i] - np.max(x[i]))
            row /= np.sum(row)
            loss -= np.log(row[y[i]])
            row[y[i]] -= 1
            dx[i] = row / N
        loss /= N
    """,
    "conv_forward_naive": """
        stride = conv_param['stride']
        pad = conv_param['pad']
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        Ho = int((H + 2 * pad - HH) / stride) + 1
        Wo = int((W + 2 * pad - WW) / stride) + 1
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant', constant_values=0)
        out = np.zeros((N, F, Ho, Wo))
        for n in range(N):
            for f in range(F):
                for ho in range(Ho):
                    for wo in range(Wo):
                        acc = b[f]
                        for c in range(C):
                            for u in range(HH):
                                for v in range(WW):
                                    acc += xp[n, c, ho * stride + u, wo * stride + v] * w[f, c, u, v]
                        out[n, f, ho, wo] = acc
    """,
    "conv_backward_naive": """
        x, w, b, conv_param = cache
        stride = conv_param['stride']
        pad = conv_param['pad']
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        Ho, Wo = dout.shape[2], dout.shape[3]
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant', constant_values=0)
        dxp = np.zeros(xp.shape)
        dw = np.zeros(w.shape)
        db = np.zeros(F)
        for n in range(N):
            for f in range(F):
                for ho in range(Ho):
                    for wo in range(Wo):
                        g = dout[n, f, ho, wo]
                        db[f] += g
                        for c in range(C):
                            for u in range(HH):
                                for v in range(WW):
                                    dw[f, c, u, v] += g * xp[n, c, ho * stride + u, wo * stride + v]
                                    dxp[n, c, ho * stride + u, wo * stride + v] += g * w[f, c, u, v]
        dx = dxp[:, :, pad:H + pad, pad:W + pad]
    """,
    "max_pool_forward_naive": """
        N, C, H, W = x.shape
        ph = pool_param['pool_height']
        pw = pool_param['pool_width']
        stride = pool_param['stride']
        Ho = int((H - ph) / stride) + 1
        Wo = int((W - pw) / stride) + 1
        out = np.zeros((N, C, Ho, Wo))
        for n in range(N):
            for c in range(C):
                for ho in range(Ho):
                    for wo in range(Wo):
                        best = -np.inf
                        for u in range(ph):
                            for v in range(pw):
                                best = max(best, x[n, c, ho * stride + u, wo * stride + v])
                        out[n, c, ho, wo] = best
    """,
    "max_pool_backward_naive": """
        x, pool_param = cache
        N, C, H, W = x.shape
        ph = pool_param['pool_height']
        pw = pool_param['pool_width']
        stride = pool_param['stride']
        dx = np.zeros(x.shape)
        for n in range(N):
            for c in range(C):
                for ho in range(dout.shape[2]):
                    for wo in range(dout.shape[3]):
                        best, at = -np.inf, (0, 0)
                        for u in range(ph):
                            for v in range(pw):
                                value = x[n, c, ho * stride + u, wo * stride + v]
                                if value > best:
                                    best, at = value, (ho * stride + u, wo * stride + v)
                        dx[n, c, at[0], at[1]] += dout[n, c, ho, wo]
    """,
}

SHIFTS = {
    "affine_forward": """
        out = np.matmul(x.reshape(-1, w.shape[0]), w) + b[np.newaxis, :]
    """,
    "affine_backward": """
        dx = np.matmul(dout, w.T).reshape(x.shape)
        dw = np.matmul(x.reshape(-1, w.shape[0]).T, dout)
        db = np.sum(dout, axis=0)
    """,
    "relu_forward": """
        out = np.maximum(x, 0)
    """,
    "relu_backward": """
        dx = dout * (x > 0).astype(dout.dtype)
    """,
    "softmax_loss": """
        N = y.shape[0]
        stable = x - np.amax(x, axis=1, keepdims=True)
        expd = np.exp(stable)
        prob = expd / np.sum(expd, axis=1, keepdims=True)
        loss = -np.mean(np.log(prob[np.arange(N), y]))
        dx = prob.copy()
        dx[np.arange(N), y] -= 1
        dx /= N
    """,
    "conv_forward_naive": """
        stride, pad = conv_param['stride'], conv_param['pad']
        F, C, kh, kw = w.shape
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        oh = (xp.shape[2] - kh) // stride + 1
        ow = (xp.shape[3] - kw) // stride + 1
        N = x.shape[0]
        out = np.zeros((N, F, oh, ow)) + b.reshape(1, F, 1, 1)
        for u in range(kh):
            for v in range(kw):
                shifted = xp[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride]
                flat = shifted.transpose(1, 0, 2, 3).reshape(C, -1)
                out += (w[:, :, u, v] @ flat).reshape(F, N, oh, ow).transpose(1, 0, 2, 3)
    """,
    "conv_backward_naive": """
        x, w, b, conv_param = cache
        stride, pad = conv_param['stride'], conv_param['pad']
        F, C, kh, kw = w.shape
        N, _, oh, ow = dout.shape
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        dxp = np.zeros_like(xp)
        dw = np.zeros_like(w)
        g = dout.transpose(1, 0, 2, 3).reshape(F, -1)
        for u in range(kh):
            for v in range(kw):
                shifted = xp[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride]
                dw[:, :, u, v] = g @ shifted.transpose(1, 0, 2, 3).reshape(C, -1).T
                back = (w[:, :, u, v].T @ g).reshape(C, N, oh, ow).transpose(1, 0, 2, 3)
                dxp[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride] += back
        db = g.sum(axis=1)
        dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    """,
    "max_pool_forward_naive": """
        ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        N, C, H, W = x.shape
        oh, ow = (H - ph) // stride + 1, (W - pw) // stride + 1
        out = np.full((N, C, oh, ow), -np.inf)
        for u in range(ph):
            for v in range(pw):
                out = np.maximum(out, x[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride])
    """,
    "max_pool_backward_naive": """
        x, pool_param = cache
        ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        N, C, oh, ow = dout.shape
        best = np.full(dout.shape, -np.inf)
        for u in range(ph):
            for v in range(pw):
                best = np.maximum(best, x[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride])
        dx = np.zeros_like(x)
        taken = np.zeros(dout.shape, dtype=bool)
        for u in range(ph):
            for v in range(pw):
                hit = (x[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride] == best) & ~taken
                dx[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride] += hit * dout
                taken |= hit
    """,
}

WINDOW_HELPERS = '''
def output_size(size, kernel, stride, pad=0):
    return (size + 2 * pad - kernel) // stride + 1


def windows(height, width, kh, kw, stride):
    """(row, col, rows, cols) of each window: its output position and its slices of the input."""
    for row in range(output_size(height, kh, stride)):
        for col in range(output_size(width, kw, stride)):
            yield row, col, slice(row * stride, row * stride + kh), slice(col * stride, col * stride + kw)


def pad_images(x, pad):
    return np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode='constant')
'''

WINDOWS = {
    "affine_forward": """
        out = np.dot(x.reshape(x.shape[0], np.prod(x.shape[1:])), w) + b
    """,
    "affine_backward": """
        xr = x.reshape(x.shape[0], np.prod(x.shape[1:]))
        dw = np.dot(xr.T, dout)
        db = dout.sum(0)
        dx = np.dot(dout, w.T).reshape(x.shape)
    """,
    "relu_forward": """
        out = x * (x >= 0)
    """,
    "relu_backward": """
        dx = (x > 0) * dout
    """,
    "softmax_loss": """
        probs = np.exp(x - np.max(x, axis=1, keepdims=True))
        probs /= np.sum(probs, axis=1, keepdims=True)
        N = x.shape[0]
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        dx = probs.copy()
        dx[np.arange(N), y] -= 1
        dx /= N
    """,
    "conv_forward_naive": """
        stride, pad = conv_param['stride'], conv_param['pad']
        xp = pad_images(x, pad)
        filters = w.reshape(w.shape[0], -1)
        out = np.zeros((x.shape[0], w.shape[0], output_size(x.shape[2], w.shape[2], stride, pad),
                        output_size(x.shape[3], w.shape[3], stride, pad)))
        for row, col, rs, cs in windows(xp.shape[2], xp.shape[3], w.shape[2], w.shape[3], stride):
            out[:, :, row, col] = xp[:, :, rs, cs].reshape(x.shape[0], -1).dot(filters.T) + b
    """,
    "conv_backward_naive": """
        x, w, b, conv_param = cache
        stride, pad = conv_param['stride'], conv_param['pad']
        xp = pad_images(x, pad)
        dxp = np.zeros_like(xp)
        dw = np.zeros_like(w)
        db = dout.sum(axis=(0, 2, 3))
        for row, col, rs, cs in windows(xp.shape[2], xp.shape[3], w.shape[2], w.shape[3], stride):
            grad = dout[:, :, row, col]
            dw += np.einsum('nf,nchw->fchw', grad, xp[:, :, rs, cs])
            dxp[:, :, rs, cs] += np.einsum('nf,fchw->nchw', grad, w)
        dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    """,
    "max_pool_forward_naive": """
        ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        N, C, H, W = x.shape
        out = np.zeros((N, C, output_size(H, ph, stride), output_size(W, pw, stride)))
        for row, col, rs, cs in windows(H, W, ph, pw, stride):
            out[:, :, row, col] = x[:, :, rs, cs].max(axis=(2, 3))
    """,
    "max_pool_backward_naive": """
        x, pool_param = cache
        ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        N, C, H, W = x.shape
        dx = np.zeros_like(x)
        for row, col, rs, cs in windows(H, W, ph, pw, stride):
            block = x[:, :, rs, cs].reshape(N, C, -1)
            onehot = np.zeros_like(block)
            np.put_along_axis(onehot, block.argmax(axis=2)[:, :, None], 1.0, axis=2)
            dx[:, :, rs, cs] += onehot.reshape(N, C, ph, pw) * dout[:, :, row, col][:, :, None, None]
    """,
}

WHILES = {
    "affine_forward": """
        batch = x.shape[0]
        flat = np.reshape(x, [batch, -1])
        out = flat.dot(w)
        out += b
    """,
    "affine_backward": """
        batch = x.shape[0]
        flat = np.reshape(x, [batch, -1])
        db = np.sum(dout, 0)
        dw = flat.T.dot(dout)
        dx = np.reshape(dout.dot(w.T), x.shape)
    """,
    "relu_forward": """
        out = np.copy(x)
        out[x < 0] = 0.0
    """,
    "relu_backward": """
        dx = np.copy(dout)
        dx[~(x > 0)] = 0.0
    """,
    "softmax_loss": """
        batch = x.shape[0]
        top = np.max(x, 1)
        exps = np.exp(x - top[:, None])
        total = np.sum(exps, 1)
        picked = x[np.arange(batch), y] - top
        loss = np.mean(np.log(total) - picked)
        dx = exps / total[:, None]
        dx[np.arange(batch), y] = dx[np.arange(batch), y] - 1
        dx = dx / batch
    """,
    "conv_forward_naive": """
        S = conv_param['stride']
        P = conv_param['pad']
        batch, depth, height, width = x.shape
        count, _, fh, fw = w.shape
        padded = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)), 'constant', constant_values=0)
        out_h = (height + 2 * P - fh) // S + 1
        out_w = (width + 2 * P - fw) // S + 1
        out = np.zeros((batch, count, out_h, out_w))
        for k in range(count):
            kernel = w[k]
            r = 0
            while r < out_h:
                c = 0
                while c < out_w:
                    field = padded[:, :, r * S:r * S + fh, c * S:c * S + fw]
                    out[:, k, r, c] = (field * kernel).sum(axis=(1, 2, 3)) + b[k]
                    c += 1
                r += 1
    """,
    "conv_backward_naive": """
        x, w, b, conv_param = cache
        S = conv_param['stride']
        P = conv_param['pad']
        batch, depth, height, width = x.shape
        count, _, fh, fw = w.shape
        padded = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)), 'constant', constant_values=0)
        dpadded = np.zeros(padded.shape)
        dw = np.zeros(w.shape)
        db = np.zeros(b.shape)
        for k in range(count):
            r = 0
            while r < dout.shape[2]:
                c = 0
                while c < dout.shape[3]:
                    field = padded[:, :, r * S:r * S + fh, c * S:c * S + fw]
                    upstream = dout[:, k, r, c][:, None, None, None]
                    dw[k] += (field * upstream).sum(axis=0)
                    db[k] += dout[:, k, r, c].sum()
                    dpadded[:, :, r * S:r * S + fh, c * S:c * S + fw] += w[k][None] * upstream
                    c += 1
                r += 1
        dx = dpadded[:, :, P:P + height, P:P + width]
    """,
    "max_pool_forward_naive": """
        S = pool_param['stride']
        fh, fw = pool_param['pool_height'], pool_param['pool_width']
        batch, depth, height, width = x.shape
        out_h = (height - fh) // S + 1
        out_w = (width - fw) // S + 1
        out = np.zeros((batch, depth, out_h, out_w))
        r = 0
        while r < out_h:
            c = 0
            while c < out_w:
                out[:, :, r, c] = np.max(x[:, :, r * S:r * S + fh, c * S:c * S + fw], axis=(2, 3))
                c += 1
            r += 1
    """,
    "max_pool_backward_naive": """
        x, pool_param = cache
        S = pool_param['stride']
        fh, fw = pool_param['pool_height'], pool_param['pool_width']
        batch, depth, height, width = x.shape
        dx = np.zeros(x.shape)
        for i in range(batch):
            for d in range(depth):
                r = 0
                while r < dout.shape[2]:
                    c = 0
                    while c < dout.shape[3]:
                        field = x[i, d, r * S:r * S + fh, c * S:c * S + fw]
                        where = np.unravel_index(field.argmax(), field.shape)
                        dx[i, d, r * S + where[0], c * S + where[1]] += dout[i, d, r, c]
                        c += 1
                    r += 1
    """,
}

# name -> (bodies between the markers, the student's own module-level helpers)
STYLES: dict[str, tuple[dict[str, str], str]] = {
    **{name: (bodies, "") for name, bodies in students.STYLES.items()},
    "counters": (COUNTERS, ""),
    "im2col": (IM2COL, IM2COL_HELPERS),
    "product": (PRODUCT, ""),
    "scalar": (SCALAR, ""),
    "shifts": (SHIFTS, ""),
    "windows": (WINDOWS, WINDOW_HELPERS),
    "whiles": (WHILES, ""),
}
NOTEBOOK_STYLES = {"whiles"}  # handed in as a worked notebook, the functions in its cells
# Independently written example submissions of the project (the others are derived from these).
BUNDLED = ["correct_package", "correct_module", "course_2017", "course_2019"]


def source(style: str) -> str:
    """The student's layers.py: the skeleton filled in, then their own helpers."""
    bodies, helpers = STYLES[style]
    filled = students.layers_source(bodies)
    return filled + ("\n\n" + helpers.strip("\n") + "\n" if helpers else "")


# --- disguises a find-and-replace cannot do --------------------------------------------------

LOOPS_AS_COMPREHENSIONS = {
    "conv_forward_naive": """
        st, pd = conv_param['stride'], conv_param['pad']
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        H_out = 1 + (H + 2 * pd - HH) // st
        W_out = 1 + (W + 2 * pd - WW) // st
        x_pad = np.pad(x, ((0, 0), (0, 0), (pd, pd), (pd, pd)), mode='constant')
        out = np.array([[[[np.sum(x_pad[n, :, i * st:i * st + HH, j * st:j * st + WW] * w[f]) + b[f]
                           for j in range(W_out)] for i in range(H_out)]
                         for f in range(F)] for n in range(N)])
    """,
    "max_pool_forward_naive": """
        N, C, H, W = x.shape
        ph = pool_param['pool_height']
        pw = pool_param['pool_width']
        stride = pool_param['stride']
        H_out = 1 + (H - ph) // stride
        W_out = 1 + (W - pw) // stride
        out = np.array([[[[np.max(x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw])
                           for j in range(W_out)] for i in range(H_out)]
                         for c in range(C)] for n in range(N)])
    """,
}

HELPERS_INLINED = {
    "conv_forward_naive": """
        stride, pad = conv_param['stride'], conv_param['pad']
        xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode='constant')
        filters = w.reshape(w.shape[0], -1)
        oh = (xp.shape[2] - w.shape[2]) // stride + 1
        ow = (xp.shape[3] - w.shape[3]) // stride + 1
        out = np.zeros((x.shape[0], w.shape[0], oh, ow))
        for row in range(oh):
            for col in range(ow):
                rs = slice(row * stride, row * stride + w.shape[2])
                cs = slice(col * stride, col * stride + w.shape[3])
                out[:, :, row, col] = xp[:, :, rs, cs].reshape(x.shape[0], -1).dot(filters.T) + b
    """,
    "conv_backward_naive": """
        x, w, b, conv_param = cache
        stride, pad = conv_param['stride'], conv_param['pad']
        xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode='constant')
        dxp = np.zeros_like(xp)
        dw = np.zeros_like(w)
        db = dout.sum(axis=(0, 2, 3))
        for row in range(dout.shape[2]):
            for col in range(dout.shape[3]):
                rs = slice(row * stride, row * stride + w.shape[2])
                cs = slice(col * stride, col * stride + w.shape[3])
                grad = dout[:, :, row, col]
                dw += np.einsum('nf,nchw->fchw', grad, xp[:, :, rs, cs])
                dxp[:, :, rs, cs] += np.einsum('nf,fchw->nchw', grad, w)
        dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    """,
    "max_pool_forward_naive": """
        ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        N, C, H, W = x.shape
        oh, ow = (H - ph) // stride + 1, (W - pw) // stride + 1
        out = np.zeros((N, C, oh, ow))
        for row in range(oh):
            for col in range(ow):
                rs, cs = slice(row * stride, row * stride + ph), slice(col * stride, col * stride + pw)
                out[:, :, row, col] = x[:, :, rs, cs].max(axis=(2, 3))
    """,
    "max_pool_backward_naive": """
        x, pool_param = cache
        ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        N, C, H, W = x.shape
        dx = np.zeros_like(x)
        for row in range(dout.shape[2]):
            for col in range(dout.shape[3]):
                rs, cs = slice(row * stride, row * stride + ph), slice(col * stride, col * stride + pw)
                block = x[:, :, rs, cs].reshape(N, C, -1)
                onehot = np.zeros_like(block)
                np.put_along_axis(onehot, block.argmax(axis=2)[:, :, None], 1.0, axis=2)
                dx[:, :, rs, cs] += onehot.reshape(N, C, ph, pw) * dout[:, :, row, col][:, :, None, None]
    """,
}


def blank_lines(text: str, seed: int) -> str:
    """Blank lines removed where there were some and added where there were none."""
    rng = random.Random(seed)
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        out.append(line)
        if rng.random() < 0.2:
            out.append("")
    return "\n".join(out) + "\n"


def _renames(style: str, seed: int) -> dict[str, str]:
    """A new spelling for most of the names a style binds itself (never an attribute's or a keyword
    argument's name, which a find-and-replace by token would break)."""
    tree = ast.parse(source(style))
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name not in students.LOOPS}
    taken = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    taken |= {k.arg for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg}
    taken |= {"x", "w", "b", "y", "dout", "cache", "out", "dx", "dw", "db", "loss"}
    rng = random.Random(seed)
    return {name: f"{name}_{rng.randint(10, 99)}" for name in sorted(bound - taken) if rng.random() < 0.8}


def copies() -> dict[str, tuple[str, str]]:
    """Each disguised copy's name -> (the original style it was copied from, its layers.py)."""
    functions = list(students.LOOPS)
    made = {}
    # rename, move the functions, rewrite the comments: what a find-and-replace does
    made["copy_renamed_loops"] = ("loops", students.disguise(
        source("loops"), _renames("loops", 1), list(reversed(functions)), note="my own work"))
    made["copy_renamed_counters"] = ("counters", students.disguise(
        source("counters"), _renames("counters", 2), functions[4:] + functions[:4], note="checked"))
    # and blank lines changed
    made["copy_blank_lines_positions"] = ("positions", blank_lines(students.disguise(
        source("positions"), _renames("positions", 3), functions[::-1], note="hmm"), seed=3))
    # loops rewritten as comprehensions in two layers, the rest renamed and moved
    bodies = {**students.LOOPS, **LOOPS_AS_COMPREHENSIONS}
    made["copy_comprehensions_loops"] = ("loops", students.disguise(
        students.layers_source(bodies), _renames("loops", 4), functions[2:] + functions[:2], note="done"))
    # the helpers inlined into each layer, the helpers dropped, names changed
    inlined = students.layers_source({**WINDOWS, **HELPERS_INLINED})
    made["copy_inlined_windows"] = ("windows", students.disguise(
        inlined, _renames("windows", 5), functions[1:] + functions[:1], note="vectorised"))
    # the same renamed copy of a helper style, with its helpers kept and moved first
    renames = _renames("im2col", 6)
    helpers_first = [renames.get(name, name) for name in ("im2col_loops", "col2im_loops")]
    made["copy_renamed_im2col"] = ("im2col", blank_lines(students.disguise(
        source("im2col"), renames, [*helpers_first, *functions[::2]], note="see lecture"), seed=6))
    return made


def write_class(root: Path, *, copies_too: bool = True) -> dict[str, str]:
    """The calibration class under ``root``: every style (a course package each, a notebook for
    the notebook styles), the bundled independent examples and, with ``copies_too``, the disguised
    copies. Returns each copy's name -> the submission it copies."""
    for style in STYLES:
        text = source(style)
        if style in NOTEBOOK_STYLES:
            (root / style).mkdir(parents=True)
            defs, _ = students.top_level_functions(text)
            students.notebook(root / style / "ConvolutionalNetworks.ipynb", text, list(defs))
        else:
            students.course_package(root / style, text)
    for name in BUNDLED:
        shutil.copytree(students.REPO / "submissions" / name, root / name)
    if not copies_too:
        return {}
    made = copies()
    for name, (_, text) in made.items():
        students.course_package(root / name, text)
    return {name: original for name, (original, _) in made.items()}
