"""The `ventanilla` command: operators, the terminal simulator, the dev server, an embedded Redis."""
