"""mmsal.compat.apply: only what the installed packages break is fixed."""
import pytest

from mmsal import compat


def test_applied_traps_are_the_broken_ones():
    # apply() ran on import; each trap it fixed must have been broken (its
    # probe read the original), and a second apply() changes nothing
    assert set(compat.APPLIED) <= {compat.name_of(t) for t in compat.TRAPS}
    before = list(compat.APPLIED)
    assert compat.apply() == before
    # the traps that replace a function keep the original once fixed
    for trap in (compat.hue, compat.cpu_ddp, compat.checkpoint_files,
                 compat.collate_scope, compat.package_utils):
        assert (compat.name_of(trap) in compat.APPLIED) == bool(trap.ORIGINAL)


def test_a_trap_that_is_not_broken_is_left_alone(monkeypatch):
    trap = compat.hue
    name = compat.name_of(trap)
    monkeypatch.setattr(compat, 'APPLIED', [])
    monkeypatch.setattr(trap, 'is_broken', lambda: False)
    fixed = []
    monkeypatch.setattr(trap, 'fix', lambda: fixed.append(name))
    others = [t for t in compat.TRAPS if t is not trap]
    for other in others:
        monkeypatch.setattr(other, 'is_broken', lambda: False)
    assert compat.apply() == [] and fixed == []
    monkeypatch.setattr(trap, 'is_broken', lambda: True)
    assert compat.apply() == [name] and fixed == [name]


@pytest.mark.parametrize('trap', compat.TRAPS, ids=compat.name_of)
def test_every_trap_module_has_the_interface(trap):
    assert callable(trap.is_broken) and callable(trap.fix)
    assert isinstance(trap.ORIGINAL, dict)
    assert trap.__doc__ and len(trap.__doc__.split()) > 10
