"""The parts of CNNEnsemble that read its members by name, whether ``estimators`` holds
``(name, estimator)`` pairs or a plain list of estimators (named like ``make_pipeline``
names its steps).

scikit-learn's heterogeneous ensembles read ``estimators`` as pairs in these methods;
:class:`NamedMembersMixin` replaces them with versions that read the names through
:func:`~medcnn.ensemble._members.named`.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator
from sklearn.utils import Bunch
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping

from ._combine import is_drop
from ._members import named, replace_member


class NamedMembersMixin:
    """Members by name for an ensemble whose ``estimators`` may be a plain list."""

    @property
    def named_estimators(self):
        """The (unfitted) members by name, as a :class:`~sklearn.utils.Bunch`."""
        return Bunch(**dict(named(self.estimators)))

    def get_params(self, deep=True):
        """Parameters of the ensemble and, with ``deep``, its members as ``<name>`` and
        ``<name>__<parameter>``.

        Parameters
        ----------
        deep : bool, default=True
            Include the members and their parameters.

        Returns
        -------
        dict
            Parameter names mapped to their values.
        """
        out = BaseEstimator.get_params(self, deep=False)
        if not deep:
            return out
        for name, estimator in named(self.estimators):
            out[name] = estimator
            if hasattr(estimator, "get_params") and not isinstance(estimator, type):
                for key, value in estimator.get_params(deep=True).items():
                    out[f"{name}__{key}"] = value
        return out

    def set_params(self, **params):
        """Set parameters of the ensemble (``voting``...), replace a member (``<name>=``),
        or set a member's parameter (``<name>__<parameter>=``).

        Parameters
        ----------
        **params : dict
            Parameter names and values.

        Returns
        -------
        self : CNNEnsemble
            The ensemble.
        """
        if "estimators" in params:
            self.estimators = params.pop("estimators")
        names = [name for name, _ in named(self.estimators)]
        for name in [key for key in params if "__" not in key and key in names]:
            self.estimators = replace_member(self.estimators, names, name, params.pop(name))
        return BaseEstimator.set_params(self, **params)

    def get_metadata_routing(self):
        """Routing of fit parameters to the members (scikit-learn metadata routing).

        Returns
        -------
        MetadataRouter
            Each kept member receives, in its ``fit``, what it requested.
        """
        router = MetadataRouter(owner=self)
        for name, estimator in named(self.estimators):
            if not is_drop(estimator):
                router.add(**{name: estimator}, method_mapping=MethodMapping().add(callee="fit", caller="fit"))
        return router

    def _sk_visual_block_(self):
        try:
            from sklearn.utils._repr_html.estimator import _VisualBlock
        except ImportError:  # scikit-learn < 1.7
            from sklearn.utils._estimator_html_repr import _VisualBlock
        members = named(self.estimators)
        return _VisualBlock("parallel", [est for _, est in members], names=[name for name, _ in members])

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        members = [est for _, est in named(self.estimators) if not isinstance(est, str)]
        try:
            member_tags = [get_tags(est) for est in members]
        except Exception:  # malformed members: fit reports them
            member_tags = []
        if member_tags:
            tags.input_tags.allow_nan = all(t.input_tags.allow_nan for t in member_tags)
            tags.input_tags.sparse = all(t.input_tags.sparse for t in member_tags)
            tags.non_deterministic = any(t.non_deterministic for t in member_tags)
        return tags
