"""The log line and scalars of one saliency refresh (SaliencyHook)."""
import torch

from ...evaluation.saliency_quality import dataset_quality


def log_refresh(hook, runner, all_maps, valid, rejected, seconds):
    """Log a refresh: time, map statistics, maps rejected for NaN/inf,
    and, where the dataset has boxes, the pointing game and box IoU against
    their baselines (``saliency/*`` scalars to every vis backend)."""
    maps = all_maps[valid]
    peak = maps.flatten(1).argmax(1) if len(maps) else torch.zeros(0)
    stats = {
        'saliency/refresh_seconds': seconds,
        'saliency/map_mean': float(maps.mean()) if len(maps) else 0.,
        'saliency/peak_in_centre': float(
            ((peak // hook.map_size - hook.map_size // 2).abs() <= 1)
            .logical_and((peak % hook.map_size -
                          hook.map_size // 2).abs() <= 1)
            .float().mean()) if len(maps) else 0.,
        'saliency/rejected': float(rejected),
    }
    if hook.quality_images:  # against ground-truth boxes, if any
        quality = dataset_quality(runner.train_dataloader.dataset,
                                  all_maps.numpy(), valid,
                                  hook.quality_images)
        for key in ('pointing_game', 'pointing_centre',
                    'pointing_random', 'box_iou'):
            if quality:
                stats[f'saliency/{key}'] = quality[key]
    runner.visualizer.add_scalars(stats, step=runner.iter)
    msg = ', '.join(f'{k.split("/")[1]} {v:.3f}' for k, v in
                    stats.items())
    runner.logger.info(f'SaliencyHook: refreshed {len(hook.store)} maps '
                       f'before epoch {runner.epoch + 1}: {msg}')
    if rejected:
        runner.logger.warning(
            f'SaliencyHook: {rejected} map(s) had NaN/inf features and '
            'were not stored (those images keep their previous map)')
