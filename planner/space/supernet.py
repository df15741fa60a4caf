"""The MobileNetV2-style search space and the subnets sampled from it.

The supernet follows MobileNetV2's stage layout (Sandler et al. 2018, table 2; Keras'
``keras.applications.MobileNetV2``): a 3x3 stride-2 stem convolution, one fixed inverted
residual block, six searchable stages, a last 1x1 convolution, global average pooling and a
fully connected classifier. As in MCUNet's TinyNAS, every block chooses its depthwise kernel
size and expansion ratio and every searchable stage its depth; the width multiplier scales
every channel count (rounded to multiples of 8 as Keras' ``_make_divisible`` does, including
the last convolution's 1280, which MCUNet scales too) and the resolution is the square input
side.

A subnet is a pure function of ``(seed, width, resolution, index)``, so the same seed gives the
same subnets whichever process samples them, in any order.
"""

from __future__ import annotations

from dataclasses import dataclass

KERNEL_SIZES = (3, 5, 7)
EXPANSIONS = (3, 4, 6)
DEPTHS = (2, 3, 4)

#: MobileNetV2's stem output channels (before the width multiplier).
STEM_CHANNELS = 32
#: The first block: expansion 1, 3x3, 16 channels, stride 1 (not searched, as in MobileNetV2).
FIRST_BLOCK_CHANNELS = 16
#: Searchable stages: (output channels, stride of the first block, searchable depth?).
#: MobileNetV2's (24, 2), (32, 2), (64, 2), (96, 1), (160, 2) take a depth from DEPTHS; its
#: last stage (320, 1) keeps one block, whose kernel and expansion are searched.
STAGES: tuple[tuple[int, int, bool], ...] = (
    (24, 2, True),
    (32, 2, True),
    (64, 2, True),
    (96, 1, True),
    (160, 2, True),
    (320, 1, False),
)
#: MobileNetV2's last 1x1 convolution, scaled by the width multiplier.
LAST_CHANNELS = 1280

DEFAULT_WIDTHS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
DEFAULT_RESOLUTIONS = (96, 128, 160, 192, 224)
DEFAULT_CLASSES = 1000


def make_divisible(value: float, divisor: int = 8) -> int:
    """Keras' ``_make_divisible``: nearest multiple of ``divisor``, never 10 % below ``value``."""
    new = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


@dataclass(frozen=True)
class Block:
    """One inverted residual block: 1x1 expand (unless expansion 1), kxk depthwise, 1x1 project."""

    in_channels: int
    out_channels: int
    kernel: int
    expansion: int
    stride: int

    @property
    def hidden_channels(self) -> int:
        return self.in_channels * self.expansion

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.in_channels == self.out_channels


@dataclass(frozen=True)
class Subnet:
    """One network of the space: its choices, and where in the sample it came from."""

    width: float
    resolution: int
    #: Depth of each searchable stage (1 for the fixed-depth last stage).
    depths: tuple[int, ...]
    #: Kernel size and expansion of each searchable block, in execution order.
    kernels: tuple[int, ...]
    expansions: tuple[int, ...]
    classes: int = DEFAULT_CLASSES
    seed: int = 0
    index: int = 0

    @property
    def stem_channels(self) -> int:
        return make_divisible(STEM_CHANNELS * self.width)

    @property
    def last_channels(self) -> int:
        return make_divisible(LAST_CHANNELS * self.width)

    def blocks(self) -> tuple[Block, ...]:
        """Every block in order, the fixed first block included."""
        channels = self.stem_channels
        first_out = make_divisible(FIRST_BLOCK_CHANNELS * self.width)
        out = [Block(channels, first_out, 3, 1, 1)]
        channels = first_out
        choice = 0
        for (base, stride, _), depth in zip(STAGES, self.depths, strict=True):
            width = make_divisible(base * self.width)
            for i in range(depth):
                k, e = self.kernels[choice], self.expansions[choice]
                out.append(Block(channels, width, k, e, stride if i == 0 else 1))
                channels = width
                choice += 1
        return tuple(out)

    @property
    def label(self) -> str:
        """A compact, stable description: depths, then kernel/expansion per block."""
        d = "".join(str(x) for x in self.depths)
        ke = ",".join(f"{k}{e}" for k, e in zip(self.kernels, self.expansions, strict=True))
        return f"d{d}:{ke}"


def _width_key(width: float) -> int:
    return round(width * 1000)


def sample_subnet(
    seed: int, width: float, resolution: int, index: int, classes: int = DEFAULT_CLASSES
) -> Subnet:
    """The ``index``-th subnet of the (width, resolution) space for ``seed``: uniform choices,
    from a random stream that depends on these four numbers only."""
    import numpy as np  # here, so that `planner --help` does not import numpy

    rng = np.random.default_rng([seed, _width_key(width), resolution, index])
    drawn = rng.integers(0, len(DEPTHS), len(STAGES))
    depths = tuple(
        int(DEPTHS[i]) if searchable else 1
        for i, (_, _, searchable) in zip(drawn, STAGES, strict=True)
    )
    n = sum(depths)
    kernels = tuple(int(KERNEL_SIZES[i]) for i in rng.integers(0, len(KERNEL_SIZES), n))
    expansions = tuple(int(EXPANSIONS[i]) for i in rng.integers(0, len(EXPANSIONS), n))
    return Subnet(width, resolution, depths, kernels, expansions, classes, seed, index)


def check_grid(widths: tuple[float, ...], resolutions: tuple[int, ...]) -> list[str]:
    """Problems with a grid, one line each (empty when it is usable)."""
    problems = []
    if not widths:
        problems.append("no width multipliers given")
    if not resolutions:
        problems.append("no resolutions given")
    problems += [f"width multiplier {w:g} is not in (0, 4]" for w in widths if not 0 < w <= 4]
    problems += [f"resolution {r} is not in 32..1024" for r in resolutions if not 32 <= r <= 1024]
    return problems
