"""Figures for the first part of the chapter on convolutional networks: what CNNs are for, why
vision is hard, and a hand-crafted feature pipeline.

The images and embeddings are synthetic, from :mod:`nnbook.viz.images`: a toy scene for
classification, detection and segmentation; simulated face embeddings; a letter under changes
of lighting, viewpoint and scale. Every ``fig_*`` function draws with matplotlib and returns the
figure, and the caller shows it.

See the chapter :doc:`/cnn`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import FancyBboxPatch, Rectangle

from .images import toy_scene
from .style import BLUE, ORANGE, PALETTE, SKY, VERMILION, hide_ticks, show_image


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


def fig_face_embedding(embeddings: np.ndarray, ids: np.ndarray, *, threshold: float = 0.5):
    """(a) Embeddings, one colour and marker per person, projected to 2-D by PCA; (b) histograms
    of the cosine distance between two embeddings of the same person and of different people.

    ``embeddings`` is (n, d), each row of length 1; ``ids`` (n,) gives each row's person.
    """
    centred = embeddings - embeddings.mean(axis=0)
    xy = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T  # PCA to 2-D
    dist = 1.0 - embeddings @ embeddings.T  # cosine distance
    upper = np.triu_indices(len(ids), k=1)
    same = (ids[:, None] == ids[None, :])[upper]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    for k in np.unique(ids):
        a.scatter(*xy[ids == k].T, s=18, color=PALETTE[k], marker="os^Dv"[k], label=f"person {k}")
    a.set_title("(a) the embeddings projected to 2-D (PCA)", fontsize=10)
    a.set_xlabel("first principal direction")
    a.set_ylabel("second principal direction")
    a.legend(fontsize=8, loc="best")
    hide_ticks(a)
    bins = np.linspace(0, 1.4, 50)
    b.hist(dist[upper][same], bins, color=BLUE, alpha=0.8, density=True, label="same person")
    b.hist(dist[upper][~same], bins, color=ORANGE, alpha=0.8, density=True, label="different")
    b.axvline(threshold, color="black", ls="--", lw=1)
    b.text(threshold + 0.02, b.get_ylim()[1] * 0.9, "threshold", fontsize=8)
    b.set_xlabel(f"cosine distance between two {embeddings.shape[1]}-D embeddings")
    b.set_ylabel("density")
    b.set_title("(b) verification: same person if distance < threshold", fontsize=10)
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig


# -- why vision is hard, and hand-crafted features ----------------------------------------------
def fig_cv_variability(images: dict[str, np.ndarray]):
    """The same glyph under eight conditions, each with its pixel distance to the original."""
    original = images["original"]
    fig, axes = plt.subplots(2, 4, figsize=(9, 5.6))
    for ax, (name, img) in zip(axes.flat, images.items(), strict=True):
        # Pixel values are brightness, 0 black and 1 white, so "darker" is drawn darker.
        show_image(
            ax,
            img,
            f"{name}\n‖x − x₀‖ = {np.linalg.norm(img - original):.1f}",
            cmap="gray",
            vmin=0,
            vmax=1,
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
