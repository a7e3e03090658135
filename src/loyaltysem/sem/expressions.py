"""The expression language of defined parameters (``name := expression``), as lavaan reads it.

lavaan hands the right-hand side of ``:=`` to R. The part of R that models use is accepted
here and nothing else, without ``eval``:

- numbers in any notation R reads (``2``, ``.5``, ``5.``, ``1e3``, ``1.5E-2``, ``0x1F``,
  ``2L``);
- labels of the model (``a``, ``b1``, ``.p3.``) and earlier defined names;
- ``+ - * /``, ``^`` (and ``**``), unary ``-`` and ``+``, parentheses;
- the functions in :data:`FUNCTIONS`, each with its number of arguments checked
  (``log(x, base)`` takes one or two, the others one).

Evaluation has no side effects: every function is called with its arguments only (never a
numpy ``out=`` buffer), so a defined parameter cannot change any other quantity. Constant
parts of an expression that are not finite (``1/0``, ``2^5000``, ``log(0)``) are refused
when the model is read. Every failure is a :class:`~loyaltysem.errors.ModelSpecError`
naming the model line.

Examples
--------
>>> e = compile_expression("a*b*1e3 + sqrt(c)", line=4)
>>> e.labels
('a', 'b', 'c')
>>> float(e.evaluate({"a": 0.5, "b": 0.4, "c": 4.0}))
202.0
>>> try:
...     compile_expression("sqrt(a, b)", line=7)
... except ModelSpecError as err:
...     print(err.line, err.reason, "|", err.expected)
7 a function in a defined parameter has the wrong number of arguments | sqrt() takes 1 argument
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from loyaltysem.errors import ModelSpecError

__all__ = ["FUNCTIONS", "Expression", "compile_expression"]


def _log(x: Any, base: Any = None) -> Any:
    return np.log(x) if base is None else np.log(x) / np.log(base)


def _unary(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # called with its argument only: numpy's second positional argument is the output buffer
    return lambda x: f(x)


#: Functions a defined parameter may call (R's names), with (least, most) arguments.
FUNCTIONS: Mapping[str, tuple[Callable[..., Any], int, int]] = MappingProxyType(
    {
        "sqrt": (_unary(np.sqrt), 1, 1),
        "abs": (_unary(np.abs), 1, 1),
        "exp": (_unary(np.exp), 1, 1),
        "expm1": (_unary(np.expm1), 1, 1),
        "log": (_log, 1, 2),
        "log10": (_unary(np.log10), 1, 1),
        "log2": (_unary(np.log2), 1, 1),
        "log1p": (_unary(np.log1p), 1, 1),
        "sin": (_unary(np.sin), 1, 1),
        "cos": (_unary(np.cos), 1, 1),
        "tan": (_unary(np.tan), 1, 1),
        "asin": (_unary(np.arcsin), 1, 1),
        "acos": (_unary(np.arccos), 1, 1),
        "atan": (_unary(np.arctan), 1, 1),
        "sinh": (_unary(np.sinh), 1, 1),
        "cosh": (_unary(np.cosh), 1, 1),
        "tanh": (_unary(np.tanh), 1, 1),
    }
)
_MAX_LENGTH = 5_000
_MAX_DEPTH = 100
_EXPECTED = f"labels, numbers, + - * / ^, parentheses and the functions {', '.join(FUNCTIONS)}"
# numbers first, so that the exponent of 1e3 is not read as a name
_TOKEN = re.compile(
    r"(?P<hex>0[xX][0-9a-fA-F]+L?)"
    r"|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?)"
    r"|(?P<name>\.?[^\W\d][\w.]*)"
    r"|(?P<bad>\.)",
    re.UNICODE,
)
_ALLOWED = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.UnaryOp,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.Call,
)


@dataclass(frozen=True)
class Expression:
    """A checked ``:=`` expression.

    Attributes
    ----------
    text : str
        As written.
    line : int
        Line in the model syntax.
    labels : tuple of str
        Labels and defined names used, in order of first use.
    """

    text: str
    line: int
    labels: tuple[str, ...]
    _tree: ast.Expression

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Evaluate on label values (scalars or numpy arrays, for batches of draws).

        Division by zero and overflow give ``inf``/``nan`` as in R, without warnings;
        the inputs are never modified.
        """
        env = {name: np.array(values[name], dtype=float) for name in self.labels}
        with np.errstate(all="ignore"):
            return _evaluate(self._tree.body, env)


