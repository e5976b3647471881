"""A LIQ_ function's answer as a trader reads it: error cells with ``LIQ_WHY``'s sentence beside them.

Excel shows a bad row as the ``#VALUE!`` error value; the sentence is one step away, in ``LIQ_WHY``
with the same arguments. :func:`shown` makes both calls and joins them into the text a test can
compare (``"#VALUE! leverage 'ten' is not a leverage; …"``), after checking that the two agree: the
error cells and only those have a sentence, and ``LIQ_WHY`` says ``ok`` when nothing is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from excel_addin import udfs
from excel_addin._errors import ALL_FINE, ERROR

__all__ = ["shown"]


def shown(function: Callable[..., list[list[Any]]], *args: Any) -> list[list[Any]]:
    """Call ``function(*args)`` and ``LIQ_WHY(name, *args)``; error cells come back with their sentence."""
    values = function(*args)
    reasons = udfs.LIQ_WHY(function.__name__, *args)
    errors = [[cell == ERROR for cell in row] for row in values]
    if not any(map(any, errors)):
        assert reasons == [[ALL_FINE]], reasons
        return values
    assert [len(row) for row in reasons] == [len(row) for row in values], (values, reasons)
    joined = []
    for value_row, reason_row, error_row in zip(values, reasons, errors, strict=True):
        for reason, is_error in zip(reason_row, error_row, strict=True):
            assert bool(reason) == is_error, (value_row, reason_row)
        joined.append([f"{ERROR} {reason}" if is_error else value for value, reason, is_error in
                       zip(value_row, reason_row, error_row, strict=True)])  # fmt: skip
    return joined
