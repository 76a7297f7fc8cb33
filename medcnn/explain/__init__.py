"""Explaining a CNN's predictions: Grad-CAM heatmaps and their overlays.

Importing this module does not import TensorFlow; the functions load it on first use.

Examples
--------
>>> from medcnn.explain import grad_cam, plot_grad_cam
>>> grad_cam.__name__
'grad_cam'
"""

from ._gradcam import grad_cam, plot_grad_cam

__all__ = ["grad_cam", "plot_grad_cam"]
