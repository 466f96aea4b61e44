"""compat.numpy_in1d: mmpretrain's retrieval metrics on numpy >= 2.4."""
import numpy as np
import torch

from mmsal.compat import numpy_in1d


def test_in1d_is_isin_of_the_flattened_array():
    got = numpy_in1d.in1d(np.array([[1, 2], [3, 4]]), [2, 4])
    assert got.tolist() == [False, True, False, True]
    assert numpy_in1d.in1d([1, 5], [5], invert=True).tolist() == [True, False]


def test_retrieval_recall_and_average_precision_give_known_numbers():
    from mmpretrain.evaluation import (RetrievalAveragePrecision,
                                       RetrievalRecall)
    from mmpretrain.evaluation.metrics import retrieval
    if numpy_in1d.is_broken():  # numpy >= 2.4: import mmsal fixed it
        assert isinstance(retrieval.np, numpy_in1d.NumpyWithIn1d)
        assert not hasattr(numpy_in1d.ORIGINAL['np'], 'in1d')
    # ranked predictions of 2 queries; query 0's positive is ranked 2nd,
    # query 1's first
    pred = torch.tensor([[0.1, 0.9, 0.3, 0.2], [0.8, 0.1, 0.05, 0.05]])
    target = [torch.tensor([2]), torch.tensor([0])]
    recall = RetrievalRecall.calculate(
        pred, target, topk=(1, 2), target_indices=True)
    assert [float(r) for r in recall] == [50.0, 100.0]
    ap = RetrievalAveragePrecision.calculate(
        pred, target, topk=4, target_indices=True)
    assert float(ap) == 75.0  # mean of 1/2 and 1/1
