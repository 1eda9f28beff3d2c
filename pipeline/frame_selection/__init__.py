"""Frame selection for encode comparisons: which frames to compare and why (Dark,
Bright, Motion, User, Random), persisted as ``generated.selection.v1.json`` and
``generated.compframes`` beside the video's other outputs."""
