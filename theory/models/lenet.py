r"""The LeNet of Kawaguchi, Zhang & Deng (2022), §2.2 (Figures 1b/1c, Table 1b): five layers on
``16 x 16 x 1`` images, softplus(varsigma = 100) after every hidden layer,

``conv(8 m_c, 5x5) -> sigma -> avgpool 2 -> conv(8 m_c, 5x5) -> sigma -> avgpool 2 ->
dense(128 m_c) -> sigma -> dense(128 m_c) -> sigma -> dense(m_y)`` (linear output),

with ``m_c`` in {1, 2, 4}. The paper fixes the layer count, the filters per convolution
(``8 m_c``), the units per dense hidden layer (``128 m_c``), the activation and the input size;
the rest (appendix B) is not in the text we work from, so we chose: 5 x 5 kernels (LeNet's),
zero padding 2 ("same"), and 2 x 2 *average* pooling. Average pooling is linear, so the model
stays real analytic (k22 Assumption 6) and, with a linear last layer, meets the common model
structure of Assumption 1 with ``S`` = the last layer; max pooling would add kinks. With these
choices the flattened features after the second pooling number ``4 * 4 * 8 m_c = 128 m_c``.

Conventions follow :class:`~theory.models.feedforward.Feedforward`: samples are rows, images
channels-last (``X`` is ``n x 16 x 16 x 1`` or ``n x 256``); ``theta`` is one float64 vector,
layer by layer, each layer as ``W_l`` row-major then ``b_l``. A convolution's ``W`` is
``C_out x K`` with ``K = 5 * 5 * C_in`` in patch order ``(dy, dx, c_in)``, so that the layer is
``Z = P W^T + b`` on the im2col patch matrix ``P`` (``positions x K``) of its input.

>>> import numpy as np
>>> net = LeNet(1)
>>> theta = net.init(np.random.default_rng(0))
>>> net.forward(theta, np.zeros((3, 16, 16, 1))).shape
(3, 1)
"""

from __future__ import annotations

import math
from typing import Any

import autograd.numpy as anp
import numpy as np

from theory.activations import Activation

__all__ = ["LeNet", "col2im", "im2col", "softplus_varsigma"]

KERNEL = 5
PAD = 2
POOL = 2


def softplus_varsigma(varsigma: float) -> Activation:
    """``sigma(z) = ln(1 + e^{varsigma z}) / varsigma`` of k22 §2.2 (``varsigma = 100`` in every
    layer of Figure 1), with ``sigma' = 1 / (1 + e^{-varsigma z})`` written through ``tanh`` (no
    overflow) and ``sigma'' = varsigma sigma'(z) sigma'(-z)``."""
    s = float(varsigma)

    def d1(z: Any) -> Any:
        return 0.5 * (1.0 + np.tanh(0.5 * s * z))

    def analytic(z: Any) -> Any:
        pos = z.real > 0
        return (np.where(pos, s * z, 0.0) + np.log1p(np.exp(np.where(pos, -s * z, s * z)))) / s

    def value(z: Any) -> Any:
        # max(z, 0) + log1p(e^{-varsigma |z|}) / varsigma: no overflow, and about twice as
        # fast as logaddexp, which dominates a LeNet forward pass
        return np.maximum(z, 0.0) + np.log1p(np.exp(-s * np.abs(z))) / s

    return Activation(
        f"softplus{s:g}", value, d1,
        lambda z: s * d1(z) * d1(-z), lambda z: anp.logaddexp(0.0, s * z) / s, analytic)


def im2col(A: Any, lib: Any = np) -> Any:
    """The patch matrix of a "same" 5 x 5 convolution: ``A`` is ``B x H x W x C``, the result
    ``B x (H W) x (25 C)`` with entry ``[b, (h, w), (dy, dx, c)] = A_pad[b, h + dy, w + dx, c]``
    (zero padding 2). ``lib`` is ``numpy`` or ``autograd.numpy`` (the reference Jacobian)."""
    B, H, W, C = A.shape
    zr = lib.zeros((B, PAD, W, C))
    A = lib.concatenate([zr, A, zr], axis=1)
    zc = lib.zeros((B, H + 2 * PAD, PAD, C))
    A = lib.concatenate([zc, A, zc], axis=2)
    cols = [A[:, dy : dy + H, dx : dx + W, :] for dy in range(KERNEL) for dx in range(KERNEL)]
    return lib.reshape(lib.stack(cols, axis=3), (B, H * W, KERNEL * KERNEL * C))


