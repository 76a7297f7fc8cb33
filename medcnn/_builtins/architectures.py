"""Built-in architectures: the networks of :mod:`medcnn.architectures`."""

from medcnn.architectures import (LENET5_MIN_SIZE, VOLUME_MIN_SIZE, cnn3d_small, resnet18_3d, MNIST_MIN_SIZE, RESNET_MIN_SIZE, USF_MIN_SIZE,
                                  VGG_MIN_SIZE, WORKSHOP_MIN_SIZE, lenet5, mnist_cnn, patch_cnn,
                                  registrations, resnet18, usf_arch1, usf_arch2, vgg_small,
                                  workshop_cnn)
from medcnn.hookspecs import hookimpl

__all__ = ["register_architectures"]

#: name -> (factory, description, min_size)
NETWORKS = {
    "patch_cnn": (patch_cnn, "Compact batch-normalised CNN for small patches, the default (features)", 8),
    "workshop_cnn": (workshop_cnn, "IDC workshop CNN: 3 conv layers, dense 512 (features)",
                     WORKSHOP_MIN_SIZE),
    "lenet5": (lenet5, "LeNet-5: 2 conv + avg-pool layers, dense 120-84 (features)", LENET5_MIN_SIZE),
    "mnist_cnn": (mnist_cnn, "TensorFlow MNIST tutorial CNN: 2 conv 5x5 layers, dense 1024 (features)",
                  MNIST_MIN_SIZE),
    "usf_arch1": (usf_arch1, "USF arch. 1: 2 conv + LeakyReLU, L2 dense 128-8 (features)", USF_MIN_SIZE),
    "usf_arch2": (usf_arch2, "USF arch. 2: 2 conv + LeakyReLU, dense 128 reshaped 16x8, LSTM(8) (features)",
                  USF_MIN_SIZE),
    "vgg_small": (vgg_small, "Small VGG: blocks of two 3x3 convs + max-pool, 32-64-128 filters (feature map)",
                  VGG_MIN_SIZE),
    "resnet18": (resnet18, "ResNet-18, CIFAR-style stem below 64 px (feature map)", RESNET_MIN_SIZE),
}


@hookimpl
def register_architectures(register):
    """Register the networks trained from scratch and the ``keras.applications`` backbones."""
    for name, (factory, description, min_size) in NETWORKS.items():
        register(name, factory, description=description, min_size=min_size)
    for name, factory, metadata in registrations():
        register(name, factory, **metadata)
    register("cnn3d_small", cnn3d_small, description="Small 3-D CNN for volumes: conv-BN-ReLU-pool x3, "
             "16-32-64 filters (feature map)", min_size=VOLUME_MIN_SIZE, spatial_dims=3)
    register("resnet18_3d", resnet18_3d, description="3-D ResNet-18 for volumes, small-volume stem, width 32 "
             "(feature map)", min_size=VOLUME_MIN_SIZE, spatial_dims=3)
