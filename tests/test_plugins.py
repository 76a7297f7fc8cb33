"""Tests of the plugin system: hooks, registries, runtime registration, entry points.

Nothing here builds or trains a network; the factories registered by the test
plugins are never called.
"""

import contextlib
import importlib
import json
import os
import subprocess
import sys
import textwrap
import types
import warnings
from pathlib import Path

import pluggy
import pytest

import medcnn
import medcnn.hookspecs
import medcnn.plugins
import medcnn.registry
from medcnn.exceptions import (DuplicateNameError, MedCNNError, PluginError, PluginLoadWarning,
                               UnknownNameError)

REPO_ROOT = Path(__file__).resolve().parents[1]

BUILTIN_ARCHITECTURES = ["patch_cnn", "workshop_cnn", "lenet5", "mnist_cnn", "usf_arch1", "usf_arch2",
                         "vgg_small", "resnet18", "cnn3d_small", "resnet18_3d"]
BUILTIN_AUGMENTERS = ["flip", "rotate", "rotate90", "shear", "zoom", "shift", "brightness", "contrast",
                      "color_jitter", "erasing", "resized_crop", "perspective", "elastic", "blur",
                      "noise", "mixup", "cutmix", "stain_jitter", "histology", "radiograph", "volume_flip",
                      "volume_rotate90", "volume_intensity", "hue", "sharpness", "randaugment", "augmix"]
BUILTIN_READERS = ["png", "jpg", "jpeg", "bmp", "tif", "tiff"]


def builtin_names(registry):
    """Names a registry got from the built-in plugins (installed plugins may add more),
    without the pretrained keras.applications backbones (tested in test_pretrained.py)."""
    return sorted(c.name for c in registry.components()
                  if c.plugin in medcnn.plugins.BUILTIN_PLUGINS and not c.metadata.get("pretrained"))


def _factory(*args, **kwargs):  # never called
    raise AssertionError("test factories must not be called")


def _plugin(**hooks):
    """A plugin object whose attributes are the given functions, marked as hookimpls."""
    return types.SimpleNamespace(**{name: medcnn.hookimpl(fn) for name, fn in hooks.items()})


@contextlib.contextmanager
def plugged(plugin, name):
    """Register ``plugin`` under ``name`` for the duration of the block."""
    assert medcnn.plugins.register(plugin, name=name) == name
    try:
        yield name
    finally:
        if medcnn.plugins.get_plugin_manager().get_plugin(name) is not None:
            medcnn.plugins.unregister(name)


@pytest.fixture(autouse=True)
def _no_plugin_leaks():
    """Every test must leave the plugins as it found them."""
    before = sorted(n for n, _ in medcnn.plugins.get_plugin_manager().list_name_plugin())
    yield
    after = sorted(n for n, _ in medcnn.plugins.get_plugin_manager().list_name_plugin())
    if after != before:  # put things right for the next tests, then fail this one
        medcnn.plugins.reset()
        pytest.fail(f"plugins leaked by the test: {sorted(set(after) ^ set(before))}")


# 1. Built-ins load through the hooks ------------------------------------------------

@pytest.mark.parametrize("name", BUILTIN_ARCHITECTURES)
def test_builtin_architectures_come_from_their_plugin(name):
    component = medcnn.registry.architectures.get(name)
    assert component.plugin == "medcnn"
    assert component.kind == "architecture"
    assert component.name == name
    assert callable(component.factory)
    assert isinstance(component.metadata["min_size"], int)


def test_workshop_cnn_entry():
    component = medcnn.registry.architectures.get("workshop_cnn")
    assert component.plugin == "medcnn"
    assert component.metadata["min_size"] == 12
    assert component.description


def test_builtin_augmenters_readers_and_loaders():
    assert builtin_names(medcnn.registry.augmenters) == sorted(BUILTIN_AUGMENTERS)
    for name in BUILTIN_AUGMENTERS:
        assert medcnn.registry.augmenters.get(name).plugin == "medcnn"
    assert builtin_names(medcnn.registry.image_readers) == sorted(BUILTIN_READERS)
    for name in BUILTIN_READERS:
        assert medcnn.registry.image_readers.get(name).plugin == "medcnn"
    assert builtin_names(medcnn.registry.dataset_loaders) == ["arrays", "csv", "directory", "idc"]
    assert medcnn.registry.dataset_loaders.get("directory").plugin == "medcnn"


