"""The built-in components, registered through the same hooks as third-party plugins.

One module per kind, each holding the one hook that registers that kind; this
package is the plugin object, registered under the name :data:`PLUGIN_NAME`
(which ``medcnn plugins`` shows and every built-in :class:`~medcnn.registry.Component`
records). Nothing here imports Keras or TensorFlow.
"""

from .architectures import register_architectures
from .augmenters import register_augmenters
from .dataset_loaders import register_dataset_loaders
from .image_readers import register_image_readers

__all__ = ["PLUGIN_NAME", "register_architectures", "register_augmenters", "register_dataset_loaders",
           "register_image_readers"]

#: Name the built-in plugin is registered under.
PLUGIN_NAME = "medcnn"
