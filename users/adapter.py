from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is open to anyone; the hook exists so the policy has one home."""

    def is_open_for_signup(self, request) -> bool:
        return True
