# The method's crops alone on demo-v6: salssl.py with every loss weight 1
# (gamma 0).
_base_ = './salssl.py'

model = dict(head=dict(gamma=0.0))
