"""Hardt & Ma (2017), Section 2: the linear residual network and its population risk.

The model is ``h_0 = x``, ``h_j = h_{j-1} + A_j h_{j-1}``, so the output is
``(I + A_ell) ... (I + A_1) x`` (eqs. (1.1), (2.1)); the input meets ``A_1`` first. Labels are
``y = R x + xi`` with ``E[xi | x] = 0``; the population risk is ``f(A) = E ||y_hat - y||^2``
(eq. (2.2)). ``Sigma`` is the *second moment* ``E[x x^T]`` (the paper says "covariance"; only the
second moment enters, see Claim 2.3).

Notation (§2 of the paper): ``P = (I + A_ell) ... (I + A_1)``, ``E = P - R``,
``P_{>i} = (I + A_ell) ... (I + A_{i+1})``, ``P_{<i} = (I + A_{i-1}) ... (I + A_1)``.
All arrays are float64; lists of matrices are Python lists of ``d x d`` arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from theory.numerics import gamma, unit_roundoff

__all__ = [
    "GRADIENT_READINGS",
    "PL_DERIVATION",
    "error_matrix",
    "excess_risk",
    "finite_support_risk",
    "forward",
    "gradient_descent",
    "moment_matching_support",
    "monte_carlo_risk",
    "partial_products",
    "pl_sides",
    "population_risk",
    "psd_sqrt",
    "radius_error",
    "residual_product",
    "risk_gradient",
    "sample_losses",
    "standard_gradient",
    "target_gamma",
    "triple_norm",
]

Matrices = Sequence[np.ndarray]


def residual_product(A: Matrices) -> np.ndarray:
    """``P = (I + A_ell) ... (I + A_1)``, the end-to-end map of eq. (2.1)."""
    d = A[0].shape[0]
    P = np.eye(d)
    for Ai in A:
        P = (np.eye(d) + Ai) @ P
    return P


def forward(A: Matrices, x: np.ndarray) -> np.ndarray:
    """The recursion ``h_j = h_{j-1} + A_j h_{j-1}`` of eq. (1.1) on the rows of ``x`` (n x d).

    Deliberately does not form ``P``: it is the independent side against which the product
    form is checked."""
    h = np.array(x, dtype=np.float64)
    for Ai in A:
        h = h + h @ Ai.T
    return h


def error_matrix(A: Matrices, R: np.ndarray) -> np.ndarray:
    """``E = (I + A_ell) ... (I + A_1) - R`` (Claim 2.3)."""
    return residual_product(A) - R


def triple_norm(A: Matrices) -> float:
    """``|||A||| = max_i ||A_i||`` (spectral norm), the norm of Section 2 defining ``B_tau``."""
    return max(float(np.linalg.norm(Ai, 2)) for Ai in A)


def target_gamma(R: np.ndarray) -> float:
    """``gamma = max(|log sigma_max(R)|, |log sigma_min(R)|)`` (Section 2); ``inf`` if singular."""
    s = np.linalg.svd(R, compute_uv=False)
    if s[-1] <= 0.0:
        return float("inf")
    return float(max(abs(np.log(s[0])), abs(np.log(s[-1]))))


def psd_sqrt(Sigma: np.ndarray) -> np.ndarray:
    """The PSD square root ``Sigma^{1/2}`` of a symmetric PSD matrix (eigenvalues clipped at 0)."""
    lam, Q = np.linalg.eigh((Sigma + Sigma.T) / 2.0)
    return (Q * np.sqrt(np.clip(lam, 0.0, None))) @ Q.T


def excess_risk(A: Matrices, R: np.ndarray, Sigma: np.ndarray) -> float:
    """``f(A) - C_opt = tr(E Sigma E^T) = ||E Sigma^{1/2}||_F^2`` (Claim 2.3, eq. (2.4))."""
    E = error_matrix(A, R)
    return float(np.sum((E @ Sigma) * E))


def population_risk(
    A: Matrices, R: np.ndarray, Sigma: np.ndarray, noise_second_moment: float | None = None
) -> float:
    """Claim 2.3, eq. (2.4): ``f(A) = ||(P - R) Sigma^{1/2}||_F^2 + C`` with
    ``C = E||xi||^2`` (``= d`` for standard Gaussian noise, the default)."""
    C = float(R.shape[0]) if noise_second_moment is None else float(noise_second_moment)
    return excess_risk(A, R, Sigma) + C


def partial_products(A: Matrices) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``([P_{>1}, ..., P_{>ell}], [P_{<1}, ..., P_{<ell}])`` (empty products are ``I``)."""
    d = A[0].shape[0]
    below = [np.eye(d)]
    for Ai in A[:-1]:
        below.append((np.eye(d) + Ai) @ below[-1])
    above = [np.eye(d)]
    for Ai in reversed(A[1:]):
        above.append(above[-1] @ (np.eye(d) + Ai))
    return above[::-1], below


