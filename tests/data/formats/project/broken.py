"""Not valid Python: the output-format tests show dllint's DL001 for it."""
import torch

x = = 1
