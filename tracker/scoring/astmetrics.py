"""Radon's cyclomatic complexity and Halstead totals in one fast walk of a parsed tree, with
identical numbers.

Why: after parsing, scoring a blob was mostly Radon's two visitors, `ComplexityVisitor` and
`HalsteadVisitor`. They are generic `ast.NodeVisitor`s: per node a method name is built and looked
up by string, `ast.iter_fields` yields every field (operator and context leaves included), and
each level of the tree costs three or four Python calls. Here one recursive function walks the
tree once for both metrics, with one call per node (none for Name and Constant leaves, half of all
nodes); what to do with a node comes from a table keyed by its type, built at import from the AST
grammar (each class's ASDL signature in its docstring), which lists only the fields that can hold
nodes and says which hold lists.

What is reproduced, quirks included (radon 6.0.1, `radon/visitors.py`):

* Complexity counts where Radon's `generic_visit` counts: If/IfExp 1, For/While/AsyncFor 1 plus
  an `else`, Try its handlers plus an `else` (TryStar nothing), BoolOp its values minus one, a
  comprehension 1 plus its `if`s, Match its cases minus one when some case pattern is a bare
  capture or `_` (guarded or not); an `assert` counts 1 and Radon does not look inside it.
* Only function *bodies* are visited (never decorators, arguments, annotations); a function's
  complexity is 1 plus its body's, without the functions and classes nested in it; a class's is 1
  plus its body's plus its methods'; inner classes and classes inside functions count nowhere,
  and only module-level functions and the methods of module-level classes are blocks, in Radon's
  order (module functions first, then each class's methods).
* A function's `endline` is `max(lineno, m)`, m the largest `lineno` among the nodes that Radon's
  `generic_visit` reaches in the *last* statement of the body: an `assert`, a nested def or class
  there reaches none of its nodes, so such a function "ends" on its `def` line.
* Halstead operators are the class names of BinOp, UnaryOp, BoolOp, AugAssign and Compare
  operators; operands go into a set as `(context, value)`, value `Name.id`, `Attribute.attr`,
  `Constant.value` or else the node itself, context the innermost enclosing function's name. It
  is the same set of the same tuples, so Python's equality decides as it does for Radon
  (`1`, `1.0` and `True` are one operand). The report comes from radon's own
  `halstead_visitor_report`, so the floats are Radon's to the last bit.

How that is verified: tests/test_astmetrics.py compares every result with Radon's visitors on the
standard-library sample the raw-metrics tests use, on hand-written sources for each quirk above
and on random combinations of constructs; `python bench/astmetrics.py --full` compares every file
of the standard library and times both.

Depth. Radon's visitors recurse, three or four Python frames per tree level, and the scorer
reports their `RecursionError` as "too_deep". `fast_metrics` answers only for trees shallow
enough that Radon, run from its caller, would certainly finish; for a deeper tree (or another
Python or radon version than the ones verified) it returns None and the caller runs Radon's
visitors itself, at the same stack depth as before, so the outcome is Radon's whatever it is.
`path_counts` tells which path served each call.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from types import FrameType
from typing import Any, NamedTuple

import radon
from radon.metrics import HalsteadReport, h_visit_ast, halstead_visitor_report
from radon.visitors import ComplexityVisitor, Function

__all__ = ["AstMetrics", "FunctionBlock", "fast_metrics", "from_radon", "path_counts", "radon_metrics"]

#: Calls served in this process: "fast" (this module's walk) and "radon" (the caller had to run
#: Radon's visitors). Benchmarks report the share; tests check which path ran.
path_counts: Counter[str] = Counter()

# Checked on CPython 3.11's AST against radon 6.0.1's visitors; anything else goes to radon.
_FAST_PATH_SUPPORTED = (
    sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11) and radon.__version__ == "6.0.1"
)

# Radon's visitors take at most four frames per tree level (HalsteadVisitor on an async def:
# visit, visit_AsyncFunctionDef, visit_FunctionDef, from_ast). The slack covers their entry
# frames, the operator and context leaves this walk skips, the helpers called at the deepest node
# and C-level recursion below the caller that counting Python frames cannot see.
_FRAMES_PER_LEVEL = 4
_SLACK = 50


class FunctionBlock(NamedTuple):
    """The fields of a radon `Function` block that the scorer stores."""

    name: str
    classname: str | None
    lineno: int
    endline: int
    complexity: int


class AstMetrics(NamedTuple):
    """`ComplexityVisitor.total_complexity`, its Function blocks in order, and `h_visit_ast().total`."""

    total_complexity: int
    functions: list[FunctionBlock]
    halstead: HalsteadReport


class _Counts(NamedTuple):
    """The four numbers `halstead_visitor_report` reads from a HalsteadVisitor."""

    distinct_operators: int
    distinct_operands: int
    operators: int
    operands: int


class _Unproven(Exception):
    """The walk cannot vouch for Radon's outcome: the tree is deeper than Radon is sure to handle
    from the caller's stack depth, or holds a node class the table does not describe."""


