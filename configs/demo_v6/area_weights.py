# The area-only control of the demo-v6 protocol: the method as in salssl.py,
# but each pair's loss weight follows its crops' area alone (the batch's
# saliency weights handed out by area, smallest area the largest weight):
# a gain of the method that this control also shows is an area effect.
_base_ = './salssl.py'

model = dict(head=dict(weight_mode='area'))
