"""What dllint knows about the libraries training code calls.

Pure data: which qualified names build models, optimizers, schedulers, loss
functions and data, and which layers behave differently in training and
evaluation mode. Names are canonical (see `imports.canonical`).
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Tuple

TORCH_LAYERS_MODE_DEPENDENT: FrozenSet[str] = frozenset(
    "torch.nn." + name
    for name in (
        "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
        "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm",
        "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
        # Transformer blocks default to dropout=0.1.
        "Transformer", "TransformerEncoder", "TransformerDecoder",
        "TransformerEncoderLayer", "TransformerDecoderLayer",
    )
)

# Layers whose mode dependence is decided by their arguments: InstanceNorm
# only with track_running_stats=True, RNNs and attention only with dropout>0.
TORCH_LAYERS_MODE_BY_ARGUMENT: Dict[str, Tuple[str, int]] = {
    "torch.nn.InstanceNorm1d": ("track_running_stats", -1),
    "torch.nn.InstanceNorm2d": ("track_running_stats", -1),
    "torch.nn.InstanceNorm3d": ("track_running_stats", -1),
    "torch.nn.RNN": ("dropout", -1),
    "torch.nn.LSTM": ("dropout", -1),
    "torch.nn.GRU": ("dropout", -1),
    "torch.nn.MultiheadAttention": ("dropout", 2),
}

TORCH_LAYERS_MODE_FREE: FrozenSet[str] = frozenset(
    "torch.nn." + name
    for name in (
        "Linear", "Bilinear", "LazyLinear", "Identity", "Flatten", "Unflatten",
        "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
        "LazyConv1d", "LazyConv2d", "LazyConv3d",
        "Embedding", "EmbeddingBag", "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm",
        "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
        "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus", "Softsign", "Hardtanh", "Hardswish",
        "Hardsigmoid", "Tanhshrink", "Threshold", "GLU", "Softmin", "Softmax2d",
        "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
        "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
        "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
        "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
        "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d",
        "CosineSimilarity", "PairwiseDistance", "ChannelShuffle",
        "RNNCell", "LSTMCell", "GRUCell", "LogSigmoid", "Hardshrink", "Softshrink", "Fold", "Unfold",
        "LPPool1d", "LPPool2d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "FractionalMaxPool2d",
        "FractionalMaxPool3d", "ReflectionPad1d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad3d",
        "ZeroPad1d", "ZeroPad3d", "ConstantPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
        "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "UpsamplingNearest2d",
    )
)

# Containers: their mode dependence is their children's.
TORCH_CONTAINERS: FrozenSet[str] = frozenset(
    {"torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"}
)

TORCH_LOSS_CLASSES: FrozenSet[str] = frozenset(
    "torch.nn." + name
    for name in (
        "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss",
        "SmoothL1Loss", "HuberLoss", "KLDivLoss", "CTCLoss", "PoissonNLLLoss", "GaussianNLLLoss",
        "MarginRankingLoss", "HingeEmbeddingLoss", "MultiLabelMarginLoss", "SoftMarginLoss",
        "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "MultiMarginLoss", "TripletMarginLoss",
        "TripletMarginWithDistanceLoss",
    )
)

TORCH_LOSS_FUNCTIONS: FrozenSet[str] = frozenset(
    "torch.nn.functional." + name
    for name in (
        "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
        "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "ctc_loss",
        "poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss", "hinge_embedding_loss",
        "multilabel_margin_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
        "cosine_embedding_loss", "multi_margin_loss", "triplet_margin_loss",
    )
)

KERAS_LOSS_CLASSES: FrozenSet[str] = frozenset(
    "keras.losses." + name
    for name in (
        "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryCrossentropy",
        "BinaryFocalCrossentropy", "MeanSquaredError", "MeanAbsoluteError", "Huber",
        "KLDivergence", "CategoricalFocalCrossentropy", "Hinge", "CosineSimilarity",
    )
)

TORCH_OPTIMIZER_PREFIXES: Tuple[str, ...] = ("torch.optim.", "timm.optim.", "bitsandbytes.optim.", "apex.optimizers.")
TORCH_SCHEDULER_PREFIXES: Tuple[str, ...] = ("torch.optim.lr_scheduler.", "timm.scheduler.")
OPTIMIZER_FACTORIES: FrozenSet[str] = frozenset(
    {"transformers.AdamW", "transformers.Adafactor", "timm.optim.create_optimizer_v2", "timm.optim.create_optimizer"}
)
SCHEDULER_FACTORIES: FrozenSet[str] = frozenset(
    {
        "transformers.get_scheduler",
        "transformers.get_linear_schedule_with_warmup",
        "transformers.get_cosine_schedule_with_warmup",
        "transformers.get_constant_schedule_with_warmup",
        "transformers.get_polynomial_decay_schedule_with_warmup",
        "timm.scheduler.create_scheduler",
        "timm.scheduler.create_scheduler_v2",
    }
)

# Calls that build a model whose layers dllint cannot see.
OPAQUE_MODEL_FACTORIES: Tuple[str, ...] = (
    "torchvision.models.",
    "timm.create_model",
    "torch.hub.load",
    "keras.applications.",
    "keras.models.load_model",
    "keras.saving.load_model",
)
# `AutoModelForX.from_pretrained(...)`, `BertModel.from_pretrained(...)`
HF_MODEL_CONSTRUCTORS: Tuple[str, ...] = ("from_pretrained", "from_config")

# `AutoTokenizer.from_pretrained(...)` and friends build no model.
HF_NON_MODEL_SUFFIXES: Tuple[str, ...] = (
    "Tokenizer", "TokenizerFast", "Config", "Processor", "FeatureExtractor", "ImageProcessor",
    "ImageProcessorFast", "GenerationConfig", "Scheduler", "Pipeline",
)

# Base classes that make a project class a model, per framework.
MODEL_BASES: Dict[str, str] = {
    "torch.nn.Module": "torch",
    "lightning.pytorch.LightningModule": "lightning",
    "lightning.pytorch.core.LightningModule": "lightning",
    "keras.Model": "keras",
    "keras.Sequential": "keras",
    "keras.layers.Layer": "keras",
    "transformers.PreTrainedModel": "hf",
    "transformers.modeling_utils.PreTrainedModel": "hf",
}

KERAS_MODEL_CLASSES: FrozenSet[str] = frozenset({"keras.Model", "keras.Sequential"})

# Calls that wrap a model and return something that behaves like it.
MODEL_WRAPPERS: FrozenSet[str] = frozenset(
    {
        "torch.nn.DataParallel",
        "torch.nn.DistributedDataParallel",
        "torch.compile",
        "torch.jit.script",
        "torch.jit.trace",
        "copy.deepcopy",
        "torch.nn.SyncBatchNorm.convert_sync_batchnorm",
    }
)
# Methods of a module that return the module itself.
MODEL_SELF_RETURNING_METHODS: FrozenSet[str] = frozenset(
    {"to", "cuda", "cpu", "eval", "train", "float", "half", "double", "bfloat16", "requires_grad_", "to_empty", "share_memory"}
)
# Methods of a scikit-learn estimator (and of the libraries that follow its API)
# that return the estimator itself.
ESTIMATOR_SELF_RETURNING_METHODS: FrozenSet[str] = frozenset({"fit", "partial_fit", "set_params"})
# Methods of a loss tensor that return a loss tensor still in the graph.
LOSS_PRESERVING_METHODS: FrozenSet[str] = frozenset({"mean", "sum", "to", "cuda", "float", "double", "squeeze", "view", "reshape", "clone", "contiguous"})
# ...and those that leave the graph.
GRAPH_LEAVING_METHODS: FrozenSet[str] = frozenset({"item", "detach", "tolist", "numpy", "cpu().numpy"})

SKLEARN_NON_ESTIMATOR_MODULES: Tuple[str, ...] = (
    "sklearn.model_selection.train_test_split", "sklearn.metrics.", "sklearn.datasets.",
    "sklearn.utils.", "sklearn.base.clone",
)

DATA_LOADERS: FrozenSet[str] = frozenset({"torch.utils.data.DataLoader"})
# Wrappers that iterate over their first argument unchanged.
ITERATION_WRAPPERS: FrozenSet[str] = frozenset({"tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm", "iter"})

# Modules whose star import is common in training scripts, and the names it brings.
STAR_EXPORTS: Dict[str, FrozenSet[str]] = {
    "torch.nn": frozenset(
        name.rsplit(".", 1)[1]
        for name in TORCH_LAYERS_MODE_DEPENDENT | TORCH_LAYERS_MODE_FREE | TORCH_CONTAINERS | TORCH_LOSS_CLASSES
        | frozenset(TORCH_LAYERS_MODE_BY_ARGUMENT) | {"torch.nn.Module", "torch.nn.Parameter", "torch.nn.init", "torch.nn.functional"}
    ),
    "torch.nn.functional": frozenset(
        {name.rsplit(".", 1)[1] for name in TORCH_LOSS_FUNCTIONS}
        | {"softmax", "log_softmax", "sigmoid", "relu", "dropout", "linear", "conv2d"}
    ),
    "torch.optim": frozenset({"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "LBFGS", "lr_scheduler"}),
    "keras.layers": frozenset(
        {"Dense", "Conv2D", "Conv1D", "Dropout", "BatchNormalization", "Flatten", "Activation", "Softmax",
         "Input", "MaxPooling2D", "LSTM", "GRU", "Embedding", "Rescaling", "Normalization"}
    ),
    "keras.models": frozenset({"Sequential", "Model", "load_model"}),
}


# -- activations and the losses that expect them (semantic/activations/,
# semantic/loss_sites.py) ------------------------------------------------
# The activation kinds, as strings so that this module stays pure data.
_SOFTMAX, _LOG_SOFTMAX, _SIGMOID, _LOGITS = "softmax", "log_softmax", "sigmoid", "logits"

# Functions that apply an activation to their first argument.
ACTIVATION_FUNCTIONS: Dict[str, str] = {
    "torch.nn.functional.softmax": _SOFTMAX,
    "torch.softmax": _SOFTMAX,
    "torch.special.softmax": _SOFTMAX,
    "torch.nn.functional.log_softmax": _LOG_SOFTMAX,
    "torch.log_softmax": _LOG_SOFTMAX,
    "torch.special.log_softmax": _LOG_SOFTMAX,
    "torch.sigmoid": _SIGMOID,
    "torch.nn.functional.sigmoid": _SIGMOID,
    "torch.special.expit": _SIGMOID,
    "tensorflow.nn.softmax": _SOFTMAX,
    "tensorflow.math.softmax": _SOFTMAX,
    "tensorflow.nn.log_softmax": _LOG_SOFTMAX,
    "tensorflow.math.log_softmax": _LOG_SOFTMAX,
    "tensorflow.nn.sigmoid": _SIGMOID,
    "tensorflow.math.sigmoid": _SIGMOID,
    "tensorflow.sigmoid": _SIGMOID,
    "keras.activations.softmax": _SOFTMAX,
    "keras.activations.log_softmax": _LOG_SOFTMAX,
    "keras.activations.sigmoid": _SIGMOID,
    "keras.ops.softmax": _SOFTMAX,
    "keras.ops.log_softmax": _LOG_SOFTMAX,
    "keras.ops.sigmoid": _SIGMOID,
    "keras.ops.nn.softmax": _SOFTMAX,
    "keras.ops.nn.log_softmax": _LOG_SOFTMAX,
    "keras.ops.nn.sigmoid": _SIGMOID,
}
# Tensor methods that do the same: `logits.softmax(dim=-1)`.
ACTIVATION_METHODS: Dict[str, str] = {"softmax": _SOFTMAX, "log_softmax": _LOG_SOFTMAX, "sigmoid": _SIGMOID}
# Functions whose output is logits whatever their input: a linear map.
LOGIT_FUNCTIONS: FrozenSet[str] = frozenset({"torch.nn.functional.linear", "torch.nn.functional.bilinear"})
# Functions and methods that keep their first argument's activation: reshaping,
# moving, casting, clamping. `torch.log` / `.exp()` are handled apart.
ACTIVATION_PRESERVING_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        "torch.flatten", "torch.squeeze", "torch.unsqueeze", "torch.reshape", "torch.transpose",
        "torch.permute", "torch.clamp", "torch.clip", "torch.movedim", "torch.nn.functional.dropout",
        "tensorflow.reshape", "tensorflow.squeeze", "tensorflow.expand_dims", "tensorflow.clip_by_value",
        "tensorflow.transpose", "tensorflow.cast", "keras.ops.reshape", "keras.ops.squeeze",
        "keras.ops.clip", "keras.ops.cast",
    }
)
ACTIVATION_PRESERVING_METHODS: FrozenSet[str] = frozenset(
    {
        "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "flatten", "permute",
        "transpose", "contiguous", "float", "double", "half", "bfloat16", "to", "cuda", "cpu", "type",
        "clamp", "clamp_min", "clamp_max", "clip", "detach", "t", "movedim",
    }
)
LOG_FUNCTIONS: FrozenSet[str] = frozenset({"torch.log", "tensorflow.math.log", "tensorflow.log", "keras.ops.log"})
EXP_FUNCTIONS: FrozenSet[str] = frozenset({"torch.exp", "tensorflow.math.exp", "tensorflow.exp", "keras.ops.exp"})

# torch layers: what calling them does to the activation of their input.
TORCH_ACTIVATION_LAYERS: Dict[str, str] = {
    "torch.nn.Softmax": _SOFTMAX,
    "torch.nn.Softmax2d": _SOFTMAX,
    "torch.nn.LogSoftmax": _LOG_SOFTMAX,
    "torch.nn.Sigmoid": _SIGMOID,
}
TORCH_LOGIT_LAYERS: FrozenSet[str] = frozenset(
    "torch.nn." + name
    for name in ("Linear", "LazyLinear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "LazyConv1d", "LazyConv2d", "LazyConv3d")
)
TORCH_ACTIVATION_PRESERVING_LAYERS: FrozenSet[str] = frozenset(
    "torch.nn." + name
    for name in ("Identity", "Flatten", "Unflatten", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")
)

# Keras layers whose `activation` argument decides their output (None: logits),
# with the argument's position where it is commonly given positionally.
KERAS_LAYERS_WITH_ACTIVATION: Dict[str, int] = {
    "keras.layers.Dense": 1,
    "keras.layers.EinsumDense": -1,
    "keras.layers.Conv1D": -1,
    "keras.layers.Conv2D": -1,
    "keras.layers.Conv3D": -1,
    "keras.layers.Conv1DTranspose": -1,
    "keras.layers.Conv2DTranspose": -1,
    "keras.layers.Conv3DTranspose": -1,
    "keras.layers.SeparableConv1D": -1,
    "keras.layers.SeparableConv2D": -1,
    "keras.layers.Convolution2D": -1,
}
# `Activation("softmax")` takes the activation as its first argument.
KERAS_ACTIVATION_LAYER = "keras.layers.Activation"
KERAS_FIXED_ACTIVATION_LAYERS: Dict[str, str] = {"keras.layers.Softmax": _SOFTMAX}
KERAS_ACTIVATION_PRESERVING_LAYERS: FrozenSet[str] = frozenset(
    "keras.layers." + name
    for name in ("Dropout", "Flatten", "Reshape", "GaussianNoise", "GaussianDropout", "ActivityRegularization", "InputLayer")
)
KERAS_INPUTS: FrozenSet[str] = frozenset({"keras.Input", "keras.layers.Input"})
# Keras activation names (strings, or `keras.activations.x` / `tf.nn.x` given as the argument).
KERAS_ACTIVATION_NAMES: Dict[str, str] = {
    "softmax": _SOFTMAX,
    "log_softmax": _LOG_SOFTMAX,
    "sigmoid": _SIGMOID,
    "linear": _LOGITS,
}
# Activation functions given as objects (`activation=keras.activations.linear`)
# beyond ACTIVATION_FUNCTIONS: the identity ones leave logits.
KERAS_ACTIVATION_OBJECTS: Dict[str, str] = {
    "keras.activations.linear": _LOGITS,
    "tensorflow.identity": _LOGITS,
    "keras.ops.identity": _LOGITS,
}
# `keras.activations.get("softmax")`: the activation named by its argument.
KERAS_ACTIVATION_GETTERS: FrozenSet[str] = frozenset({"keras.activations.get", "keras.activations.deserialize"})
# keras.applications models end in `classifier_activation` (default "softmax")
# when `include_top` is left True.
KERAS_APPLICATIONS_PREFIX = "keras.applications."

# Model factories whose output is classification logits, and the attribute
# that holds their final layer (a replaced head decides the output instead).
TORCHVISION_CLASSIFIER_HEADS: Tuple[Tuple[str, str], ...] = (
    ("resnet", "fc"), ("resnext", "fc"), ("wide_resnet", "fc"), ("regnet", "fc"), ("googlenet", "fc"),
    ("inception_v3", "fc"), ("shufflenet", "fc"),
    ("alexnet", "classifier"), ("vgg", "classifier"), ("mobilenet", "classifier"), ("efficientnet", "classifier"),
    ("densenet", "classifier"), ("mnasnet", "classifier"), ("convnext", "classifier"), ("maxvit", "classifier"),
    ("squeezenet", "classifier"), ("vit_", "heads"), ("swin", "head"),
)
TIMM_CREATE_MODEL = "timm.create_model"
MODEL_HEAD_ATTRIBUTES: FrozenSet[str] = frozenset({"fc", "classifier", "head", "heads", "last_linear"})

# What a loss expects as its prediction: "logits", "log_probs" or "probs";
# the family ("categorical" or "binary"); where the prediction is passed
# (position, keyword). Keras losses take (y_true, y_pred) and decide between
# logits and probabilities with `from_logits`, whose position is given (-1:
# keyword only).
TORCH_LOSS_EXPECTATIONS: Dict[str, Tuple[str, str, int, str]] = {
    "torch.nn.CrossEntropyLoss": ("logits", "categorical", 0, "input"),
    "torch.nn.functional.cross_entropy": ("logits", "categorical", 0, "input"),
    "torch.nn.NLLLoss": ("log_probs", "categorical", 0, "input"),
    "torch.nn.functional.nll_loss": ("log_probs", "categorical", 0, "input"),
    "torch.nn.BCEWithLogitsLoss": ("logits", "binary", 0, "input"),
    "torch.nn.functional.binary_cross_entropy_with_logits": ("logits", "binary", 0, "input"),
}
TF_LOGITS_LOSS_FUNCTIONS: Dict[str, Tuple[str, int]] = {
    # (family, position of `logits` in TF 2 signatures: (labels, logits))
    "tensorflow.nn.softmax_cross_entropy_with_logits": ("categorical", 1),
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits": ("categorical", 1),
    "tensorflow.nn.sigmoid_cross_entropy_with_logits": ("binary", 1),
}
# Keras loss classes: family, position of `from_logits` in the constructor.
KERAS_CROSSENTROPY_CLASSES: Dict[str, Tuple[str, int]] = {
    "keras.losses.CategoricalCrossentropy": ("categorical", 0),
    "keras.losses.SparseCategoricalCrossentropy": ("categorical", 0),
    "keras.losses.CategoricalFocalCrossentropy": ("categorical", -1),
    "keras.losses.BinaryCrossentropy": ("binary", 0),
    "keras.losses.BinaryFocalCrossentropy": ("binary", -1),
}
# Keras loss functions (y_true, y_pred, from_logits=False, ...): family, position of `from_logits`.
KERAS_CROSSENTROPY_FUNCTIONS: Dict[str, Tuple[str, int]] = {
    "keras.losses.categorical_crossentropy": ("categorical", 2),
    "keras.losses.sparse_categorical_crossentropy": ("categorical", 2),
    "keras.losses.binary_crossentropy": ("binary", 2),
    "keras.losses.binary_focal_crossentropy": ("binary", -1),
    "keras.losses.categorical_focal_crossentropy": ("categorical", -1),
    "keras.metrics.categorical_crossentropy": ("categorical", 2),
    "keras.metrics.sparse_categorical_crossentropy": ("categorical", 2),
    "keras.metrics.binary_crossentropy": ("binary", 2),
    "keras.backend.categorical_crossentropy": ("categorical", 2),
    "keras.backend.sparse_categorical_crossentropy": ("categorical", 2),
    "keras.backend.binary_crossentropy": ("binary", 2),
}
# `compile(loss="...")` names: family; all assume probabilities.
KERAS_CROSSENTROPY_NAMES: Dict[str, str] = {
    "categorical_crossentropy": "categorical",
    "sparse_categorical_crossentropy": "categorical",
    "binary_crossentropy": "binary",
    "binary_focal_crossentropy": "binary",
    "categorical_focal_crossentropy": "categorical",
}
# The class that takes `from_logits=True` for each loss name (for fixes).
KERAS_CROSSENTROPY_CLASS_FOR_NAME: Dict[str, str] = {
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "binary_crossentropy": "BinaryCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
}

# -- train/eval mode (semantic/modes/) ----------------------------------------

# Functional layers that behave by mode only when given `training=`
# (`F.dropout(x, p, training=self.training)`); without it F.dropout is always
# on and F.batch_norm always uses running statistics, so eval() changes nothing.
TORCH_FUNCTIONAL_MODE_BY_ARGUMENT: Dict[str, Tuple[str, int]] = {
    "torch.nn.functional.dropout": ("training", 2),
    "torch.nn.functional.dropout1d": ("training", 2),
    "torch.nn.functional.dropout2d": ("training", 2),
    "torch.nn.functional.dropout3d": ("training", 2),
    "torch.nn.functional.alpha_dropout": ("training", 2),
    "torch.nn.functional.feature_alpha_dropout": ("training", 2),
    "torch.nn.functional.batch_norm": ("training", 5),
    "torch.nn.functional.instance_norm": ("use_input_stats", 5),
}
# torch.nn names that are not layers (or hold no mode-dependent layer).
TORCH_NON_LAYER_CLASSES: FrozenSet[str] = frozenset(
    "torch.nn." + name
    for name in ("Parameter", "ParameterList", "ParameterDict", "Module", "UninitializedParameter", "Buffer")
)
# Library classes that appear in model constructors and are not modules.
NON_MODULE_CLASSES: FrozenSet[str] = frozenset(
    {"collections.OrderedDict", "torch.Size", "torch.Generator", "torch.device", "torch.dtype", "functools.partial"}
)

# Context managers and decorators under which no graph is recorded.
NO_GRAD_CONTEXTS: FrozenSet[str] = frozenset(
    {
        "torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad", "torch.autograd.inference_mode",
        "torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.inference_mode",
    }
)
# ...and the one that disables grad only when given a false value.
GRAD_SWITCH_CONTEXTS: FrozenSet[str] = frozenset({"torch.set_grad_enabled", "torch.autograd.set_grad_enabled"})

# Exporters that record the model's current behaviour: dropout and batch
# statistics of training mode are baked into the exported graph.
MODEL_EXPORTERS: Dict[str, Tuple[str, int]] = {
    "torch.onnx.export": ("model", 0),
    "torch.onnx.dynamo_export": ("model", 0),
    "torch.jit.trace": ("func", 0),
    "torch.jit.trace_module": ("mod", 0),
    "torch.export.export": ("mod", 0),
}
# torch.onnx.export with `dynamo=False` (the TorchScript exporter) exports in
# eval mode by default (`training=TrainingMode.EVAL`) and switches the model
# itself; with an explicit `training=` the mode is a deliberate choice.
ONNX_LEGACY_EXPORTERS: FrozenSet[str] = frozenset({"torch.onnx.export"})
# Scripting keeps the `training` flag (a scripted model can still be switched
# with eval()); it is an export only when the result is saved as it is.
MODEL_SCRIPTERS: FrozenSet[str] = frozenset({"torch.jit.script"})

# Calls that return the same module seen through a wrapper: a mode switch on
# either is a switch on both.
MODEL_ALIASING_CALLS: FrozenSet[str] = frozenset(
    {
        "torch.nn.DataParallel", "torch.nn.DistributedDataParallel", "torch.compile",
        "torch.distributed.fsdp.FullyShardedDataParallel",
    }
)
# Calls that return a new module in the mode of their argument.
MODEL_COPYING_CALLS: FrozenSet[str] = frozenset(
    {"copy.deepcopy", "torch.jit.script", "torch.jit.trace", "torch.nn.SyncBatchNorm.convert_sync_batchnorm"}
)
# How models come out of the library calls that build or load them. Freshly
# built modules are in training mode; Hugging Face's `from_pretrained` calls
# eval() before returning; a pickled model or a hub entry point keeps
# whatever mode it had, which dllint cannot know.
# Calls whose result is a string, a number or a path: never a model, whatever
# the name it is bound to (`model_path = os.path.join(...)`).
PLAIN_DATA_FUNCTIONS: FrozenSet[str] = frozenset(
    {"str", "int", "float", "bool", "repr", "format", "len", "round", "abs", "ord", "chr",
     "os.getcwd", "os.getenv", "os.environ.get", "pathlib.Path", "pathlib.PurePath", "time.strftime", "time.time",
     "datetime.datetime.now", "json.dumps", "glob.glob", "os.listdir"}
)
PLAIN_DATA_PREFIXES: Tuple[str, ...] = ("os.path.", "posixpath.", "ntpath.", "shlex.", "string.")
# Readers of configuration files: what they return holds options, not models.
CONFIG_READERS: FrozenSet[str] = frozenset(
    {"json.load", "json.loads", "yaml.load", "yaml.safe_load", "yaml.full_load", "toml.load", "tomllib.load",
     "tomli.load", "omegaconf.OmegaConf.load"}
)
# String methods: `name.lower()` of a string is a string.
STRING_METHODS: FrozenSet[str] = frozenset(
    {"format", "lower", "upper", "strip", "lstrip", "rstrip", "replace", "join", "capitalize", "title",
     "zfill", "ljust", "rjust", "casefold", "removeprefix", "removesuffix", "format_map"}
)

MODEL_LOADED_IN_EVAL_MODE: FrozenSet[str] = frozenset({"from_pretrained"})
# `torch.load(path)` of a whole pickled model: it keeps the mode it was saved
# in, which for a model saved during or right after training is training mode.
MODEL_LOADED_IN_SAVED_MODE: FrozenSet[str] = frozenset({"torch.load"})
# What an unpickled object is used as, when it is used as a model or as a checkpoint.
MODEL_USE_METHODS: FrozenSet[str] = frozenset(
    {"eval", "train", "forward", "parameters", "named_parameters", "modules", "children", "state_dict",
     "generate", "encode", "decode", "predict", "sample", "embed"}
)
# Methods of library models that run the network for inference, like `model(x)`.
MODEL_INFERENCE_METHODS: FrozenSet[str] = frozenset(
    {"generate", "encode", "decode", "sample", "predict", "embed", "forward_features", "extract_features",
     "encode_image", "encode_text", "get_image_features", "get_text_features", "translate", "greedy_decode",
     "beam_search", "reconstruct", "inference", "infer"}
)
CHECKPOINT_USE_METHODS: FrozenSet[str] = frozenset({"keys", "items", "values", "get", "pop", "update", "__getitem__"})
MODEL_LOADED_IN_UNKNOWN_MODE: FrozenSet[str] = frozenset(
    {"torch.load", "torch.jit.load", "torch.hub.load", "torch.export.load", "torch.package.PackageImporter"}
)

# Methods of a model that never change its train/eval mode.
MODE_NEUTRAL_MODEL_METHODS: FrozenSet[str] = frozenset(
    {
        "to", "cuda", "cpu", "float", "half", "double", "bfloat16", "type", "to_empty", "share_memory",
        "parameters", "named_parameters", "buffers", "named_buffers", "children", "named_children",
        "modules", "named_modules", "state_dict", "load_state_dict", "zero_grad", "requires_grad_",
        "register_buffer", "register_parameter", "register_module", "add_module", "get_submodule",
        "get_parameter", "get_buffer", "register_forward_hook", "register_forward_pre_hook",
        "register_full_backward_hook", "register_backward_hook", "extra_repr", "forward", "__call__",
        # Hugging Face models
        "save_pretrained", "push_to_hub", "generate", "resize_token_embeddings", "get_input_embeddings",
        "get_output_embeddings", "tie_weights", "num_parameters", "gradient_checkpointing_enable",
        "gradient_checkpointing_disable", "enable_input_require_grads", "print_trainable_parameters",
        "get_memory_footprint", "config",
        # Lightning modules
        "save_hyperparameters", "log", "log_dict", "print",
    }
)
# Methods of a model that switch its mode although they are not eval()/train().
MODEL_METHODS_SETTING_EVAL: FrozenSet[str] = frozenset({"freeze"})        # LightningModule.freeze()
MODEL_METHODS_SETTING_TRAIN: FrozenSet[str] = frozenset({"unfreeze"})     # LightningModule.unfreeze()

# Calls that take a model and leave its mode alone (besides the torch.* API).
MODE_NEUTRAL_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        "print", "len", "isinstance", "issubclass", "hasattr", "getattr", "id", "type", "str", "repr",
        "format", "vars", "dir", "callable", "hash", "sum", "list", "tuple", "iter", "next", "enumerate",
        "zip", "sorted", "max", "min", "round", "abs", "int", "float", "bool", "dict", "set", "any", "all",
    }
)
MODE_NEUTRAL_PREFIXES: Tuple[str, ...] = (
    "torch.", "numpy.", "math.", "logging.", "os.", "time.", "json.", "random.", "sys.", "pathlib.",
    "warnings.", "pickle.", "copy.", "itertools.", "functools.", "collections.", "re.", "shutil.",
    "tqdm.", "matplotlib.", "sklearn.metrics.", "safetensors.",
)

# Lightning calls these hooks with the module in eval mode (validation, test,
# predict) or in train mode (training_step); its Trainer switches modes itself.
LIGHTNING_EVAL_HOOKS: FrozenSet[str] = frozenset(
    {
        "validation_step", "test_step", "predict_step", "on_validation_epoch_end", "on_test_epoch_end",
        "on_validation_epoch_start", "on_test_epoch_start", "on_validation_batch_end", "on_test_batch_end",
        "validation_epoch_end", "test_epoch_end", "on_predict_epoch_end", "on_predict_batch_end",
    }
)
LIGHTNING_TRAIN_HOOKS: FrozenSet[str] = frozenset({"training_step", "on_train_batch_start", "on_train_batch_end"})

# Tensors of noise or constants: a forward pass on them checks shapes, counts
# FLOPs or warms up; it is not inference on data.
SYNTHETIC_TENSOR_FACTORIES: FrozenSet[str] = frozenset(
    "torch." + name
    for name in ("randn", "rand", "randint", "zeros", "ones", "empty", "full", "randn_like", "rand_like",
                 "zeros_like", "ones_like", "empty_like", "full_like", "randint_like")
)

# Tensors built from values written in the code (`torch.LongTensor([1, 2, 3])`):
# as synthetic as noise when every element is a literal.
LITERAL_TENSOR_CONSTRUCTORS: FrozenSet[str] = frozenset(
    "torch." + name
    for name in ("tensor", "as_tensor", "Tensor", "LongTensor", "FloatTensor", "DoubleTensor", "IntTensor",
                 "HalfTensor", "ByteTensor", "BoolTensor", "ShortTensor", "CharTensor", "arange", "linspace", "eye")
)
# Calls that hand back their first argument, moved or wrapped:
# `Variable(x)`, `x.cuda()`, `x.unsqueeze(0)`.
TENSOR_WRAPPERS: FrozenSet[str] = frozenset({"torch.autograd.Variable", "torch.autograd.variable.Variable"})
TENSOR_TRANSFORM_METHODS: FrozenSet[str] = frozenset(
    {"to", "cuda", "cpu", "float", "half", "double", "long", "int", "bool", "unsqueeze", "squeeze", "view",
     "reshape", "expand", "repeat", "permute", "transpose", "t", "contiguous", "detach", "clone", "requires_grad_",
     "type", "flatten"}
)

# Layers whose dropout is on by default and off only when given 0
# (`nn.TransformerEncoderLayer(d, h, dropout=0.0)`, `nn.Dropout(p=0)`):
# qualified name -> (keyword, position).
TORCH_LAYERS_DROPOUT_ARGUMENT: Dict[str, Tuple[str, int]] = {
    "torch.nn.TransformerEncoderLayer": ("dropout", 3),
    "torch.nn.TransformerDecoderLayer": ("dropout", 3),
    "torch.nn.Transformer": ("dropout", 5),
    "torch.nn.Dropout": ("p", 0),
    "torch.nn.Dropout1d": ("p", 0),
    "torch.nn.Dropout2d": ("p", 0),
    "torch.nn.Dropout3d": ("p", 0),
    "torch.nn.AlphaDropout": ("p", 0),
    "torch.nn.FeatureAlphaDropout": ("p", 0),
}
# Stacks of layers built elsewhere: as mode-dependent as the layer they repeat.
TORCH_LAYER_STACKS: FrozenSet[str] = frozenset({"torch.nn.TransformerEncoder", "torch.nn.TransformerDecoder"})

# -- gradients and autograd (semantic/training_loops.py, semantic/autograd.py)
# Backward calls that fill no `.grad` (gradients live in a context).
BACKWARD_WITHOUT_GRAD: FrozenSet[str] = frozenset({"torch.distributed.autograd.backward"})
# Frameworks whose `backward()` writes the gradients instead of adding to them
# (MXNet's default `grad_req="write"`): a loop there needs no clearing.
GRADIENT_OVERWRITING_FRAMEWORKS: FrozenSet[str] = frozenset({"mxnet"})
# Optimizers that apply gradients from a distributed-autograd context, not `.grad`.
OPTIMIZERS_WITHOUT_GRAD: FrozenSet[str] = frozenset({"torch.distributed.optim.DistributedOptimizer"})
# `<owner>.backward(loss)`: objects whose backward takes the loss as argument
# (Accelerate, Fabric, DeepSpeed engines), matched in the receiver's last name.
BACKWARD_OWNER_WORDS: Tuple[str, ...] = ("accelerator", "fabric", "engine", "strategy", "precision")
GRAD_SCALERS: FrozenSet[str] = frozenset(
    {"torch.cuda.amp.GradScaler", "torch.amp.GradScaler", "torch.GradScaler", "torch.cpu.amp.GradScaler",
     "torch.amp.grad_scaler.GradScaler", "torch.cuda.amp.grad_scaler.GradScaler"}
)
# Classes whose hooks a framework calls with gradients zeroed and stepped for
# them: base -> the hooks concerned (empty: every method).
GRADIENT_MANAGING_BASES: Dict[str, Tuple[str, ...]] = {
    "lightning.pytorch.LightningModule": ("training_step",),
    "lightning.pytorch.core.LightningModule": ("training_step",),
    "lightning.pytorch.core.module.LightningModule": ("training_step",),
    "transformers.Trainer": (),
    "transformers.trainer.Trainer": (),
    "transformers.Seq2SeqTrainer": (),
}
# Lightning hooks the trainer runs under `torch.no_grad()`.
LIGHTNING_NO_GRAD_HOOKS: FrozenSet[str] = frozenset({"validation_step", "test_step", "predict_step"})
LIGHTNING_MODULE_BASES: FrozenSet[str] = frozenset(
    {"lightning.pytorch.LightningModule", "lightning.pytorch.core.LightningModule", "lightning.pytorch.core.module.LightningModule"}
)
# Context managers and decorators that switch gradient recording off / on.
GRAD_DISABLING: FrozenSet[str] = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad", "torch.autograd.inference_mode"})
GRAD_ENABLING: FrozenSet[str] = frozenset({"torch.enable_grad", "torch.autograd.enable_grad"})
GRAD_SWITCHES: FrozenSet[str] = frozenset({"torch.set_grad_enabled", "torch.autograd.set_grad_enabled"})
# Calls whose result carries no autograd graph, whatever their argument.
GRAPH_FREE_BUILTINS: FrozenSet[str] = frozenset({"float", "int", "str", "bool", "len", "repr", "format"})
GRAPH_FREE_PREFIXES: Tuple[str, ...] = ("math.", "numpy.", "statistics.")
# torch factories that make a new tensor with no history (unless requires_grad=True).
TORCH_FRESH_TENSORS: FrozenSet[str] = frozenset(
    "torch." + name for name in ("tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "full_like", "empty", "scalar_tensor", "arange")
)
# Tensor methods that return a tensor still attached to the input's graph.
GRAPH_PRESERVING_METHODS: FrozenSet[str] = LOSS_PRESERVING_METHODS | frozenset(
    {"mul", "div", "add", "sub", "pow", "abs", "exp", "log", "sqrt", "norm", "neg", "unsqueeze", "expand", "flatten", "cpu", "type_as", "half"}
)
# ...and those whose result has no graph.
GRAPH_FREE_METHODS: FrozenSet[str] = frozenset({"item", "detach", "detach_", "tolist", "numpy", "backward", "argmax", "argmin", "eq", "ne", "gt", "lt", "ge", "le", "size", "dim", "numel"})
# Top-level packages whose tensors keep a PyTorch autograd graph, and those
# of other frameworks, whose values dllint does not judge as torch graphs (a
# TensorFlow loss holds no graph once the tape is gone).
TORCH_ECOSYSTEM: FrozenSet[str] = frozenset(
    {"torch", "torchvision", "torchaudio", "torchtext", "lightning", "pytorch_lightning", "timm", "accelerate", "peft", "deepspeed", "diffusers"}
)
GRAPHLESS_FRAMEWORKS: FrozenSet[str] = frozenset(
    {"tensorflow", "keras", "tf_keras", "jax", "flax", "optax", "mxnet", "paddle", "mindspore", "chainer", "oneflow"}
)

# -- layers and their weights (semantic/layers.py, semantic/layerflow.py) ----
# Layers with a weight matrix (or kernel) that mixes their input features.
TORCH_WEIGHTED_LAYERS: FrozenSet[str] = frozenset(
    "torch.nn." + name
    for name in (
        "Linear", "Bilinear", "LazyLinear",
        "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
        "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
        "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "MultiheadAttention",
        "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer",
    )
)
TORCH_NORM_LAYERS: FrozenSet[str] = frozenset(
    "torch.nn." + name
    for name in (
        "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
        "SyncBatchNorm", "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm",
        "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
        "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
    )
)
TORCH_EMBEDDING_LAYERS: FrozenSet[str] = frozenset({"torch.nn.Embedding", "torch.nn.EmbeddingBag"})
# Calls that wrap a layer and return it (or a module that computes the same).
TORCH_LAYER_WRAPPERS: FrozenSet[str] = frozenset(
    {
        "torch.nn.utils.weight_norm", "torch.nn.utils.spectral_norm",
        "torch.nn.utils.parametrizations.weight_norm", "torch.nn.utils.parametrizations.spectral_norm",
        "torch.nn.utils.parametrizations.orthogonal",
    }
)
KERAS_WEIGHTED_LAYERS: FrozenSet[str] = frozenset(
    "keras.layers." + name
    for name in (
        "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
        "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution2DTranspose",
        "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
        "LSTM", "GRU", "SimpleRNN", "LSTMCell", "GRUCell", "SimpleRNNCell", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
        "MultiHeadAttention", "Bidirectional", "TimeDistributed", "LocallyConnected1D", "LocallyConnected2D",
    )
)
# Keras layers that wrap another layer and apply it (its role is theirs).
KERAS_LAYER_WRAPPERS: FrozenSet[str] = frozenset({"keras.layers.TimeDistributed", "keras.layers.Bidirectional"})
KERAS_NORM_LAYERS: FrozenSet[str] = frozenset(
    "keras.layers." + name
    for name in ("BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization", "RMSNormalization")
)
KERAS_EMBEDDING_LAYERS: FrozenSet[str] = frozenset({"keras.layers.Embedding"})
# Keras layers (and their function forms) that combine several branches
# element-wise: a branch that ends here is a residual or gated branch.
KERAS_MERGE_LAYERS: FrozenSet[str] = frozenset(
    "keras.layers." + name
    for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot",
                 "add", "subtract", "multiply", "average", "maximum", "minimum", "dot")
)
KERAS_CONCAT_LAYERS: FrozenSet[str] = frozenset({"keras.layers.Concatenate", "keras.layers.concatenate"})
KERAS_SEQUENTIAL: FrozenSet[str] = frozenset({"keras.Sequential"})
# Functional models: `keras.Model(inputs, outputs)`.
KERAS_FUNCTIONAL_MODELS: FrozenSet[str] = frozenset({"keras.Model"})
# Names of a layer's weights that hold a matrix or kernel (not a bias, not a norm's scale).
TORCH_WEIGHT_SLOTS_PATTERN = r"^(weight|weight_(ih|hh)_l\d+(_reverse)?|in_proj_weight|[qkv]_proj_weight|weight_(ih|hh))$"
# Recurrent (hidden-to-hidden) weights feed the layer's own next step.
TORCH_RECURRENT_SLOTS_PATTERN = r"^weight_hh(_l\d+(_reverse)?)?$"

# Tensor operations that multiply their input by a weight held as an argument.
TORCH_FUNCTIONAL_WEIGHTED: Dict[str, int] = {  # function -> position of the weight argument
    "torch.nn.functional.linear": 1, "torch.nn.functional.bilinear": 2,
    "torch.nn.functional.conv1d": 1, "torch.nn.functional.conv2d": 1, "torch.nn.functional.conv3d": 1,
    "torch.nn.functional.conv_transpose1d": 1, "torch.nn.functional.conv_transpose2d": 1,
    "torch.nn.functional.conv_transpose3d": 1,
}
MATMUL_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        "torch.matmul", "torch.mm", "torch.bmm", "torch.einsum", "torch.tensordot", "torch.addmm", "torch.baddbmm",
        "torch.sparse.mm", "torch.spmm", "torch.mv", "torch.chain_matmul", "torch.linalg.multi_dot",
        "tensorflow.matmul", "tensorflow.linalg.matmul", "tensorflow.tensordot", "tensorflow.einsum",
        "tensorflow.sparse.sparse_dense_matmul", "keras.ops.matmul", "keras.ops.einsum", "keras.ops.dot",
        "keras.ops.tensordot", "keras.backend.dot", "numpy.dot", "numpy.matmul", "jax.numpy.dot", "jax.numpy.matmul",
    }
)
MATMUL_METHODS: FrozenSet[str] = frozenset({"matmul", "mm", "bmm", "mv", "__matmul__"})
ADD_FUNCTIONS: FrozenSet[str] = frozenset({"torch.add", "torch.sub", "torch.subtract", "tensorflow.add", "tensorflow.subtract", "keras.ops.add", "keras.ops.subtract"})
MUL_FUNCTIONS: FrozenSet[str] = frozenset({"torch.mul", "torch.multiply", "torch.div", "tensorflow.multiply", "tensorflow.math.multiply", "keras.ops.multiply"})
CONCAT_FUNCTIONS: FrozenSet[str] = frozenset(
    {"torch.cat", "torch.concat", "torch.concatenate", "torch.stack", "torch.hstack", "torch.vstack", "torch.dstack",
     "tensorflow.concat", "tensorflow.stack", "keras.ops.concatenate", "keras.ops.stack", "numpy.concatenate"}
)
# Methods of a tensor that keep it the same weight (transposed, reshaped, cast).
WEIGHT_VIEW_METHODS: FrozenSet[str] = frozenset(
    {"t", "transpose", "permute", "view", "reshape", "contiguous", "to", "type_as", "float", "half", "bfloat16",
     "unsqueeze", "squeeze", "flatten", "expand", "expand_as", "T", "mT", "clone", "detach"}
)
# Calls that make a trainable weight inside a layer.
TORCH_PARAMETER_CLASSES: FrozenSet[str] = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})

# -- initializers (semantic/initializers.py) ---------------------------------
TORCH_CONSTANT_INITS: Dict[str, str] = {  # function -> the constant it writes ("" = its second argument)
    "torch.nn.init.zeros_": "0", "torch.nn.init.ones_": "1", "torch.nn.init.constant_": "", "torch.nn.init.constant": "",
}
TORCH_IDENTITY_INITS: FrozenSet[str] = frozenset({"torch.nn.init.eye_", "torch.nn.init.dirac_", "torch.nn.init.eye", "torch.nn.init.dirac"})
# Any function with one of these last names draws its tensor at random
# (torch.nn.init, timm.layers, project copies of `trunc_normal_`).
RANDOM_INIT_NAMES: FrozenSet[str] = frozenset(
    {
        "normal_", "uniform_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
        "trunc_normal_", "trunc_normal_tf_", "orthogonal_", "sparse_", "lecun_normal_", "variance_scaling_",
        "normal", "uniform", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal",
    }
)
# torch.nn.init functions that raise for a tensor of fewer than 2 dimensions
# (they need fan-in and fan-out, or a matrix): a bias or a norm layer's scale
# makes them fail, a weight matrix never does.
TORCH_MATRIX_ONLY_INITS: FrozenSet[str] = frozenset(
    {
        "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
        "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal",
    }
)
TENSOR_CONSTANT_METHODS: FrozenSet[str] = frozenset({"zero_", "fill_"})
# Methods of a layer that draw its weights again.
LAYER_REINIT_METHODS: FrozenSet[str] = frozenset({"reset_parameters", "_reset_parameters", "init_weights", "_init_weights"})
TENSOR_RANDOM_METHODS: FrozenSet[str] = frozenset(
    {"normal_", "uniform_", "bernoulli_", "random_", "exponential_", "log_normal_", "cauchy_", "geometric_"}
)
# Calls that build a tensor holding one value everywhere (torch, numpy, tensorflow).
CONSTANT_TENSOR_FACTORIES: Dict[str, str] = {  # function -> the value ("" = the fill argument)
    "torch.zeros": "0", "torch.ones": "1", "torch.full": "", "torch.zeros_like": "0", "torch.ones_like": "1",
    "torch.full_like": "", "numpy.zeros": "0", "numpy.ones": "1", "numpy.full": "", "numpy.zeros_like": "0",
    "numpy.ones_like": "1", "numpy.full_like": "", "tensorflow.zeros": "0", "tensorflow.ones": "1",
    "tensorflow.fill": "", "tensorflow.zeros_like": "0", "tensorflow.ones_like": "1",
    "keras.ops.zeros": "0", "keras.ops.ones": "1", "keras.ops.full": "",
}
# Keras initializers that give every entry one value.
KERAS_CONSTANT_INITIALIZERS: Dict[str, str] = {  # initializer -> value ("" = its `value` argument)
    "keras.initializers.Zeros": "0", "keras.initializers.zeros": "0", "keras.initializers.Ones": "1",
    "keras.initializers.ones": "1", "keras.initializers.Constant": "", "keras.initializers.constant": "",
    "tensorflow.zeros_initializer": "0", "tensorflow.ones_initializer": "1", "tensorflow.constant_initializer": "",
    "tensorflow.initializers.zeros": "0", "tensorflow.initializers.ones": "1", "tensorflow.initializers.constant": "",
    "tensorflow.compat.v1.zeros_initializer": "0", "tensorflow.compat.v1.ones_initializer": "1",
    "tensorflow.compat.v1.constant_initializer": "",
}
KERAS_CONSTANT_INITIALIZER_NAMES: Dict[str, str] = {"zeros": "0", "zero": "0", "ones": "1", "one": "1", "constant": "0"}
# Keras layer keyword -> the weight it initializes.
KERAS_WEIGHT_INITIALIZER_KEYWORDS: Dict[str, str] = {
    "kernel_initializer": "kernel", "recurrent_initializer": "recurrent_kernel",
    "depthwise_initializer": "depthwise_kernel", "pointwise_initializer": "pointwise_kernel",
}


# -- data provenance (semantic/provenance.py, semantic/data_sinks.py) -----
# Functions that cut data into parts, and the split of each output.
# train_test_split(X, y, ...) -> X_train, X_test, y_train, y_test: output i
# belongs to array i // 2, the train part when i is even.
HOLDOUT_SPLIT_FUNCTIONS: FrozenSet[str] = frozenset(
    {"sklearn.model_selection.train_test_split", "sklearn.cross_validation.train_test_split"}
)
RANDOM_SPLIT_FUNCTIONS: FrozenSet[str] = frozenset({"torch.utils.data.random_split", "torch.utils.data.dataset.random_split"})
# Cross-validation splitters: `.split(X)` yields (train indices, held-out indices).
CV_SPLITTERS: FrozenSet[str] = frozenset(
    {
        "sklearn.model_selection.KFold", "sklearn.model_selection.StratifiedKFold", "sklearn.model_selection.GroupKFold",
        "sklearn.model_selection.RepeatedKFold", "sklearn.model_selection.RepeatedStratifiedKFold",
        "sklearn.model_selection.ShuffleSplit", "sklearn.model_selection.StratifiedShuffleSplit",
        "sklearn.model_selection.GroupShuffleSplit", "sklearn.model_selection.TimeSeriesSplit",
        "sklearn.model_selection.LeaveOneOut", "sklearn.model_selection.LeavePOut",
        "sklearn.model_selection.StratifiedGroupKFold", "sklearn.model_selection.PredefinedSplit",
        "iterstrat.ml_stratifiers.MultilabelStratifiedKFold",
    }
)
# Calls that read a whole data set (rows not yet split), unless their
# arguments name a split (`train=False`, `split="test"`, "data/val/", "test.csv").
DATA_SOURCE_PREFIXES: Tuple[str, ...] = (
    "pandas.read_", "numpy.load", "numpy.loadtxt", "numpy.genfromtxt", "numpy.fromfile", "sklearn.datasets.",
    "torchvision.datasets.", "torchtext.datasets.", "torchaudio.datasets.", "datasets.load_dataset",
    "datasets.load_from_disk", "keras.utils.image_dataset_from_directory", "keras.utils.text_dataset_from_directory",
    "keras.preprocessing.image_dataset_from_directory", "keras.preprocessing.text_dataset_from_directory",
    "tensorflow_datasets.load", "h5py.File", "scipy.io.loadmat", "polars.read_", "torch.load", "joblib.load",
    "pickle.load",
)
# keras.datasets.<name>.load_data() -> (train), (test)
KERAS_LOAD_DATA_PREFIX = "keras.datasets."
# Calls whose result holds the rows of all their data arguments (a union).
DATA_CONCATENATIONS: FrozenSet[str] = frozenset(
    {
        "numpy.concatenate", "numpy.vstack", "numpy.hstack", "numpy.row_stack", "numpy.r_", "numpy.append",
        "numpy.stack", "torch.cat", "torch.concat", "torch.concatenate", "torch.vstack", "torch.stack",
        "pandas.concat", "tensorflow.concat", "keras.ops.concatenate", "torch.utils.data.ConcatDataset",
        "datasets.concatenate_datasets", "itertools.chain",
    }
)
# Calls that wrap their data argument(s) without changing which rows they hold.
DATA_WRAPPERS: FrozenSet[str] = frozenset(
    {
        "torch.utils.data.DataLoader", "torch.utils.data.TensorDataset", "torch.utils.data.Subset",
        "tensorflow.data.Dataset.from_tensor_slices", "tensorflow.data.Dataset.from_tensors",
        "tensorflow.data.Dataset.zip", "tensorflow.data.Dataset.from_generator",
        "torch.from_numpy", "torch.tensor", "torch.as_tensor", "torch.Tensor", "torch.FloatTensor", "torch.LongTensor",
        "numpy.array", "numpy.asarray", "numpy.log1p", "numpy.log", "numpy.sqrt", "numpy.expand_dims", "numpy.squeeze",
        "numpy.reshape", "numpy.nan_to_num", "numpy.clip", "numpy.float32",
        "pandas.DataFrame", "pandas.Series", "pandas.get_dummies", "tensorflow.convert_to_tensor",
        "tensorflow.constant", "keras.utils.to_categorical", "datasets.Dataset.from_pandas", "datasets.Dataset.from_dict",
        "list", "tuple", "sorted", "iter", "enumerate",
    }
)
# Methods of data that compute a statistic over its rows (not rows themselves).
DATA_STATISTIC_METHODS: FrozenSet[str] = frozenset(
    {"mean", "std", "var", "min", "max", "sum", "median", "quantile", "nanmean", "nanstd", "amin", "amax", "nanmin", "nanmax"}
)
DATA_STATISTIC_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        "numpy.mean", "numpy.std", "numpy.var", "numpy.min", "numpy.max", "numpy.amin", "numpy.amax", "numpy.median",
        "numpy.nanmean", "numpy.nanstd", "numpy.nanmin", "numpy.nanmax", "numpy.percentile", "numpy.quantile",
        "torch.mean", "torch.std", "torch.var", "torch.min", "torch.max", "torch.std_mean", "torch.var_mean",
        "tensorflow.reduce_mean", "tensorflow.math.reduce_std", "tensorflow.reduce_max", "tensorflow.reduce_min",
    }
)
# Methods and attributes of data that say nothing about rows (a shape, a count, a column list).
DATA_OPAQUE_ATTRIBUTES: FrozenSet[str] = frozenset(
    {"shape", "dtype", "columns", "size", "ndim", "classes", "class_to_idx", "index", "dtypes", "nbytes", "n_features",
     "feature_names", "target_names", "DESCR", "num_rows", "features", "column_names", "unique", "nunique",
     "value_counts", "item", "isna", "isnull", "describe", "info", "head", "tail", "count", "__len__", "split",
     "keys", "items", "cardinality"}
)
# Scikit-learn transformers of features (fitting one learns statistics of its rows).
FEATURE_TRANSFORMER_PREFIXES: Tuple[str, ...] = (
    "sklearn.preprocessing.", "sklearn.decomposition.", "sklearn.impute.", "sklearn.feature_selection.",
    "sklearn.feature_extraction.text.", "sklearn.random_projection.", "sklearn.manifold.Isomap",
    "sklearn.kernel_approximation.", "sklearn.compose.ColumnTransformer", "sklearn.compose.make_column_transformer",
    "category_encoders.", "keras.layers.Normalization", "keras.layers.TextVectorization",
    "keras.layers.StringLookup", "keras.layers.IntegerLookup", "keras.layers.Discretization",
    "keras.layers.experimental.preprocessing.", "keras.preprocessing.text.Tokenizer",
    "keras.preprocessing.image.ImageDataGenerator",
)
# Over-samplers (imbalanced-learn): `fit_resample` returns the rows plus copies
# of them (`RandomOverSampler`) or points interpolated between neighbours
# (`SMOTE`, `ADASYN`): run before a split, the training part gets copies of, or
# points made from, held-out rows. Under-samplers only drop rows and are not here.
OVERSAMPLER_PREFIXES: Tuple[str, ...] = ("imblearn.over_sampling.", "imblearn.combine.")
# Methods that fit a sampler and return the resampled (X, y).
RESAMPLING_METHODS: FrozenSet[str] = frozenset({"fit_resample", "fit_sample"})
# ...except those of the target, which see labels only.
TARGET_TRANSFORMERS: FrozenSet[str] = frozenset(
    {"sklearn.preprocessing.LabelEncoder", "sklearn.preprocessing.LabelBinarizer",
     "sklearn.preprocessing.MultiLabelBinarizer", "sklearn.preprocessing.label_binarize"}
)
# Wrappers whose `fit(X, y)` scores a model that is already trained on the rows
# it is given (with `cv="prefit"`, their default): an evaluation, not training.
PREFIT_SCORERS: FrozenSet[str] = frozenset({"eli5.sklearn.PermutationImportance", "eli5.sklearn.permutation_importance.PermutationImportance"})
# Encoders that learn only which categories each column holds, no statistic of
# the rows: fitted before the split, the held-out rows teach them at most a
# category the training rows lack (an unused column), not a mean or a frequency.
CATEGORY_ENCODERS: FrozenSet[str] = frozenset(
    {"sklearn.preprocessing.OneHotEncoder", "sklearn.preprocessing.OrdinalEncoder",
     "sklearn.feature_extraction.DictVectorizer", "category_encoders.OneHotEncoder",
     "category_encoders.OrdinalEncoder", "sklearn.feature_extraction.text.CountVectorizer"}
)
# ...unless told to keep the frequent categories (or words) only: then they count rows.
CATEGORY_FREQUENCY_OPTIONS: FrozenSet[str] = frozenset({"min_frequency", "max_categories", "min_df", "max_df", "max_features"})
# Transformers that work on each row alone: `fit` learns nothing from the rows
# but their number of columns, so where they are fitted cannot leak.
ROW_WISE_TRANSFORMERS: FrozenSet[str] = frozenset(
    {"sklearn.preprocessing.PolynomialFeatures", "sklearn.preprocessing.Normalizer", "sklearn.preprocessing.Binarizer"}
)
COLUMN_TRANSFORMERS: FrozenSet[str] = frozenset(
    {"sklearn.compose.ColumnTransformer", "sklearn.compose.make_column_transformer"}
)
PIPELINE_CLASSES: FrozenSet[str] = frozenset(
    {"sklearn.pipeline.Pipeline", "sklearn.pipeline.make_pipeline", "imblearn.pipeline.Pipeline", "imblearn.pipeline.make_pipeline"}
)
# Methods that fit a transformer on their first argument.
FIT_TRANSFORM_METHODS: FrozenSet[str] = frozenset({"fit", "fit_transform", "partial_fit", "adapt", "fit_on_texts", "fit_on_sequences"}) | RESAMPLING_METHODS
# scikit-learn functions that fit an estimator (their first argument) on folds
# of data (their second, `X`) and score it on the other folds.
CROSS_VALIDATION_FUNCTIONS: FrozenSet[str] = frozenset(
    "sklearn.model_selection." + name for name in (
        "cross_val_score", "cross_validate", "cross_val_predict", "learning_curve", "validation_curve",
        "permutation_test_score",
    )
)
# Functions that learn statistics over the rows of their first argument and
# return it normalized with them: a fit and a transform in one call. Along
# another axis (`zscore(x, axis=1)`) each row is normalized on its own.
ROW_FITTING_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        "scipy.stats.zscore", "scipy.stats.mstats.zscore", "sklearn.preprocessing.scale",
        "sklearn.preprocessing.minmax_scale", "sklearn.preprocessing.robust_scale", "sklearn.preprocessing.maxabs_scale",
        "sklearn.preprocessing.quantile_transform", "sklearn.preprocessing.power_transform",
    }
)
# Methods that train a model on their first argument (Keras, scikit-learn).
TRAINING_METHODS: FrozenSet[str] = frozenset({"fit", "partial_fit", "fit_generator", "train_on_batch", "fit_transform", "fit_predict"})
EVALUATION_METHODS: FrozenSet[str] = frozenset({"evaluate", "score", "test_on_batch", "evaluate_generator"})
PREDICTION_METHODS: FrozenSet[str] = frozenset(
    {"predict", "predict_proba", "predict_log_proba", "decision_function", "predict_on_batch", "predict_generator"}
)
# Functions that score predictions against labels.
METRIC_PREFIXES: Tuple[str, ...] = ("sklearn.metrics.", "torchmetrics.functional.", "evaluate.load")
# Trainers of the frameworks: where their training and monitoring data are passed.
LIGHTNING_TRAINERS: FrozenSet[str] = frozenset({"lightning.pytorch.Trainer", "lightning.Trainer", "lightning.fabric.Fabric"})
HF_TRAINER_SUFFIX = "Trainer"
HF_TRAINER_PREFIXES: Tuple[str, ...] = ("transformers.", "trl.", "setfit.")
# Keras callbacks that choose the model by the monitored (validation) score,
# with the keyword that must be true for them to choose (None: always).
KERAS_SELECTING_CALLBACKS: Dict[str, Optional[str]] = {
    "keras.callbacks.EarlyStopping": "restore_best_weights",
    "keras.callbacks.ModelCheckpoint": "save_best_only",
    "keras.callbacks.ReduceLROnPlateau": None,
}
LIGHTNING_SELECTING_CALLBACKS: FrozenSet[str] = frozenset(
    {"lightning.pytorch.callbacks.ModelCheckpoint", "lightning.pytorch.callbacks.EarlyStopping"}
)
# Calls that keep a model or its weights (a checkpoint kept by a score).
MODEL_KEEPING_CALLS: FrozenSet[str] = frozenset(
    {"torch.save", "copy.deepcopy", "joblib.dump", "pickle.dump", "keras.models.save_model"}
)
MODEL_KEEPING_METHODS: FrozenSet[str] = frozenset(
    {"state_dict", "save", "save_weights", "save_pretrained", "save_model", "save_checkpoint", "get_weights", "copy"}
)
# Calls that make an index array over all rows (cut later into parts by slicing).
INDEX_SOURCES: FrozenSet[str] = frozenset(
    {"numpy.random.permutation", "numpy.arange", "torch.randperm", "torch.arange", "range", "numpy.random.choice"}
)
# Library functions that, unless listed above, work row by row on their first argument.
ROW_PRESERVING_PREFIXES: Tuple[str, ...] = (
    "numpy.", "pandas.", "torch.", "tensorflow.", "keras.preprocessing.", "keras.utils.", "keras.applications.",
    "scipy.sparse.", "cv2.",
)


# -- input scale --------------------------------------------------------------
# What semantic/scale/ knows about the value scale of data: where raw scale
# comes from, which steps keep it and which normalize it. Names are canonical
# (semantic/imports.py); "numpy" for np, "tensorflow" for tf, "keras" for
# tf.keras.

# Calls whose result is an image at its stored 0-255 scale (uint8).
RAW_IMAGE_SOURCES: FrozenSet[str] = frozenset(
    {
        "PIL.Image.open", "cv2.imread", "cv2.imdecode", "cv2.VideoCapture.read", "imageio.imread", "imageio.v2.imread",
        "imageio.v3.imread", "skimage.io.imread", "matplotlib.pyplot.imread_uint8", "torchvision.io.read_image",
        "torchvision.io.decode_image", "torchvision.io.decode_jpeg", "torchvision.io.decode_png",
        "tensorflow.io.decode_image", "tensorflow.io.decode_jpeg", "tensorflow.io.decode_png",
        "tensorflow.io.decode_bmp", "tensorflow.io.decode_gif", "tensorflow.image.decode_image",
        "tensorflow.image.decode_jpeg", "tensorflow.image.decode_png", "keras.utils.image_dataset_from_directory",
        "keras.preprocessing.image_dataset_from_directory", "keras.utils.load_img", "keras.preprocessing.image.load_img",
        "keras.utils.img_to_array", "keras.preprocessing.image.img_to_array",
    }
)
# keras.datasets.<name>.load_data(): the scale of the arrays it returns.
KERAS_DATASET_SCALES: Dict[str, str] = {
    "mnist": "raw-0-255", "fashion_mnist": "raw-0-255", "cifar10": "raw-0-255", "cifar100": "raw-0-255",
    "imdb": "token-ids", "reuters": "token-ids", "boston_housing": "unscaled", "california_housing": "unscaled",
}
# torchvision datasets whose `.data` attribute holds the raw uint8 images
# (reading it skips the dataset's transforms).
TORCHVISION_RAW_DATA_DATASETS: FrozenSet[str] = frozenset(
    {"MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST", "CIFAR10", "CIFAR100", "SVHN", "STL10", "USPS"}
)
# Readers of tables: features at whatever units the file stores.
TABLE_READERS: FrozenSet[str] = frozenset(
    {
        "pandas.read_csv", "pandas.read_table", "pandas.read_excel", "pandas.read_parquet", "pandas.read_json",
        "pandas.read_feather", "pandas.read_sql", "pandas.read_pickle", "numpy.loadtxt", "numpy.genfromtxt",
        "polars.read_csv", "polars.read_parquet",
    }
)
# Public data files read as tables whose feature columns share one unit and
# range, named by their file name without extension (`iris.data`, `Iris.csv`:
# Fisher's four lengths in cm, the data `load_iris` gives): not unscaled.
SHARED_SCALE_TABLES: FrozenSet[str] = frozenset({"iris"})
# scikit-learn loaders whose features have very different ranges (raw units);
# loaders whose scale is fixed and shared by every feature (load_iris,
# load_digits, load_diabetes, make_*) are not listed: see DL501's Known limits.
SKLEARN_HETEROGENEOUS_LOADERS: FrozenSet[str] = frozenset(
    {
        "sklearn.datasets.load_breast_cancer", "sklearn.datasets.load_wine", "sklearn.datasets.fetch_california_housing",
        "sklearn.datasets.fetch_covtype", "sklearn.datasets.fetch_kddcup99",
    }
)
# Methods and functions that keep the value scale of their (first) input:
# casts, reshapes, device moves, copies, resizing, colour conversion.
SCALE_KEEPING_METHODS: FrozenSet[str] = frozenset(
    {
        "astype", "float", "double", "half", "to", "cuda", "cpu", "numpy", "reshape", "view", "permute", "transpose",
        "unsqueeze", "squeeze", "contiguous", "flatten", "copy", "clone", "detach", "convert", "resize", "crop",
        "values", "to_numpy", "dropna", "fillna", "drop", "select_dtypes", "sample", "iloc", "loc", "head", "tail",
        "reset_index", "set_index", "rename", "copy_", "type", "expand_dims", "squeeze_", "unsqueeze_", "swapaxes",
        "pin_memory", "requires_grad_", "as_type", "repeat", "tile", "rot90", "flip", "get", "sort_values",
        "shuffle", "batch", "prefetch", "cache", "take", "skip", "repeat", "unbatch", "padded_batch", "with_options",
        "filter", "apply_along_axis", "asnumpy", "merge", "join", "query", "replace", "interpolate", "clip",
    }
)
SCALE_KEEPING_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        "numpy.array", "numpy.asarray", "numpy.asanyarray", "numpy.ascontiguousarray", "numpy.float32", "numpy.float64",
        "numpy.stack", "numpy.vstack", "numpy.hstack", "numpy.concatenate", "numpy.expand_dims", "numpy.transpose",
        "numpy.reshape", "numpy.squeeze", "numpy.moveaxis", "numpy.rollaxis", "numpy.flip", "numpy.fliplr",
        "numpy.copy", "numpy.nan_to_num", "numpy.clip", "numpy.dstack", "numpy.rot90", "numpy.pad",
        "torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.Tensor", "torch.FloatTensor", "torch.stack",
        "torch.cat", "torch.unsqueeze", "torch.squeeze", "torch.permute", "torch.flatten", "torch.concat",
        "torch.nn.functional.interpolate", "torch.nn.functional.pad",
        "tensorflow.cast", "tensorflow.convert_to_tensor", "tensorflow.constant", "tensorflow.reshape",
        "tensorflow.expand_dims", "tensorflow.image.resize", "tensorflow.image.resize_with_pad",
        "tensorflow.image.resize_with_crop_or_pad", "tensorflow.image.random_flip_left_right",
        "tensorflow.image.flip_left_right", "tensorflow.image.random_crop", "tensorflow.image.central_crop",
        "tensorflow.stack", "tensorflow.concat", "tensorflow.squeeze", "tensorflow.transpose",
        "tensorflow.image.grayscale_to_rgb", "tensorflow.image.rgb_to_grayscale",
        "cv2.resize", "cv2.cvtColor", "cv2.flip", "cv2.GaussianBlur", "cv2.warpAffine", "cv2.copyMakeBorder",
        "PIL.Image.fromarray", "torchvision.transforms.functional.resize", "torchvision.transforms.functional.center_crop",
        "torchvision.transforms.functional.crop", "torchvision.transforms.functional.hflip",
        "torchvision.transforms.functional.pil_to_tensor", "torchvision.transforms.v2.functional.resize",
        "torchvision.transforms.v2.functional.pil_to_tensor", "skimage.transform.resize_uint8",
        # not `pandas.get_dummies`: its columns are 0/1 indicators, and which
        # numeric columns it passes through unchanged is not known here
        "pandas.DataFrame", "pandas.concat", "pandas.merge", "keras.utils.array_to_img",
    }
)
# Library calls that bring image data to a normalized scale, and the level reached.
NORMALIZING_FUNCTIONS: Dict[str, str] = {
    "tensorflow.image.convert_image_dtype": "0-1", "tensorflow.image.per_image_standardization": "standardized",
    "torchvision.transforms.functional.to_tensor": "0-1", "torchvision.transforms.functional.normalize": "standardized",
    "torchvision.transforms.functional.convert_image_dtype": "0-1", "torchvision.transforms.v2.functional.normalize": "standardized",
    "torchvision.transforms.v2.functional.to_dtype": "0-1", "keras.utils.normalize": "standardized",
    "scipy.stats.zscore": "standardized", "scipy.stats.mstats.zscore": "standardized",
    "sklearn.preprocessing.scale": "standardized", "sklearn.preprocessing.minmax_scale": "0-1",
    "sklearn.preprocessing.normalize": "standardized", "sklearn.preprocessing.robust_scale": "standardized",
    "sklearn.preprocessing.maxabs_scale": "0-1", "sklearn.preprocessing.quantile_transform": "standardized",
    "sklearn.preprocessing.power_transform": "standardized", "skimage.img_as_float": "0-1",
    "skimage.util.img_as_float": "0-1", "skimage.img_as_float32": "0-1", "skimage.util.img_as_float32": "0-1",
    "skimage.transform.resize": "0-1", "torch.nn.functional.normalize": "standardized",
    "tensorflow.math.l2_normalize": "standardized", "tensorflow.nn.l2_normalize": "standardized",
}
# Transforms in a pipeline (torchvision, albumentations, Keras preprocessing
# layers) and what each does to the value scale:
#   "to_unit"   scales uint8/PIL input to 0-1 (not float input: ToTensor leaves it)
#   "unit"      scales to 0-1 whatever the input dtype
#   "standardize"  subtracts a mean and divides by a std (Normalize)
#   "pretrained"   a complete preset for pretrained weights (resize, 0-1, ImageNet statistics)
#   "float"     casts to float and keeps the values
#   "keep"      geometry, colour augmentation, uint8 tensors: values stay at their scale
TRANSFORM_EFFECTS: Dict[str, str] = {
    "ToTensor": "to_unit", "ConvertImageDtype": "unit", "Normalize": "standardize", "PILToTensor": "keep",
    "ToImage": "keep", "ToImageTensor": "keep", "ToPureTensor": "keep", "ToPILImage": "keep", "ToTensorV2": "keep",
    "Rescaling": "unit", "Normalization": "standardize", "Resize": "keep", "CenterCrop": "keep", "RandomCrop": "keep",
    "RandomResizedCrop": "keep", "RandomHorizontalFlip": "keep", "RandomVerticalFlip": "keep", "RandomRotation": "keep",
    "RandomAffine": "keep", "RandomPerspective": "keep", "ColorJitter": "keep", "Grayscale": "keep",
    "RandomGrayscale": "keep", "GaussianBlur": "keep", "Pad": "keep", "RandomErasing": "keep", "AutoAugment": "keep",
    "RandAugment": "keep", "TrivialAugmentWide": "keep", "AugMix": "keep", "RandomApply": "keep", "RandomChoice": "keep",
    "RandomOrder": "keep", "FiveCrop": "keep", "TenCrop": "keep", "RandomInvert": "keep", "RandomPosterize": "keep",
    "RandomSolarize": "keep", "RandomAdjustSharpness": "keep", "RandomAutocontrast": "keep", "RandomEqualize": "keep",
    "ElasticTransform": "keep", "RandomZoomOut": "keep", "RandomIoUCrop": "keep", "SanitizeBoundingBoxes": "keep",
    "RandomShortestSize": "keep", "RandomResize": "keep", "ScaleJitter": "keep", "Identity": "keep",
    "RandomFlip": "keep", "RandomZoom": "keep", "RandomTranslation": "keep", "RandomContrast": "keep",
    "RandomBrightness": "keep", "RandomCropLayer": "keep", "Resizing": "keep", "HorizontalFlip": "keep",
    "VerticalFlip": "keep", "ShiftScaleRotate": "keep", "RandomBrightnessContrast": "keep", "HueSaturationValue": "keep",
    "SmallestMaxSize": "keep", "LongestMaxSize": "keep", "PadIfNeeded": "keep", "Rotate": "keep", "Affine": "keep",
    "CoarseDropout": "keep", "GaussNoise": "keep", "RandomSizedCrop": "keep", "OneOf": "keep", "Transpose": "keep",
}
# Libraries whose transform classes TRANSFORM_EFFECTS describes.
TRANSFORM_MODULE_PREFIXES: Tuple[str, ...] = (
    "torchvision.transforms.", "albumentations.", "keras.layers.", "keras.layers.experimental.preprocessing.",
)
# Calls returning a complete preprocessing preset for pretrained weights.
PRETRAINED_PRESETS: FrozenSet[str] = frozenset(
    {
        "timm.data.create_transform", "timm.data.transforms_factory.create_transform", "timm.create_transform",
        "transformers.AutoImageProcessor.from_pretrained", "transformers.AutoFeatureExtractor.from_pretrained",
        "open_clip.create_model_and_transforms", "clip.load",
    }
)
# scikit-learn transformers and the scale of what they output.
SKLEARN_SCALERS: FrozenSet[str] = frozenset(
    {"StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "Normalizer", "QuantileTransformer",
     "PowerTransformer", "SplineTransformer", "KBinsDiscretizer"}
)
SKLEARN_ENCODERS: FrozenSet[str] = frozenset(
    {"OneHotEncoder", "OrdinalEncoder", "TfidfVectorizer", "CountVectorizer", "HashingVectorizer", "TfidfTransformer",
     "DictVectorizer", "LabelBinarizer", "MultiLabelBinarizer", "TargetEncoder", "FeatureHasher"}
)
# Transformers that keep the scale of the columns they pass on.
SKLEARN_SCALE_KEEPING: FrozenSet[str] = frozenset(
    {"SimpleImputer", "KNNImputer", "IterativeImputer", "MissingIndicator", "VarianceThreshold", "SelectKBest",
     "SelectPercentile", "SelectFromModel", "RFE", "RFECV", "FunctionTransformer_identity"}
)
# Estimators whose result depends on the relative scale of the features.
SCALE_SENSITIVE_ESTIMATORS: FrozenSet[str] = frozenset(
    {
        "SVC", "SVR", "NuSVC", "NuSVR", "LinearSVC", "LinearSVR", "KNeighborsClassifier", "KNeighborsRegressor",
        "RadiusNeighborsClassifier", "RadiusNeighborsRegressor", "MLPClassifier", "MLPRegressor", "KMeans",
        "MiniBatchKMeans", "SGDClassifier", "SGDRegressor", "LogisticRegression", "LogisticRegressionCV", "Ridge",
        "RidgeCV", "RidgeClassifier", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV", "PCA", "KernelPCA",
    }
)
# scikit-learn wrappers holding the estimator they fit as first argument.
SKLEARN_META_ESTIMATORS: FrozenSet[str] = frozenset(
    {"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV", "OneVsRestClassifier",
     "OneVsOneClassifier", "MultiOutputClassifier", "MultiOutputRegressor", "BaggingClassifier", "CalibratedClassifierCV",
     "TransformedTargetRegressor"}
)
# Keras applications that normalize inside the graph (they take 0-255; their
# preprocess_input is a pass-through).
KERAS_SELF_NORMALIZING_APPLICATIONS: Tuple[str, ...] = ("EfficientNet", "ConvNeXt", "RegNet", "ResNetRS", "MobileNetV3")
# torchvision models that normalize inside their own transform (detection, segmentation with a transform).
TORCHVISION_SELF_NORMALIZING_MODELS: Tuple[str, ...] = (
    "fasterrcnn", "maskrcnn", "keypointrcnn", "retinanet", "fcos", "ssd300", "ssdlite",
)
# `torch.hub.load(repo, name)`: the hub repository whose entry points are
# torchvision's own models (read as `torchvision.models.<name>`); any other
# repository's model code, and whatever input preparation it does (YOLOv5's
# AutoShape letterboxes and scales PIL images itself), is not visible.
TORCH_HUB_TORCHVISION = "pytorch/vision"
# Model factories that load pretrained vision weights.
PRETRAINED_VISION_FACTORIES: Tuple[str, ...] = ("torchvision.models.", "timm.create_model", "timm.models.")
# Calls that bring a whole model from disk or a hub: what its first layers do is not visible.
OPAQUE_MODEL_LOADERS: Tuple[str, ...] = (
    "load_model", "saved_model.load", "KerasLayer", "model_from_json", "model_from_config", "from_pretrained",
    "from_preset", "TFSMLayer",
)
