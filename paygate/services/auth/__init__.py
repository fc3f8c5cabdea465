"""Who is calling: launch and access tokens, and the sessions they are exchanged for."""
