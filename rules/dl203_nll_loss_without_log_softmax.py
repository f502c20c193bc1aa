import ast

from dllint import changes
from dllint.diagnostics import Fix
from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.activations import LOGITS, SOFTMAX
from dllint.semantic.gradient_flow import no_gradient_reason
from dllint.semantic.loss_sites import EXPECTS_LOG_PROBS


class NllLossWithoutLogSoftmax(Rule):
    """
    ## What it does
    Finds `nn.NLLLoss` / `F.nll_loss` given a prediction that is not a
    log-probability: raw logits (the output of a final `nn.Linear` or
    convolution with nothing after it, a Hugging Face model's `.logits`), or
    softmax probabilities where `log_softmax` was meant.

    dllint follows the value through variables, helpers, a model's
    `forward()` (also in another file) and the last layer of an
    `nn.Sequential`. `log_softmax`, `nn.LogSoftmax` and `torch.log` of a
    softmax all count as log-probabilities.

    ## Why is this bad?
    NLL loss does no normalisation: it returns minus the prediction at the
    target index. With logits it rewards making that one number large, so the
    loss falls without bound and the outputs are no distribution at all. With
    probabilities it maximises the raw probability instead of its logarithm,
    whose gradient vanishes for confidently wrong predictions. Either way the
    model trains badly without any error.

    ## Known limits
    Reported only when dllint can see what the prediction is on every path
    to the loss; a model whose last layer or return value it cannot follow
    (a layer list built in a loop, a library model other than torchvision or
    timm classifiers and Hugging Face `.logits`) is not reported. Sigmoid
    outputs and other activations are not reported here.

    ## Fix safety
    When `F.softmax`, `torch.softmax` or `Tensor.softmax` sits inside the
    loss call's prediction argument, the fix renames it to `log_softmax`
    (same arguments); it changes nothing but the bug. Logits get no fix:
    whether to add `log_softmax` or switch to `cross_entropy` is a choice.
    """

    code = "DL203"
    name = "nll-loss-without-log-softmax"
    message = "`{prediction}` reaches {loss} but is not log-probabilities ({where}); apply `log_softmax` first"
    triggers = LazyPattern(r"nll_loss|NLLLoss|loss|criterion")

    def visit_Call(self, node: ast.Call) -> None:
        site = self.semantic.loss_sites.at(node)
        if site is None or site.expects != EXPECTS_LOG_PROBS:
            return
        activation = site.activation
        if activation.kind not in (LOGITS, SOFTMAX):
            return
        prediction = _shorten(site.prediction_text())
        where = activation.describe(self.semantic)
        evaluation = no_gradient_reason(self.semantic, node)
        if evaluation is not None:
            what = "raw logits (from " + where + ")" if activation.kind == LOGITS else f"softmax probabilities ({where})"
            remedy = "apply `log_softmax` first, or use `cross_entropy`" if activation.kind == LOGITS else "use `log_softmax` instead"
            text = (f"`{prediction}` reaches {site.loss} as {what} {evaluation}, where no gradients flow, but NLL loss expects "
                    f"log-probabilities, so the loss reported here is not a negative log-likelihood: {remedy}")
            self.report(node, text, fix=None if activation.kind == LOGITS else self._fix(site))
            return
        if activation.kind == LOGITS:
            text = (f"`{prediction}` reaches {site.loss} as raw logits (from {where}), but NLL loss expects log-probabilities, "
                    "so the loss falls without bound instead of fitting a distribution: apply `log_softmax` first, or use `cross_entropy`")
            self.report(node, text)
            return
        text = (f"`{prediction}` reaches {site.loss} as softmax probabilities ({where}), but NLL loss expects log-probabilities, "
                "so it maximises the raw probability and its gradient vanishes on confident mistakes: use `log_softmax` instead")
        self.report(node, text, fix=self._fix(site))

    def _fix(self, site):
        inline = site.inline_activation()
        if inline is None or not isinstance(inline.call.func, ast.Attribute):
            return None
        function = inline.call.func
        change = changes.rename_attribute(self.source, function, "log_softmax")
        if change is None:
            return None
        return Fix(message=f"Use `log_softmax` instead of `{function.attr}`", changes=(change,), safe=True)

    VALID = [
        Valid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(784, 128)
                    self.fc2 = nn.Linear(128, 10)

                def forward(self, x):
                    x = F.relu(self.fc1(x))
                    return F.log_softmax(self.fc2(x), dim=1)

            model = Net()
            criterion = nn.NLLLoss()
            for images, labels in loader:
                output = model(images)
                loss = criterion(output, labels)
            """,
            title="forward() ends in log_softmax",
        ),
        Valid(
            """
            import torch.nn.functional as F

            def step(model, x, y):
                probs = F.softmax(model(x), dim=1)
                return F.nll_loss(F.log_softmax(model(x), dim=1), y), probs
            """,
            title="softmax for reporting, log_softmax for the loss",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F

            def mixture_nll(logits_a, logits_b, y):
                probs = 0.5 * F.softmax(logits_a, dim=1) + 0.5 * F.softmax(logits_b, dim=1)
                return F.nll_loss(torch.log(F.softmax(logits_a, dim=1) + 1e-8), y)
            """,
            title="torch.log of a softmax is a log-probability",
        ),
        Valid(
            """
            import torch.nn as nn

            model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5), nn.LogSoftmax(dim=1))
            loss = nn.NLLLoss()(model(x), y)
            """,
            title="nn.LogSoftmax as the last layer",
        ),
        Valid(
            """
            import torch.nn.functional as F
            from transformers import AutoModelForSequenceClassification

            model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
            for batch in loader:
                outputs = model(**batch)
                loss = F.nll_loss(F.log_softmax(outputs.logits, dim=-1), batch["labels"])
            """,
            title="log_softmax of a Hugging Face model's logits",
        ),
        Valid(
            """
            import torch
            import torch.nn as nn
            from torchvision import models

            device = "cuda" if torch.cuda.is_available() else "cpu"
            net = models.alexnet(weights="IMAGENET1K_V1")
            net = net.to(device)
            net.classifier._modules["6"] = nn.Linear(4096, 3)
            net.classifier._modules["7"] = nn.LogSoftmax(dim=1)
            criterion = nn.NLLLoss()
            for images, labels in loader:
                loss = criterion(net(images.to(device)), labels.to(device))
            """,
            title="a pretrained classifier rebound by `.to(device)`, then given a log-softmax layer",
        ),
        Valid(
            """
            import torch.nn as nn
            import torch.nn.functional as F
            from torchvision import models

            backbone = models.resnet34(weights="DEFAULT").cuda()
            backbone.fc = nn.Sequential(nn.Linear(512, 10), nn.LogSoftmax(dim=1))
            for images, labels in loader:
                loss = F.nll_loss(backbone(images.cuda()), labels.cuda())
            """,
            title="the head of a model built and moved in one statement replaced by one ending in log_softmax",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch.nn as nn

            class LeNet(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2))
                    self.fc = nn.Sequential(nn.Flatten(), nn.Linear(6 * 12 * 12, 84), nn.ReLU(), nn.Linear(84, 10))

                def forward(self, x):
                    return self.fc(self.features(x))

            model = LeNet()
            criterion = nn.NLLLoss()
            for images, labels in loader:
                output = model(images)
                loss = criterion(output, labels)
            """,
            "16:12",
            title="raw logits from a final nn.Linear",
        ),
        Invalid(
            """
            import torch.nn.functional as F

            def train_step(model, tokens, offsets, labels):
                logits = model(tokens, offsets)
                probs = F.softmax(logits, dim=1)
                return F.nll_loss(probs, labels)
            """,
            "6:12",
            title="softmax instead of log_softmax",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            loss_fn = nn.NLLLoss()
            loss = loss_fn(torch.softmax(scores, dim=-1), target)
            """,
            "5:8",
            fix="""
            import torch
            import torch.nn as nn

            loss_fn = nn.NLLLoss()
            loss = loss_fn(torch.log_softmax(scores, dim=-1), target)
            """,
            title="softmax inside the loss call (fixed by log_softmax)",
        ),
        Invalid(
            files={
                "models.py": """
                    import torch.nn as nn

                    class Tagger(nn.Module):
                        def __init__(self, vocab, tags):
                            super().__init__()
                            self.embed = nn.Embedding(vocab, 64)
                            self.lstm = nn.LSTM(64, 64, batch_first=True)
                            self.out = nn.Linear(64, tags)

                        def forward(self, tokens):
                            hidden, _ = self.lstm(self.embed(tokens))
                            return self.out(hidden)
                    """,
                "train.py": """
                    import torch.nn.functional as F
                    from models import Tagger

                    tagger = Tagger(5000, 17)
                    scores = tagger(batch_tokens)
                    loss = F.nll_loss(scores.view(-1, 17), batch_tags.view(-1))
                    """,
            },
            expect=("train.py:6:8",),
            title="logits from a model class in another file",
        ),
        Invalid(
            """
            import torch.nn as nn
            from torchvision import models

            model = models.resnet18(num_classes=5)
            criterion = nn.NLLLoss()
            for images, labels in loader:
                loss = criterion(model(images), labels)
            """,
            "7:12",
            title="a torchvision classifier returns logits",
        ),
        Invalid(
            """
            import torch.nn.functional as F
            from transformers import AutoModelForSequenceClassification

            model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
            for batch in loader:
                outputs = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
                loss = F.nll_loss(outputs.logits, batch["labels"])
            """,
            "7:12",
            title="the logits of a Hugging Face model",
        ),
    ]


def _shorten(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
