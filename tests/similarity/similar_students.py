"""Students for the similarity tests and benchmark: the course skeleton filled in, in three
independently written styles, and the tricks a copier uses to hide a copy.

Each style is what a student writes between the START/END markers of `reference/starter`'s
`cs231n/layers.py`; `course_package` writes the whole course package (`layers.py` filled in,
`layer_utils.py` and `classifiers/cnn.py` as the course hands them out), so the loader and the
similarity report see exactly what an upload holds. `disguise` renames identifiers (by token, as
a find-and-replace would), moves functions around and rewrites the comments.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import textwrap
import tokenize
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
SKELETON = REPO / "reference" / "starter" / "cs231n"
START = re.compile(r"\s*#\s*\*+\s*START OF YOUR CODE")
END = re.compile(r"\s*#\s*\*+\s*END OF YOUR CODE")

# --- style 1: four nested loops, the way the notebook's hints read --------------------------
LOOPS = {
    "affine_forward": """
        # flatten every example into a row
        rows = x.reshape(x.shape[0], -1)
        out = rows.dot(w) + b
    """,
    "affine_backward": """
        rows = x.reshape(x.shape[0], -1)
        dx = dout.dot(w.T).reshape(x.shape)
        dw = rows.T.dot(dout)
        db = np.sum(dout, axis=0)
    """,
    "relu_forward": """
        out = np.maximum(0, x)
    """,
    "relu_backward": """
        dx = dout * (x > 0)
    """,
    "softmax_loss": """
        shifted = x - np.max(x, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        N = x.shape[0]
        loss = -np.sum(log_probs[np.arange(N), y]) / N
        dx = np.exp(log_probs)
        dx[np.arange(N), y] -= 1
        dx /= N
    """,
    "conv_forward_naive": """
        stride, pad = conv_param['stride'], conv_param['pad']
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        H_out = 1 + (H + 2 * pad - HH) // stride
        W_out = 1 + (W + 2 * pad - WW) // stride
        x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
        out = np.zeros((N, F, H_out, W_out))
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        hs = i * stride
                        ws = j * stride
                        window = x_pad[n, :, hs:hs + HH, ws:ws + WW]
                        out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    """,
    "conv_backward_naive": """
        x, w, b, conv_param = cache
        stride, pad = conv_param['stride'], conv_param['pad']
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        _, _, H_out, W_out = dout.shape
        x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
        dx_pad = np.zeros_like(x_pad)
        dw = np.zeros_like(w)
        db = np.zeros_like(b)
        for n in range(N):
            for f in range(F):
                db[f] += np.sum(dout[n, f])
                for i in range(H_out):
                    for j in range(W_out):
                        hs = i * stride
                        ws = j * stride
                        window = x_pad[n, :, hs:hs + HH, ws:ws + WW]
                        dw[f] += window * dout[n, f, i, j]
                        dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
        dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    """,
    "max_pool_forward_naive": """
        N, C, H, W = x.shape
        ph = pool_param['pool_height']
        pw = pool_param['pool_width']
        stride = pool_param['stride']
        H_out = 1 + (H - ph) // stride
        W_out = 1 + (W - pw) // stride
        out = np.zeros((N, C, H_out, W_out))
        for n in range(N):
            for c in range(C):
                for i in range(H_out):
                    for j in range(W_out):
                        region = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                        out[n, c, i, j] = np.max(region)
    """,
    "max_pool_backward_naive": """
        x, pool_param = cache
        N, C, H, W = x.shape
        ph = pool_param['pool_height']
        pw = pool_param['pool_width']
        stride = pool_param['stride']
        _, _, H_out, W_out = dout.shape
        dx = np.zeros_like(x)
        for n in range(N):
            for c in range(C):
                for i in range(H_out):
                    for j in range(W_out):
                        region = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                        a, b = np.unravel_index(np.argmax(region), region.shape)
                        dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]
    """,
}

# --- style 2: loops over output positions only, each step vectorised over N and F -----------
POSITIONS = {
    "affine_forward": """
        out = np.reshape(x, (len(x), -1)) @ w + b
    """,
    "affine_backward": """
        flat = np.reshape(x, (len(x), -1))
        dw = flat.T @ dout
        db = dout.sum(0)
        dx = np.reshape(dout @ w.T, np.shape(x))
    """,
    "relu_forward": """
        out = x.copy()
        out[out < 0] = 0
    """,
    "relu_backward": """
        dx = np.where(x > 0, dout, 0.0)
    """,
    "softmax_loss": """
        n = len(y)
        e = np.exp(x - x.max(axis=1)[:, None])
        p = e / e.sum(axis=1)[:, None]
        loss = np.mean(-np.log(p[range(n), y]))
        dx = p.copy()
        dx[range(n), y] -= 1.0
        dx = dx / n
    """,
    "conv_forward_naive": """
        S, P = conv_param["stride"], conv_param["pad"]
        n_img, _, height, width = x.shape
        n_filt, _, fh, fw = w.shape
        oh = (height + 2 * P - fh) // S + 1
        ow = (width + 2 * P - fw) // S + 1
        xp = np.pad(x, [(0, 0), (0, 0), (P, P), (P, P)])
        kernels = w.reshape(n_filt, -1).T            # (C*fh*fw, F)
        out = np.empty((n_img, n_filt, oh, ow))
        for r in range(oh):
            for c in range(ow):
                patch = xp[:, :, r * S:r * S + fh, c * S:c * S + fw].reshape(n_img, -1)
                out[:, :, r, c] = patch @ kernels + b
    """,
    "conv_backward_naive": """
        x, w, b, conv_param = cache
        S, P = conv_param["stride"], conv_param["pad"]
        n_img, chans, height, width = x.shape
        n_filt, _, fh, fw = w.shape
        oh, ow = dout.shape[2:]
        xp = np.pad(x, [(0, 0), (0, 0), (P, P), (P, P)])
        dxp = np.zeros(xp.shape)
        dw = np.zeros(w.shape)
        kernels = w.reshape(n_filt, -1)
        for r in range(oh):
            for c in range(ow):
                g = dout[:, :, r, c]                     # (N, F)
                patch = xp[:, :, r * S:r * S + fh, c * S:c * S + fw]
                dw += (g.T @ patch.reshape(n_img, -1)).reshape(w.shape)
                dxp[:, :, r * S:r * S + fh, c * S:c * S + fw] += (g @ kernels).reshape(patch.shape)
        db = dout.sum(axis=(0, 2, 3))
        dx = dxp[:, :, P:P + height, P:P + width]
    """,
    "max_pool_forward_naive": """
        ph, pw, S = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
        n_img, chans, height, width = x.shape
        oh, ow = (height - ph) // S + 1, (width - pw) // S + 1
        out = np.empty((n_img, chans, oh, ow))
        for r in range(oh):
            for c in range(ow):
                out[:, :, r, c] = x[:, :, r * S:r * S + ph, c * S:c * S + pw].max(axis=(2, 3))
    """,
    "max_pool_backward_naive": """
        x, pool_param = cache
        ph, pw, S = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
        oh, ow = dout.shape[2:]
        dx = np.zeros(x.shape)
        for r in range(oh):
            for c in range(ow):
                patch = x[:, :, r * S:r * S + ph, c * S:c * S + pw]
                top = patch == patch.max(axis=(2, 3), keepdims=True)
                dx[:, :, r * S:r * S + ph, c * S:c * S + pw] += top * dout[:, :, r, c][:, :, None, None]
    """,
}

# --- style 3: stride tricks and einsum, no loop over positions -----------------------------
STRIDES = {
    "affine_forward": """
        out = np.einsum('nd,dm->nm', x.reshape(x.shape[0], w.shape[0]), w) + b
    """,
    "affine_backward": """
        X = x.reshape(x.shape[0], w.shape[0])
        dx = np.einsum('nm,dm->nd', dout, w).reshape(x.shape)
        dw = np.einsum('nd,nm->dm', X, dout)
        db = np.einsum('nm->m', dout)
    """,
    "relu_forward": """
        out = x * (x > 0)
    """,
    "relu_backward": """
        dx = np.heaviside(x, 0) * dout
    """,
    "softmax_loss": """
        z = x - x.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        onehot = np.eye(x.shape[1])[y]
        loss = -(onehot * logp).sum() / x.shape[0]
        dx = (np.exp(logp) - onehot) / x.shape[0]
    """,
    "conv_forward_naive": """
        from numpy.lib.stride_tricks import as_strided
        s, p = conv_param['stride'], conv_param['pad']
        xp = np.pad(x, ((0,), (0,), (p,), (p,)))
        K, _, kh, kw = w.shape
        Ho = (xp.shape[2] - kh) // s + 1
        Wo = (xp.shape[3] - kw) // s + 1
        st = xp.strides
        cols = as_strided(xp, shape=(x.shape[0], x.shape[1], Ho, Wo, kh, kw),
                          strides=(st[0], st[1], st[2] * s, st[3] * s, st[2], st[3]))
        out = np.einsum('ncyxij,kcij->nkyx', cols, w, optimize=True) + b[None, :, None, None]
    """,
    "conv_backward_naive": """
        from numpy.lib.stride_tricks import as_strided
        x, w, b, conv_param = cache
        s, p = conv_param['stride'], conv_param['pad']
        xp = np.pad(x, ((0,), (0,), (p,), (p,)))
        K, _, kh, kw = w.shape
        Ho, Wo = dout.shape[-2:]
        st = xp.strides
        cols = as_strided(xp, shape=(x.shape[0], x.shape[1], Ho, Wo, kh, kw),
                          strides=(st[0], st[1], st[2] * s, st[3] * s, st[2], st[3]))
        db = np.einsum('nkyx->k', dout)
        dw = np.einsum('ncyxij,nkyx->kcij', cols, dout, optimize=True)
        dxp = np.zeros_like(xp)
        for u in range(kh):
            for v in range(kw):
                dxp[:, :, u:u + s * Ho:s, v:v + s * Wo:s] += np.einsum('nkyx,kc->ncyx', dout, w[:, :, u, v])
        dx = dxp[:, :, p:xp.shape[2] - p, p:xp.shape[3] - p]
    """,
    "max_pool_forward_naive": """
        from numpy.lib.stride_tricks import sliding_window_view
        kh, kw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        views = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::s, ::s]
        out = views.max(axis=(-2, -1))
    """,
    "max_pool_backward_naive": """
        from numpy.lib.stride_tricks import sliding_window_view
        x, pool_param = cache
        kh, kw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
        views = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::s, ::s]
        nn, cc, yy, xx = np.indices(views.shape[:4])
        flat = views.reshape(*views.shape[:4], -1).argmax(-1)
        rows, cols = np.divmod(flat, kw)
        dx = np.zeros_like(x)
        np.add.at(dx, (nn, cc, yy * s + rows, xx * s + cols), dout)
    """,
}

STYLES = {"loops": LOOPS, "positions": POSITIONS, "strides": STRIDES}


def fill(skeleton: str, bodies: dict[str, str]) -> str:
    """The skeleton with each named function's `pass` between its markers replaced by its body."""
    tree = ast.parse(skeleton)
    owner = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for line in range(node.lineno, node.end_lineno + 1):
                owner[line] = node.name
    out: list[str] = []
    skipping = False
    for number, line in enumerate(skeleton.splitlines(), start=1):
        if END.match(line):
            skipping = False
        if skipping:
            continue
        out.append(line)
        name = owner.get(number)
        if START.match(line) and name in bodies:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(textwrap.indent(textwrap.dedent(bodies[name]).strip("\n"), indent))
            skipping = True
    return "\n".join(out) + "\n"


