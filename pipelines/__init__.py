"""The ROCU performance pipeline: land, check, standardise, model, serve."""

from pipelines.ast_lock import make_ast_parse_thread_safe

make_ast_parse_thread_safe()  # every process of ours (server, CLI, Dagster) parses on several threads
