"""Small synthetic images made with NumPy alone, for the chapter on convolutional networks.

A letter glyph and its shifted, rotated and rescaled copies; a toy scene of discs and a square;
simulated face embeddings. :mod:`nnbook.viz.vision` draws them.

See the chapter :doc:`/cnn`.
"""

from __future__ import annotations

import numpy as np

from ..init import make_rng

# The block letters as (row start, row end, column start, column end) bars.
_BARS = {
    "F": [(6, 26, 9, 13), (6, 8, 9, 24), (15, 17, 9, 20)],
    "E": [(6, 26, 9, 13), (6, 8, 9, 24), (15, 17, 9, 20), (24, 26, 9, 24)],
}


def glyph(letter: str = "F") -> np.ndarray:
    """A 32x32 block letter ("F" or "E"): 1 on the letter, 0 on the background."""
    img = np.zeros((32, 32))
    for r0, r1, c0, c1 in _BARS[letter]:
        img[r0:r1, c0:c1] = 1.0
    return img


def shift(img: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move the content of the last two axes down by ``dy`` and right by ``dx``, filling with 0."""
    out = np.zeros_like(img)
    h, w = img.shape[-2:]
    src = img[..., max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
    out[..., max(0, dy) : max(0, dy) + src.shape[-2], max(0, dx) : max(0, dx) + src.shape[-1]] = src
    return out


def _resample(img: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Nearest-neighbour resampling of the last two axes: the output pixel p reads the input
    at ``centre + matrix @ (p - centre)``; pixels read from outside are 0."""
    h, w = img.shape[-2:]
    centre = np.array([(h - 1) / 2, (w - 1) / 2])
    rows, cols = np.mgrid[0:h, 0:w]
    src = np.tensordot(matrix, np.stack([rows, cols]) - centre[:, None, None], axes=1)
    src = np.rint(src + centre[:, None, None]).astype(int)  # (2, H, W)
    inside = (src[0] >= 0) & (src[0] < h) & (src[1] >= 0) & (src[1] < w)
    out = img[..., np.clip(src[0], 0, h - 1), np.clip(src[1], 0, w - 1)]
    return np.where(inside, out, 0.0)


def rotate(img: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate the last two axes anticlockwise about the centre (nearest neighbour)."""
    t = np.deg2rad(degrees)
    return _resample(img, np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]]))


def rescale(img: np.ndarray, factor: float) -> np.ndarray:
    """Zoom the last two axes by ``factor`` about the centre, keeping the size (nearest)."""
    return _resample(img, np.eye(2) / factor)


def variants(img: np.ndarray, *, rng=None) -> dict[str, np.ndarray]:
    """The same object under the changes of lighting, pose and view that make vision hard."""
    rng = make_rng(rng)
    occluded = img.copy()
    occluded[4:20, 14:30] = 0.5  # a grey patch in front of the top right
    return {
        "original": img,
        "darker (x0.4)": 0.4 * img,
        "low contrast": (img - 0.5) * 0.3 + 0.5,
        "rotated 30°": rotate(img, 30),
        "scaled x0.6": rescale(img, 0.6),
        "shifted (+6, +4)": shift(img, 6, 4),
        "occluded": occluded,
        "noisy (σ = 0.2)": img + 0.2 * rng.standard_normal(img.shape),
    }


def toy_scene(*, rng=None, size: int = 64):
    """A noisy picture with two discs and one square, plus its annotations.

    Returns the image, the semantic map (0 background, 1 disc, 2 square), the instance map
    (0 background, 1..3 objects) and the objects as ``(class name, (x0, y0, x1, y1))``.
    """
    rng = make_rng(rng)
    rows, cols = np.mgrid[0:size, 0:size]
    semantic = np.zeros((size, size), int)
    instance = np.zeros((size, size), int)
    objects = []
    shapes = [("disc", (18, 20, 10)), ("disc", (44, 24, 8)), ("square", (34, 46, 9))]
    for k, (name, (cy, cx, r)) in enumerate(shapes, start=1):
        if name == "disc":
            mask = (rows - cy) ** 2 + (cols - cx) ** 2 <= r**2
        else:
            mask = (np.abs(rows - cy) <= r) & (np.abs(cols - cx) <= r)
        semantic[mask] = 1 if name == "disc" else 2
        instance[mask] = k
        objects.append((name, (cx - r - 1, cy - r - 1, cx + r + 1, cy + r + 1)))
    image = 0.25 + 0.5 * (semantic > 0) + 0.08 * rng.standard_normal((size, size))
    return image, semantic, instance, objects


def face_embeddings(*, rng=None, identities=5, per_identity=20, dim=128, noise=0.6):
    """Simulated face embeddings: a random unit-length centre per person, plus noise.

    Returns ``(embeddings, ids)``: ``embeddings`` is (identities * per_identity, dim) with rows
    of length 1, as a face-recognition network would output them; ``ids`` gives each row's
    person. No face and no network are involved.
    """
    rng = make_rng(rng)
    centres = rng.standard_normal((identities, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    ids = np.repeat(np.arange(identities), per_identity)
    emb = centres[ids] + noise / np.sqrt(dim) * rng.standard_normal((len(ids), dim))
    return emb / np.linalg.norm(emb, axis=1, keepdims=True), ids  # (n, dim) on the unit sphere
