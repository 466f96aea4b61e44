"""mmsal.progress: a bar on a terminal, plain lines in files and pipes."""
import io

from mmsal.progress import Progress


class Terminal(io.StringIO):

    def isatty(self):
        return True


def test_pipe_gets_about_ten_plain_lines_and_no_carriage_return():
    out = io.StringIO()
    bar = Progress(1000, label='refresh', file=out)
    for _ in range(250):
        bar.update(4)
    text = out.getvalue()
    assert '\r' not in text
    lines = text.splitlines()
    assert len(lines) == 10
    assert lines[0].startswith('refresh: 100/1000 (10 %), ')
    assert lines[-1].startswith('refresh: 1000/1000 (100 %), ')
    assert lines[-1].endswith(' s')


def test_uneven_updates_end_with_the_total_once():
    out = io.StringIO()
    bar = Progress(7, file=out)
    bar.update(5)
    bar.update(5)  # past the end: shown as the total, once
    bar.update(1)
    assert out.getvalue().splitlines()[-1].startswith('progress: 7/7 (100 %)')
    assert len(out.getvalue().splitlines()) == 2


def test_terminal_gets_a_redrawn_bar():
    out = Terminal()
    bar = Progress(100, file=out, redraws=5)
    for _ in range(100):
        bar.update()
    assert '\r' in out.getvalue() and out.getvalue().endswith('\n')


def test_disabled_or_empty_writes_nothing():
    out = io.StringIO()
    Progress(10, enabled=False, file=out).update(10)
    Progress(0, file=out).update(0)
    assert out.getvalue() == ''
