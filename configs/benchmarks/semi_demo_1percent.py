# semi_demo_10percent.py with 1 % of the labels: the first 10 training
# objects, one per class (100 epochs of one step).
_base_ = './semi_demo_10percent.py'

train_dataloader = dict(batch_size=10, dataset=dict(indices=10))
