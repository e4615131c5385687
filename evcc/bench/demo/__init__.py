"""The bench walk-through behind ``evcc demo``.

``context`` (what steps share), ``report`` (what a step found), one module per step
(``pki``, ``keystore``, ``slac``, ``exi``) and ``run`` (the steps in order and the runner).
Step modules import ``context`` and ``report`` only; ``run`` imports the steps.
"""
