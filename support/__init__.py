"""What the test suite and the benches both build on: synthetic media, a scripted
analyzer, probing a file the way a run sees it. Not part of the installed package."""