def _evaluate(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return np.float64(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp):
        a, b = _evaluate(node.left, env), _evaluate(node.right, env)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if isinstance(node.op, ast.Div):
            return a / b
        return np.power(a, b)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        function = FUNCTIONS[node.func.id][0]
        return function(*(_evaluate(arg, env) for arg in node.args))
    raise TypeError(f"unexpected node {ast.dump(node)}")  # pragma: no cover - checked before


def _error(message: str, line: int, text: str, expected: str, fix: str) -> ModelSpecError:
    return ModelSpecError(message, line=line, found=text, expected=expected, fix=fix)


def _number(token: str, line: int, text: str) -> str:
    digits = token[:-1] if token.endswith("L") else token
    value = float(int(digits, 16)) if digits[:2].lower() == "0x" else float(digits)
    if not np.isfinite(value):
        raise _error(
            "a number in a defined parameter is too large",
            line,
            text,
            "a finite number (at most about 1.8e308)",
            "write a smaller number",
        )
    return repr(value)


def _depth(node: ast.AST) -> int:
    depth, level = 0, [node]
    while level:  # breadth first: no recursion on hostile input
        depth += 1
        level = [child for n in level for child in ast.iter_child_nodes(n)]
    return depth


def compile_expression(text: str, line: int) -> Expression:
    """Parse the right-hand side of ``:=`` into a checked :class:`Expression`.

    Parameters
    ----------
    text : str
        The expression as written (``a*b``, ``a1*b1 - a2*b2``, ``exp(a)/(1 + exp(a))``).
    line : int
        Its line in the model syntax (named by every error).

    Returns
    -------
    Expression

    Raises
    ------
    ModelSpecError
        For anything outside the grammar, a function called with the wrong number of
        arguments or not called, a non-finite constant part, or an expression too long or
        too deeply nested to be a model's.
    """
    if len(text) > _MAX_LENGTH:
        raise _error(
            "a defined parameter is too long",
            line,
            text[:80] + "...",
            f"at most {_MAX_LENGTH} characters",
            "split it into several ':=' lines",
        )
    names: dict[str, str] = {}
    pieces: list[str] = []
    position = 0
    source = text.replace("^", "**")
    for match in _TOKEN.finditer(source):
        pieces.append(source[position : match.start()])
        position = match.end()
        kind, token = match.lastgroup, match.group(0)
        if kind in ("hex", "num"):
            pieces.append(_number(token, line, text))
        elif kind == "name" and token in FUNCTIONS:
            pieces.append(token)
        elif kind == "name":
            # every label becomes a Python name of ours: dots, keywords and clashes are safe
            pieces.append(names.setdefault(token, f"L{len(names)}_"))
        else:
            pieces.append("@@")  # a stray dot: a syntax error below
    pieces.append(source[position:])
    try:
        tree = ast.parse("".join(pieces).strip(), mode="eval")
        too_deep = _depth(tree) > _MAX_DEPTH
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise _error(
            "cannot read the expression of a defined parameter",
            line,
            text,
            _EXPECTED,
            "write it as in lavaan, e.g. 'ind := a*b'",
        ) from None
    if too_deep:
        raise _error(
            "a defined parameter is nested too deeply",
            line,
            text if len(text) <= 80 else text[:80] + "...",
            f"at most {_MAX_DEPTH} levels of operations",
            "split it into several ':=' lines",
        )
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS or node.keywords:
                raise _error(
                    "a defined parameter calls something that is not an allowed function",
                    line,
                    text,
                    _EXPECTED,
                    "use only those functions, with positional arguments",
                )
            _, least, most = FUNCTIONS[name]
            if not least <= len(node.args) <= most:
                takes = f"{least} argument" + ("s" if least > 1 else "")
                if most > least:
                    takes = f"{least} or {most} arguments"
                raise _error(
                    "a function in a defined parameter has the wrong number of arguments",
                    line,
                    text,
                    f"{name}() takes {takes}",
                    f"write {name}(x{', base' if most == 2 else ''}), e.g. 'ind := {name}(a)'",
                )
        elif isinstance(node, ast.Name) and node.id in FUNCTIONS and id(node) not in called:
            raise _error(
                f"the function {node.id} is used without an argument",
                line,
                text,
                f"{node.id}(x)",
                f"write {node.id}(...) around what it applies to",
            )
        elif not isinstance(node, _ALLOWED) or (
            isinstance(node, ast.Constant) and not isinstance(node.value, float)
        ):
            raise _error(
                "a defined parameter uses something other than arithmetic on labels",
                line,
                text,
                _EXPECTED,
                "rewrite the expression with those elements only",
            )
    _check_constants(tree, line, text)
    back = {alias: name for name, alias in names.items()}

    class _Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id in back:
                return ast.copy_location(ast.Name(id=back[node.id], ctx=node.ctx), node)
            return node

    renamed = _Rename().visit(tree)
    return Expression(text, line, tuple(names), renamed)


def _check_constants(tree: ast.Expression, line: int, text: str) -> None:
    """Refuse constant parts that are not finite numbers (``1/0``, ``2^5000``)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)) and not any(
            isinstance(n, ast.Name) and n.id not in FUNCTIONS for n in ast.walk(node)
        ):
            with np.errstate(all="ignore"):
                value = _evaluate(node, {})
            if not np.isfinite(value):
                raise _error(
                    f"a constant part of a defined parameter is {value!s}",
                    line,
                    text,
                    "finite numbers (no division by zero, overflow or log of 0)",
                    "correct the numbers in the expression",
                )