# What the walk does with a node. Kinds up to _BOOLOP add to the complexity, kinds from _BOOLOP
# to _COMPARE are Halstead operators, and the kinds from _FUNCTION on are the nodes Radon's
# complexity visitor does not pass to generic_visit.
_PLAIN, _IF, _LOOP, _TRY, _MATCH, _COMPREHENSION, _BOOLOP = range(7)
_BINOP, _UNARYOP, _AUGASSIGN, _COMPARE, _FUNCTION, _CLASS, _ASSERT, _UNPROVEN = range(7, 15)
_KINDS: dict[type[ast.AST], int] = {
    ast.If: _IF,
    ast.IfExp: _IF,
    ast.For: _LOOP,
    ast.While: _LOOP,
    ast.AsyncFor: _LOOP,
    ast.Try: _TRY,
    ast.Match: _MATCH,
    ast.comprehension: _COMPREHENSION,
    ast.BoolOp: _BOOLOP,
    ast.BinOp: _BINOP,
    ast.UnaryOp: _UNARYOP,
    ast.AugAssign: _AUGASSIGN,
    ast.Compare: _COMPARE,
    ast.FunctionDef: _FUNCTION,
    ast.AsyncFunctionDef: _FUNCTION,
    ast.ClassDef: _CLASS,
    ast.Assert: _ASSERT,
}

# ASDL types that never hold a node, and node types that are childless leaves with no line that
# neither metric looks at as nodes (operators are read through their parent).
_SCALARS = {"identifier", "string", "constant", "int"}
_LEAVES = {"expr_context", "operator", "boolop", "unaryop", "cmpop"}
_SIGNATURE = re.compile(r"(\w+)\((.*)\)")

_Spec = tuple[int, tuple[tuple[str, bool], ...], bool]  # kind, (field, holds a list), has a lineno


def _spec(cls: type[ast.AST]) -> _Spec:
    """How the walk treats nodes of `cls`, read from the class's ASDL signature, e.g.
    `For(expr target, expr iter, stmt* body, stmt* orelse, string? type_comment)`."""
    has_line = "lineno" in cls._attributes or "lineno" in cls._fields
    signature = _SIGNATURE.fullmatch((cls.__doc__ or "").partition("\n")[0])
    if signature is None or signature[1] != cls.__name__:  # deprecated and abstract classes
        return (_UNPROVEN if cls._fields else _PLAIN), (), has_line
    fields = []
    for declaration in filter(None, signature[2].split(", ")):
        asdl_type, name = declaration.split()
        if name not in cls._fields:
            return _UNPROVEN, (), has_line
        if asdl_type.rstrip("*?") not in _SCALARS | _LEAVES:
            fields.append((name, asdl_type.endswith("*")))
    return _KINDS.get(cls, _PLAIN), tuple(fields), has_line


def _node_classes() -> list[type[ast.AST]]:
    found, todo = [], [ast.AST]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    return found


_SPECS: dict[type[ast.AST], _Spec] = {cls: _spec(cls) for cls in _node_classes()}
_Name, _Attribute, _Constant = ast.Name, ast.Attribute, ast.Constant


def _operand(node: Any) -> object:
    """What HalsteadVisitor puts in its operand set for `node` (next to the context)."""
    cls = type(node)
    if cls is _Name:
        return node.id
    if cls is _Constant:
        return node.value
    if cls is _Attribute:
        return node.attr
    return node


