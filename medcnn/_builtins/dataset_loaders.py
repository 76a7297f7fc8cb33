"""Built-in dataset loaders: the loaders of :mod:`medcnn.datasets`."""

from medcnn.datasets import load_arrays, load_csv, load_directory, load_idc
from medcnn.hookspecs import hookimpl

__all__ = ["register_dataset_loaders"]


@hookimpl
def register_dataset_loaders(register):
    """Register the class-folder, IDC, CSV-manifest and in-memory loaders."""
    register("directory", load_directory, description="Class-per-folder tree: root/<class>/<images>")
    register("idc", load_idc, description="Breast Histopathology (IDC) patches, patients as groups")
    register("csv", load_csv, description="CSV manifest: path, label and optional group columns")
    register("arrays", load_arrays, description="In-memory images or paths with labels")
