"""The networks tools/make_models.py exports: small test models and 224x224 networks with the
layer structure of torchvision's ResNet-18 and MobileNetV2, an EfficientNet-Lite0 with "same"
padding computed at run time, and a YOLO-style detection head.

Written out here rather than imported from torchvision, so the exported graphs have the node
patterns of real exports without another dependency.
"""
import torch
from torch import nn


def conv_bn(cin, cout, k, stride=1, groups=1):
    # bias=False like real ResNets/MobileNets: BN supplies the shift.
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(),
                                  *conv_bn(cout, cout, 3))
        # 1x1 projection only when the shape changes; else identity shortcut.
        self.short = (nn.Sequential(*conv_bn(cin, cout, 1, stride))
                      if stride != 1 or cin != cout else nn.Identity())
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.body(x) + self.short(x))


class ResNetMini(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn(3, 16, 3), nn.ReLU(),
            nn.MaxPool2d(2),            # 32x32 -> 16x16
            BasicBlock(16, 16, 1),      # identity shortcut
            BasicBlock(16, 32, 2),      # 16x16 -> 8x8, 1x1 projection
            BasicBlock(32, 64, 2),      # 8x8 -> 4x4; 2nd conv: 3*3*64 = 576 rows > 512
            nn.AdaptiveAvgPool2d(1))    # exports as GlobalAveragePool
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand=4):
        super().__init__()
        hid = cin * expand
        self.body = nn.Sequential(
            *conv_bn(cin, hid, 1), nn.ReLU6(),
            *conv_bn(hid, hid, 3, stride, groups=hid), nn.ReLU6(),  # depthwise
            *conv_bn(hid, cout, 1))                                  # linear bottleneck
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetV2Mini(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn(3, 16, 3), nn.ReLU6(),
            InvertedResidual(16, 24, 2),   # 32x32 -> 16x16
            InvertedResidual(24, 24, 1),   # residual Add
            InvertedResidual(24, 32, 2),   # 16x16 -> 8x8
            InvertedResidual(32, 32, 1),   # residual Add
            *conv_bn(32, 128, 1), nn.ReLU6(),
            nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


def mlp():
    # 640 > 512: the compiler must tile both the columns of layer 1
    # and the rows of layer 2 on the 512x512 array.
    return nn.Sequential(nn.Linear(256, 640), nn.ReLU(), nn.Linear(640, 256),
                         nn.ReLU(), nn.Linear(256, 10))


def digits_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))


# ---------------------------------------------------------------- 224x224 networks

def tv_stem():
    """torchvision ResNets' stem: 7x7/2 conv, BN, ReLU, 3x3/2 max pool."""
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))


class TVBasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = conv_bn(cin, cout, 3, stride)
        self.conv2, self.bn2 = conv_bn(cout, cout, 3)
        self.relu = nn.ReLU()
        self.downsample = (nn.Sequential(*conv_bn(cin, cout, 1, stride))
                           if stride != 1 or cin != cout else None)

    def forward(self, x):
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class TVResNet(nn.Module):
    """torchvision's ResNet frame: the stem, the blocks `make_blocks()` builds as `stages`,
    global average pool and a `classes`-way FC on `channels`. Modules are built in that order
    (the seeded initialisation follows it)."""

    def __init__(self, make_blocks, channels, classes):
        super().__init__()
        self.stem = tv_stem()
        self.stages = nn.Sequential(*make_blocks())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stages(self.stem(x))), 1))


class ResNet18(TVResNet):
    """torchvision.models.resnet18's structure: 7x7/2 stem, 3x3/2 max pool, four stages of
    two basic blocks (64, 128, 256, 512 channels), global average pool, 1000-way FC."""

    def __init__(self, classes=1000):
        def blocks():
            out, cin = [], 64
            for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                out += [TVBasicBlock(cin, cout, stride), TVBasicBlock(cout, cout, 1)]
                cin = cout
            return out
        super().__init__(blocks, 512, classes)


class TVBottleneck(nn.Module):
    """torchvision's Bottleneck (v1.5: the stride on the 3x3 conv): 1x1 reduce, 3x3, 1x1
    expand by 4, projection shortcut where the shape changes."""

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = 4 * width
        self.conv1, self.bn1 = conv_bn(cin, width, 1)
        self.conv2, self.bn2 = conv_bn(width, width, 3, stride)
        self.conv3, self.bn3 = conv_bn(width, cout, 1)
        self.relu = nn.ReLU()
        self.downsample = (nn.Sequential(*conv_bn(cin, cout, 1, stride))
                           if stride != 1 or cin != cout else None)

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet50(TVResNet):
    """torchvision.models.resnet50's structure: the ResNet-18 stem, stages of 3, 4, 6 and 3
    bottleneck blocks (widths 64..512, outputs 256..2048 channels), 1000-way FC. 25.6 M
    parameters, 4.1 G MACs at 224x224."""

    def __init__(self, classes=1000):
        def blocks():
            out, cin = [], 64
            for width, count, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
                for i in range(count):
                    out.append(TVBottleneck(cin, width, stride if i == 0 else 1))
                    cin = 4 * width
            return out
        super().__init__(blocks, 2048, classes)


class ConvChain(nn.Module):
    """`depth` layers for the compile-time scaling benchmark: 3x3 conv + BN + ReLU pairs at
    32 channels on 16x16, every other one with a residual add, then a classifier. Layers grow
    linearly with depth and nothing else does."""

    def __init__(self, depth, channels=32, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, channels, 3, padding=1)
        self.body = nn.ModuleList(nn.Sequential(*conv_bn(channels, channels, 3)) for _ in range(depth))
        self.relu = nn.ReLU()
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        x = self.relu(self.stem(x))
        for i, layer in enumerate(self.body):
            y = self.relu(layer(x))
            x = x + y if i % 2 else y
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class TVInvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hid = cin * expand
        layers = [*conv_bn(cin, hid, 1), nn.ReLU6()] if expand != 1 else []
        layers += [*conv_bn(hid, hid, 3, stride, groups=hid), nn.ReLU6(), *conv_bn(hid, cout, 1)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    """torchvision.models.mobilenet_v2's structure (width 1.0): 17 inverted residual blocks."""
    SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))  # expand t, channels c, repeats n, stride s

    def __init__(self, classes=1000):
        super().__init__()
        layers, cin = [*conv_bn(3, 32, 3, 2), nn.ReLU6()], 32
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(TVInvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers += [*conv_bn(cin, 1280, 1), nn.ReLU6(), nn.AdaptiveAvgPool2d(1)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class SameConv(nn.Conv2d):
    """TensorFlow's "same" padding computed from the input size at run time, as the
    EfficientNet ports (Conv2dDynamicSamePadding) do: the export holds Shape -> arithmetic ->
    Pad chains that only constant folding turns into numbers."""

    def forward(self, x):
        hw = torch._shape_as_tensor(x)[-2:].float()  # traced: Shape -> Slice -> Cast
        pads = []
        for axis in (1, 0):  # F.pad lists the last axis (width) first
            k, s, size = self.kernel_size[axis], self.stride[axis], hw[axis]
            total = torch.clamp((torch.ceil(size / s) - 1) * s + k - size, min=0).to(torch.int64)
            pads += [total // 2, total - total // 2]
        return super().forward(nn.functional.pad(x, pads))


def same_conv_bn(cin, cout, k, stride=1, groups=1):
    return [SameConv(cin, cout, k, stride, 0, groups=groups, bias=False), nn.BatchNorm2d(cout)]


class MBConv(nn.Module):
    def __init__(self, cin, cout, k, stride, expand):
        super().__init__()
        hid = cin * expand
        layers = [*conv_bn(cin, hid, 1), nn.ReLU6()] if expand != 1 else []
        layers += [*same_conv_bn(hid, hid, k, stride, groups=hid), nn.ReLU6(), *conv_bn(hid, cout, 1)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0 (no squeeze-excite, ReLU6, as for edge accelerators) with dynamic
    "same" padding on the stem and every depthwise convolution (5x5 kernels included)."""
    BLOCKS = ((3, 1, 1, 32, 16, 1), (3, 2, 6, 16, 24, 2), (5, 2, 6, 24, 40, 2), (3, 2, 6, 40, 80, 3),
              (5, 1, 6, 80, 112, 3), (5, 2, 6, 112, 192, 4), (3, 1, 6, 192, 320, 1))  # k, s, e, in, out, n

    def __init__(self, classes=1000):
        super().__init__()
        layers = [*same_conv_bn(3, 32, 3, 2), nn.ReLU6()]
        for k, s, e, cin, cout, n in self.BLOCKS:
            for i in range(n):
                layers.append(MBConv(cin if i == 0 else cout, cout, k, s if i == 0 else 1, e))
        layers += [*conv_bn(320, 1280, 1), nn.ReLU6(), nn.AdaptiveAvgPool2d(1)]
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(1280, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class YoloHead(nn.Module):
    """A YOLOv5/v8-style neck and head at 3 scales: SiLU convolutions, nearest 2x upsampling,
    Concat of the upsampled path with a backbone feature of a different width, 1x1 detection
    convolutions (3 anchors x (4 box + 1 objectness + 3 classes) = 24 outputs per cell)."""

    def __init__(self):
        super().__init__()
        def cbs(cin, cout, k=3, s=1):
            return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.SiLU())
        self.c1, self.c2, self.c3, self.c4 = cbs(3, 16, 3, 2), cbs(16, 32, 3, 2), cbs(32, 48, 3, 2), cbs(48, 64, 3, 2)
        self.lat = cbs(64, 32, 1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.fuse = cbs(32 + 48, 48)      # concat of unequal widths: 32 upsampled + 48 skip
        self.lat2 = cbs(48, 24, 1)
        self.fuse2 = cbs(24 + 32, 32)
        self.det = nn.ModuleList(nn.Conv2d(c, 24, 1) for c in (32, 48, 32))

    def forward(self, x):
        p2 = self.c2(self.c1(x))
        p3 = self.c3(p2)
        p4 = self.lat(self.c4(p3))
        n3 = self.fuse(torch.cat([self.up(p4), p3], 1))
        n2 = self.fuse2(torch.cat([self.up(self.lat2(n3)), p2], 1))
        return torch.cat([d(f).flatten(2) for d, f in zip(self.det, (n2, n3, p4))], 2)


class ConvAutoencoder(nn.Module):
    """A convolutional autoencoder as in denoising / anomaly-detection demos: stride-2 conv
    encoder, stride-2 ConvTranspose decoder (kernel 4 / pad 1 and kernel 3 / pad 1 /
    output_padding 1, the two usual spellings of "double the size"). The output is linear: a
    sigmoid would sit near 0.5 with random weights and make any cosine look perfect."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU())
        self.decoder = nn.Sequential(nn.ConvTranspose2d(32, 16, 4, 2, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(16, 1, 3, 2, 1, output_padding=1))

    def forward(self, x):
        return self.decoder(self.encoder(x))


class EncoderBlock(nn.Module):
    """A pre-norm transformer encoder block as in timm's ViT: LayerNorm, multi-head
    self-attention (nn.MultiheadAttention: packed QKV projection, softmax(QK^T/sqrt(d))V),
    residual, LayerNorm, GELU MLP, residual."""

    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x):
        y = self.norm1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class TinyViT(nn.Module):
    """A small ViT: 4x4 patch convolution, class token, learned position embedding,
    transformer encoder blocks, final LayerNorm, classifier on the class token (x[:, 0], which
    exports as a Gather). The class token and position embedding start at the magnitude of
    the patch embeddings, as trained ones have: at timm's initial std 0.02 the class token is
    one or two codes of the int8 residual stream, and its row of every LayerNorm is noise (for
    onnxruntime's static INT8 as for convc's)."""

    def __init__(self, image=32, patch=4, dim=64, depth=2, heads=4, hidden=128, classes=10):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, patch, patch)
        tokens = (image // patch) ** 2
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, tokens + 1, dim) * 0.5)
        self.blocks = nn.Sequential(*[EncoderBlock(dim, heads, hidden) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


class _LRNFunction(torch.autograd.Function):
    """PyTorch's local_response_norm, exported as one ONNX LRN node (as Caffe-era model-zoo
    files have it) rather than PyTorch's Pow/Pad/AveragePool decomposition."""

    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):
        return nn.functional.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class LRN(nn.Module):
    def __init__(self, size, alpha=1e-4, beta=0.75, k=2.0):
        super().__init__()
        self.args = (size, alpha, beta, k)

    def forward(self, x):
        return _LRNFunction.apply(x, *self.args)


class AlexNetLRN(nn.Module):
    """A classic CIFAR-sized CNN in the style of AlexNet / cuda-convnet: 5x5 convolutions with
    ReLU, local response normalisation across channels (LRN, size 5) and overlapping 3x3/2 max
    pooling, two fully connected layers and a Softmax output (the probabilities are the
    model's result, as in the old model-zoo exports)."""

    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 5, 1, 2), nn.ReLU(), LRN(5), nn.MaxPool2d(3, 2),
            nn.Conv2d(32, 64, 5, 1, 2), nn.ReLU(), LRN(5), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 96, 3, 1, 1), nn.ReLU())
        self.classifier = nn.Sequential(nn.Linear(96 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, classes))
        # He initialisation: with PyTorch's default the activations shrink layer by layer and
        # the softmax is uniform to 1%, where any cosine is 1 and says nothing.
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return torch.softmax(self.classifier(torch.flatten(self.features(x), 1)), 1)
