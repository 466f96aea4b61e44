# kNN on the demo-v6 objects (cosine, k=20, T=0.07), as knn_demo.py:
#   python tools/knn_eval.py configs/benchmarks/demo_v6/knn.py \
#       work_dirs/demo_v6_mocov2/epoch_12.pth
_base_ = '../knn_demo.py'

demo_v6 = dict(data_root='data/demo_v6', demo_settings=dict(preset='v6'))
knn_train_dataloader = dict(dataset=demo_v6)
knn_val_dataloader = dict(dataset=demo_v6)