def layers_source(style: dict[str, str]) -> str:
    return fill((SKELETON / "layers.py").read_text(encoding="utf-8"), style)


def course_package(folder: Path, layers: str) -> Path:
    """A course upload: `folder/cs231n/` with the given `layers.py` and the course's other files."""
    shutil.copytree(SKELETON, folder / "cs231n", dirs_exist_ok=True)
    (folder / "cs231n" / "layers.py").write_text(layers, encoding="utf-8")
    return folder


def top_level_functions(source: str) -> tuple[dict[str, str], int]:
    """The text of each top-level function by name, and the line the first one starts on."""
    lines = source.splitlines()
    nodes = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    return {n.name: "\n".join(lines[n.lineno - 1 : n.end_lineno]) for n in nodes}, nodes[0].lineno


def disguise(source: str, renames: dict[str, str], order: list[str] | None = None, note: str = "") -> str:
    """What a copier does: rename identifiers token by token, put the top-level functions in
    ``order`` (names), and replace every comment except the START/END markers with ``note``."""
    tokens = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in renames:
            tok = tok._replace(string=renames[tok.string])
        elif tok.type == tokenize.COMMENT and not (START.match(tok.string) or END.match(tok.string)):
            tok = tok._replace(string=f"# {note}" if note else "#")
        tokens.append(tok)
    renamed = tokenize.untokenize(tokens)
    if not order:
        return renamed
    blocks, first = top_level_functions(renamed)
    head = "\n".join(renamed.splitlines()[: first - 1])
    rest = [name for name in blocks if name not in order]
    return head + "\n" + "\n\n\n".join(blocks[name] for name in [*order, *rest]) + "\n"


def notebook(path: Path, layers: str, functions: list[str]) -> Path:
    """A worked notebook: markdown, an import cell, each function (as written in ``layers``) in
    its own cell followed by a test cell of the course's kind."""
    defs, _ = top_level_functions(layers)
    cells = [
        nbformat.v4.new_markdown_cell("# Convolutional Networks\nImplement the layers below."),
        nbformat.v4.new_code_cell("import numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline"),
    ]
    for name in functions:
        cells.append(nbformat.v4.new_markdown_cell(f"## {name}"))
        cells.append(nbformat.v4.new_code_cell(defs[name]))
        cells.append(
            nbformat.v4.new_code_cell(
                f"np.random.seed(231)\nx = np.random.randn(2, 3, 4, 4)\nprint('testing {name}:', {name})"
            )
        )
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, str(path))
    return path
