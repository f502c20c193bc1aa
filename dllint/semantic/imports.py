"""Qualified names through imports and aliases.

`import torch.nn as nn`, `from torch import nn`, `from torch.nn import
functional as F`, `import tensorflow as tf` (so `tf.keras.layers.Dense`),
`from keras import layers`, relative imports of project modules and star
imports of known modules all resolve to one canonical dotted name, so a rule
asks "is this `torch.nn.CrossEntropyLoss`?" and never cares how it was
spelled.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

from dllint.lazy_pattern import LazyPattern
from dllint.semantic.catalog import STAR_EXPORTS
from dllint.tree import statements

# Top-level packages whose import makes a file worth analysing.
ML_FRAMEWORKS = frozenset(
    {
        "torch", "torchvision", "torchaudio", "torchtext", "tensorflow", "keras", "tf_keras",
        "sklearn", "jax", "flax", "optax", "lightning", "pytorch_lightning", "transformers",
        "timm", "accelerate", "xgboost", "lightgbm", "catboost", "diffusers", "peft", "deepspeed",
    }
)

# Spellings of one API that mean the same thing, rewritten to one name.
_PREFIX_ALIASES: Tuple[Tuple[str, str], ...] = (
    ("tensorflow.python.keras.", "keras."),
    ("tensorflow.keras.", "keras."),
    ("tf_keras.", "keras."),
    ("keras.src.", "keras."),
    ("keras.api.", "keras."),
    ("pytorch_lightning.", "lightning.pytorch."),
)
_EXACT_ALIASES = {
    "tensorflow.keras": "keras",
    "pytorch_lightning": "lightning.pytorch",
    "lightning.LightningModule": "lightning.pytorch.LightningModule",
    "lightning.Trainer": "lightning.pytorch.Trainer",
    "lightning.LightningDataModule": "lightning.pytorch.LightningDataModule",
    "keras.engine.training.Model": "keras.Model",
    "keras.models.Model": "keras.Model",
    "keras.models.Sequential": "keras.Sequential",
    "torch.nn.parallel.DistributedDataParallel": "torch.nn.DistributedDataParallel",
    "torch.nn.parallel.DataParallel": "torch.nn.DataParallel",
}
# torch.nn.modules.loss.CrossEntropyLoss, torch.nn.modules.dropout.Dropout ...
_TORCH_SUBMODULE = LazyPattern(r"^torch\.nn\.modules\.\w+\.")
# keras.layers.core.Dense, keras.layers.convolutional.Conv2D ...
_KERAS_LAYER_SUBMODULE = LazyPattern(r"^keras\.layers\.(core|convolutional|pooling|normalization|regularization|activation|rnn|merging|reshaping)\.")


def canonical(name: str) -> str:
    for prefix, replacement in _PREFIX_ALIASES:
        if name.startswith(prefix):
            name = replacement + name[len(prefix):]
            break
    name = _EXACT_ALIASES.get(name, name)
    if name.startswith("torch.nn.modules."):
        name = _TORCH_SUBMODULE.sub("torch.nn.", name)
    elif name.startswith("keras.layers."):
        name = _KERAS_LAYER_SUBMODULE.sub("keras.layers.", name)
    return name


def resolve_relative(module_name: str, level: int, target: Optional[str], is_package: bool = False) -> str:
    """`from ..data import x` inside `pkg.sub.train` -> `pkg.data`."""
    parts = module_name.split(".") if module_name else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if len(parts) >= level - 1 else []
    if target:
        parts.append(target)
    return ".".join(parts)


class ImportMap:
    """Local name -> qualified name, for every import anywhere in a module.

    Imports inside functions are included: in training scripts they are
    common (`def main(): import torch`) and rarely shadow one another.
    """

    def __init__(self, tree: ast.Module, module_name: str = "", is_package: bool = False):
        self.names: Dict[str, str] = {}
        self.star_modules: List[str] = []
        self.imported_modules: List[str] = []
        for node in statements(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imported_modules.append(alias.name)
                    if alias.asname:
                        self.names[alias.asname] = canonical(alias.name)
                    else:
                        top = alias.name.split(".")[0]
                        self.names[top] = top
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = resolve_relative(module_name, node.level, node.module, is_package)
                else:
                    base = node.module or ""
                self.imported_modules.append(base)
                for alias in node.names:
                    if alias.name == "*":
                        self.star_modules.append(canonical(base))
                        continue
                    full = f"{base}.{alias.name}" if base else alias.name
                    self.names[alias.asname or alias.name] = canonical(full)

    @classmethod
    def restore(cls, names: Dict[str, str], star_modules: List[str], imported_modules: List[str]) -> "ImportMap":
        """An import map saved earlier (`names`, `star_modules`, `imported_modules`)."""
        restored = cls.__new__(cls)
        restored.names = dict(names)
        restored.star_modules = list(star_modules)
        restored.imported_modules = list(imported_modules)
        return restored

    @property
    def imports_ml_framework(self) -> bool:
        return any(name.split(".")[0] in ML_FRAMEWORKS for name in self.imported_modules)

    def reference_to(self, qualname: str) -> Optional[str]:
        """The shortest way this module can spell `qualname` with the names
        it already imports (`tf.keras.losses.X`, `keras.losses.X`,
        `losses.X`), or None; for fixes that add a reference."""
        found = []
        for local, target in self.names.items():
            if qualname == target:
                found.append(local)
            elif qualname.startswith(target + "."):
                found.append(local + qualname[len(target):])
            elif target == "tensorflow" and qualname.startswith("keras."):
                found.append(f"{local}.{qualname}")
        valid = [text for text in found if self._spells(text, qualname)]
        return min(valid, key=len) if valid else None

    def _spells(self, text: str, qualname: str) -> bool:
        head, _, rest = text.partition(".")
        target = self.names.get(head)
        return target is not None and canonical(f"{target}.{rest}" if rest else target) == qualname

    def resolve_name(self, name: str) -> Optional[str]:
        if name in self.names:
            return self.names[name]
        for module in self.star_modules:
            if name in STAR_EXPORTS.get(module, ()):
                return canonical(f"{module}.{name}")
        return None


def dotted_parts(node: ast.AST) -> Optional[List[str]]:
    """`a.b.c` -> ["a", "b", "c"]; None for anything that is not a plain chain."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    parts.reverse()
    return parts
