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
    "sphinx_gallery.gen_gallery",
]

# The gallery of examples/plot_*.py: pages with their text and code, not executed (the
# examples run in tests/test_examples.py), so no figures and no thumbnails are made.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",  # generated at build time, not committed
    "plot_gallery": False,
    "download_all_examples": False,
    "write_computation_times": False,
    "backreferences_dir": None,
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
}

# numpydoc: no per-member autosummary tables (they would need generated stubs).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

autodoc_member_order = "bysource"
autodoc_typehints = "none"
autosummary_generate = False

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb", "auto_examples/*.py"]
templates_path = []

html_theme = "alabaster"
html_title = "medcnn"
html_theme_options = {
    "description": "CNN medical image classification as scikit-learn estimators",
}
