"""Batched view augmentations with per-sample random parameters.

The colour and flip transforms of the MoCo v2 view pipeline, applied to a
whole batch on its device (GPU or CPU) instead of image by image in the data
workers. Each op draws its own parameters for every sample from the same
distributions as the CPU transform it replaces:

==================  ==========================================================
CPU transform       batched op
==================  ==========================================================
``ColorJitter``     :class:`BatchColorJitter` (mmpretrain: PIL's enhancers in
                    a random order per image, hue by an HSV rotation)
``RandomGrayscale`` :class:`BatchGrayscale` (mmcv, weighted channel sum)
``GaussianBlur``    :class:`BatchGaussianBlur` (mmpretrain: PIL's blur with
                    radius = sigma)
``Solarize``        :class:`BatchSolarize` (mmcv: ``x < thr ? x : 255 - x``)
``RandomFlip``      :class:`BatchFlip` (horizontal; the flips are returned)
==================  ==========================================================

Images are float tensors ``(N, 3, H, W)`` in RGB order with values in
``[0, 255]``. Unlike the CPU path, values are not rounded to uint8 between
ops (a difference of at most half a grey level per op). Every op draws the
parameters of all N samples and runs on the whole batch, ``torch.where``
keeping its result for the samples it applies to: no ``nonzero``, ``item``
or data-dependent shape makes the host wait for the GPU. Not kornia: its
``ColorJitter`` (0.9) draws one order of the four ops per batch where
mmpretrain draws one per image; nor ``torchvision.transforms.v2``, which
draws one set of parameters per call.
"""
import math

import torch

__all__ = [
    'BatchColorJitter', 'BatchGrayscale', 'BatchGaussianBlur', 'BatchSolarize',
    'BatchFlip'
]


def _uniform(n, low, high, gen, device):
    return low + (high - low) * torch.rand(n, generator=gen, device=device)


def _coin(n, prob, gen, device):
    """Which of ``n`` samples an op with probability ``prob`` applies to
    (bool ``(n,)``; no draw when it always does)."""
    if prob >= 1:
        return torch.ones(n, dtype=torch.bool, device=device)
    return torch.rand(n, generator=gen, device=device) < prob


class _BatchOp:
    """``op(x, gen)``: draw every sample's parameters (:meth:`draw`), then
    apply them (:meth:`apply`, a new tensor; ``x`` is left as it was)."""

    def __call__(self, x, gen=None):
        return self.apply(x, self.draw(len(x), gen, x.device))

    def draw(self, n, gen=None, device=None):
        """``apply``: bool ``(n,)``, the samples the op changes."""
        return dict(apply=_coin(n, self.prob, gen, device))


def luma(x):
    """PIL's 'L' conversion (ITU-R 601-2) of RGB ``(N, 3, H, W)``."""
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])


def blend(x, degenerate, factor):
    """PIL ``ImageEnhance``: ``degenerate + factor * (x - degenerate)``."""
    return (degenerate + factor.view(-1, 1, 1, 1) * (x - degenerate)).clamp_(
        0, 255)


def adjust_brightness(x, factor):
    return blend(x, torch.zeros_like(x[:, :1]), factor)


def adjust_contrast(x, factor):
    mean = luma(x).mean((1, 2, 3), keepdim=True).round()  # PIL: int(m + .5)
    return blend(x, mean, factor)


def adjust_saturation(x, factor):
    return blend(x, luma(x), factor)


def rgb_to_hsv(x):
    """``(N, 3, H, W)`` RGB in ``[0, 1]`` to hue, saturation, value."""
    maxc, argmax = x.max(1)
    minc = x.min(1)[0]
    delta = maxc - minc
    sat = delta / maxc.clamp(min=1e-8)
    r, g, b = ((maxc.unsqueeze(1) - x) /
               delta.clamp(min=1e-8).unsqueeze(1)).unbind(1)
    hue = torch.stack([b - g, 2 + r - b, 4 + g - r], 1)
    hue = hue.gather(1, argmax.unsqueeze(1))[:, 0]
    hue = torch.where(delta > 0, (hue / 6) % 1, torch.zeros_like(hue))
    return hue, sat, maxc


