"""Small PyTorch models built from code (no downloads), for the ONNX export tests, the ONNX
fixtures (tests/fixtures/make_onnx_fixtures.py) and the ONNX benchmark (bench/onnx.ts)."""

from __future__ import annotations

import torch
from torch import nn


def mlp(inputs: int = 12, width: int = 32, classes: int = 5) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, width),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(width, width),
        nn.Tanh(),
        nn.Linear(width, classes),
    )


class BasicBlock(nn.Module):
    """The CIFAR ResNet block: two 3x3 convolutions, a 1x1 projection when the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # As in torchvision: one in-place ReLU module used twice. It overwrites bn1's output,
        # which a tap on bn1 must still see unchanged.
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class ResNet20(nn.Module):
    """He et al.'s CIFAR ResNet-20: 3 stages x 3 basic blocks, 16/32/64 channels."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        stages = []
        cin = 16
        for stage, cout in enumerate([16, 32, 64]):
            blocks = []
            for block in range(3):
                blocks.append(BasicBlock(cin, cout, 2 if block == 0 and stage > 0 else 1))
                cin = cout
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class TextClassifier(nn.Module):
    """A transformer encoder over token ids, classifying from the first token."""

    def __init__(
        self,
        vocab: int = 50,
        dim: int = 32,
        heads: int = 4,
        layers: int = 2,
        tokens: int = 10,
        classes: int = 2,
    ):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.position = nn.Parameter(torch.randn(1, tokens, dim) * 0.1)
        layer = nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(dim, classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(self.embed(ids) + self.position)
        return self.head(hidden[:, 0])


def randomize_norms(model: nn.Module, seed: int) -> nn.Module:
    """Random BatchNorm statistics and affine weights, so eval-mode norms are not identities."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                size = module.num_features
                module.running_mean.copy_(torch.randn(size, generator=generator) * 0.2)
                module.running_var.copy_(torch.rand(size, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(size, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(size, generator=generator) * 0.1)
    return model
