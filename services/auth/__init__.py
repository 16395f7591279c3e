"""Identity and permissions: API tokens, OIDC/JWT bearer tokens, roles on experiments and models.

Every service runs this component (`component.AuthComponent`): it owns the `auth` schema (an
event log of its own, published as `mlledger.auth.*`), serves `AuthService`, and, when
authentication is on, authenticates and authorizes every call (`guard.CallGuard`). See
docs/security.md.
"""
