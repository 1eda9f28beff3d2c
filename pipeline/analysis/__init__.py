"""The contract between the coordinator and the analyzers, and the catalog that finds them.

The analyzers live in ``workers/``; the coordinator only needs this structural contract,
so dependencies keep pointing downwards (workers -> pipeline -> schemas).
"""