def _branches(kind: int, node: Any) -> int:
    """What a branching node adds to Radon's cyclomatic complexity (ComplexityVisitor's rules)."""
    if kind == _IF:
        return 1
    if kind == _LOOP:
        return 2 if node.orelse else 1
    if kind == _TRY:
        return len(node.handlers) + bool(node.orelse)
    if kind == _MATCH:
        cases = node.cases
        underscore = any(getattr(case.pattern, "pattern", False) is None for case in cases)
        return max(0, len(cases) - underscore)
    if kind == _COMPREHENSION:
        return 1 + len(node.ifs)
    if kind == _BOOLOP:
        return len(node.values) - 1
    return 0


def _halstead(
    kind: int, node: Any, context: str | None, operators: set[str], operands: set[tuple[str | None, object]]
) -> tuple[int, int]:
    """HalsteadVisitor's rule for an operator node: add to the distinct sets, return (N1, N2) increments."""
    operand = _operand
    if kind == _BINOP:
        operators.add(type(node.op).__name__)
        operands.add((context, operand(node.left)))
        operands.add((context, operand(node.right)))
        return 1, 2
    if kind == _COMPARE:
        ops, comparators = node.ops, node.comparators
        operators.update([type(op).__name__ for op in ops])
        operands.update([(context, operand(value)) for value in comparators])
        operands.add((context, operand(node.left)))
        return len(ops), len(comparators) + 1
    if kind == _BOOLOP:
        values = node.values
        operators.add(type(node.op).__name__)
        operands.update([(context, operand(value)) for value in values])
        return 1, len(values)
    if kind == _UNARYOP:
        operators.add(type(node.op).__name__)
        operands.add((context, operand(node.operand)))
        return 1, 1
    # _AUGASSIGN
    operators.add(type(node.op).__name__)
    operands.add((context, operand(node.target)))
    operands.add((context, operand(node.value)))
    return 1, 2


