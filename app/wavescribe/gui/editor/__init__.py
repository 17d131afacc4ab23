"""The editor: the timeline above the segment list, one undo stack, playback, find and replace."""
