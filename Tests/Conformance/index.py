"""src/scenarios/client/auth/index.ts: the scenario lists, in the suite's order, the six extension
scenarios (extensionScenariosList, `--suite extensions`) included."""
from .scenarios import discovery_metadata, dpop, token_endpoint_auth
from .scenarios.client_credentials import ClientCredentialsBasicScenario, ClientCredentialsJwtScenario
from .scenarios.enterprise_managed_authorization import EnterpriseManagedAuthorizationScenario
from .scenarios.wif_jwt_bearer import WifJwtBearerScenario
from .scenarios.authorization_server_migration import AuthorizationServerMigrationScenario
from .scenarios.basic_cimd import AuthBasicCIMDScenario
from .scenarios.issuer_parameter import (IssParameterNormalizedVariantScenario, IssParameterNotAdvertisedScenario,
                                         IssParameterSupportedMissingScenario, IssParameterSupportedScenario,
                                         IssParameterUnexpectedScenario, IssParameterWrongIssuerScenario,
                                         MetadataIssuerMismatchScenario)
from .scenarios.march_spec_backcompat import (Auth20250326OAuthMetadataBackcompatScenario,
                                              Auth20250326OEndpointFallbackScenario)
from .scenarios.offline_access import OfflineAccessNotSupportedScenario, OfflineAccessScopeScenario
from .scenarios.pre_registration import PreRegistrationScenario
from .scenarios.resource_mismatch import ResourceMismatchScenario
from .scenarios.scope_handling import (ScopeFromScopesSupportedScenario, ScopeFromWwwAuthenticateScenario,
                                       ScopeOmittedWhenUndefinedScenario, ScopeRetryLimitScenario,
                                       ScopeStepUpAuthScenario)

# factories, so every run gets fresh scenario state
AUTH = [*discovery_metadata.SCENARIOS, AuthBasicCIMDScenario, ScopeFromWwwAuthenticateScenario,
        ScopeFromScopesSupportedScenario, ScopeOmittedWhenUndefinedScenario, ScopeStepUpAuthScenario,
        ScopeRetryLimitScenario, *token_endpoint_auth.SCENARIOS, PreRegistrationScenario]
BACKCOMPAT = [Auth20250326OAuthMetadataBackcompatScenario, Auth20250326OEndpointFallbackScenario]
DRAFT = [ResourceMismatchScenario, OfflineAccessScopeScenario, OfflineAccessNotSupportedScenario,
         AuthorizationServerMigrationScenario, IssParameterSupportedScenario, IssParameterNotAdvertisedScenario,
         IssParameterSupportedMissingScenario, IssParameterWrongIssuerScenario, IssParameterUnexpectedScenario,
         IssParameterNormalizedVariantScenario, MetadataIssuerMismatchScenario]
# auth/dpop (no nonce), then auth/dpop-nonce
EXTENSION = [ClientCredentialsJwtScenario, ClientCredentialsBasicScenario, EnterpriseManagedAuthorizationScenario,
             *dpop.SCENARIOS, WifJwtBearerScenario]


def all_scenarios():
    """(suite, factory) for every scenario."""
    return ([("core", f) for f in AUTH] + [("back-compat", f) for f in BACKCOMPAT] + [("draft", f) for f in DRAFT]
            + [("extension", f) for f in EXTENSION])
