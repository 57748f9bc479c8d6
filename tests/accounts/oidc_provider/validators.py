"""ID tokens with ID-porten's `pid` (identity number) and `acr` (level of assurance)."""

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from . import settings as provider


class IdPortenLikeValidator(OAuth2Validator):
    # Without an entry here django-oauth-toolkit leaves a claim out of the token.
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "pid": "openid", "acr": "openid"}

    def get_additional_claims(self, request: Any) -> dict[str, str]:
        return dict(provider.CLAIMS[request.user.username])