def hsv_to_rgb(hue, sat, val):
    """Inverse of :func:`rgb_to_hsv`: channel ``c`` is
    ``v - v s clamp(min(k, 4 - k), 0, 1)``, ``k = (n_c + 6 h) mod 6`` with
    ``n = 5, 3, 1`` for R, G, B."""
    # 5, 3, 1 made on the device: no copy from the host
    n = torch.arange(5., 0., -2., device=hue.device).view(1, 3, 1, 1)
    k = (n + 6 * hue.unsqueeze(1)) % 6
    ramp = torch.minimum(k, 4 - k).clamp(0, 1)
    return val.unsqueeze(1) * (1 - sat.unsqueeze(1) * ramp)


def adjust_hue(x, shift):
    """Rotate the hue by ``shift`` turns (``[-0.5, 0.5]``), per sample."""
    hue, sat, val = rgb_to_hsv(x / 255)
    hue = (hue + shift.view(-1, 1, 1)) % 1
    return hsv_to_rgb(hue, sat, val) * 255


def _range(value, name, center, bound):
    """mmpretrain ColorJitter's ranges: a number v is ``center -/+ v``,
    clipped to ``bound``; None when the op does nothing."""
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f'BatchColorJitter: {name} must be >= 0, got '
                             f'{value}')
        value = (center - value, center + value)
    low, high = max(bound[0], value[0]), min(bound[1], value[1])
    return None if low == high == center else (float(low), float(high))


class BatchColorJitter(_BatchOp):
    """mmpretrain's ``ColorJitter`` (PIL backend) over a batch: brightness,
    contrast, saturation and hue, each factor drawn per sample, the four in a
    random order per sample.

    Args:
        brightness, contrast, saturation (float | tuple): Factor ranges as in
            mmpretrain (``v`` means ``[max(0, 1 - v), 1 + v]``). Default 0.
        hue (float | tuple): Shift range in turns (``v`` means ``[-v, v]``,
            within ``[-0.5, 0.5]``). Default 0.
        prob (float): Share of samples jittered at all (the ``RandomApply``
            around the CPU transform). Default 1.
    """

    def __init__(self,
                 brightness=0.,
                 contrast=0.,
                 saturation=0.,
                 hue=0.,
                 prob=1.):
        inf = float('inf')
        self.ranges = [
            _range(brightness, 'brightness', 1, (0, inf)),
            _range(contrast, 'contrast', 1, (0, inf)),
            _range(saturation, 'saturation', 1, (0, inf)),
            _range(hue, 'hue', 0, (-0.5, 0.5)),
        ]
        self.ops = [
            adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue
        ]
        self.prob = prob

    def draw(self, n, gen=None, device=None):
        """``apply`` (bool ``(n,)``), ``order`` (``(n, 4)``: op ids 0-3 =
        brightness, contrast, saturation, hue, in the order applied) and
        ``factors`` (one ``(n,)`` per op, None for an op that is off)."""
        apply = _coin(n, self.prob, gen, device)
        order = torch.rand(n, 4, generator=gen, device=device).argsort(1)
        factors = [
            None if r is None else _uniform(n, *r, gen, device)
            for r in self.ranges
        ]
        return dict(apply=apply, order=order, factors=factors)

    def apply(self, x, params):
        # each op runs on the whole batch; where() keeps it for the rows
        # whose op at this step it is
        order = torch.where(params['apply'][:, None], params['order'], -1)
        for step in range(4):
            ops = zip(self.ops, params['factors'])
            for op_id, (op, factor) in enumerate(ops):
                if factor is not None:
                    rows = (order[:, step] == op_id).view(-1, 1, 1, 1)
                    x = torch.where(rows, op(x, factor), x)
        return x

    def __repr__(self):
        return f'BatchColorJitter(ranges={self.ranges}, prob={self.prob})'


class BatchGrayscale(_BatchOp):
    """mmcv's ``RandomGrayscale(keep_channels=True)`` over a batch.

    Args:
        prob (float): Share of samples turned grey. Default 0.1.
        channel_weights (tuple): Weights of the R, G, B channels (normalised
            to sum 1). Default (1, 1, 1).
    """

    def __init__(self, prob=0.1, channel_weights=(1., 1., 1.)):
        w = torch.tensor(channel_weights, dtype=torch.float32)
        # numbers, not a tensor: nothing to copy to the device per call
        self.weights = tuple((w / w.sum()).tolist())
        self.prob = prob

    def apply(self, x, params):
        r, g, b = self.weights
        grey = x[:, 0:1] * r + x[:, 1:2] * g + x[:, 2:3] * b
        return torch.where(params['apply'].view(-1, 1, 1, 1), grey, x)

    def __repr__(self):
        return (f'BatchGrayscale(prob={self.prob}, '
                f'rgb_weights={list(self.weights)})')


