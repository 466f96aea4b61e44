"""The order of mmsal's hooks next to mmengine's."""


def test_saliency_work_runs_before_the_iteration_timer():
    """mmengine's IterTimerHook starts an epoch's data clock in
    before_train_epoch: a refresh after it was logged as 20 s of data_time.
    SaliencyHook runs first; the diagnostics and drawings after it."""
    from mmengine.hooks import IterTimerHook
    from mmengine.runner.priority import get_priority

    from mmsal.engine import (CropStatsHook, ExactResumeHook, SaliencyHook,
                              SaliencyVisHook)

    def rank(hook):
        return get_priority(hook.priority)

    timer = rank(IterTimerHook)
    assert rank(ExactResumeHook) < rank(SaliencyHook) < timer
    assert rank(SaliencyVisHook) > rank(SaliencyHook)
    assert rank(CropStatsHook) > rank(SaliencyHook)
