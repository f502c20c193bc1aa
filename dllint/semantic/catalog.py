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
KERAS_INPUTS: FrozenSet[str] = frozenset({"keras.Input", "keras.layers.Input"})
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
