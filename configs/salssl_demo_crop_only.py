# Ablation: saliency-guided crops, every pair weighted 1 (gamma=0).
_base_ = './salssl_demo.py'

model = dict(head=dict(gamma=0.0))