def _walk_tree(tree: ast.AST, max_depth: int) -> AstMetrics:
    """Both metrics in one walk; raises _Unproven past `max_depth` levels below `tree`.

    The walk keeps Radon's visitor state in closure variables and saves and restores it where
    Radon would start fresh visitors. `counting` is False where Radon's complexity visitor either
    does not go or throws its count away (closures, classes in functions, inner classes, an
    assert's test, a class's bases and decorators); `scope` says where a def found while counting
    belongs: a module function, a method of the current class, or a closure (nowhere).
    """
    operators: set[str] = set()
    operands: set[tuple[str | None, object]] = set()
    n_operators = n_operands = 0
    context: str | None = None  # Halstead's: the innermost function's name
    counting = True
    scope = _PLAIN  # _PLAIN: module level, _CLASS: in a class body, _FUNCTION: in a function
    classname: str | None = None
    complexity = 0  # of the current Radon visitor (module, class body or function body)
    max_line = 0  # Radon's visitor.max_line (0 for -inf: line numbers start at 1)
    functions: list[FunctionBlock] = []
    methods: list[FunctionBlock] = []
    classes: list[tuple[int, list[FunctionBlock]]] = []  # (real complexity, methods)
    specs = _SPECS
    branches, halstead = _branches, _halstead

    def walk(node: Any, depth: int) -> None:
        nonlocal n_operators, n_operands, context, counting, scope, classname, complexity, max_line, methods
        if depth > max_depth:
            raise _Unproven
        kind, fields, has_line = specs[type(node)]
        depth += 1
        if kind:
            if kind >= _FUNCTION:
                if kind == _FUNCTION:
                    enter_function(node, depth)
                elif kind == _CLASS:
                    enter_class(node, depth)
                elif kind == _ASSERT:
                    enter_assert(node, depth)
                else:
                    raise _Unproven  # a class the table does not describe: let Radon decide
                return
            if counting:
                if has_line and node.lineno > max_line:
                    max_line = node.lineno
                if kind <= _BOOLOP:
                    complexity += branches(kind, node)
            if kind >= _BOOLOP:
                more_operators, more_operands = halstead(kind, node, context, operators, operands)
                n_operators += more_operators
                n_operands += more_operands
        elif counting and has_line and node.lineno > max_line:
            max_line = node.lineno
        for name, many in fields:
            value = getattr(node, name)
            if many:
                for child in value:
                    cls = type(child)
                    if cls is _Name or cls is _Constant:  # leaves, the most common nodes: no call
                        if counting and child.lineno > max_line:
                            max_line = child.lineno
                    elif child is not None:  # Dict.keys and kw_defaults hold None
                        walk(child, depth)
            elif value is not None:
                cls = type(value)
                if cls is _Name or cls is _Constant:
                    if counting and value.lineno > max_line:
                        max_line = value.lineno
                else:
                    walk(value, depth)

    def enter_assert(node: ast.Assert, depth: int) -> None:
        """An assert adds 1; Radon's complexity visitor does not look inside its test or message."""
        nonlocal counting, complexity
        if counting:
            complexity += 1
        outer_counting, counting = counting, False
        walk(node.test, depth)
        if node.msg is not None:
            walk(node.msg, depth)
        counting = outer_counting

    def enter_function(node: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> None:
        """Radon visits only the body, each statement with a fresh visitor; Halstead's context is
        the function's name there. A def found while counting outside a function is a block."""
        nonlocal context, counting, scope, complexity, max_line
        outer = context, counting, scope, complexity, max_line
        outer_scope = scope
        context = node.name
        body = node.body
        if counting and outer_scope != _FUNCTION:
            scope, complexity = _FUNCTION, 0
            for child in body[:-1]:
                walk(child, depth)
            max_line = 0  # the endline comes from the last statement's visitor alone
            walk(body[-1], depth)
            block = FunctionBlock(
                node.name, classname, node.lineno, max(node.lineno, max_line), 1 + complexity
            )
            (methods if outer_scope == _CLASS else functions).append(block)
        else:
            counting = False
            for child in body:
                walk(child, depth)
        context, counting, scope, complexity, max_line = outer

    def enter_class(node: ast.ClassDef, depth: int) -> None:
        """Halstead visits every field, Radon's complexity only the body; only a module-level
        class counts, as 1 plus its body's complexity plus its methods'."""
        nonlocal counting, scope, classname, complexity, methods
        outer = counting, scope, classname, complexity, methods
        at_module_level = counting and scope == _PLAIN
        counting = False
        for child in (*node.bases, *node.keywords, *node.decorator_list):
            walk(child, depth)
        if at_module_level:
            counting, scope, classname, complexity, methods = True, _CLASS, node.name, 0, []
            for child in node.body:
                walk(child, depth)
            classes.append((1 + complexity + sum(block.complexity for block in methods), methods))
        else:
            for child in node.body:
                walk(child, depth)
        counting, scope, classname, complexity, methods = outer

    walk(tree, 0)
    total = 1 + complexity + sum(f.complexity - 1 for f in functions) + sum(real - 1 for real, _ in classes)
    blocks = functions + [method for _, class_methods in classes for method in class_methods]
    counts = _Counts(len(operators), len(operands), n_operators, n_operands)
    return AstMetrics(total, blocks, halstead_visitor_report(counts))


def _stack_depth(frame: FrameType | None) -> int:
    """Python frames from `frame` down to the bottom of the stack."""
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def fast_metrics(tree: ast.AST) -> AstMetrics | None:
    """Radon's numbers for `tree` without Radon, or None when this module cannot vouch for them.

    None means: the tree is so deep that Radon's visitors, started from the caller's frame, might
    run out of stack (or this is not the Python and radon the walk was verified against). The
    caller then runs them itself, from where it always did, and gets Radon's own outcome,
    `RecursionError` included.
    """
    if _FAST_PATH_SUPPORTED:
        caller_depth = _stack_depth(sys._getframe(1))
        max_depth = (sys.getrecursionlimit() - caller_depth - _SLACK) // _FRAMES_PER_LEVEL
        try:
            result = _walk_tree(tree, max_depth)
        except (_Unproven, RecursionError, KeyError):  # KeyError: a node class the table lacks
            pass
        else:
            path_counts["fast"] += 1
            return result
    path_counts["radon"] += 1
    return None


def from_radon(visitor: ComplexityVisitor, halstead: HalsteadReport) -> AstMetrics:
    """Package the results of Radon's own visitors (`ComplexityVisitor.from_ast(tree)` and
    `h_visit_ast(tree).total`) like `fast_metrics` does."""
    functions = [
        FunctionBlock(block.name, block.classname, block.lineno, block.endline, block.complexity)
        for block in visitor.blocks
        if isinstance(block, Function)
    ]
    return AstMetrics(visitor.total_complexity, functions, halstead)


def radon_metrics(tree: ast.AST) -> AstMetrics:
    """Radon's own visitors on `tree`: the oracle tests and benchmarks compare with."""
    return from_radon(ComplexityVisitor.from_ast(tree), h_visit_ast(tree).total)