GRADIENT_READINGS = ("lemma", "descending-per-factor", "no-transpose", "sqrt-sigma")


def risk_gradient(
    A: Matrices, R: np.ndarray, Sigma: np.ndarray, reading: str = "lemma"
) -> list[np.ndarray]:
    """Lemma 2.4, eq. (2.5): ``df/dA_i = 2 P_{>i}^T E Sigma P_{<i}^T``
    ``= 2 (I+A_{i+1})^T ... (I+A_ell)^T E Sigma (I+A_1)^T ... (I+A_{i-1})^T``.

    Convention ``(df/dA_i)_{ab} = df/d(A_i)_{ab}``; ``Sigma`` symmetric. The transpose applies to
    each whole partial product (ascending factor order once expanded); the appendix of the
    text we worked from, read with per-factor transposes in the printed (descending) order, is
    wrong. The other
    ``reading`` values exist only to show that those misreadings are rejected (the
    controls of ``hm17.lem2.4``): ``"descending-per-factor"``
    ``2 (I+A_ell^T)...(I+A_{i+1}^T) E Sigma (I+A_{i-1}^T)...(I+A_1^T)``, ``"no-transpose"``
    ``2 P_{>i} E Sigma P_{<i}``, ``"sqrt-sigma"`` with ``Sigma^{1/2}`` in place of ``Sigma``.
    """
    if reading not in GRADIENT_READINGS:
        raise ValueError(f"unknown reading {reading!r}; choose from {', '.join(GRADIENT_READINGS)}")
    E = error_matrix(A, R)
    middle = E @ (psd_sqrt(Sigma) if reading == "sqrt-sigma" else Sigma)
    above, below = partial_products(A)
    if reading == "no-transpose":
        return [2.0 * a @ middle @ b for a, b in zip(above, below, strict=True)]
    if reading == "descending-per-factor":
        d = A[0].shape[0]
        grads = []
        for i in range(len(A)):
            left = np.eye(d)
            for Aj in reversed(A[i + 1:]):
                left = left @ (np.eye(d) + Aj.T)
            right = np.eye(d)
            for Aj in reversed(A[:i]):
                right = right @ (np.eye(d) + Aj.T)
            grads.append(2.0 * left @ middle @ right)
        return grads
    return [2.0 * a.T @ middle @ b.T for a, b in zip(above, below, strict=True)]


def gradient_descent(
    A0: Matrices, R: np.ndarray, Sigma: np.ndarray, step: float, max_steps: int,
    grad_tol: float = 0.0,
) -> tuple[list[list[np.ndarray]], list[list[np.ndarray]]]:
    """Gradient descent ``A_i <- A_i - step * df/dA_i`` on the population risk, with the
    closed-form gradient of Lemma 2.4 (eq. (2.5)); used to reach approximate critical points
    for Theorem 2.2, since critical points cannot be sampled directly.

    Returns ``(iterates, gradients)``: ``iterates = [A^(0), ..., A^(T)]`` (``A^(0)`` a copy of
    ``A0``) and ``gradients[t] = grad f(A^(t))``. Stops at the first iterate with
    ``||grad f||_F <= grad_tol`` (an approximate critical point), after ``max_steps`` steps, or
    before an iterate that would not be finite (a divergent step)."""
    if step <= 0.0 or max_steps < 0:
        raise ValueError(f"need step > 0 and max_steps >= 0, got {step!r}, {max_steps!r}")
    A = [np.array(Ai, dtype=np.float64) for Ai in A0]
    iterates, gradients = [A], [risk_gradient(A, R, Sigma)]
    for _ in range(max_steps):
        G = gradients[-1]
        if np.sqrt(sum(float(np.sum(Gi * Gi)) for Gi in G)) <= grad_tol:
            break
        A = [Ai - step * Gi for Ai, Gi in zip(A, G, strict=True)]
        if not all(np.all(np.isfinite(Ai)) for Ai in A):
            break
        iterates.append(A)
        gradients.append(risk_gradient(A, R, Sigma))
    return iterates, gradients