def test_builtins_are_registered_as_plugins_with_their_hooks():
    pm = medcnn.plugins.get_plugin_manager()
    assert medcnn.plugins.BUILTIN_PLUGINS == ("medcnn",)
    assert pm.get_plugin("medcnn") is importlib.import_module("medcnn._builtins")
    hooks = {hook: {impl.plugin_name for impl in getattr(pm.hook, hook).get_hookimpls()}
             for hook in medcnn.hookspecs.HOOK_KINDS.values()}
    assert "medcnn" in hooks["register_architectures"]
    assert "medcnn" in hooks["register_augmenters"]
    assert "medcnn" in hooks["register_dataset_loaders"]
    assert "medcnn" in hooks["register_image_readers"]


def test_registry_container_protocol():
    arch = medcnn.registry.architectures
    assert "workshop_cnn" in arch and "no_such_net" not in arch
    assert list(arch) == arch.names()
    assert builtin_names(arch) == sorted(BUILTIN_ARCHITECTURES)
    assert len(arch) == len(arch.names())
    assert [c.name for c in arch.components()] == arch.names()
    assert medcnn.registry.get_registry("architecture") is arch
    with pytest.raises(ValueError, match="architecture"):
        medcnn.registry.get_registry("architectures")


def test_plugin_manager_is_created_once_until_reset():
    pm = medcnn.plugins.get_plugin_manager()
    assert isinstance(pm, pluggy.PluginManager)
    assert medcnn.plugins.get_plugin_manager() is pm
    medcnn.registry.architectures.get("workshop_cnn")
    assert medcnn.plugins.get_plugin_manager() is pm
    medcnn.plugins.reset()
    fresh = medcnn.plugins.get_plugin_manager()
    assert fresh is not pm
    assert medcnn.plugins.get_plugin_manager() is fresh
    assert medcnn.registry.architectures.get("workshop_cnn").plugin == "medcnn"


def test_reset_forgets_runtime_plugins_and_refreshes_registries():
    plugin = _plugin(register_architectures=lambda register: register("reset_net", _factory))
    medcnn.plugins.register(plugin, name="reset-plugin")
    try:
        assert "reset_net" in medcnn.registry.architectures
    finally:
        medcnn.plugins.reset()
    assert medcnn.plugins.get_plugin_manager().get_plugin("reset-plugin") is None
    assert "reset_net" not in medcnn.registry.architectures
    assert "workshop_cnn" in medcnn.registry.architectures


# 2. import medcnn stays light -------------------------------------------------------

def test_import_and_listing_do_not_import_tensorflow():
    code = textwrap.dedent("""
        import json, sys
        import medcnn
        from medcnn import registry
        names = {kind: sorted(c.name for c in registry.get_registry(kind).components()
                              if c.plugin == "medcnn")
                 for kind in ("architecture", "augmenter", "dataset_loader", "image_reader")}
        registry.architectures.get("workshop_cnn")
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
        print(json.dumps({"names": names, "heavy": heavy}))
    """)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=str(REPO_ROOT),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["heavy"] == []
    assert "workshop_cnn" in report["names"]["architecture"]
    assert report["names"]["augmenter"] == sorted(BUILTIN_AUGMENTERS)
    assert report["names"]["dataset_loader"] == ["arrays", "csv", "directory", "idc"]


# 3. Unknown names -------------------------------------------------------------------

def test_unknown_name_lists_available_and_suggests_closest():
    with pytest.raises(UnknownNameError) as info:
        medcnn.registry.architectures.get("resnet81")
    message = str(info.value)
    assert "'resnet81'" in message
    for name in BUILTIN_ARCHITECTURES:
        assert repr(name) in message
    assert "Did you mean 'resnet18'?" in message
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, MedCNNError)


def test_unknown_name_is_caught_as_keyerror_and_valueerror():
    with pytest.raises(KeyError):
        medcnn.registry.augmenters.get("flop")
    with pytest.raises(ValueError, match="Did you mean 'flip'"):
        medcnn.registry.augmenters.get("flop")


def test_unknown_name_without_close_match_has_no_suggestion():
    with pytest.raises(UnknownNameError) as info:
        medcnn.registry.dataset_loaders.get("zzzzzzzz")
    message = str(info.value)
    assert "'zzzzzzzz'" in message and "'directory'" in message
    assert "Did you mean" not in message


# 4. Runtime registration ------------------------------------------------------------

