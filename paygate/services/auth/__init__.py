"""Who is calling: launch and access tokens, and the sessions they are exchanged for.

Public to other features and the web: tokens (TokenSigner), sessions (SessionService).
Nothing here is private, so no import-linter contract keeps others out; a private helper
added here gets one."""