def standard_gradient(W: Matrices, R: np.ndarray, Sigma: np.ndarray) -> list[np.ndarray]:
    """Gradient of the standard parameterisation ``g(W) = ||(W_ell...W_1 - R) Sigma^{1/2}||_F^2
    + C`` (Section 1.1): ``dg/dW_i = 2 (W_ell...W_{i+1})^T E Sigma (W_{i-1}...W_1)^T``.

    Computed as Lemma 2.4 at ``A_i = W_i - I``; the products are formed from the ``W_i``
    directly, so a zero factor gives an exactly zero product."""
    d = W[0].shape[0]
    E = _chain(W, d) - R
    grads = []
    for i in range(len(W)):
        grads.append(2.0 * _chain(W[i + 1:], d).T @ E @ Sigma @ _chain(W[:i], d).T)
    return grads


def _chain(W: Matrices, d: int) -> np.ndarray:
    """``W_k ... W_1`` for the list ``[W_1, ..., W_k]`` (``I`` if empty)."""
    out = np.eye(d)
    for Wi in W:
        out = Wi @ out
    return out


def sample_losses(A: Matrices, R: np.ndarray, x: np.ndarray, xi: np.ndarray) -> np.ndarray:
    """Per-sample losses ``||h_ell(x) - R x - xi||^2`` (eq. (2.2)) for rows of ``x`` and ``xi``,
    with the output from the recursion :func:`forward`."""
    residual = forward(A, x) - x @ R.T - xi
    return np.sum(residual * residual, axis=1)


