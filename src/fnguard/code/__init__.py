"""Python source analysis: taint from the event to sinks, secrets in code, and boto3 calls.

One module per concern:

- :mod:`~fnguard.code.modules` parses a code directory once per scan (``code_index(root,
  context.cache)``), lazily as imports reach files, and resolves names through imports
  (``CodeIndex.qualified_name``, ``CodeIndex.function``). Every analysis of code shares it.
- :mod:`~fnguard.code.sources`, :mod:`~fnguard.code.sinks`, :mod:`~fnguard.code.sanitizers`
  are tables: where attacker data enters, where it must not arrive, what makes it safe.
- :mod:`~fnguard.code.taint` computes one summary per function and the flows of each entry
  point (``analyze_module``).
- :mod:`~fnguard.code.secrets` finds keys, tokens and secret-named literals.
- ``boto3_calls`` extracts the AWS calls a function makes, for IAM.

The FG4xx rules that report these live in :mod:`fnguard.analyze.code`.
"""
