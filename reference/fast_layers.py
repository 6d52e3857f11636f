"""Fast convolution and max pooling in pure numpy: im2col + matmul, and strided-slice pooling.

Same results as the naive layers in ``layers.py`` (to rounding), for any stride, padding, kernel or
pool size, including overlapping pooling windows. Float32 inputs stay float32.

How it is fast:
- im2col is laid out as (n, C*HH*WW, H'*W') so one batched matmul ``w(F, K) @ cols(n, K, P)``
  lands directly in NCHW order, with no transpose of the output.
- Images go through in chunks whose columns fit in cache, in a buffer reused across chunks: no
  fresh allocation (and page-faulting) of tens of megabytes on every call. The backward pass
  re-extracts each chunk's columns from the padded input kept in the cache, which costs less
  than holding all of them.
- dx is built by col2im on the stride phases of dx: each phase is one sum over a strided view of
  the kernel offsets' gradients, shifted (a strided add per output row, or np.add.at, is several
  times slower).
- Max pooling takes np.maximum over the pool_height*pool_width strided slices of x, which is much
  faster than reducing over tiny trailing axes.
- With $CNNGRADE_THREADS=n (default 1), convolution works on n chunks at a time in n threads, and
  the affine layers here cut their large matmuls into blocks for n threads: numpy's copies, ufuncs
  and matmuls run without the GIL. Results do not depend on n. Set OPENBLAS_NUM_THREADS=1
  alongside it, so that each thread's matmuls stay on its own core.

Starter module: it imports only numpy and the standard library, so the grader can copy it verbatim
into a submission.
"""

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from queue import Empty, SimpleQueue
from typing import TypeVar

import numpy as np
from numpy.lib.stride_tricks import as_strided

# What ``from fast_layers import *`` gives a student's module: the layers, and np, which the
# course's starter file also exported that way and student code may rely on.
__all__ = [
    "affine_backward_fast",
    "affine_forward_fast",
    "conv_backward_fast",
    "conv_backward_im2col",
    "conv_backward_strides",
    "conv_forward_fast",
    "conv_forward_im2col",
    "conv_forward_strides",
    "max_pool_backward_fast",
    "max_pool_backward_im2col",
    "max_pool_backward_reshape",
    "max_pool_forward_fast",
    "max_pool_forward_im2col",
    "max_pool_forward_reshape",
    "np",
]

# Size of one chunk of im2col columns: a few images' worth, small enough to stay in cache. A chunk
# holds the whole number of images nearest to it: for the 7x7 layer of ThreeLayerConvNet (0.6 MB
# of float32, 1.2 MB of float64 columns per image) 2 images in float32 and 1 in float64. On 2
# layer threads, side by side: float64 fwd+bwd took 30.3 ms in chunks of 1 image against 33.4 ms
# in chunks of 2 (the earlier floor); in float32, 2 images against 3 took 6.5 against 6.9 ms
# forward, and 1 image lost 8% on the backward. Larger chunks lost 13% on the notebook's backward.
_CHUNK_BYTES = 2**20

# A large matmul is cut into this many blocks, each at least this long, for the threads to share:
# for ThreeLayerConvNet's hidden layer on 2 threads, 4 blocks took 11.9 ms against 12.7 ms for 8
# and 19.8 ms unsplit on one thread (forward and both backward products, float32, side by side).
_MATMUL_BLOCKS = 4
_MIN_MATMUL_BLOCK = 64

B = TypeVar("B")
T = TypeVar("T")


def _out_size(size: int, field: int, pad: int, stride: int) -> int:
    return 1 + (size + 2 * pad - field) // stride


def _pad_into(x: np.ndarray, xp: np.ndarray, pad: int) -> None:
    """Write x (n, C, H, W), zero-padded by ``pad`` on each side of H and W, into xp.

    xp is (n, C, H + 2*pad, W + 2*pad).
    """
    H, W = x.shape[2:]
    xp[...] = 0
    xp[:, :, pad : pad + H, pad : pad + W] = x


def _offset_slice(x: np.ndarray, k: int, l: int, stride: int, H_out: int, W_out: int) -> np.ndarray:
    """View [n, c, i, j] -> x[n, c, i*stride + k, j*stride + l] for i < H_out, j < W_out."""
    return x[:, :, k : k + stride * (H_out - 1) + 1 : stride, l : l + stride * (W_out - 1) + 1 : stride]