def moment_matching_support(
    mean: np.ndarray, cov: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A finite distribution with the given mean and covariance: the ``2d`` points
    ``mean +- sqrt(d lambda_k) v_k`` with weights ``1/(2d)`` (eigenpairs of ``cov``).

    Used for the exact tier of Claim 2.3: the expectation over ``x`` is then a finite sum."""
    d = mean.shape[0]
    lam, V = np.linalg.eigh((cov + cov.T) / 2.0)
    offsets = (V * np.sqrt(d * np.clip(lam, 0.0, None))).T
    points = np.vstack([mean + offsets, mean - offsets])
    return points, np.full(2 * d, 1.0 / (2 * d))


def finite_support_risk(
    A: Matrices, R: np.ndarray, points: np.ndarray, weights: np.ndarray
) -> float:
    """``E f(A, (x, y))`` for ``x`` on a finite support and ``xi ~ N(0, I_d)`` independent:
    ``sum_s p_s (||h_ell(x_s) - R x_s||^2 + d)`` (the Gaussian expectation done analytically;
    outputs from the recursion, not from ``P``)."""
    d = R.shape[0]
    residual = forward(A, points) - points @ R.T
    return float(weights @ (np.sum(residual * residual, axis=1) + d))


def monte_carlo_risk(
    A: Matrices, R: np.ndarray, mean: np.ndarray, cov: np.ndarray, n: int, seed: int
) -> tuple[float, float]:
    """Monte Carlo estimate of ``f(A)`` (eq. (2.2)): ``n`` draws of ``x ~ N(mean, cov)`` and
    ``xi ~ N(0, I_d)`` from ``numpy.random.default_rng(seed)``. Returns the sample mean and its
    standard error ``s / sqrt(n)`` (the CLT scale of its error)."""
    rng = np.random.default_rng(seed)
    d = R.shape[0]
    x = mean + rng.standard_normal((n, d)) @ psd_sqrt(cov).T
    xi = rng.standard_normal((n, d))
    losses = sample_losses(A, R, x, xi)
    return float(losses.mean()), float(losses.std(ddof=1) / np.sqrt(n))


# --------------------------------------------- eq. (2.3) with its rounding bounds

_U = unit_roundoff()


def pl_sides(A: Matrices, R: np.ndarray, Sigma: np.ndarray, tau: float) -> dict[str, float]:
    """Hardt & Ma (2017) eq. (2.3), proof of Theorem 2.2: both sides with
    ``tau_eff = min(tau, |||A|||)`` (the strongest admissible radius), and first-order
    absolute rounding bounds for ``||grad f||^2`` (``abs_grad``),
    ``f - C_opt`` (``abs_excess``) and ``sigma_min(Sigma)`` (``abs_sigma``), with the relative
    error ``rel_coeff`` of ``4 ell (1 - tau_eff)^{2 ell - 2}`` (:data:`PL_DERIVATION`).
    Absolute, not relative: where ``E`` is at the rounding floor a computed side can be 0 while
    the true one is not."""
    d, ell = R.shape[0], len(A)
    norms = [float(np.linalg.norm(Ai, 2)) for Ai in A]
    tau_eff = min(tau, max(norms))
    grad = risk_gradient(A, R, Sigma)
    grad_sq = sum(float(np.sum(G * G)) for G in grad)
    excess = excess_risk(A, R, Sigma)
    lam = np.linalg.eigvalsh(Sigma)
    lam_max = float(lam[-1])
    sigma_min = max(float(lam[0]), 0.0)
    radius_coeff = 4.0 * ell * (1.0 - tau_eff) ** (2 * ell - 2)
    E = error_matrix(A, R)
    ES_norm = float(np.linalg.norm(E @ Sigma))
    abs_prod = np.eye(d)
    for Ai in A:
        abs_prod = np.abs(np.eye(d) + Ai) @ abs_prod
    delta_E = gamma(ell * d + 1) * float(np.linalg.norm(abs_prod)) + _U * float(np.linalg.norm(R))
    abs_ES = np.abs(E) @ np.abs(Sigma)
    above, below = partial_products(A)
    abs_norms = [float(np.linalg.norm(np.abs(np.eye(d) + Ai), 2)) for Ai in A]
    kappa_chain = 0.0
    slice_error = []
    for i in range(ell):
        den = (np.linalg.svd(above[i], compute_uv=False)[-1]
               * np.linalg.svd(below[i], compute_uv=False)[-1])
        num = math.prod(abs_norms[:i] + abs_norms[i + 1:])
        kappa_chain = max(kappa_chain, num / den if den > 0 else math.inf)
        # 2 P_{>i}^T (E Sigma) P_{<i}^T: the error of E, and the rounding of the products
        slice_error.append(2.0 * num * (gamma((ell + 2) * d) * float(np.linalg.norm(abs_ES))
                                        + delta_E * lam_max))
    d_grad = math.sqrt(sum(e * e for e in slice_error))
    return {"grad_sq": grad_sq, "excess": excess, "coeff": radius_coeff * sigma_min,
            "radius_coeff": radius_coeff, "sigma_min": sigma_min, "tau_eff": tau_eff,
            "triple_norm": max(norms), "kappa_chain": kappa_chain,
            "abs_grad": 2.0 * math.sqrt(grad_sq) * d_grad + d_grad**2 + gamma(ell * d * d)
            * grad_sq,
            "abs_excess": 2.0 * delta_E * ES_norm + gamma(d + 1) * float(np.sum(abs_ES * np.abs(E)))
            + delta_E**2 * lam_max,
            "abs_sigma": 4 * d * _U * lam_max,
            "rel_coeff": gamma(2 * ell + 2) + radius_error(tau_eff, norms, tau, d, ell)}


def radius_error(tau_eff: float, norms: list[float], tau: float, d: int, ell: int) -> float:
    """Hardt & Ma (2017) eq. (2.3): the relative error of ``(1 - tau_eff)^{2 ell - 2}`` from
    the radius. The computed spectral norms, and the ball hypothesis that accepts them, are
    within ``delta = gamma_{4d} max(|||A|||, tau)`` of the true ``|||A|||``, so the theorem
    may only speak at radius ``tau_eff + delta``: ``(2 ell - 2) delta / (1 - tau_eff -
    delta)``, unbounded when ``delta`` reaches ``1 - tau_eff``."""
    delta = gamma(4 * d) * max(max(norms), tau)
    room = 1.0 - tau_eff - delta
    return (2 * ell - 2) * delta / room if room > 0 else (0.0 if ell == 1 else math.inf)


PL_DERIVATION = (
    r"first order, absolute: $\|\nabla f\|_F^2$ to "
    r"$2\|\nabla f\|_Fe+e^2+\gamma_{\ell d^2}\|\nabla f\|_F^2$, $e^2=\sum_ie_i^2$, "
    r"$e_i=2\prod_{j\ne i}\||I+A_j|\|\,(\gamma_{(\ell+2)d}\||E||\Sigma|\|_F"
    r"+\delta_E\|\Sigma\|)$; $f-C_{\mathrm{opt}}$ to $2\delta_E\|E\Sigma\|_F"
    r"+\gamma_{d+1}\operatorname{tr}(|E||\Sigma||E|^\top)+\delta_E^2\|\Sigma\|$; "
    r"$\sigma_{\min}(\Sigma)$ to $4du\|\Sigma\|$; $(1-\tau)^{2\ell-2}$ to "
    r"$(2\ell-2)\delta/(1-\tau-\delta)$ relative, $\delta=\gamma_{4d}\max(|||A|||,\tau)$ "
    r"(the radius known to the rounding of the spectral norms); "
    r"$\delta_E=\gamma_{\ell d+1}\||I+A_\ell|\cdots|I+A_1|\|_F+u\|R\|_F$ (cancellation in "
    r"$E=P-R$)"
)
