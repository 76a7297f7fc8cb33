"""Sphinx configuration for the medcnn documentation."""

import os
import sys

# Document the package from this checkout, installed or not.
sys.path.insert(0, os.path.abspath(".."))

project = "medcnn"
author = "medcnn developers"
copyright = "medcnn developers"
import medcnn  # noqa: E402  (cheap: does not import TensorFlow)

release = medcnn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.viewcode",
]

# numpydoc: no per-member autosummary tables (they would need generated stubs).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

autodoc_member_order = "bysource"
autodoc_typehints = "none"
autosummary_generate = False

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = []

html_theme = "alabaster"
html_title = "medcnn"
html_theme_options = {
    "description": "CNN medical image classification as scikit-learn estimators",
}