class BatchGaussianBlur(_BatchOp):
    """mmpretrain's ``GaussianBlur`` over a batch: a Gaussian of standard
    deviation ``sigma`` drawn per sample, edges repeated (as PIL); the taps
    of the batch end at 3 times the largest sigma of its blurred samples.
    Sigma 0 leaves the image as it is (PIL's radius 0).

    Args:
        sigma_range (tuple): ``(low, high)`` of the uniform sigma, in pixels.
        prob (float): Share of samples blurred. Default 0.5.
    """

    def __init__(self, sigma_range, prob=0.5):
        self.sigma_range = tuple(float(s) for s in sigma_range)
        self.prob = prob
        # room for the widest kernel any draw can ask for
        self.radius = max(1, math.ceil(3 * max(self.sigma_range)))

    def draw(self, n, gen=None, device=None):
        """``apply`` (bool ``(n,)``) and ``sigma`` (``(n,)``)."""
        params = super().draw(n, gen, device)
        return dict(params, sigma=_uniform(n, *self.sigma_range, gen, device))

    def apply(self, x, params):
        apply, sigma = params['apply'], params['sigma']
        n, c, h, w = x.shape
        radius = self.radius
        taps = torch.arange(
            -radius, radius + 1, device=x.device, dtype=x.dtype)
        top = torch.where(apply, sigma, 0).max().double()
        inside = taps.abs() <= (3 * top).ceil().clamp(min=1)
        # below sigma ~0.05 the kernel is one tap of 1 in float32: sigma 0
        # (0 / 0 otherwise) gives the image back exactly
        sigma = sigma.clamp(min=1e-3)
        kernel = torch.exp(-0.5 * (taps[None] / sigma[:, None])**2) * inside
        kernel = (kernel / kernel.sum(1, keepdim=True)).repeat_interleave(c, 0)
        out = torch.nn.functional.pad(
            x.reshape(1, n * c, h, w), [radius] * 4, mode='replicate')
        out = torch.nn.functional.conv2d(
            out, kernel.view(n * c, 1, 1, -1), groups=n * c)
        out = torch.nn.functional.conv2d(
            out, kernel.view(n * c, 1, -1, 1), groups=n * c)
        return torch.where(apply.view(-1, 1, 1, 1), out.view(n, c, h, w), x)

    def __repr__(self):
        return (f'BatchGaussianBlur(sigma_range={self.sigma_range}, '
                f'prob={self.prob})')


class BatchSolarize(_BatchOp):
    """mmcv's ``solarize`` over a batch: values at or above ``thr`` are
    inverted.

    Args:
        thr (float): Threshold, in ``[0, 255]``. Default 128.
        prob (float): Share of samples solarized. Default 0.5.
    """

    def __init__(self, thr=128., prob=0.5):
        self.thr = float(thr)
        self.prob = prob

    def apply(self, x, params):
        keep = ~params['apply'].view(-1, 1, 1, 1) | (x < self.thr)
        return torch.where(keep, x, 255 - x)

    def __repr__(self):
        return f'BatchSolarize(thr={self.thr}, prob={self.prob})'


class BatchFlip(_BatchOp):
    """Horizontal flip of a share of the batch; also returns which samples
    were flipped, for the crop records.

    Args:
        prob (float): Share of samples flipped. Default 0.5.
    """

    def __init__(self, prob=0.5):
        self.prob = prob

    def __call__(self, x, gen=None):
        params = self.draw(len(x), gen, x.device)
        return self.apply(x, params), params['apply']

    def draw(self, n, gen=None, device=None):
        return dict(
            apply=torch.rand(n, generator=gen, device=device) < self.prob)

    def apply(self, x, params):
        return torch.where(params['apply'].view(-1, 1, 1, 1), x.flip(-1), x)

    def __repr__(self):
        return f'BatchFlip(prob={self.prob})'
