"""Built-in augmenters: the layers of :mod:`medcnn.augmenters`."""

from medcnn.augmenters import (augmix, blur, brightness, color_jitter, contrast, cutmix, elastic, erasing,
                               flip, histology, hue, mixup, noise, perspective, radiograph, randaugment,
                               resized_crop, rotate, rotate90, sharpness, shear, shift, stain_jitter,
                               volume_flip, volume_intensity, volume_rotate90, zoom)
from medcnn.hookspecs import hookimpl

__all__ = ["register_augmenters"]

#: name -> (factory, description, metadata)
AUGMENTERS = {
    "flip": (flip, "Random horizontal and vertical flips", {}),
    "rotate": (rotate, "Random rotation by up to factor x 360 degrees (default 0.1)", {}),
    "rotate90": (rotate90, "Random rotation by multiples of 90 degrees", {}),
    "shear": (shear, "Random shear by up to factor of the image size (default 0.1)", {}),
    "zoom": (zoom, "Random zoom in or out by up to factor (default 0.1)", {}),
    "shift": (shift, "Random translation by up to factor of the image size (default 0.1)", {}),
    "resized_crop": (resized_crop, "Random crop of scale (0.5, 1) of the area, resized back", {}),
    "perspective": (perspective, "Random perspective warp (scale 0.1, probability 0.5)", {}),
    "elastic": (elastic, "Random elastic deformation, each image its own smooth field (probability 0.5)", {}),
    "brightness": (brightness, "Random brightness shift by up to factor (default 0.1)", {}),
    "contrast": (contrast, "Random contrast change by up to factor (default 0.2)", {}),
    "color_jitter": (color_jitter, "Random brightness, contrast, saturation and hue (RGB)",
                     {"channels": 3}),
    "stain_jitter": (stain_jitter, "Random H&E stain jitter in optical-density space (RGB)",
                     {"channels": 3}),
    "erasing": (erasing, "Random erasing of a box of 2-10 % of the image (probability 0.5)", {}),
    "blur": (blur, "Random Gaussian blur, sigma in (0.1, 1) (probability 0.5)", {}),
    "noise": (noise, "Additive Gaussian noise (stddev 0.02)", {}),
    "hue": (hue, "Random hue shift by up to factor of the colour circle (default 0.05) (RGB)",
            {"channels": 3}),
    "sharpness": (sharpness, "Random blur or sharpening with the 3x3 smoothed image (factor 0.5)", {}),
    "randaugment": (randaugment, "RandAugment: num_ops (2) random operations of strength factor (0.5) (RGB)",
                    {"channels": 3}),
    "augmix": (augmix, "AugMix: the image blended with chains of random operations (3 chains) (RGB)",
               {"channels": 3}),
    "mixup": (mixup, "MixUp: blend image pairs and their labels (alpha 0.2)", {"mixes_labels": True}),
    "cutmix": (cutmix, "CutMix: paste a box of another image, mixing labels by area",
               {"mixes_labels": True}),
    "histology": (histology, "Preset for H&E patches: flips, rotate90, stain jitter, light blur",
                  {"channels": 3}),
    "radiograph": (radiograph, "Preset for radiographs: small rotation, shift, zoom, contrast", {}),
    "volume_flip": (volume_flip, "Volumes: random flips along depth, height and width", {"volumes": True}),
    "volume_rotate90": (volume_rotate90, "Volumes: random in-plane quarter turns", {"volumes": True}),
    "volume_intensity": (volume_intensity, "Volumes: random contrast (0.2) and brightness (0.1)",
                         {"volumes": True}),
}


@hookimpl
def register_augmenters(register):
    """Register the geometric, intensity, label-mixing and preset augmenters."""
    for name, (factory, description, metadata) in AUGMENTERS.items():
        register(name, factory, description=description, **metadata)
