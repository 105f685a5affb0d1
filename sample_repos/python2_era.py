"""Python 2 era modules with their Python 3 twins, for testing how Python 2 blobs are scored.

Each module is written twice: as a Python 2 project had it, and as the same code with only the
syntax Python 3 rejects respelled (what `qroi.scoring.python2` should produce, up to spaces). The
twin is the reference a test scores with Radon directly. `fissix_equal` says whether fissix's full
translation should score the same as well: it does for pure syntax, not where its fixers add lines
(tuple parameters, `__future__` imports blanked) or modernise code that Python 3 parses already.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Python2Module:
    path: str
    why: str
    python2: str
    python3: str
    fissix_equal: bool


SYNTAX_2 = '''\
"""Every statement and literal Python 3 will not parse, each in the shapes real code has."""
import sys

MODE = 0755
BIG = 10L
MASK = 0xFFL
NAME = ur'raw\\d+'
TITLE = u"caf\\xe9"
ESCAPED = "\\u00e9 is not an escape here" + "x"
BLOCK = u"""first line
second line \\u2603
"""


def show(items, out=sys.stderr):
    print
    print "items:", len(items)
    print >>out, "to a file", items
    print >>out
    print "no newline",
    print >>out, "both",
    print ("parenthesised") % items
    print "continued", \\
        "over two lines"  # a comment after
    for item in items: print item; print `item`
    if items <> []:
        return [x * 2 for x in 1, 2, 3 if x]
    return [x for x in items]


def run(code, ns, loc):
    exec code
    exec code in ns
    exec code in ns, loc
    exec(code)
    try:
        return int(code)
    except (ValueError, TypeError), e:
        raise RuntimeError, "bad code: %s" % e
    except KeyError, e:
        raise RuntimeError, e, sys.exc_info()[2]
    except:
        raise


class Legacy(object):
    def check(self, value):
        if value <> self.value and `value` == "x":
            raise ValueError, value
        return value == 0777
'''

SYNTAX_3 = '''\
"""Every statement and literal Python 3 will not parse, each in the shapes real code has."""
import sys

MODE = 0o755
BIG = 10
MASK = 0xFF
NAME = r'raw\\d+'
TITLE = "caf\\xe9"
ESCAPED = "\\\\u00e9 is not an escape here" + "x"
BLOCK = """first line
second line \\u2603
"""


def show(items, out=sys.stderr):
    print()
    print("items:", len(items))
    print("to a file", items, file=out)
    print(file=out)
    print("no newline", end=' ')
    print("both", end=' ', file=out)
    print(("parenthesised") % items)
    print("continued", \\
        "over two lines")  # a comment after
    for item in items: print(item); print(repr(item))
    if items != []:
        return [x * 2 for x in (1, 2, 3) if x]
    return [x for x in items]


def run(code, ns, loc):
    exec(code)
    exec(code, ns)
    exec(code, ns, loc)
    exec(code)
    try:
        return int(code)
    except (ValueError, TypeError) as e:
        raise RuntimeError("bad code: %s" % e)
    except KeyError as e:
        raise RuntimeError(e).with_traceback(sys.exc_info()[2])
    except:
        raise


class Legacy(object):
    def check(self, value):
        if value != self.value and repr(value) == "x":
            raise ValueError(value)
        return value == 0o777
'''

TUPLE_PARAMETERS_2 = '''\
"""Tuple parameters: fissix unpacks them in a line of its own, which moves every line below."""


def distance((x1, y1), (x2, y2)):
    return abs(x1 - x2) + abs(y1 - y2)


def total(pairs):
    return sum(map(lambda (k, v): k * v + k, pairs))


def after(value):
    if value:
        return value + 1
    return 0
'''

TUPLE_PARAMETERS_3 = '''\
"""Tuple parameters: fissix unpacks them in a line of its own, which moves every line below."""


def distance(x1_y1, x2_y2):
    return abs(x1 - x2) + abs(y1 - y2)


def total(pairs):
    return sum(map(lambda k_v: k * v + k, pairs))


def after(value):
    if value:
        return value + 1
    return 0
'''

MODERNISED_2 = '''\
"""Code Python 3 parses as it is, which fissix's fixers still rewrite, next to one print statement."""
from __future__ import with_statement

import types


class Flag(object):
    def __nonzero__(self):
        return self.on

    def lookup(self, table, key):
        if table.has_key(key) and type(key) == types.StringType:
            return filter(lambda k: k > key, table.keys())
        return map(lambda v: v + 1, table.itervalues())


def report(value):
    print "value:", value
    return isinstance(value, basestring) or value == long(0)
'''

MODERNISED_3 = MODERNISED_2.replace('print "value:", value', 'print("value:", value)')

MODULES = (
    Python2Module("legacy/py2_syntax.py", "every construct Python 3 rejects", SYNTAX_2, SYNTAX_3, True),
    Python2Module(
        "legacy/py2_tuple_params.py",
        "tuple parameters of a def and a lambda",
        TUPLE_PARAMETERS_2,
        TUPLE_PARAMETERS_3,
        False,
    ),
    Python2Module(
        "legacy/py2_modernised.py",
        "code fissix modernises although it parses",
        MODERNISED_2,
        MODERNISED_3,
        False,
    ),
)
