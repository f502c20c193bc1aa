"""Each rule's `triggers`, by code: which rules a file's text can need,
known before any rule is imported (`registry.triggered_rules`).

Generated from the rules by `python -m dllint.rule_docs`, never edited by
hand; tests/test_generated_docs.py fails when it is stale.
"""
from dllint.lazy_pattern import LazyPattern

TRIGGERS = {
    'DL101': LazyPattern('no_grad|inference_mode|set_grad_enabled|onnx|jit|export|eval|val|test|tst|dev|hold|predict|infer|load_state_dict|load\\('),
    'DL102': LazyPattern('backward|step|train|fit'),
    'DL103': LazyPattern('\\.(eval|train|zero_grad|step|backward)\\b(?![ \\t]*\\()'),
    'DL201': LazyPattern('cross_entropy|CrossEntropy|from_logits|loss|criterion'),
    'DL202': LazyPattern('BCEWithLogits|binary_cross_entropy_with_logits|from_logits|sigmoid_cross_entropy_with_logits|loss|criterion'),
    'DL203': LazyPattern('nll_loss|NLLLoss|loss|criterion'),
    'DL204': LazyPattern('crossentropy|Crossentropy|loss|criterion'),
    'DL301': LazyPattern('zeros|ones|constant|Zeros|Ones|Constant|fill_|zero_\\(|full(_like)?\\(|set_weights|weights\\s*='),
    'DL401': LazyPattern('fit|train|loader|step|Trainer|dataset|backward'),
    'DL402': LazyPattern('fit|adapt|mean|std|min|max'),
    'DL403': LazyPattern('test|Test|TEST'),
    'DL501': LazyPattern('load_data|imread|imdecode|read_image|decode_image|decode_jpeg|decode_png|Image\\.open|load_img|image_dataset_from_directory|flow_from|MNIST|CIFAR|SVHN|STL10|USPS|read_csv|read_table|read_excel|read_parquet|read_json|read_feather|loadtxt|genfromtxt|load_breast_cancer|load_wine|fetch_california|fetch_covtype|fetch_kddcup|pretrained|weights=|Normalize|ToTensor|ToDtype|Rescaling|preprocess_input|Scaler|fit_transform|255|DataLoader|\\.fit\\(|\\.predict\\(|\\.evaluate\\(|transforms\\.|transform='),
    'DL601': None,
    'DL602': None,
}