def col2im(G: np.ndarray, H: int, W: int) -> np.ndarray:
    """The adjoint of :func:`im2col`: patch-space values ``B x (H W) x (25 C)`` summed back onto
    the ``B x H x W x C`` input they were read from (the padding is dropped)."""
    B = G.shape[0]
    C = G.shape[2] // (KERNEL * KERNEL)
    G = G.reshape(B, H, W, KERNEL, KERNEL, C)
    out = np.zeros((B, H + 2 * PAD, W + 2 * PAD, C))
    for dy in range(KERNEL):
        for dx in range(KERNEL):
            out[:, dy : dy + H, dx : dx + W, :] += G[:, :, :, dy, dx, :]
    return out[:, PAD : PAD + H, PAD : PAD + W, :]


def _pool(A: Any, lib: Any = np) -> Any:
    """2 x 2 average pooling of ``B x H x W x C``."""
    B, H, W, C = A.shape
    return lib.mean(lib.reshape(A, (B, H // POOL, POOL, W // POOL, POOL, C)), axis=(2, 4))


def _unpool(G: np.ndarray) -> np.ndarray:
    """The adjoint of :func:`_pool`: each value spread as a quarter over its 2 x 2 window."""
    return np.repeat(np.repeat(G, POOL, axis=-3), POOL, axis=-2) / (POOL * POOL)


def _matmul(a: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``a @ W`` over the last axis as one 2-d product (a batched ``@`` on 3-d and 4-d arrays
    runs one small product per leading index, several times slower)."""
    return (a.reshape(-1, a.shape[-1]) @ W).reshape(*a.shape[:-1], W.shape[1])


class LeNet:
    """The five-layer LeNet of k22 §2.2 with width factor ``m_c`` (``8 m_c`` filters per
    convolution, ``128 m_c`` units per dense hidden layer), ``m_y`` linear outputs and the
    softplus of sharpness ``varsigma`` (100 in the paper) after every hidden layer."""

    family = "lenet"

    def __init__(self, m_c: int = 1, m_y: int = 1, varsigma: float = 100.0,
                 side: int = 16, channels: int = 1) -> None:
        if int(m_c) < 1 or int(m_y) < 1:
            raise ValueError(f"m_c and m_y must be positive, got m_c={m_c}, m_y={m_y}")
        if side % (POOL * POOL) != 0:
            raise ValueError(f"the image side must be a multiple of 4, got {side}")
        self.m_c, self.m_y, self.varsigma = int(m_c), int(m_y), float(varsigma)
        self.side, self.channels = int(side), int(channels)
        c, h = 8 * self.m_c, 128 * self.m_c
        flat = (self.side // 4) ** 2 * c
        # (rows, cols) of each layer's W: C_out x 25 C_in for a convolution
        self.shapes = [(c, KERNEL * KERNEL * self.channels), (c, KERNEL * KERNEL * c),
                       (h, flat), (h, h), (self.m_y, h)]
        self.kinds = ["conv", "conv", "dense", "dense", "dense"]
        self.activation = softplus_varsigma(self.varsigma)

    def __repr__(self) -> str:
        return f"LeNet(m_c={self.m_c}, m_y={self.m_y}, varsigma={self.varsigma:g})"

    @property
    def n_layers(self) -> int:
        """The five layers with parameters (two convolutions, three dense)."""
        return len(self.shapes)

    @property
    def d_y(self) -> int:
        return self.m_y

    @property
    def d_x(self) -> int:
        return self.side * self.side * self.channels

    def layer_sizes(self) -> list[int]:
        """Parameters per layer, ``m k + m`` (weights and biases)."""
        return [m * k + m for m, k in self.shapes]

    def n_params(self) -> int:
        """``d = len(theta)``."""
        return sum(self.layer_sizes())

    def offsets(self) -> list[int]:
        """Start of each layer's block in ``theta`` (plus the end, ``d``)."""
        return [0, *np.cumsum(self.layer_sizes()).tolist()]

    def last_layer(self) -> np.ndarray:
        """The index set ``S`` of k22 Assumption 1: the last (linear) layer's ``W`` and ``b``."""
        off = self.offsets()
        return np.arange(off[-2], off[-1])

    def unflatten(self, theta: Any) -> list[tuple[Any, Any]]:
        """``theta`` as ``[(W_l, b_l), ...]`` views."""
        if theta.shape != (self.n_params(),):
            raise ValueError(f"theta must have shape ({self.n_params()},), got {theta.shape}")
        out = []
        for (m, k), start in zip(self.shapes, self.offsets(), strict=False):
            out.append((theta[start : start + m * k].reshape((m, k)),
                        theta[start + m * k : start + m * k + m]))
        return out

    def init(self, rng: np.random.Generator) -> np.ndarray:
        """PyTorch's default initialisation (``W, b ~ U[-1/sqrt(fan_in), 1/sqrt(fan_in)]``, fan-in
        ``25 C_in`` for a convolution), the framework default for the paper's runs."""
        parts = []
        for m, k in self.shapes:
            a = 1.0 / math.sqrt(k)
            parts += [rng.uniform(-a, a, m * k), rng.uniform(-a, a, m)]
        return np.concatenate(parts)

    def images(self, X: Any) -> np.ndarray:
        """``X`` as ``n x side x side x channels`` (``n x d_x`` rows are reshaped)."""
        X = np.asarray(X, dtype=np.float64)
        s, c = self.side, self.channels
        if X.ndim == 2 and X.shape[1] == self.d_x:
            return X.reshape(X.shape[0], s, s, c)
        if X.ndim == 4 and X.shape[1:] == (s, s, c):
            return X
        raise ValueError(f"X must have shape (n, {s}, {s}, {c}) or (n, {self.d_x}), "
                         f"got {X.shape}")

    def layer_outputs(self, theta: np.ndarray, X: Any) -> tuple[list[np.ndarray], list[Any]]:
        """``(A, Z)``: each layer's input in the form it is multiplied (the im2col patch matrix
        ``n x positions x K`` of a convolution, ``n x k`` for a dense layer) and its
        pre-activation (``n x side x side x C`` for a convolution, ``n x m`` dense)."""
        a = self.images(X)
        A, Z = [], []
        for l, (W, b) in enumerate(self.unflatten(theta)):
            if self.kinds[l] == "conv":
                n, s = a.shape[0], a.shape[1]
                P = im2col(a)
                A.append(P)
                z = (_matmul(P, W.T) + b).reshape(n, s, s, W.shape[0])
                Z.append(z)
                a = _pool(self.activation.value(z))
            else:
                a = a.reshape(a.shape[0], -1)
                A.append(a)
                z = a @ W.T + b
                Z.append(z)
                a = self.activation.value(z)
        return A, Z

    def forward(self, theta: np.ndarray, X: Any) -> np.ndarray:
        """``f_X(theta)``, ``n x m_y`` (the pre-activation output, k22 §2.1.1)."""
        return self.layer_outputs(theta, X)[1][-1]

    def forward_traced(self, theta: Any, X: Any, *, complex_step: bool = False) -> Any:
        """``forward`` written with ``autograd.numpy`` (the reference Jacobian of
        :func:`theory.jacobian.jacobian` with ``method="autograd"``)."""
        if complex_step:
            raise NotImplementedError("the LeNet's reference Jacobian is autograd's")
        a = self.images(X)
        act = self.activation.traced
        for l, (W, b) in enumerate(self.unflatten(theta)):
            if self.kinds[l] == "conv":
                n, s = a.shape[0], a.shape[1]
                z = anp.reshape(anp.dot(im2col(a, anp), W.T) + b, (n, s, s, W.shape[0]))
                a = _pool(act(z), anp)
            else:
                z = anp.dot(anp.reshape(a, (a.shape[0], -1)), W.T) + b
                a = act(z) if l < self.n_layers - 1 else z
        return a

    def sensitivities(self, theta: np.ndarray, X: Any, seed: np.ndarray | None = None,
                      outputs: tuple[list[np.ndarray], list[np.ndarray]] | None = None
                      ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """``(A, Delta)`` of back-propagation. ``A[l]`` as in :meth:`layer_outputs`;
        ``Delta[l]`` is ``n x r x positions x C_out`` for a convolution and ``n x r x m_l`` for
        a dense layer: the derivative of ``seed[i, k] . f(x_i)`` with respect to layer ``l``'s
        pre-activation. ``seed`` (``n x r x m_y``) defaults to the identity (``r = m_y``,
        row ``k`` is output ``k``: the Jacobian's rows); ``seed = v[:, None, :]`` gives the
        gradient of ``sum_i v_i . f(x_i)``. ``outputs`` is :meth:`layer_outputs`' result when the
        caller has it already (a training step needs ``f_X`` before it can seed)."""
        A, Z = self.layer_outputs(theta, X) if outputs is None else outputs
        layers = self.unflatten(theta)
        n = A[0].shape[0]
        if seed is None:
            seed = np.broadcast_to(np.eye(self.m_y)[None], (n, self.m_y, self.m_y))
        delta = np.asarray(seed, dtype=np.float64)
        r = delta.shape[1]
        Delta: list[np.ndarray] = [delta]
        for l in range(self.n_layers - 1, 0, -1):
            W = layers[l][0]  # g: the derivative with respect to layer l's input
            g = _matmul(delta, W)
            if self.kinds[l] == "conv":
                s = Z[l].shape[1]
                g = col2im(g.reshape(n * r, s * s, -1), s, s).reshape(n, r, s, s, -1)
            prev = Z[l - 1]
            if self.kinds[l - 1] == "conv":
                s_in = prev.shape[1]
                g = _unpool(g.reshape(n, r, s_in // POOL, s_in // POOL, -1))
                delta = (g * self.activation.d1(prev)[:, None]).reshape(n, r, s_in * s_in, -1)
            else:
                delta = g * self.activation.d1(prev)[:, None, :]
            Delta.append(delta)
        return A, Delta[::-1]

    def parameter_gradient(self, A: list[np.ndarray], Delta: list[np.ndarray]) -> np.ndarray:
        """``sum_i sum_k d(seed[i, k] . f(x_i)) / d theta`` from :meth:`sensitivities` (with
        ``r = 1``: the gradient ``J^T v`` of ``sum_i v_i . f(x_i)``), layer by layer:
        ``dW_l = sum_{i, p} Delta_l[i, p] A_l[i, p]^T``, ``db_l = sum_{i, p} Delta_l[i, p]``
        (``p`` the spatial positions of a convolution)."""
        parts = []
        for a, d in zip(A, Delta, strict=True):
            D = d.sum(axis=1)  # over the seed rows
            if D.ndim == 2:
                parts += [(D.T @ a).reshape(-1), D.sum(axis=0)]
            else:
                parts += [np.tensordot(D, a, axes=([0, 1], [0, 1])).reshape(-1),
                          D.sum(axis=(0, 1))]
        return np.concatenate(parts)

    def jacobian_analytic(self, theta: np.ndarray, X: Any) -> np.ndarray:
        """The formed ``J = d vec(f_X) / d theta`` (``n m_y x d``, rows sample-major), by
        back-propagation: the reference for the Gram of :mod:`theory.conv_gram` (and for small
        sizes only: it is ``n m_y d`` numbers)."""
        A, Delta = self.sensitivities(theta, X)
        n, r = A[0].shape[0], self.m_y
        blocks = []
        for a, d in zip(A, Delta, strict=True):
            if d.ndim == 3:
                gW = np.einsum("nrm,nk->nrmk", d, a)
                gb = d
            else:
                gW = np.einsum("nrpc,npk->nrck", d, a)
                gb = d.sum(axis=2)
            blocks += [gW.reshape(n * r, -1), gb.reshape(n * r, -1)]
        return np.concatenate(blocks, axis=1)

    def gram_analytic(self, theta: np.ndarray, X: Any, weights: Any = None) -> np.ndarray:
        """``M = J J^T`` by layer-wise contraction, never forming ``J``
        (:func:`theory.conv_gram.lenet_gram`)."""
        from theory.conv_gram import lenet_gram

        if weights is not None:
            raise NotImplementedError("the LeNet Gram takes no layer weights")
        return lenet_gram(self, theta, X)
