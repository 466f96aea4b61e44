# Semi-supervised fine-tuning on 1 % of the demo-v6 objects' labels (one per
# class), as semi_demo_1percent.py.
_base_ = './semi_10percent.py'

train_dataloader = dict(batch_size=10, dataset=dict(indices=10))