def test_runtime_registration_with_simplenamespace():
    def register_architectures(register):
        register("tiny_test_net", _factory, description="Tiny", min_size=5)

    assert "tiny_test_net" not in medcnn.registry.architectures
    with plugged(_plugin(register_architectures=register_architectures), "tiny-plugin"):
        component = medcnn.registry.architectures.get("tiny_test_net")
        assert component.plugin == "tiny-plugin"
        assert component.factory is _factory
        assert component.description == "Tiny"
        assert component.metadata == {"min_size": 5}
        assert "workshop_cnn" in medcnn.registry.architectures
        medcnn.plugins.unregister("tiny-plugin")
        assert "tiny_test_net" not in medcnn.registry.architectures
        with pytest.raises(UnknownNameError, match="tiny_test_net"):
            medcnn.registry.architectures.get("tiny_test_net")
    assert medcnn.plugins.get_plugin_manager().get_plugin("tiny-plugin") is None


def test_runtime_registration_with_class_instance():
    class MyPlugin:
        @medcnn.hookimpl
        def register_augmenters(self, register):
            register("class_identity", _factory, channels=3)

        @medcnn.hookimpl
        def register_image_readers(self, register):
            register("xyz", _factory)

    with plugged(MyPlugin(), "class-plugin"):
        assert medcnn.registry.augmenters.get("class_identity").plugin == "class-plugin"
        assert medcnn.registry.augmenters.get("class_identity").metadata == {"channels": 3}
        assert medcnn.registry.image_readers.get("xyz").plugin == "class-plugin"
        assert "flip" in medcnn.registry.augmenters
    assert "class_identity" not in medcnn.registry.augmenters
    assert "xyz" not in medcnn.registry.image_readers


def test_unregister_unknown_plugin_raises():
    with pytest.raises(ValueError, match="no-such-plugin"):
        medcnn.plugins.unregister("no-such-plugin")


# 5. Duplicate names -----------------------------------------------------------------

def test_duplicate_name_names_both_plugins():
    dupe = _plugin(register_architectures=lambda register: register("workshop_cnn", _factory))
    with plugged(dupe, "dupe-plugin"):
        with pytest.raises(DuplicateNameError) as info:
            medcnn.registry.architectures.get("workshop_cnn")
        message = str(info.value)
        assert "'workshop_cnn'" in message
        assert "'medcnn'" in message
        assert "'dupe-plugin'" in message
        assert isinstance(info.value, PluginError)
        # The ambiguity concerns the whole registry, not only the duplicated name.
        with pytest.raises(DuplicateNameError):
            medcnn.registry.architectures.names()
        # Other kinds are unaffected.
        assert "flip" in medcnn.registry.augmenters
    assert medcnn.registry.architectures.get("workshop_cnn").plugin == "medcnn"


def test_duplicate_name_within_one_plugin():
    def register_augmenters(register):
        register("twice", _factory)
        register("twice", _factory)

    with plugged(_plugin(register_augmenters=register_augmenters), "twice-plugin"):
        with pytest.raises(DuplicateNameError, match="twice-plugin"):
            medcnn.registry.augmenters.get("flip")
    assert "flip" in medcnn.registry.augmenters


# 6. A hook that raises --------------------------------------------------------------

def test_broken_hook_warns_and_others_still_load():
    def register_augmenters(register):
        register("half_registered", _factory)
        raise RuntimeError("kaput")

    with plugged(_plugin(register_augmenters=register_augmenters), "broken-hook-plugin"):
        with pytest.warns(PluginLoadWarning) as record:
            names = medcnn.registry.augmenters.names()
        messages = [str(w.message) for w in record if issubclass(w.category, PluginLoadWarning)]
        assert len(messages) == 1
        assert "'broken-hook-plugin'" in messages[0]
        assert "register_augmenters" in messages[0]
        assert "kaput" in messages[0]
        for name in BUILTIN_AUGMENTERS:
            assert name in names
            assert medcnn.registry.augmenters.get(name).plugin == "medcnn"
        # A hook that fails half-way registers nothing.
        assert "half_registered" not in names
        # Other kinds are collected without warnings.
        with warnings.catch_warnings():
            warnings.simplefilter("error", PluginLoadWarning)
            assert "workshop_cnn" in medcnn.registry.architectures
    with warnings.catch_warnings():
        warnings.simplefilter("error", PluginLoadWarning)
        assert builtin_names(medcnn.registry.augmenters) == sorted(BUILTIN_AUGMENTERS)


# 7. Invalid registrations -----------------------------------------------------------

INVALID = [
    pytest.param("", _factory, "non-empty", id="empty-name"),
    pytest.param(None, _factory, "non-empty", id="none-name"),
    pytest.param("not_callable", 42, "non-callable", id="non-callable-factory"),
]


