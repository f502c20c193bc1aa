"""What dllint knows about the libraries training code calls.

Pure data: which qualified names build models, optimizers, schedulers, loss
functions and data, and which layers behave differently in training and
evaluation mode. Names are canonical (see `imports.canonical`).
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Tuple

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


# -- activations and the losses that expect them (semantic/activations.py,
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

# -- train/eval mode (semantic/modes.py) --------------------------------------

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
MODEL_LOADED_IN_EVAL_MODE: FrozenSet[str] = frozenset({"from_pretrained"})
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
