"""numpydoc validation of the public API's docstrings.

The public API is every class and function named in ``__all__`` of the modules in
:data:`PUBLIC_MODULES`, plus, for each of those classes, the methods of
:data:`CHECKED_METHODS` that medcnn defines for it: on the class itself or on one of
its medcnn base classes (``CNNClassifier.fit`` may live on a private base), but not
the ones inherited unchanged from scikit-learn or Keras.

Each object is validated with :func:`numpydoc.validate.validate` and must be free of
the error codes of :data:`CODES`:

* ``GL08`` no docstring, ``SS01`` no summary;
* ``PR01`` a parameter not documented, ``PR02`` a documented parameter that does not
  exist (dataclasses document their fields in a Parameters section);
* ``RT01`` no Returns section, where numpydoc finds that the function returns a value;
* ``EX01`` no Examples section, for public classes and functions only: methods are
  exempt (their class has the example), and so are exception and warning classes
  (subclasses of ``BaseException`` or ``Warning``), which have nothing to show
  beyond being raised.

An object exported under several names (``medcnn.CNNClassifier`` and
``medcnn.estimators.CNNClassifier``) is checked once, under the name of the
subpackage that exports it; so is a method shared by several classes, under the
first of them.
"""

import importlib
import inspect

import pytest
from numpydoc.validate import validate

PUBLIC_MODULES = (
    "medcnn.estimators",
    "medcnn.datasets",
    "medcnn.evaluation",
    "medcnn.features",
    "medcnn.feature_selection",
    "medcnn.ensemble",
    "medcnn.explain",
    "medcnn.architectures",
    "medcnn.augmenters",
    "medcnn.testing",
    "medcnn.registry",
    "medcnn.plugins",
    "medcnn.exceptions",
    "medcnn",  # last: its re-exports are checked under their subpackage's name
)

#: Methods checked when medcnn defines them for a public class: the scikit-learn
#: estimator API and the methods that give or show results.
CHECKED_METHODS = (
    "fit", "partial_fit", "transform", "fit_transform", "inverse_transform", "predict",
    "predict_proba", "predict_log_proba", "decision_function", "score", "save", "load",
    "evaluate", "get_feature_names_out", "summary", "describe", "to_json", "to_frame", "plot",
    "confidence_interval", "suggest",
)

CODES = ("GL08", "SS01", "PR01", "PR02", "RT01", "EX01")
#: For methods and exception/warning classes, which need no Examples section.
NO_EXAMPLE_CODES = tuple(code for code in CODES if code != "EX01")


def _is_exception(obj):
    return inspect.isclass(obj) and issubclass(obj, (BaseException, Warning))


def _medcnn_method(cls, name):
    """The function behind ``cls.name`` if medcnn defines it, else None."""
    attribute = getattr(cls, name, None)
    function = getattr(attribute, "__func__", attribute)  # classmethods
    if inspect.isfunction(function) and function.__module__.split(".")[0] == "medcnn":
        return function
    return None


def public_objects():
    """``(dotted name, codes)`` for every public class, function and checked method."""
    seen, checks = set(), []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for attribute in module.__all__:
            obj = getattr(module, attribute)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            name = f"{module_name}.{attribute}"
            checks.append((name, NO_EXAMPLE_CODES if _is_exception(obj) else CODES))
            if not inspect.isclass(obj):
                continue
            for method in CHECKED_METHODS:
                function = _medcnn_method(obj, method)
                if function is not None and id(function) not in seen:
                    seen.add(id(function))
                    checks.append((f"{name}.{method}", NO_EXAMPLE_CODES))
    return checks


PUBLIC_OBJECTS = public_objects()


def test_public_api_is_found():
    names = [name for name, _ in PUBLIC_OBJECTS]
    assert len(names) == len(set(names))
    for expected in ("medcnn.estimators.CNNClassifier", "medcnn.estimators.CNNClassifier.fit",
                     "medcnn.evaluation.evaluate", "medcnn.exceptions.MedCNNError",
                     "medcnn.registry.get_registry", "medcnn.architectures.build_resnet50"):
        assert expected in names


@pytest.mark.parametrize("name, codes", PUBLIC_OBJECTS, ids=[name for name, _ in PUBLIC_OBJECTS])
def test_docstring(name, codes):
    errors = [f"{code}: {message}" for code, message in validate(name)["errors"] if code in codes]
    assert not errors, f"{name} docstring:\n  " + "\n  ".join(errors)
