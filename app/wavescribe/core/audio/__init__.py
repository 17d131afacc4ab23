"""Audio in: probe and decode any media file to 16 kHz mono, its peak pyramid, where it is quiet."""
