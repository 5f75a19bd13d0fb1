"""Figures for the first part of the chapter on convolutional networks: what CNNs are for, and
why vision is hard.

The images are synthetic, from :mod:`nnbook.viz.images`: a toy scene for classification,
detection and segmentation; a letter under changes of lighting, viewpoint and scale; face
keypoints; a pen stroke. Every ``fig_*`` function draws with matplotlib and returns the figure,
and the caller shows it.

See the chapter :doc:`/cnn`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Ellipse, FancyBboxPatch, Rectangle

from ..init import make_rng
from .images import centre_of_mass, toy_scene
from .style import BLUE, GREY, ORANGE, PALETTE, SKY, VERMILION, hide_ticks, show_image


# -- what CNNs are used for ---------------------------------------------------------------------
def fig_cv_tasks(*, rng=0):
    """Classification, detection, semantic and instance segmentation of one toy scene."""
    image, semantic, instance, objects = toy_scene(rng=rng)
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.1))
    show_image(axes[0], image, "(a) classification\n'contains: disc, square'", vmin=0, vmax=1)
    show_image(axes[1], image, "(b) detection\nclass + box + score", vmin=0, vmax=1)
    for (name, (x0, y0, x1, y1)), score in zip(objects, (0.98, 0.95, 0.97), strict=True):
        colour = BLUE if name == "disc" else VERMILION
        axes[1].add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=colour, lw=2))
        axes[1].text(
            x0,
            y0 - 1,
            f"{name} {score:.2f}",
            color="white",
            fontsize=7,
            backgroundcolor=colour,
            va="bottom",
        )
    show_image(
        axes[2],
        semantic,
        "(c) semantic segmentation\none colour per class",
        cmap=ListedColormap(["white", BLUE, VERMILION]),
        vmin=0,
        vmax=2,
    )
    show_image(
        axes[3],
        instance,
        "(d) instance segmentation\none colour per object",
        cmap=ListedColormap(["white", BLUE, ORANGE, VERMILION]),
        vmin=0,
        vmax=3,
    )
    fig.tight_layout()
    return fig


def fig_face_embedding(*, rng=0, identities=5, per_identity=20, dim=128, noise=0.6):
    """Simulated unit-length face embeddings: a 2-D projection and the distance histograms."""
    rng = make_rng(rng)
    centres = rng.standard_normal((identities, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    ids = np.repeat(np.arange(identities), per_identity)
    emb = centres[ids] + noise / np.sqrt(dim) * rng.standard_normal((len(ids), dim))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)  # (n, dim), on the unit sphere
    centred = emb - emb.mean(axis=0)
    xy = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T  # PCA to 2-D
    dist = 1.0 - emb @ emb.T  # cosine distance
    upper = np.triu_indices(len(ids), k=1)
    same = (ids[:, None] == ids[None, :])[upper]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    for k in range(identities):
        a.scatter(*xy[ids == k].T, s=18, color=PALETTE[k], marker="os^Dv"[k], label=f"person {k}")
    a.set_title("(a) embeddings projected to 2-D (PCA)", fontsize=10)
    a.legend(fontsize=8, loc="best")
    hide_ticks(a)
    bins = np.linspace(0, 1.4, 50)
    b.hist(dist[upper][same], bins, color=BLUE, alpha=0.8, density=True, label="same person")
    b.hist(dist[upper][~same], bins, color=ORANGE, alpha=0.8, density=True, label="different")
    threshold = 0.5
    b.axvline(threshold, color="black", ls="--", lw=1)
    b.text(threshold + 0.02, b.get_ylim()[1] * 0.9, "threshold", fontsize=8)
    b.set_xlabel("cosine distance between two embeddings")
    b.set_ylabel("density")
    b.set_title("(b) verification: same person if distance < threshold", fontsize=10)
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _fit_gmm(X, k, rng, steps=40):
    """A k-component Gaussian mixture fitted by EM (full covariances)."""
    n, d = X.shape
    means = X[rng.choice(n, k, replace=False)]
    covs = np.repeat(np.cov(X.T)[None] / k, k, axis=0)
    weights = np.full(k, 1.0 / k)
    for _ in range(steps):
        diff = X[:, None, :] - means[None]  # (n, k, d)
        inv = np.linalg.inv(covs)
        maha = np.einsum("nki,kij,nkj->nk", diff, inv, diff)
        logp = np.log(weights) - 0.5 * (maha + np.linalg.slogdet(covs)[1])
        resp = np.exp(logp - logp.max(axis=1, keepdims=True))
        resp /= resp.sum(axis=1, keepdims=True)  # (n, k)
        nk = resp.sum(axis=0)
        weights, means = nk / n, (resp.T @ X) / nk[:, None]
        diff = X[:, None, :] - means[None]
        covs = np.einsum("nk,nki,nkj->kij", resp, diff, diff) / nk[:, None, None]
        covs += 1e-4 * np.eye(d)
    return weights, means, covs


def fig_generative_toy(points, digits, labels, *, rng=0, per_class=3, components=12):
    """Two toy generative models: a Gaussian mixture on 2-D points, and class-conditional
    Gaussians in a PCA space of 8x8 digits, sampled to make new points and new digits."""
    rng = make_rng(rng)
    weights, means, covs = _fit_gmm(points, 8, rng)
    comp = rng.choice(len(weights), size=len(points), p=weights)
    new = np.array([rng.multivariate_normal(means[c], covs[c]) for c in comp])
    mean = digits.mean(axis=0)
    basis = np.linalg.svd(digits - mean, full_matrices=False)[2][:components]  # (k, 64)
    codes = (digits - mean) @ basis.T
    fig = plt.figure(figsize=(11, 3.2))
    a = fig.add_subplot(1, 2, 1)
    a.scatter(*points.T, s=6, color=GREY, alpha=0.5, label="training data")
    a.scatter(*new.T, s=6, color=VERMILION, alpha=0.7, label="new samples")
    a.set_title("(a) a mixture of 8 Gaussians fitted to 2-D data, then sampled", fontsize=10)
    a.legend(fontsize=8, markerscale=3)
    a.set_aspect("equal")
    grid = fig.add_gridspec(
        per_class, 10, left=0.55, right=0.98, top=0.8, bottom=0.3, hspace=0.15, wspace=0.15
    )
    for digit in range(10):
        c = codes[labels == digit]
        samples = rng.multivariate_normal(c.mean(axis=0), np.cov(c.T), size=per_class)
        for r, code in enumerate(samples):
            ax = fig.add_subplot(grid[r, digit])
            image = np.clip(mean + code @ basis, 0, 1).reshape(8, 8)
            show_image(ax, image, str(digit) if r == 0 else "")
    fig.text(
        0.765, 0.88, "(b) new 8×8 digits sampled per class (conditional)", ha="center", fontsize=10
    )
    return fig


# -- why vision is hard, and hand-crafted features ----------------------------------------------
def fig_cv_variability(images: dict[str, np.ndarray]):
    """The same glyph under eight conditions, each with its pixel distance to the original."""
    original = images["original"]
    fig, axes = plt.subplots(2, 4, figsize=(9, 5.6))
    for ax, (name, img) in zip(axes.flat, images.items(), strict=True):
        show_image(
            ax, img, f"{name}\n‖x − x₀‖ = {np.linalg.norm(img - original):.1f}", vmin=0, vmax=1
        )
    fig.tight_layout()
    return fig


def _correlate(img, kernel):
    """'Same'-size cross-correlation of a 2-D image with a small kernel (zero padding)."""
    k = kernel.shape[0] // 2
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(img, k), kernel.shape)
    return np.einsum("hwij,ij->hw", windows, kernel)


def fig_handcrafted_pipeline(img: np.ndarray):
    """Image -> Sobel gradients -> histogram of orientations -> a classifier, all by hand."""
    sobel = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    gx, gy = _correlate(img, sobel), _correlate(img, sobel.T)
    magnitude = np.hypot(gx, gy)
    angle = np.rad2deg(np.arctan2(gy, gx)) % 180  # unsigned orientation
    hist, edges = np.histogram(angle, bins=9, range=(0, 180), weights=magnitude)
    fig, axes = plt.subplots(1, 4, figsize=(11, 2.8), gridspec_kw={"width_ratios": [1, 1, 1.3, 1]})
    show_image(axes[0], img, "image")
    show_image(axes[1], magnitude, "Sobel gradient magnitude", cmap="magma")
    axes[2].bar(edges[:-1] + 10, hist, width=18, color=BLUE)
    axes[2].set_xticks([0, 45, 90, 135, 180])
    axes[2].set_xlabel("gradient orientation (degrees)", fontsize=8)
    axes[2].set_title("9-bin orientation histogram\n(the feature vector)", fontsize=9)
    axes[3].add_patch(FancyBboxPatch((0.1, 0.3), 0.8, 0.4, boxstyle="round,pad=0.05", fc=SKY))
    axes[3].text(0.5, 0.5, "classifier\n(e.g. SVM)", ha="center", va="center", fontsize=10)
    axes[3].axis("off")
    fig.tight_layout(w_pad=4)
    renderer = fig.canvas.get_renderer()
    for left, right in zip(axes[:-1], axes[1:], strict=True):
        # midway between one panel and the next panel's tick labels
        x0 = left.get_tightbbox(renderer).transformed(fig.transFigure.inverted()).x1
        x1 = right.get_tightbbox(renderer).transformed(fig.transFigure.inverted()).x0
        fig.text((x0 + x1) / 2, 0.5, "→", fontsize=20, ha="center", va="center")
    return fig


def fig_keypoint_features(neutral: np.ndarray, smiling: np.ndarray):
    """Two schematic faces with landmarks, and their pairwise-distance feature vectors."""
    upper = np.triu_indices(len(neutral), k=1)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), gridspec_kw={"width_ratios": [1, 1, 2.2]})
    for ax, points, title in ((axes[0], neutral, "neutral"), (axes[1], smiling, "smiling")):
        ax.add_patch(Ellipse((0, -0.1), 1.6, 2.1, fill=False, lw=1.5))
        for x in (-0.35, 0.35):
            ax.add_patch(Ellipse((x, 0.35), 0.3, 0.14, fill=False))
        ax.plot(*points[[7, 9, 8, 10, 7]].T, color=GREY, lw=1)
        ax.plot(*points[:4].T, color=GREY, lw=1)
        ax.scatter(*points.T, s=22, color=VERMILION, zorder=3)
        ax.set_title(f"{title} face, 12 keypoints", fontsize=9)
        ax.set_xlim(-1, 1)
        ax.set_ylim(-1.25, 1)
        ax.set_aspect("equal")
        ax.axis("off")
    for points, colour, label in ((neutral, BLUE, "neutral"), (smiling, ORANGE, "smiling")):
        d = np.linalg.norm(points[:, None] - points[None], axis=-1)[upper]
        axes[2].plot(d, "o-", ms=3, lw=1, color=colour, label=label)
    axes[2].set_xlabel("keypoint pair (66 pairs)")
    axes[2].set_ylabel("distance")
    axes[2].set_title("feature vector: all pairwise distances", fontsize=9)
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    return fig


def fig_centering_pixels(off: np.ndarray, centred: np.ndarray):
    """An off-centre stroke, the same stroke centred, and both as raw 784-pixel vectors."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 2.8), gridspec_kw={"width_ratios": [1, 1, 3]})
    for ax, img, title in ((axes[0], off, "off-centre"), (axes[1], centred, "centred")):
        show_image(ax, img, f"{title}\ncentre of mass {np.round(centre_of_mass(img), 1)}")
        ax.plot(13.5, 13.5, "+", color=VERMILION, ms=10)
    axes[2].plot(off.ravel(), color=BLUE, lw=0.8, label="off-centre")
    axes[2].plot(centred.ravel() + 1.3, color=ORANGE, lw=0.8, label="centred (offset +1.3)")
    axes[2].set_xlabel("pixel index (row by row)")
    axes[2].set_yticks([])
    axes[2].set_title(
        f"raw-pixel feature vectors: distance {np.linalg.norm(off - centred):.1f}", fontsize=9
    )
    axes[2].legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig
