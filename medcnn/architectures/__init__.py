"""Built-in architectures, registered through the ``register_architectures`` hook
(by :mod:`medcnn._builtins`).

Each factory ``factory(input_shape, **params)`` returns a ``keras.Model`` mapping
images of shape ``(height, width, channels)`` (any number of channels) to features:
no classification head and no softmax; the estimator adds them. The models use the
functional API and built-in Keras layers only, so they save to and load from the
``.keras`` format with ``safe_mode=True``.

Names available in ``CNNClassifier(architecture=...)`` (``min_size`` is the
smallest image side accepted with the default parameters):

``patch_cnn`` (min_size 8)
    The default of CNNClassifier: a compact batch-normalised CNN for small patches,
    four stages of 3x3 convolutions (16-32-64-128 filters), global average pooling.
``workshop_cnn`` (min_size 12)
    The IDC workshop network: three 3x3 convolutions, a 512-unit dense layer.
``lenet5`` (min_size 12)
    LeNet-5 without its output layer (84 features).
``mnist_cnn`` (min_size 4)
    The TensorFlow MNIST tutorial CNN: two 5x5 convolutions, a 1024-unit dense layer.
``usf_arch1`` (min_size 1)
    Small CNN with LeakyReLU and L2-regularized dense layers (8 features).
``usf_arch2`` (min_size 1)
    ``usf_arch1`` with an LSTM reading the 128-d dense output as 16 steps x 8 features.
``vgg_small`` (min_size 8)
    VGG-style blocks of two 3x3 convolutions; returns a feature map.
``resnet18`` (min_size 1)
    ResNet-18 with a CIFAR-style stem for images under 64 pixels; returns a feature map.
``efficientnet_b0`` .. ``efficientnet_b4``, ``resnet50``, ``inception_v3``, ``densenet121``
    ``vgg16``, ``mobilenet_v2``: ``keras.applications`` backbones (feature maps; min_size
    32, 75 for ``inception_v3``) behind a frozen layer that maps grey/RGB [0, 1] images
    to the family's ImageNet preprocessing; ``weights=None``, ``"imagenet"`` or a local
    weights file (see :func:`build_pretrained`).
``cnn3d_small``, ``resnet18_3d`` (volumes, ``spatial_dims=3``)
    A small 3-D CNN and a 3-D ResNet-18 for volumes ``(depth, height, width, channels)``;
    feature maps.

This module does not import Keras or TensorFlow; the factories do when called.
"""

from ._classic import (LENET5_MIN_SIZE, MNIST_MIN_SIZE, VGG_MIN_SIZE, WORKSHOP_MIN_SIZE,  # noqa: F401
                       lenet5, mnist_cnn, vgg_small, workshop_cnn)
from ._patch import patch_cnn
from ._pretrained import PREPROCESS_LAYER  # noqa: F401 - for transfer freezing, not public API
from ._pretrained import (PRETRAINED_ARCHITECTURES, build_densenet121, build_efficientnet_b0,
                          build_efficientnet_b1, build_efficientnet_b2, build_efficientnet_b3,
                          build_efficientnet_b4, build_inception_v3, build_mobilenet_v2,
                          build_pretrained, build_resnet50, build_vgg16)
from ._pretrained import registrations  # noqa: F401 - for the built-in plugin, not public API
from ._resnet import RESNET_MIN_SIZE, resnet18  # noqa: F401 - min sizes for the built-in plugin
from ._usf import USF_MIN_SIZE, usf_arch1, usf_arch2  # noqa: F401
from ._volumes import VOLUME_MIN_SIZE, cnn3d_small, resnet18_3d  # noqa: F401

__all__ = ["cnn3d_small", "resnet18_3d", "patch_cnn", "workshop_cnn", "lenet5", "mnist_cnn", "usf_arch1", "usf_arch2", "vgg_small",
           "resnet18", "PRETRAINED_ARCHITECTURES", "build_pretrained", "build_efficientnet_b0",
           "build_efficientnet_b1", "build_efficientnet_b2", "build_efficientnet_b3",
           "build_efficientnet_b4", "build_resnet50", "build_inception_v3", "build_densenet121",
           "build_vgg16", "build_mobilenet_v2"]