@pytest.mark.parametrize("name, factory, reason", INVALID)
def test_invalid_registration_raises_plugin_error(name, factory, reason):
    caught = []

    def register_architectures(register):
        try:
            register(name, factory)
        except PluginError as exc:
            caught.append(exc)
        register("valid_after_invalid", _factory)

    with plugged(_plugin(register_architectures=register_architectures), "invalid-plugin"):
        assert "valid_after_invalid" in medcnn.registry.architectures
        assert len(caught) == 1
        assert not isinstance(caught[0], DuplicateNameError)
        assert "'invalid-plugin'" in str(caught[0])
        assert reason in str(caught[0])
        assert name not in medcnn.registry.architectures


@pytest.mark.parametrize("name, factory, reason", INVALID)
def test_uncaught_invalid_registration_warns_with_plugin_error(name, factory, reason):
    def register_architectures(register):
        register("valid_before_invalid", _factory)
        register(name, factory)

    with plugged(_plugin(register_architectures=register_architectures), "invalid-plugin"):
        with pytest.warns(PluginLoadWarning) as record:
            names = medcnn.registry.architectures.names()
        messages = [str(w.message) for w in record if issubclass(w.category, PluginLoadWarning)]
        assert len(messages) == 1
        assert "PluginError" in messages[0]
        assert "'invalid-plugin'" in messages[0]
        assert reason in messages[0]
        assert "valid_before_invalid" not in names
        assert "workshop_cnn" in names


@pytest.mark.parametrize("kind", sorted(medcnn.hookspecs.HOOK_KINDS))
def test_unknown_metadata_key_is_refused_naming_the_plugin_and_the_known_keys(kind):
    caught = []

    def hook(register):
        try:
            register("with_unknown_key", _factory, output_rank=2)
        except PluginError as exc:
            caught.append(str(exc))
        register("without_unknown_key", _factory)

    registry = medcnn.registry.get_registry(kind)
    with plugged(_plugin(**{medcnn.hookspecs.HOOK_KINDS[kind]: hook}), "keyed-plugin"):
        assert "without_unknown_key" in registry and "with_unknown_key" not in registry
        assert len(caught) == 1
        assert "'keyed-plugin'" in caught[0] and "'output_rank'" in caught[0]
        for key in medcnn.hookspecs.METADATA_KEYS[kind]:
            assert key in caught[0]


def test_metadata_keys_are_documented_in_the_hookspecs_and_the_plugin_guide():
    guide = (Path(__file__).parents[1] / "docs" / "plugins.rst").read_text(encoding="utf-8")
    for kind, keys in medcnn.hookspecs.METADATA_KEYS.items():
        hookspec = getattr(medcnn.hookspecs, medcnn.hookspecs.HOOK_KINDS[kind])
        for key, meaning in keys.items():
            assert meaning
            assert f"``{key}``" in hookspec.__doc__, (kind, key)
            assert f"``{key}``" in guide, (kind, key)


def test_builtin_metadata_keys_are_all_read_by_the_library():
    """Every key a built-in registers is one the package source reads (``metadata.get("key")``)."""
    source = "\n".join(path.read_text(encoding="utf-8")
                       for path in Path(medcnn.__file__).parent.rglob("*.py"))
    for kind in medcnn.hookspecs.HOOK_KINDS:
        used = {key for c in medcnn.registry.get_registry(kind).components() if c.plugin == "medcnn"
                for key in c.metadata}
        for key in used:
            assert f'metadata.get("{key}"' in source, (kind, key)


# 8. Entry points of an installed distribution ---------------------------------------

GOOD_PLUGIN = '''
from medcnn.hookspecs import hookimpl


def good_identity(**params):
    return lambda x, training=False: x


@hookimpl
def register_augmenters(register):
    register("good_identity", good_identity, description="Identity from an entry point")
'''

FAKE_MODULES = ("medcnn_goodplug", "medcnn_brokenplug")


