"""A stand-in for ID-porten: django-oauth-toolkit's OpenID provider in its own process.

tests/accounts/test_oidc.py starts it with `python -m tests.accounts.oidc_provider.serve` on a
free port of 127.0.0.1 and signs in through it exactly as a citizen signs in through ID-porten.
"""
