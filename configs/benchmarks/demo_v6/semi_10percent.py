# Semi-supervised fine-tuning on 10 % of the demo-v6 objects' labels (10 per
# class), as semi_demo_10percent.py (its settings, chosen on demo-v5 seed
# 100), on the demo-v6 objects.
_base_ = '../semi_demo_10percent.py'

demo_v6 = dict(data_root='data/demo_v6', demo_settings=dict(preset='v6'))
train_dataloader = dict(dataset=demo_v6)
val_dataloader = dict(dataset=demo_v6)
test_dataloader = dict(dataset=demo_v6)
