"""The demo-v6 table (docs/protocol_demo_v6.md, "Analysis"): per variant,
the paired linear-probe gain over MoCo v2 of the same seed with its
one-sided 95 % lower bound (t over seeds), kNN, semi-supervised top-1,
detection AP where measured, pointing against the contrast map and what
the training pairs hold; then the stop rule's verdict and every run."""
import math
import statistics

from benchmarks.evidence import table as v5_table

#: name: row label, in table order
LABELS = {
    'random': 'random init (floor)',
    'mocov2': 'MoCo v2',
    'oracle': 'oracle maps, paired crops (ceiling)',
    'salssl': 'SalSSL (model maps)',
    'placebo': 'placebo (shuffled model maps)',
    'centre': 'centre map',
    'area': 'area-only weights',
    'crop': 'SaliencyCrop only',
    'reweight': 'reweighting only',
}
# one-sided 95 % quantiles of Student's t, by degrees of freedom
_T95 = {
    1: 6.314,
    2: 2.920,
    3: 2.353,
    4: 2.132,
    5: 2.015,
    6: 1.943,
    7: 1.895,
    8: 1.860,
    9: 1.833,
    10: 1.812,
    11: 1.796,
    12: 1.782,
    13: 1.771,
    14: 1.761,
    15: 1.753,
    16: 1.746,
    17: 1.740,
    18: 1.734,
    19: 1.729,
    20: 1.725
}
MIN_SEEDS = 6
CEILING_GAIN = 1.0


def lower_bound(diffs):
    """Mean and one-sided 95 % lower bound of paired differences (None
    for the bound with fewer than two)."""
    mean = statistics.mean(diffs)
    if len(diffs) < 2:
        return mean, None
    t = _T95.get(len(diffs) - 1, 1.645)
    return mean, mean - t * statistics.stdev(diffs) / math.sqrt(len(diffs))


def paired_gain(rows, variant, key='linear_top1', base='mocov2'):
    """Paired differences of ``key`` to ``base`` over the seeds both have
    (reporting seeds only: < 100)."""
    ref = {
        r['seed']: r[key]
        for r in rows if r['variant'] == base and r['seed'] < 100
    }
    return [
        r[key] - ref[r['seed']] for r in rows
        if r['variant'] == variant and r['seed'] in ref and key in r
    ]


def stop_rule(rows):
    """``(passed, text)``: does the oracle ceiling beat MoCo v2 by at least
    1 linear top-1 with its lower bound above 0, over >= 6 reporting
    seeds? Before that, no model-map variant runs on reporting seeds."""
    diffs = paired_gain(rows, 'oracle')
    if len(diffs) < MIN_SEEDS:
        return False, (f'stop rule: pending ({len(diffs)} of {MIN_SEEDS} '
                       'paired oracle / MoCo v2 seeds)')
    mean, low = lower_bound(diffs)
    passed = mean >= CEILING_GAIN and low > 0
    verdict = 'passed' if passed else 'failed: the protocol has no room'
    return passed, (f'stop rule: {verdict} (oracle - MoCo v2 linear top-1 '
                    f'{mean:+.2f}, one-sided 95 % lower bound {low:+.2f}, '
                    f'n = {len(diffs)})')


def table(results, protocol='demo-v6'):
    rows = [
        r for r in results if r['protocol'] == protocol and r['seed'] < 100
    ]
    lines = [
        f'Protocol `{protocol}` (docs/protocol_demo_v6.md); reporting seeds '
        'only; mean ± std over seeds. Linear gain: the paired difference '
        'to MoCo v2 of the same seed, its mean and one-sided 95 % lower '
        'bound (t over seeds). Pointing vs contrast: the checkpoint\'s '
        'maps (layer3) against the contrast map, on the val scenes. Same '
        'dominant: the share of training pairs whose two views show the '
        'same object most (the variant\'s own crops and maps).', '',
        stop_rule(rows)[1], '',
        '| variant | n | linear gain vs MoCo v2 (mean, 95 % bound) | '
        'linear top-1 | kNN top-1 | semi 1 % / 10 % | det AP | pointing '
        'vs contrast | same dominant |', '|---' * 9 + '|'
    ]
    for name, label in LABELS.items():
        runs = [r for r in rows if r['variant'] == name]
        if not runs:
            continue
        diffs = paired_gain(rows, name)
        gain = '-'
        if name != 'mocov2' and diffs:
            mean, low = lower_bound(diffs)
            gain = (f'{mean:+.2f} ({low:+.2f})' if low is not None else
                    f'{mean:+.2f}') + f' (n = {len(diffs)})'

        def col(key, digits=1):
            return v5_table.mean_std([r[key] for r in runs if key in r],
                                     digits)

        lines.append(
            f"| {label} | {len(runs)} | {gain} | {col('linear_top1')} | "
            f"{col('knn_top1')} | {col('semi1_top1')} / "
            f"{col('semi10_top1')} | {col('det_ap')} | "
            f"{col('pointing_vs_contrast', 3)} | "
            f"{col('same_dominant_object', 2)} |")
    lines += [
        '', 'Per run (probe loss: its mean training loss in the first and '
        'last epoch):', '',
        '| variant | seed | linear top-1 | probe loss | kNN top-1 | '
        'semi 1 % / 10 % | pointing / contrast | same dominant | crops '
        '| finished | commit | machine |', '|---' * 12 + '|'
    ]
    order = list(LABELS)
    for r in sorted(
            rows, key=lambda r: (order.index(r['variant']), r['seed'])):
        curve = r['linear_loss_curve']
        lines.append(
            f"| {r['variant']} | {r['seed']} | {r['linear_top1']:.1f} | "
            f"{curve[0][1]:.3f} -> {curve[-1][1]:.3f} | "
            f"{r['knn_top1']:.1f} | {r['semi1_top1']:.1f} / "
            f"{r['semi10_top1']:.1f} | {r['pointing']:.3f} / "
            f"{r['pointing_contrast']:.3f} | "
            f"{r['same_dominant_object']:.2f} | {r['crop_mode']} | "
            f"{r['finished']} | {r.get('commit') or '-'} | {r['machine']} |")
    return '\n'.join(lines)


def render(doc, results, protocol='demo-v6'):
    """Rewrite the demo-v6 table between its markers in ``doc``."""
    v5_table.render(doc, results, protocol, table)
