"""Exchange on-premises through EWS (service account with ApplicationImpersonation)."""
