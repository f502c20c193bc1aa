"""What a value is, as far as dllint can tell without running the code."""
from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Optional

from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern

# The kinds of values rules ask about.
MODEL = "model"                  # a network or estimator (torch, keras, sklearn, hf, lightning)
OPTIMIZER = "optimizer"
SCHEDULER = "scheduler"
LOSS_FUNCTION = "loss_function"  # nn.CrossEntropyLoss(), a Keras loss object
LOSS = "loss"                    # a loss tensor, still attached to the graph
MODEL_OUTPUT = "model_output"    # what a forward call returned
DATA = "data"                    # a dataset, a loader, arrays of samples
BATCH = "batch"                  # what iterating over DATA yields

TRAIN, VALIDATION, TEST = "train", "validation", "test"


@lazy_dataclass(frozen=True)
class Value:
    kind: str
    # the class or function that made it, canonical (e.g. "torch.nn.CrossEntropyLoss")
    qualname: Optional[str] = None
    # "torch", "keras", "sklearn", "hf", "lightning" for models
    framework: Optional[str] = None
    # train / validation / test for DATA and BATCH
    split: Optional[str] = None
    # where the value was made, and in which module
    origin: Optional[ast.AST] = None
    module: str = ""
    # True when the only evidence is the variable's name: the weakest kind
    by_name: bool = False

    def with_split(self, split: Optional[str]) -> "Value":
        return replace(self, split=split)


# A split word starts the name or follows `_`, and ends it or comes before `_`,
# a digit, a plural `s`, a container word or the letter of an array (`testX`,
# `trainY`); or it follows the one letter of an array written without an
# underscore (`Xtest`, `ytrain`, `Xval`), where a plural `s` would make it a
# list of values (`yvals`), not a split.
def _split_word(words: str) -> LazyPattern:
    after = r"(_|$|\d|set|loader|data|dl|ds|[xy]$)"
    return LazyPattern(rf"(^|_)({words})({after[1:-1]}|s$)|^[xy]({words}){after}", re.I)


_SPLIT_WORDS = (
    (VALIDATION, _split_word("val|valid|validation|dev|eval|holdout|heldout")),
    (TEST, _split_word("test|tst")),
    (TRAIN, _split_word("train|trn|training")),
)


def split_from_name(name: str) -> Optional[str]:
    """`val_loader` -> validation, `X_test` -> test, `train_ds` -> train."""
    for split, pattern in _SPLIT_WORDS:
        if pattern.search(name):
            return split
    return None


_NAME_KINDS = (
    (OPTIMIZER, LazyPattern(r"^(optimizer|optim|opt|[a-z_]*_optimizer|optimizer_[a-z0-9_]+)$")),
    (SCHEDULER, LazyPattern(r"^(scheduler|lr_scheduler|sched|[a-z_]*_scheduler)$")),
    (LOSS_FUNCTION, LazyPattern(r"^(criterion|loss_fn|loss_func|loss_function|lossfn|[a-z_]*_criterion)$")),
    (LOSS, LazyPattern(r"^(loss|[a-z0-9_]*_loss|loss_[a-z0-9_]+)$")),
    (MODEL, LazyPattern(r"^(model|net|network|classifier|[a-z0-9_]*_model|model_[a-z0-9_]+|[a-z0-9_]*_net)$")),
    (DATA, LazyPattern(r"^[a-z0-9_]*(loader|dataset|_ds|_dl)$")),
)


# A last word that names something about a model, not a model: `model_path`,
# `model_name`, `net_type`, `pretrained_model_dir`, `model_cfg`.
_MODEL_DESCRIPTOR = LazyPattern(
    r"_(name|names|path|paths|dir|dirs|file|files|filename|fname|type|types|arch|args|kwargs|config|cfg|conf|"
    r"params|hparams|id|ids|str|url|version|size|dim|dims|kind|family|key|keys|list|names|tag|prefix|suffix|"
    r"ckpt|checkpoint|weights|state|state_dict|dict|dtype|device|idx|index|num|count|flag|mode|folder|root)$"
)


def kind_from_name(name: str) -> Optional[str]:
    lowered = name.lower()
    for kind, pattern in _NAME_KINDS:
        if pattern.match(lowered):
            if kind == MODEL and _MODEL_DESCRIPTOR.search(lowered):
                return None
            return kind
    return None