def _windows(xp: np.ndarray, HH: int, WW: int, stride: int, H_out: int, W_out: int) -> np.ndarray:
    """Read-only view (N, C, HH, WW, H', W') of xp.

    [n, c, k, l, i, j] = xp[n, c, i*stride + k, j*stride + l]: the receptive fields, without copying.
    """
    sN, sC, sH, sW = xp.strides
    return as_strided(
        xp,
        shape=(xp.shape[0], xp.shape[1], HH, WW, H_out, W_out),
        strides=(sN, sC, sH, sW, sH * stride, sW * stride),
        writeable=False,
    )


def _image_chunks(N: int, bytes_per_image: int) -> list[slice]:
    """Split a batch into equal chunks, each of the whole number of images nearest _CHUNK_BYTES of columns.

    Chunks keep the columns hot in cache, and a buffer reused across chunks avoids allocating (and
    page-faulting) tens of megabytes of fresh memory on every call. A chunk holds one image at least.
    """
    per_chunk = max(1, round(_CHUNK_BYTES / max(1, bytes_per_image)))
    count = max(1, -(-N // per_chunk))
    return [slice(N * i // count, N * (i + 1) // count) for i in range(count)]


def _thread_count() -> int:
    """Threads a layer works in: $CNNGRADE_THREADS, 1 if unset or not a positive integer."""
    value = os.environ.get("CNNGRADE_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else 1


@cache
def _executor(workers: int, pid: int) -> ThreadPoolExecutor:
    """A pool reused across calls (starting threads costs about 0.1 ms a call).

    Keyed by pid because a forked child inherits the pool object but not its threads.
    """
    return ThreadPoolExecutor(workers, thread_name_prefix="cnngrade-layers")


def _for_each_chunk(chunks: list[slice], buffers: Callable[[], B], work: Callable[[slice, B], T]) -> list[T]:
    """work(chunk, own_buffers) for every chunk, in _thread_count() threads; the results in chunk order.

    Each thread makes its buffers once, then takes the next chunk whenever it is done with one, so a
    thread slowed down by another process just takes fewer. The chunks do not depend on the thread
    count, so neither do the results. If a thread cannot be started (a process limit), the calling
    thread, which works too, takes its share.
    """
    results: list = [None] * len(chunks)
    todo: SimpleQueue[int] = SimpleQueue()
    for i in range(len(chunks)):
        todo.put(i)

    def drain() -> None:
        own = buffers()
        while True:
            try:
                i = todo.get_nowait()
            except Empty:
                return
            results[i] = work(chunks[i], own)

    helpers = []
    threads = min(_thread_count(), len(chunks))
    if threads > 1:
        pool = _executor(threads - 1, os.getpid())
        for _ in range(threads - 1):
            try:
                helpers.append(pool.submit(drain))
            except RuntimeError:
                break
    drain()
    for helper in helpers:
        helper.result()
    return results


def _phase_grid(H_out: int, W_out: int, HH: int, WW: int, Hp: int, Wp: int, stride: int) -> tuple[int, int]:
    """Rows and columns (Hq, Wq) of each stride phase of the padded input gradient.

    Phase (ry, rx) holds dxp[s*a + ry, s*b + rx] at [a, b] (s = stride). Kernel offset
    k = s*qy + ry of output row i lands in phase row a = i + qy, so a phase needs
    H' - 1 + ceil(HH / s) rows, and ceil(Hp / s) to cover every row of dxp.
    """
    Hq = max(H_out - 1 + -(-HH // stride), -(-Hp // stride))
    Wq = max(W_out - 1 + -(-WW // stride), -(-Wp // stride))
    return Hq, Wq


def _col2im_phase(
    dcols: np.ndarray, phase: np.ndarray, ry: int, rx: int, HH: int, WW: int, stride: int
) -> None:
    """Adjoint of im2col onto stride phase (ry, rx): phase (C, n, Hq, Wq) = the sum of its offsets' dcols.

    dcols (HH*WW*C*n*Hq*Wq,), flat, holds each kernel offset's gradient on the output grid laid out
    like a phase (zero past row H' and column W'), in (k, l, c, n, a, b) order. Offset
    (k, l) = (s*qy + ry, s*qx + rx) lands on the phase shifted by qy rows and qx columns, which in
    the flattened phase is a shift by qy*Wq + qx. That shift is affine in (qy, qx), and so is the
    offset's place in dcols, so the phase is one sum over a strided view (qy, qx, c, n, a, b) of
    dcols: a single reduction that adds the offsets in (k, l) order, as a loop of one 1-D add per
    offset did, in less time (7x7 kernel, 3 images, float32: 0.07 against 0.19 ms; the notebook's
    3x3 kernel, stride 2: the same time). What a shift reads from before an image's block is the
    previous block's last rows and columns past W', which are zeros.
    """
    C, n, Hq, Wq = phase.shape
    Qy, Qx = -(-(HH - ry) // stride), -(-(WW - rx) // stride)  # offsets of this phase per axis
    if Qy <= 0 or Qx <= 0:  # a stride larger than the kernel: nothing lands here
        phase[...] = 0
        return
    size = C * n * Hq * Wq  # one offset's block
    steps = (stride * WW * size - Wq, stride * size - 1, n * Hq * Wq, Hq * Wq, Wq, 1)
    # np.ndarray on dcols's memory makes the view in a tenth of as_strided's time (0.7 against
    # 6 us), which counts on the notebook's shapes: 4 phases per chunk of a few images.
    offsets = np.ndarray(
        (Qy, Qx, C, n, Hq, Wq),
        dcols.dtype,
        buffer=dcols,
        offset=(ry * WW + rx) * size * dcols.itemsize,
        strides=tuple(dcols.itemsize * step for step in steps),
    )
    np.add.reduce(offsets, axis=(0, 1), out=phase)


def _columns_buffer(n: int, K: int, P: int, dtype: np.dtype) -> np.ndarray:
    """Buffer (n, K + 1, P) for the im2col columns of n images, its last row all ones.

    The row of ones makes the bias one more weight column: the forward matmul adds it, and the
    backward matmul that gives dw gives db as well, saving a pass over the whole output each.
    """
    cols = np.empty((n, K + 1, P), dtype=dtype)
    cols[:, K] = 1
    return cols


def conv_forward_fast(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict
) -> tuple[np.ndarray, tuple]:
    """Convolution (cross-correlation) by im2col and batched matmuls, a chunk of images at a time.

    out[n, f, i, j] = b[f] + sum_{c, k, l} xp[n, c, i*stride + k, j*stride + l] * w[f, c, k, l]
    computed as out[n] = [w | b] (F, K + 1) @ [cols[n]; ones] (K + 1, H'*W'), K = C*HH*WW.

    Inputs: x (N, C, H, W); w (F, C, HH, WW); b (F,); conv_param {'stride': int, 'pad': int}.
    Returns (out, cache): out (N, F, H', W'), H' = 1 + (H + 2*pad - HH) // stride (W' likewise);
    cache (x, w, b, conv_param, xp) with xp the zero-padded x.
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = _out_size(H, HH, pad, stride), _out_size(W, WW, pad, stride)
    # Padded chunk by chunk in the threads: padded whole beforehand, it was the forward's one serial
    # step (7x7 layer: 0.15 ms float32, 0.3 ms float64). On 2 threads the notebook's forward takes
    # 0.90x as long this way, the 7x7 layer's within noise (side by side).
    xp = np.empty((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype) if pad else x
    windows = _windows(xp, HH, WW, stride, H_out, W_out)
    K, P = C * HH * WW, H_out * W_out
    w_and_b = np.empty((F, K + 1), dtype=np.result_type(x, w))
    w_and_b[:, :K], w_and_b[:, K] = w.reshape(F, K), b
    out = np.empty((N, F, P), dtype=w_and_b.dtype)

    chunks = _image_chunks(N, K * P * x.itemsize)
    most = max(chunk.stop - chunk.start for chunk in chunks)

    def forward(chunk: slice, cols: np.ndarray) -> None:
        n = chunk.stop - chunk.start
        if pad:
            _pad_into(x[chunk], xp[chunk], pad)
        np.copyto(cols[:n, :K].reshape(n, C, HH, WW, H_out, W_out), windows[chunk])
        np.matmul(w_and_b, cols[:n], out=out[chunk])

    _for_each_chunk(chunks, lambda: _columns_buffer(most, K, P, x.dtype), forward)
    return out.reshape(N, F, H_out, W_out), (x, w, b, conv_param, xp)


def conv_backward_fast(
    dout: np.ndarray, cache: tuple, *, need_dx: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Backward pass of ``conv_forward_fast``, a chunk of images at a time.

    Inputs: dout (N, F, H', W'); cache (x, w, b, conv_param, xp); need_dx: False skips dx (e.g. for
    a network's first layer), which saves about a third of the work.
    Returns (dx, dw, db) shaped like x, w, b (dx None if not need_dx):
    [dw | db] = sum_n dout[n] @ [cols[n]; ones].T;  dx = col2im(w.T @ dout[n]).

    col2im works on the stride phases of dx (see ``_col2im_phase``): each chunk's dout is copied
    onto a zeroed grid as wide as a phase, the matmul writes its rows grouped by kernel offset,
    and each phase, summed from them, is copied into its interleaved place in dx.
    """
    x, w, _, conv_param, xp = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, F, H_out, W_out = dout.shape
    _, C, HH, WW = w.shape
    windows = _windows(xp, HH, WW, stride, H_out, W_out)
    K, P = C * HH * WW, H_out * W_out
    dout_rows = dout.reshape(N, F, P)
    dtype = np.result_type(x, w, dout)
    Hq, Wq = _phase_grid(H_out, W_out, HH, WW, xp.shape[2], xp.shape[3], stride)
    # Rows in (k, l, c) order, so that each kernel offset's gradients are one block.
    w_t = w.transpose(2, 3, 1, 0).reshape(K, F)
    # dxp[n, c, s*a + ry, s*b + rx] = dx_phases[n, c, a, ry, b, rx]; every element is written.
    dx_phases = np.empty((N, C, Hq, stride, Wq, stride), dtype=dtype) if need_dx else None

    chunks = _image_chunks(N, K * P * x.itemsize)
    most = max(chunk.stop - chunk.start for chunk in chunks)

    def buffers() -> tuple[np.ndarray, ...]:
        cols = _columns_buffer(most, K, P, x.dtype)
        if not need_dx:
            return (cols,)
        dout_grid = np.zeros((most, F, H_out, Wq), dtype=dout.dtype)  # zero past column W'
        # Flat, so that a chunk of n images takes the first n * ... elements, contiguous.
        dcols = np.empty(K * most * Hq * Wq, dtype=dtype)
        return cols, dout_grid, dcols, np.empty(C * most * Hq * Wq, dtype=dtype)

    def backward(chunk: slice, own: tuple[np.ndarray, ...]) -> np.ndarray:
        """Write the chunk's part of dx into dx_phases; return its part of [dw | db]."""
        cols = own[0]
        n = chunk.stop - chunk.start
        np.copyto(cols[:n, :K].reshape(n, C, HH, WW, H_out, W_out), windows[chunk])
        if need_dx:
            _, dout_grid, dcols_flat, phase_flat = own
            dout_grid[:n, :, :, :W_out] = dout[chunk]
            used = dcols_flat[: K * n * Hq * Wq]  # this chunk's, flat, as _col2im_phase reads it
            dcols = used.reshape(K, n, Hq * Wq)
            # One matmul per image, each writing its rows into every offset's block. The phase's
            # rows past H' would be products of zeros, so they are set to zero instead (the
            # 7x7 layer's dx product: 32 rows instead of 38).
            rows = H_out * Wq
            np.matmul(w_t, dout_grid[:n].reshape(n, F, rows), out=dcols[:, :, :rows].transpose(1, 0, 2))
            dcols[:, :, rows:] = 0
            # Summed into a contiguous phase, then copied into dx: a reduction into the strided
            # view of dx directly took 2.3 (stride 1) to 9 (stride 2) times as long.
            phase = phase_flat[: C * n * Hq * Wq].reshape(C, n, Hq, Wq)
            for ry in range(stride):
                for rx in range(stride):
                    _col2im_phase(used, phase, ry, rx, HH, WW, stride)
                    dx_phases[chunk, :, :, ry, :, rx] = phase.transpose(1, 0, 2, 3)
        if dtype == np.float32:
            # OpenBLAS's sgemm runs this product faster as [cols; ones] @ dout.T (7x7 layer: 7.7
            # against 10.4 ms per 50 images, 1 thread); its dgemm does not (notebook: 1.64
            # against 1.46 ms per 100 images).
            return np.matmul(cols[:n], dout_rows[chunk].transpose(0, 2, 1)).sum(axis=0).T
        return np.matmul(dout_rows[chunk], cols[:n].transpose(0, 2, 1)).sum(axis=0)

    dw_and_db = np.zeros((F, K + 1), dtype=dtype)
    for part in _for_each_chunk(chunks, buffers, backward):
        dw_and_db += part  # in chunk order, whichever thread computed each part
    dx = None
    if need_dx:
        dxp = dx_phases.reshape(N, C, Hq * stride, Wq * stride)
        dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw_and_db[:, :K].reshape(w.shape), dw_and_db[:, K]


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for 2-D a (M, K) and b (K, N), the result's longer side cut into blocks worked in threads.

    Each block is one BLAS call on views of a and b. The blocks do not depend on the thread count.
    """
    M, N = a.shape[0], b.shape[1]
    out = np.empty((M, N), dtype=np.result_type(a, b))
    length = max(M, N)
    count = max(1, min(_MATMUL_BLOCKS, length // _MIN_MATMUL_BLOCK))
    blocks = [slice(length * i // count, length * (i + 1) // count) for i in range(count)]
    if M >= N:
        _for_each_chunk(blocks, lambda: None, lambda rows, _: np.matmul(a[rows], b, out=out[rows]))
    else:
        _for_each_chunk(blocks, lambda: None, lambda cols, _: np.matmul(a, b[:, cols], out=out[:, cols]))
    return out


def affine_forward_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """``layers.affine_forward`` with its matmul split between threads: ``out = x.reshape(N, D) @ w + b``.

    Inputs: x (N, d_1, ..., d_k) with D = d_1 * ... * d_k; w (D, M); b (M,).
    Returns (out (N, M), cache (x, w, b)).
    """
    out = _matmul(x.reshape(x.shape[0], -1), w) + b
    return out, (x, w, b)


def affine_backward_fast(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``affine_forward_fast``, its matmuls split between threads.

    Inputs: dout (N, M); cache (x, w, b). Returns (dx, dw, db):
    dx = dout @ w.T reshaped like x; dw = x_flat.T @ dout; db = sum_n dout.
    """
    x, w, _ = cache
    dx = _matmul(dout, w.T).reshape(x.shape)
    dw = _matmul(x.reshape(x.shape[0], -1).T, dout)
    return dx, dw, dout.sum(axis=0)


def max_pool_forward_fast(x: np.ndarray, pool_param: dict) -> tuple[np.ndarray, tuple]:
    """Max pooling as a running np.maximum over the pool_height*pool_width strided slices of x.

    out[n, c, i, j] = max_{k < pool_height, l < pool_width} x[n, c, i*stride + k, j*stride + l]

    Inputs: x (N, C, H, W); pool_param {'pool_height': int, 'pool_width': int, 'stride': int}.
    Returns (out, cache): out (N, C, H', W'), H' = 1 + (H - pool_height) // stride (W' likewise);
    cache (x, out, pool_param).
    """
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    _, _, H, W = x.shape
    H_out, W_out = _out_size(H, ph, 0, stride), _out_size(W, pw, 0, stride)
    out = _offset_slice(x, 0, 0, stride, H_out, W_out).copy()
    for k in range(ph):
        for l in range(pw):
            if k or l:
                np.maximum(out, _offset_slice(x, k, l, stride, H_out, W_out), out=out)
    return out, (x, out, pool_param)


def _repeat_columns(a: np.ndarray, times: int, out: np.ndarray) -> np.ndarray:
    """Write a (N, C, H, W) with each column repeated into out (N, C, H, W*times) and return out.

    out[n, c, i, j*times + t] = a[n, c, i, j] for t < times.
    """
    for t in range(times):
        # One uniformly strided copy each, much faster than broadcasting over a tiny trailing axis.
        out[..., t::times] = a
    return out


def _keep_first_maximum(is_max: np.ndarray, ph: int, pw: int) -> None:
    """In place, keep only the first True of each ph x pw window of is_max (N, C, ph*H', pw*W').

    First in row-major window order, as np.argmax picks in the naive layer. For booleans, a > b is
    a and not b.
    """
    # Within each window row, drop a maximum that has another one to its left.
    # row_has_max[n, c, y, j]: row y of window column j holds a maximum.
    row_has_max = is_max[..., 0::pw].copy()
    for l in range(1, pw):
        column = is_max[..., l::pw]
        np.greater(column, row_has_max, out=column)
        row_has_max |= column
    # Then drop every maximum of a window row below one that holds a maximum.
    N, C, H_in, W_in = is_max.shape
    above = row_has_max[:, :, 0::ph].copy()
    above_wide = np.empty((N, C, H_in // ph, W_in), dtype=bool)
    for k in range(1, ph):
        rows = is_max[:, :, k::ph]
        np.greater(rows, _repeat_columns(above, pw, out=above_wide), out=rows)
        above |= row_has_max[:, :, k::ph]


def _pool_backward_tiled(x: np.ndarray, out: np.ndarray, dout: np.ndarray, ph: int, pw: int) -> np.ndarray:
    """Max pool backward for windows that tile x (stride == pool size), from whole contiguous arrays.

    dx = upsample(dout) * first(x == upsample(out)), where upsample repeats each entry over its
    ph x pw window and first keeps, in each window, only the first maximum in row-major order (ties
    are common after a ReLU). A few passes over long runs instead of ph*pw passes over short
    strided pieces, and a few more when a window has a tie.
    """
    N, C, H_out, W_out = out.shape
    H_in, W_in = ph * H_out, pw * W_out  # rows and columns of x inside a window
    wide = _repeat_columns(out, pw, out=np.empty((N, C, H_out, W_in), dtype=np.result_type(out, dout)))
    # np.repeat copies whole rows here, which is fast; it would be slow over single columns.
    up = np.repeat(wide, ph, axis=2)
    is_max = x[:, :, :H_in, :W_in] == up
    # A NaN window has no element equal to its maximum, every other window at least one: equal
    # counts mean exactly one maximum per window, and no tie to break.
    if np.count_nonzero(is_max) != np.count_nonzero(out == out):
        _keep_first_maximum(is_max, ph, pw)
    del up  # its memory goes to dout's upsampled copy: no fresh pages to fault in
    up = np.repeat(_repeat_columns(dout, pw, out=wide), ph, axis=2)
    np.multiply(up, is_max, out=up)
    if (H_in, W_in) == x.shape[2:]:
        return up
    dx = np.zeros(x.shape, dtype=up.dtype)
    dx[:, :, :H_in, :W_in] = up
    return dx


def max_pool_backward_fast(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of ``max_pool_forward_fast``.

    Each dout[n, c, i, j] flows to its window's maximum; on ties, to the first maximum in row-major
    window order (as np.argmax picks in the naive layer). Overlapping windows add up.

    Inputs: dout (N, C, H', W'); cache (x, out, pool_param). Returns dx shaped like x.
    """
    x, out, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    if stride == ph == pw:
        return _pool_backward_tiled(x, out, dout, ph, pw)
    H_out, W_out = out.shape[2:]
    dx = np.zeros(x.shape, dtype=np.result_type(x, dout))
    # Windows that do not overlap own their entries, so the gradient can be written, not added.
    overlapping = stride < ph or stride < pw
    routed = np.zeros(out.shape, dtype=bool)  # windows that already passed on their gradient
    first_max = np.empty(out.shape, dtype=bool)
    for k in range(ph):
        for l in range(pw):
            np.equal(_offset_slice(x, k, l, stride, H_out, W_out), out, out=first_max)
            if k or l:
                # For booleans, a > b is a and not b: a maximum here, and none earlier in the window.
                np.greater(first_max, routed, out=first_max)
            target = _offset_slice(dx, k, l, stride, H_out, W_out)
            if overlapping:
                target += dout * first_max
            else:
                np.multiply(dout, first_max, out=target)
            routed |= first_max
    return dx


# The course's starter file offers the same layers under these names too; student code may call them.
conv_forward_im2col = conv_forward_strides = conv_forward_fast
conv_backward_im2col = conv_backward_strides = conv_backward_fast
max_pool_forward_im2col = max_pool_forward_reshape = max_pool_forward_fast
max_pool_backward_im2col = max_pool_backward_reshape = max_pool_backward_fast
