"""Signatures without annotations, to compare a compiled callable with its
twin (Cython's text signatures carry no annotations)."""

import inspect


def plain_signature(obj) -> str:
    sig = inspect.signature(obj)
    params = [
        p.replace(annotation=inspect.Parameter.empty)
        for p in sig.parameters.values()
    ]
    return str(sig.replace(parameters=params, return_annotation=sig.empty))
