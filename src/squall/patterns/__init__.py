"""Event patterns: the JSON matching language of EventBridge rules, Lambda event filters and SNS.

One compiler serves every service that filters events by content:

* Lambda event source mappings (``FilterCriteria``: up to 5 patterns OR'ed),
  https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
* EventBridge rules and pipes (later),
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
* SNS subscription filter policies on the message body (later).

Usage::

    matcher = compile_pattern('{"body": {"RequestCode": ["BBBB"]}}')   # or a dict
    matcher.matches({"body": {"RequestCode": "BBBB"}})                   # True

Invalid patterns raise :class:`PatternError` (a ``ValueError``) whose message is the reason
AWS's rule engine gives (``Unrecognized match type foo``, ``Empty arrays are not allowed`` …);
each service wraps it in its own error (EventBridge: ``InvalidEventPatternException: Event
pattern is not valid. Reason: …``).

Layout: :mod:`.compiler` checks a pattern and turns it into branches of field rules,
:mod:`.rules` holds the leaf operators, :mod:`.matcher` walks an event against the branches.
"""

from __future__ import annotations

from squall.patterns.compiler import PatternError, compile_pattern
from squall.patterns.matcher import Matcher

__all__ = ["Matcher", "PatternError", "compile_pattern"]