@pytest.fixture
def fake_distribution(tmp_path, monkeypatch):
    """A distribution 'fakeplug' installed in tmp_path with a good and a broken plugin."""
    dist_info = tmp_path / "fakeplug-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplug\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[medcnn]\ngoodplug = medcnn_goodplug\nbrokenplug = medcnn_brokenplug\n")
    (tmp_path / "medcnn_goodplug.py").write_text(GOOD_PLUGIN)
    (tmp_path / "medcnn_brokenplug.py").write_text('raise RuntimeError("boom")\n')
    monkeypatch.delenv(medcnn.plugins.AUTOLOAD_ENV, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    medcnn.plugins.reset()
    try:
        yield tmp_path
    finally:
        monkeypatch.undo()  # sys.path and the environment first, then forget the plugins
        for module in FAKE_MODULES:
            sys.modules.pop(module, None)
        importlib.invalidate_caches()
        medcnn.plugins.reset()


@pytest.mark.usefixtures("fake_distribution")
def test_entry_points_load_and_broken_one_is_reported():
    with pytest.warns(PluginLoadWarning) as record:
        names = medcnn.registry.augmenters.names()
    messages = [str(w.message) for w in record if issubclass(w.category, PluginLoadWarning)]
    assert len(messages) == 1
    assert "brokenplug" in messages[0] and "boom" in messages[0]
    assert medcnn.plugins.AUTOLOAD_ENV in messages[0]

    errors = medcnn.plugins.load_errors()
    assert set(errors) == {"brokenplug"}
    assert isinstance(errors["brokenplug"], RuntimeError)
    assert str(errors["brokenplug"]) == "boom"

    assert "good_identity" in names
    component = medcnn.registry.augmenters.get("good_identity")
    assert component.plugin == "goodplug"
    assert component.factory is sys.modules["medcnn_goodplug"].good_identity
    for name in BUILTIN_AUGMENTERS:
        assert medcnn.registry.augmenters.get(name).plugin == "medcnn"
    pm = medcnn.plugins.get_plugin_manager()
    assert pm.get_plugin("goodplug") is sys.modules["medcnn_goodplug"]
    assert pm.get_plugin("brokenplug") is None


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_autoload_can_be_disabled(fake_distribution, monkeypatch, value):
    monkeypatch.setenv(medcnn.plugins.AUTOLOAD_ENV, value)
    medcnn.plugins.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PluginLoadWarning)
        names = medcnn.registry.augmenters.names()
        assert medcnn.plugins.load_errors() == {}
    assert "good_identity" not in names
    assert names == sorted(BUILTIN_AUGMENTERS)
    assert medcnn.registry.architectures.get("workshop_cnn").plugin == "medcnn"
    assert "medcnn_goodplug" not in sys.modules
    assert medcnn.plugins.get_plugin_manager().get_plugin("goodplug") is None


@pytest.mark.usefixtures("fake_distribution")
def test_autoload_env_is_read_at_reset(monkeypatch):
    with pytest.warns(PluginLoadWarning, match="brokenplug"):
        assert "good_identity" in medcnn.registry.augmenters
    monkeypatch.setenv(medcnn.plugins.AUTOLOAD_ENV, "1")
    assert "good_identity" in medcnn.registry.augmenters  # not re-read until reset
    medcnn.plugins.reset()
    assert "good_identity" not in medcnn.registry.augmenters
    monkeypatch.setenv(medcnn.plugins.AUTOLOAD_ENV, "0")
    medcnn.plugins.reset()
    with pytest.warns(PluginLoadWarning, match="brokenplug"):
        assert "good_identity" in medcnn.registry.augmenters


def test_entry_point_named_like_the_builtin_plugin_is_skipped_with_a_warning(tmp_path, monkeypatch):
    dist_info = tmp_path / "clashplug-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: clashplug\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text("[medcnn]\nmedcnn = medcnn_goodplug\n")
    (tmp_path / "medcnn_goodplug.py").write_text(GOOD_PLUGIN)
    monkeypatch.delenv(medcnn.plugins.AUTOLOAD_ENV, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    medcnn.plugins.reset()
    try:
        with pytest.warns(PluginLoadWarning, match="'medcnn'.*Rename the entry point"):
            names = medcnn.registry.augmenters.names()
        assert "good_identity" not in names and "flip" in names
        assert "medcnn" in medcnn.plugins.load_errors()
    finally:
        monkeypatch.undo()
        sys.modules.pop("medcnn_goodplug", None)
        importlib.invalidate_caches()
        medcnn.plugins.reset()


def test_normal_state_after_entry_point_tests():
    with warnings.catch_warnings():
        warnings.simplefilter("error", PluginLoadWarning)
        assert builtin_names(medcnn.registry.augmenters) == sorted(BUILTIN_AUGMENTERS)
        assert medcnn.plugins.load_errors() == {}
    assert "medcnn_goodplug" not in sys.modules


# 9. The hookimpl marker ---------------------------------------------------------------

def test_hookimpl_marker():
    assert medcnn.hookimpl is medcnn.hookspecs.hookimpl
    assert isinstance(medcnn.hookimpl, pluggy.HookimplMarker)
    assert medcnn.hookimpl.project_name == "medcnn"
    assert medcnn.hookspecs.hookspec.project_name == "medcnn"
    assert medcnn.plugins.get_plugin_manager().project_name == "medcnn"
    assert medcnn.plugins.ENTRY_POINT_GROUP == "medcnn"
