"""A training loop with two calls left without parentheses (DL103).

The fixture of the output-format tests: every format renders these findings.
The `print` before `loss.backward` puts non-ASCII text in front of a finding,
so character columns and UTF-8 byte offsets differ on that line.
"""
import torch
from torch import nn

model = nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.MSELoss()

for inputs, targets in [(torch.ones(8, 4), torch.zeros(8, 2))]:
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    print("époque"); loss.backward
    optimizer.step
