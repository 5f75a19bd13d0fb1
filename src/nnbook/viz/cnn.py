"""Figures and toy images for the chapter on convolutional networks.

The synthetic images come from :mod:`nnbook.viz.images` (``glyph``, ``shift``, ``rotate``,
``rescale``, ``toy_scene``, ...), imported here so the chapter can reach everything as ``viz.*``;
every ``fig_*`` function draws with matplotlib and returns the figure, and the caller shows it.
Colours come from the Okabe-Ito palette, which stays distinguishable under the common
colour-vision deficiencies.

See the chapter :doc:`/cnn`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch, Rectangle
from matplotlib.ticker import MaxNLocator

from ..init import make_rng
from .images import (  # noqa: F401 - the chapter uses them as viz.glyph, viz.shift, ...
    centre_of_mass,
    face_keypoints,
    glyph,
    rescale,
    rotate,
    shift,
    stroke,
    toy_scene,
    variants,
)

# Okabe & Ito (2008), "Color Universal Design".
BLUE, ORANGE, GREEN, VERMILION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, YELLOW, GREY = "#56B4E9", "#CC79A7", "#F0E442", "#606060"
PALETTE = (BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, GREY)


def _off(*axes):
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])


def _show(ax, img, title="", cmap="gray_r", **kw):
    ax.imshow(img, cmap=cmap, **kw)
    ax.set_title(title, fontsize=9)
    _off(ax)


# -- synthetic images -------------------------------------------------------------------------
# Block letters on a 32x32 grid as (row0, row1, col0, col1) rectangles: a 4-pixel stem and
# 2-pixel arms, so that horizontal and vertical strokes differ (the chapter rotates the letter).
# -- what CNNs are used for ---------------------------------------------------------------------
def fig_cv_tasks(*, rng=0):
    """Classification, detection, semantic and instance segmentation of one toy scene."""
    image, semantic, instance, objects = toy_scene(rng=rng)
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.1))
    _show(axes[0], image, "(a) classification\n'contains: disc, square'", vmin=0, vmax=1)
    _show(axes[1], image, "(b) detection\nclass + box + score", vmin=0, vmax=1)
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
    _show(
        axes[2],
        semantic,
        "(c) semantic segmentation\none colour per class",
        cmap=ListedColormap(["white", BLUE, VERMILION]),
        vmin=0,
        vmax=2,
    )
    _show(
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
    _off(a)
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
            _show(ax, image, str(digit) if r == 0 else "")
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
        _show(ax, img, f"{name}\n‖x − x₀‖ = {np.linalg.norm(img - original):.1f}", vmin=0, vmax=1)
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
    _show(axes[0], img, "image")
    _show(axes[1], magnitude, "Sobel gradient magnitude", cmap="magma")
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
        _show(ax, img, f"{title}\ncentre of mass {np.round(centre_of_mass(img), 1)}")
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


# -- LeNet-5 ---------------------------------------------------------------------------------------
def fig_lenet5(layers: Sequence[tuple[str, int, int]]):
    """LeNet-5 as stacks of planes, sized by their side, with the two brackets of the notes.

    ``layers`` lists ``(label, channels, side)``; ``side == 1`` draws a vector of ``channels``
    units. The first five entries (input to S4) form the feature extractor.
    """
    fig, ax = plt.subplots(figsize=(12, 4.2))
    x, scale = 0.0, 0.09
    colours = [GREY, BLUE, SKY, BLUE, SKY, ORANGE, ORANGE, VERMILION]
    for k, (label, channels, side) in enumerate(layers):
        colour = colours[k % len(colours)]
        if side > 1:
            s = side * scale
            shown = min(channels, 6)
            for j in range(shown):
                ax.add_patch(
                    Rectangle(
                        (x + 0.12 * j, -s / 2 - 0.12 * j),
                        s,
                        s,
                        fc=colour,
                        ec="black",
                        lw=0.6,
                        alpha=0.9,
                    )
                )
            width = s + 0.12 * (shown - 1)
            ax.text(x + width / 2, -1.95, label, ha="center", va="top", fontsize=8.5)
        else:
            h = 0.011 * channels
            ax.add_patch(Rectangle((x, -h / 2), 0.22, h, fc=colour, ec="black", lw=0.6))
            width = 0.22
            ax.text(x + width / 2, -1.95, label, ha="center", va="top", fontsize=8.5)
        gap = 0.65 if side > 1 and k + 1 < len(layers) and layers[k + 1][2] > 1 else 1.0
        if k + 1 < len(layers):
            ax.annotate(
                "",
                (x + width + gap - 0.1, 0),
                (x + width + 0.1, 0),
                arrowprops={"arrowstyle": "-|>", "color": GREY},
            )
        if k == 4:
            split = x + width + gap / 2
        x += width + gap
    for x0, x1, text in (
        (-0.05, split - 0.1, "automatic feature extractor (conv + pooling)"),
        (split + 0.1, x - 0.6, "regular classifier\n(fully connected)"),
    ):
        ax.plot([x0, x0, x1, x1], [1.75, 1.9, 1.9, 1.75], color="black", lw=1)
        ax.text((x0 + x1) / 2, 1.98, text, ha="center", va="bottom", fontsize=10)
    ax.set_xlim(-0.2, x - 0.4)
    ax.set_ylim(-2.6, 2.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def fig_fc_layer_computation(s4, flat, weight, hidden1, hidden2, probs):
    """The classifier half of LeNet-5 on one image: S4 maps -> 400 -> W -> 120 -> 84 -> 10."""
    fig = plt.figure(figsize=(12, 4))
    grid = fig.add_gridspec(4, 12, wspace=0.5, hspace=0.5)
    for k in range(16):
        ax = fig.add_subplot(grid[k // 4, k % 4])
        _show(ax, s4[k], cmap="RdBu_r", vmin=-1, vmax=1)
    fig.text(0.21, 0.95, f"S4 output: 16@5×5 {s4.shape}", ha="center", fontsize=9)
    ax = fig.add_subplot(grid[0, 4:7])
    _show(ax, flat[None, :], cmap="RdBu_r", aspect="auto", vmin=-1, vmax=1)
    ax.set_title(f"flattened x: {flat.shape}", fontsize=9)
    ax = fig.add_subplot(grid[1:, 4:7])
    lim = np.abs(weight).max()
    _show(ax, weight, cmap="RdBu_r", aspect="auto", vmin=-lim, vmax=lim)
    ax.set_title(f"W of F5: {weight.shape}", fontsize=9)
    for cols, values, title in (
        ((7, 9), hidden1, "tanh(Wx + b): 120"),
        ((9, 11), hidden2, "F6: 84"),
        ((11, 12), probs, "softmax: 10"),
    ):
        ax = fig.add_subplot(grid[:, cols[0] : cols[1]])
        ax.barh(np.arange(len(values)), values, color=ORANGE if len(values) > 10 else VERMILION)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        if len(values) == 10:
            ax.set_yticks(range(10))
    return fig


def fig_weight_sharing(x, kernel, y, fc_params: int, conv_params: int):
    """(a) One 3x3 kernel at two positions of a 7x7 input; (b) parameter counts, log scale."""
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.4), gridspec_kw={"width_ratios": [7, 3, 5, 6]})
    spots = (((0, 0), BLUE), ((2, 3), VERMILION))
    for ax, grid, title in (
        (axes[0], x, "input 7×7"),
        (axes[1], kernel, "kernel 3×3\n(shared)"),
        (axes[2], y, "output 5×5"),
    ):
        ax.imshow(np.zeros_like(grid), cmap="gray_r", vmin=0, vmax=1)
        for (r, c), v in np.ndenumerate(grid):
            ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=8)
        ax.set_xticks(np.arange(-0.5, grid.shape[1], 1), minor=True)
        ax.set_yticks(np.arange(-0.5, grid.shape[0], 1), minor=True)
        ax.grid(which="minor", color=GREY, lw=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(title, fontsize=9)
    for (r, c), colour in spots:
        axes[0].add_patch(Rectangle((c - 0.5, r - 0.5), 3, 3, fill=False, ec=colour, lw=2.5))
        axes[2].add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec=colour, lw=2.5))
    axes[3].bar(
        ["fully\nconnected", "convolution"],
        [fc_params, conv_params],
        color=[ORANGE, BLUE],
        log=True,
    )
    for k, v in enumerate((fc_params, conv_params)):
        axes[3].text(k, v * 1.3, f"{v:,}", ha="center", fontsize=9)
    axes[3].set_ylim(10, fc_params * 20)
    axes[3].set_title("parameters, 1@32×32 → 6@28×28\n(log scale)", fontsize=9)
    fig.tight_layout()
    return fig


def fig_conv_output_size(output_size: Callable[..., int]):
    """(a) Kernel positions on a padded 1-D input for stride 1 and 2; (b) O against K."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.1, 1]})
    width, k, pad = 7, 3, 1
    for row, stride in ((0, 1), (1, 2)):
        y0 = -row * 3.2
        for i in range(width + 2 * pad):
            zero = i < pad or i >= width + pad
            a.add_patch(
                Rectangle(
                    (i, y0),
                    1,
                    1,
                    fc="white" if zero else SKY,
                    ec="black",
                    hatch="//" if zero else None,
                )
            )
        n_out = output_size(width, k, stride, pad)
        for j in range(n_out):
            start = j * stride
            a.plot(
                [start + 0.1, start + k - 0.1], [y0 - 0.3 - 0.22 * j] * 2, color=PALETTE[j], lw=2
            )
        a.text(
            width + 2 * pad + 0.4,
            y0 + 0.5,
            f"S = {stride}: O = ⌊(7 − 3 + 2)/{stride}⌋ + 1 = {n_out}",
            va="center",
            fontsize=9,
        )
    a.set_xlim(-0.5, 18)
    a.set_ylim(-5.2, 1.6)
    a.set_title("(a) W = 7, K = 3, P = 1 (hatched: zero padding)", fontsize=10)
    a.axis("off")
    ks = np.arange(1, 12)
    for label, kw, colour in (
        ("P = 0, S = 1", {}, BLUE),
        ("'same' P = (K − 1)/2, S = 1", "same", GREEN),
        ("P = 0, S = 2", {"stride": 2}, ORANGE),
    ):
        odd = ks[ks % 2 == 1] if kw == "same" else ks
        sizes = [
            output_size(32, int(k), padding=(int(k) - 1) // 2)
            if kw == "same"
            else output_size(32, int(k), **kw)
            for k in odd
        ]
        b.plot(odd, sizes, "o-", color=colour, label=label, ms=4)
    b.annotate(
        "LeNet C1: K = 5 → 28",
        (5, output_size(32, 5)),
        (6.5, 20),
        arrowprops={"arrowstyle": "->"},
        fontsize=9,
    )
    b.set_xlabel("kernel size K")
    b.set_ylabel("output size O (input W = 32)")
    b.set_title(
        f"(b) W = 32; LeNet's 2×2 pooling, stride 2: 28 → {output_size(28, 2, 2)}", fontsize=10
    )
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig


# -- equivariance, invariance and pooling ---------------------------------------------------------
def fig_invariance(
    inputs: dict[str, np.ndarray],
    maps: dict[str, np.ndarray],
    pooled: dict[str, np.ndarray],
    global_max: dict[str, np.ndarray],
    channel_names: Sequence[str],
    channel: int = 0,
):
    """Rows: an input and its transformed copies. Columns: the input, one feature map
    (``maps[name]`` is (C, H, W)), its 2x2 max-pool, and the global max of every channel."""
    fig, axes = plt.subplots(
        len(inputs),
        4,
        figsize=(10, 2.3 * len(inputs)),
        gridspec_kw={"width_ratios": [1, 1, 1, 1.6]},
    )
    lim = max(np.abs(m[channel]).max() for m in maps.values())
    positions = np.arange(len(channel_names))
    top = max(v.max() for v in global_max.values())
    for row, name in enumerate(inputs):
        _show(axes[row, 0], inputs[name], name)
        _show(
            axes[row, 1],
            maps[name][channel],
            f"feature map '{channel_names[channel]}'",
            cmap="RdBu_r",
            vmin=-lim,
            vmax=lim,
        )
        _show(
            axes[row, 2],
            pooled[name][channel],
            "2×2 max-pooled",
            cmap="RdBu_r",
            vmin=-lim,
            vmax=lim,
        )
        bars = axes[row, 3]
        if row:
            bars.bar(positions, global_max["original"], color=GREY, alpha=0.4, label="original")
        bars.bar(positions, global_max[name], width=0.5, color=BLUE, label=name)
        bars.set_xticks(positions, [f"'{c}'" for c in channel_names], fontsize=9)
        bars.set_title("global max of each of the 4 maps", fontsize=9)
        bars.set_ylim(0, 1.4 * top)
        if row:
            bars.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


def fig_pooling(x, max_out, avg_out, x_moved, max_moved):
    """Max and average pooling of a 4x4 map, and a peak moved inside its window."""
    fig, axes = plt.subplots(1, 5, figsize=(12, 2.9), gridspec_kw={"width_ratios": [4, 2, 2, 4, 2]})
    tints = ["#cfe3f1", "#fbe6c2", "#cdeee4", "#f6d5c0"]  # one light tint per 2x2 window
    panels = (
        (x, "input 4×4", True),
        (max_out, "max-pool 2×2", False),
        (avg_out, "average-pool 2×2", False),
        (x_moved, "peak 6 moved within window", True),
        (max_moved, "max-pool: unchanged", False),
    )
    for ax, (grid, title, windows) in zip(axes, panels, strict=True):
        for (r, c), v in np.ndenumerate(grid):
            w = (r // 2) * 2 + c // 2 if windows else r * 2 + c
            ax.add_patch(Rectangle((c, -r - 1), 1, 1, fc=tints[w], ec="black", lw=0.6))
            ax.text(c + 0.5, -r - 0.5, f"{v:g}", ha="center", va="center", fontsize=11)
        ax.set_xlim(-0.1, grid.shape[1] + 0.1)
        ax.set_ylim(-grid.shape[0] - 0.1, 0.1)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def fig_shared_weight_grad(x, w, grads: dict[str, np.ndarray]):
    """(a) A 1-D convolution with a 2-tap kernel: every edge carries w1 or w2. (b) Each
    weight's gradient computed three ways."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.2, 1]})
    n_out = len(x) - len(w) + 1
    for i in range(len(x)):
        a.add_patch(Circle((i, 0), 0.22, fc=SKY, ec="black"))
        a.text(i, 0, f"$x_{i + 1}$", ha="center", va="center", fontsize=10)
    for i in range(n_out):
        a.add_patch(Circle((i + 0.5, 1.6), 0.22, fc=ORANGE, ec="black"))
        a.text(i + 0.5, 1.6, f"$y_{i + 1}$", ha="center", va="center", fontsize=10)
        for k, colour in enumerate((BLUE, VERMILION)):
            a.annotate(
                "",
                (i + 0.5, 1.36),
                (i + k, 0.24),
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.8},
            )
    a.text(-0.4, 1.0, "$w_1$", color=BLUE, fontsize=12)
    a.text(len(x) - 0.8, 1.0, "$w_2$", color=VERMILION, fontsize=12)
    a.set_xlim(-0.6, len(x) - 0.4)
    a.set_ylim(-0.5, 2.1)
    a.set_aspect("equal")
    a.axis("off")
    a.set_title("(a) $y_i = w_1 x_i + w_2 x_{i+1}$: each weight on every output", fontsize=10)
    width = 0.8 / len(grads)
    for j, ((name, g), colour) in enumerate(zip(grads.items(), (GREEN, BLUE, ORANGE), strict=True)):
        b.bar(
            np.arange(len(w)) + (j - (len(grads) - 1) / 2) * width,
            g,
            width,
            color=colour,
            label=name,
        )
    b.axhline(0, color="black", lw=0.6)
    b.set_xticks(range(len(w)), [f"$\\partial L/\\partial w_{k + 1}$" for k in range(len(w))])
    b.set_title("(b) the gradient of each shared weight, three ways", fontsize=10)
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig


# -- training LeNet-5 -----------------------------------------------------------------------------
def fig_learning_curve(history):
    """Loss and accuracy per epoch, on the training batches and on the held-out set."""
    epochs = np.arange(1, len(history.loss) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.4))
    a.plot(epochs, history.loss, "o-", color=BLUE, ms=3, label="training")
    a.plot(epochs, history.val_loss, "s--", color=ORANGE, ms=3, label="held-out")
    a.set_yscale("log")
    a.set_ylabel("cross-entropy loss")
    b.plot(epochs, history.metric, "o-", color=BLUE, ms=3, label="training")
    b.plot(epochs, history.val_metric, "s--", color=ORANGE, ms=3, label="held-out")
    b.set_ylabel("accuracy")
    b.set_ylim(np.floor(min(history.metric + history.val_metric) * 20) / 20, 1.002)
    for ax in (a, b):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def fig_filters(weight: np.ndarray):
    """The kernels of a first convolution layer, (C_out, 1, kH, kW), one panel each."""
    fig, axes = plt.subplots(1, len(weight), figsize=(1.6 * len(weight), 1.9))
    lim = np.abs(weight).max()
    for k, ax in enumerate(axes):
        _show(ax, weight[k, 0], f"kernel {k}", cmap="RdBu_r", vmin=-lim, vmax=lim)
    fig.tight_layout()
    return fig


def fig_feature_maps(image: np.ndarray, stages: dict[str, np.ndarray]):
    """An input image and the feature maps of each stage, one row per stage."""
    rows = len(stages) + 1
    cols = max(m.shape[0] for m in stages.values())
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.85, rows * 1.05))
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(image, cmap="gray_r")
    axes[0, 0].set_title("input", fontsize=8, loc="left")
    for r, (name, maps) in enumerate(stages.items(), start=1):
        for k, m in enumerate(maps):
            axes[r, k].imshow(m, cmap="RdBu_r", vmin=-np.abs(maps).max(), vmax=np.abs(maps).max())
        axes[r, 0].set_title(f"{name} {maps.shape}", fontsize=8, loc="left")
    fig.tight_layout(pad=0.3)
    return fig


def fig_confusion(matrix: np.ndarray):
    """A confusion matrix: rows are true classes, columns predictions, counts written in."""
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    for (r, c), v in np.ndenumerate(matrix):
        if v:
            ax.text(
                c,
                r,
                v,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v > matrix.max() / 3 else "black",
            )
    ax.set_xticks(range(len(matrix)))
    ax.set_yticks(range(len(matrix)))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    fig.tight_layout()
    return fig


def fig_robustness(curves: dict[str, tuple[Sequence[float], Sequence[float]]]):
    """Accuracy of a trained network against the size of each input transformation."""
    fig, axes = plt.subplots(1, len(curves), figsize=(3.6 * len(curves), 3.1), sharey=True)
    for ax, (name, (amounts, accs)), colour in zip(axes, curves.items(), PALETTE, strict=False):
        ax.plot(amounts, accs, "o-", color=colour)
        ax.set_xlabel(name)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("held-out accuracy")
    axes[0].set_ylim(0, 1.02)
    fig.tight_layout()
    return fig
